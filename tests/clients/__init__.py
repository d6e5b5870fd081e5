"""Tests of clients, contacts, assignments and service packages."""
