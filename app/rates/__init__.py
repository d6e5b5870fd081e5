"""Rates of time: bill rates (what a client pays for an hour) and cost rates (what the agency
pays its people), effective-dated; the agency's time-billing settings (rounding, who sees
costs, billing QA-approved work only); and the invoice line source that bills approved time."""
