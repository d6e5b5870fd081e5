"""Jobs domain: the owner's view of the agency's background work."""
