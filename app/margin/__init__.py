"""Margin: what each client, person and SOP brought in (issued invoices net of credit notes,
tax excluded) against what the work cost (app.rates.costs), per month, in each currency and
in the agency's base currency at the stored exchange rates (app.fx)."""
