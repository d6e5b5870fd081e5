"""Sent mail: the emails Baton wrote for an agency, read by its owner in the embedded default."""
