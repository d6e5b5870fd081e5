"""Schemas of clients, contacts and assignments."""
