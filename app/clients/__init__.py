"""Clients domain."""
