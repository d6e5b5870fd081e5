"""Exports domain: CSV exports built by a background job with a progress bar."""
