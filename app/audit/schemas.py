"""Schemas of the audit log."""
