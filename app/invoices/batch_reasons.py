"""Why a month-end batch did not issue an invoice (or stopped), in the reader's language.

The batch job runs without a reader, so the reasons in its result (and the job's last
error) are stored in English, as before. Where a batch is shown, a reason written from one
of the sentences below is said again in the reader's language, its values (an invoice
number, an error's name) kept; any other text is shown as stored (an unexpected
exception's own words stay as they are, inside the translated "Unexpected error:" frame).
"""

from __future__ import annotations

import re

from app.core.catalogues import N_
from app.core.translation import gettext as _

UNEXPECTED = N_("Unexpected error: %(error)s")
OWNER_GONE = N_("The owner who started this batch can no longer issue invoices.")
# What issuing a draft may refuse with (app.invoices.services.issue_invoice), and ours.
KNOWN = (
    UNEXPECTED,
    OWNER_GONE,
    N_("%(invoice)s is already issued."),
    N_("Add at least one line before issuing."),
    N_("The total is negative; an invoice must be zero or more."),
)
_NAMED = re.compile(r"%\((\w+)\)s")
# "app.core.jobs.runner.PermanentFailure: ..." as the job runner stores an exception.
_EXCEPTION_NAME = re.compile(r"^[A-Za-z_][\w.]*: ")


def english(template: str, **values: str) -> str:
    """The stored form of a reason: the English sentence with its values."""
    return template % values


def _pattern(template: str) -> re.Pattern:
    parts = _NAMED.split(template)
    return re.compile(
        "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
        + r"\Z",
        re.S,
    )


_PATTERNS = [(template, _pattern(template)) for template in KNOWN]


def shown_reason(reason: str | None) -> str:
    """A stored reason in the reader's language where it is one of ours."""
    for template, pattern in _PATTERNS:
        if reason and (found := pattern.match(reason)):
            return _(template, **found.groupdict())
    return reason or ""


def shown_error(error: str | None) -> str | None:
    """The job's last error (an exception as the runner stores it) in the reader's
    language where its message is one of ours; anything else as stored."""
    if not error:
        return error
    message = _EXCEPTION_NAME.sub("", error, count=1)
    shown = shown_reason(message)
    return shown if shown != message else error
