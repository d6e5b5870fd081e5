"""What the reminder pages say in the reader's language where the domain keeps English
(the API and the stored records): why no reminder may go out."""

from __future__ import annotations

from flask_babel import lazy_gettext

# Why no reminder may go out (English in the API and the records), as the page says it.
BLOCK_REASONS = {
    "Credit notes are not chased.": lazy_gettext("Credit notes are not chased."),
    "Drafts are not sent, so they are not chased.": lazy_gettext(
        "Drafts are not sent, so they are not chased."
    ),
    "Paid.": lazy_gettext("Paid."),
    "Void.": lazy_gettext("Void."),
    "Nothing left to pay.": lazy_gettext("Nothing left to pay."),
    "No due date.": lazy_gettext("No due date."),
    "Disputed: no reminders until the dispute is cleared.": lazy_gettext(
        "Disputed: no reminders until the dispute is cleared."
    ),
    "Reminders are paused for this invoice.": lazy_gettext(
        "Reminders are paused for this invoice."
    ),
    "Reminders are paused for this client.": lazy_gettext("Reminders are paused for this client."),
    "Reminders are turned off for the agency.": lazy_gettext(
        "Reminders are turned off for the agency."
    ),
}


def block_reason_text(reason: str | None) -> str | None:
    if reason is None:
        return None
    return str(BLOCK_REASONS.get(reason, reason))
