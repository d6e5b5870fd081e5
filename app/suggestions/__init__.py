"""Assignment suggestions: skill tags on VAs, SOPs and clients, and the ranking of eligible
VAs (skills, free capacity, overlap with the client's hours, first-pass yield)."""
