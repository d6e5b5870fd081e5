"""Intake questionnaires: what the agency asks a new client, versioned, and their answers."""
