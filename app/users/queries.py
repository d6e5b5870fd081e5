"""Read side of the users domain."""
