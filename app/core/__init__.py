"""Shared plumbing used by every domain: database, tenancy, permissions, errors, mail."""
