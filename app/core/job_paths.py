"""Job functions that moved: outbox rows store the dotted path of the function they run, so a
row queued (or scheduled for a retry) before an upgrade still names the old place. `resolve`
reads the new place from here. Add a line whenever a job function moves; never remove one
(a retry can be scheduled days ahead, and a restored backup can be older still)."""

from __future__ import annotations

MOVED: dict[str, str] = {
    # Issue #10: the billing packages left app.invoices.
    "app.invoices.documents.render_and_send": "app.documents.services.render_and_send",
    "app.invoices.reminder_sweep.sweep_reminders": "app.reminders.sweep.sweep_reminders",
    "app.invoices.retainers.generate_retainer_drafts": (
        "app.retainers.services.generate_retainer_drafts"
    ),
}


def current_path(func: str) -> str:
    """Where the job function named `func` lives now."""
    return MOVED.get(func, func)
