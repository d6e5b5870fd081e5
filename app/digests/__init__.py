"""Weekly status digests to clients: the agency's send day and time, each client's pause,
the digests sent (one per client and week) and the periodic sweep that sends them."""
