"""Read side of the audit log."""
