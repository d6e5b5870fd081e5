"""Forecast: the revenue the next months should bring (retainers, open drafts) and the cash
expected from what clients owe, dated by each client's habit of paying; in the agency's base
currency at the stored exchange rates, beside the payments of the last twelve months."""
