"""Retainers: monthly plans per client, the hourly job that drafts their invoices, and a
client's billing page. Uses app.invoices and app.payments (the deposit form on that page)."""
