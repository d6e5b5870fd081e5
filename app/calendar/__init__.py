"""The master calendar: deadlines of every kind in month and week views, and a per-person
iCalendar feed. Kinds of events come from sources registered in `app.calendar.registry`."""
