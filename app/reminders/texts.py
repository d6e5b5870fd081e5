"""What the reminder pages say in the reader's language where the domain keeps English
(the API and the stored records): why no reminder may go out, why a step was skipped."""

from __future__ import annotations

import re
from collections.abc import Callable

from app.core.translation import gettext, lazy_gettext

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


# Why a step was skipped, as stored on its record (English), as the page says it.
SKIP_REASONS = {
    "Scheduled before the invoice was issued.": lazy_gettext(
        "Scheduled before the invoice was issued."
    ),
    "A later step had already gone out.": lazy_gettext("A later step had already gone out."),
    "No contact of the client has an email address.": lazy_gettext(
        "No contact of the client has an email address."
    ),
}
_MISSED = re.compile(
    r"Missed while reminders were not running; only the latest due step \((.+)\) is sent\."
)
_OFFSET = re.compile(r"(\d+) days? (before|after) due")


def _offset(label: str) -> int | None:
    """The offset an English step label names ('3 days before due' -> -3)."""
    if label == "on the due date":
        return 0
    found = _OFFSET.fullmatch(label)
    if found is None:
        return None
    return int(found[1]) * (-1 if found[2] == "before" else 1)


def skip_reason_text(reason: str | None, step_label: Callable[[int], str]) -> str | None:
    """A stored skip reason in the reader's language (`step_label`: a step offset's label in
    that language); one this module does not know is shown as stored."""
    if reason is None:
        return None
    if reason in SKIP_REASONS:
        return str(SKIP_REASONS[reason])
    missed = _MISSED.fullmatch(reason)
    offset = _offset(missed[1]) if missed else None
    if offset is not None:
        return gettext(
            "Missed while reminders were not running; only the latest due step (%(step)s) is sent.",
            step=step_label(offset),
        )
    return reason
