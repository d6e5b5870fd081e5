"""Agencies domain."""
