"""SOPs domain: standard operating procedures, versioned and immutable once saved."""
