"""Payments: payments and refunds on issued invoices, deposit invoices and their deduction,
receivables (what is owed, by age and currency) and the money overview of the dashboard.
Uses app.invoices; nothing in app.invoices uses it."""
