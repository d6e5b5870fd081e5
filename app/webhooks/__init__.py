"""Outgoing webhooks: endpoints an agency owner registers, and signed deliveries of events."""
