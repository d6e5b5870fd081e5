"""Tests of the users domain: accounts, sessions, the team, invitations and the API."""
