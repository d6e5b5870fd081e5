"""Payment reminders: the ladder of steps, their message templates, the send schedule in the
client's business days, the sweep job, and reminders sent by hand. Uses app.invoices."""
