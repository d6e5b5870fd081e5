"""The kinds of notification a person can choose how to receive.

Each email Baton sends as a notification names its kind (`queue_email(notice=...)`); the
person's choice for that kind then decides: by email at once (`now`, the default), in one
daily summary (`daily`), or not at all (`off`). Staff and client logins see the kinds of
their audience. Owners cannot switch security mail off: it is always sent at once.

Mail that is not a notification is always sent: invoices and their reminders, the
onboarding packet, payout statements, a reply to the client's own request, and account
mail (invitations, sign-up and password links).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel.speaklater import LazyString

from app.core.translation import lazy_gettext

CHANNELS = ("now", "daily", "off")
CHANNEL_LABELS = {
    "now": lazy_gettext("Email at once"),
    "daily": lazy_gettext("Daily summary"),
    "off": lazy_gettext("Off"),
}


@dataclass(frozen=True)
class Kind:
    code: str
    audience: str  # "staff" or "client"
    label: LazyString
    help: LazyString
    # Roles whose choice is fixed to "now" (they cannot delay or switch it off).
    fixed_for: tuple[str, ...] = ()


KINDS: tuple[Kind, ...] = (
    Kind(
        "work_assigned",
        "staff",
        lazy_gettext("Work assigned to me"),
        lazy_gettext("A work item is given to you."),
    ),
    Kind(
        "review_requested",
        "staff",
        lazy_gettext("Work waiting for my review"),
        lazy_gettext("A VA submits work you review."),
    ),
    Kind(
        "changes_requested",
        "staff",
        lazy_gettext("Changes asked on my work"),
        lazy_gettext("QA or the client asks for changes on your work."),
    ),
    Kind(
        "overdue_work",
        "staff",
        lazy_gettext("Overdue work"),
        lazy_gettext("Open work passes its due time."),
    ),
    Kind(
        "client_messages",
        "staff",
        lazy_gettext("Clients' requests and answers"),
        lazy_gettext("A client sends a request or answers in its thread."),
    ),
    Kind(
        "response_promise",
        "staff",
        lazy_gettext("Response-time warnings"),
        lazy_gettext("A client's message nears or passes the promised answer time."),
    ),
    Kind(
        "time_off",
        "staff",
        lazy_gettext("Time off"),
        lazy_gettext("Someone asks for time off, or your request is decided."),
    ),
    Kind(
        "timesheet_reminders",
        "staff",
        lazy_gettext("Timesheet reminders"),
        lazy_gettext("Your week's timesheet is not submitted yet."),
    ),
    Kind(
        "hour_bank",
        "staff",
        lazy_gettext("Retainer hours"),
        lazy_gettext("A client's retainer hours are nearly or fully used."),
    ),
    Kind(
        "receivables",
        "staff",
        lazy_gettext("Unpaid invoices"),
        lazy_gettext("An invoice is still unpaid after its last reminder."),
    ),
    Kind(
        "security",
        "staff",
        lazy_gettext("Security alerts"),
        lazy_gettext("A login in the vault is revealed, or a member's role changes."),
        fixed_for=("owner",),
    ),
    Kind(
        "waiting_for_you",
        "client",
        lazy_gettext("Things waiting for me"),
        lazy_gettext("Work waiting for your approval, a questionnaire to fill."),
    ),
    Kind(
        "status_digest",
        "client",
        lazy_gettext("Weekly status digest"),
        lazy_gettext("What was delivered, what is in progress and what waits for you."),
    ),
    Kind(
        "client_hour_bank",
        "client",
        lazy_gettext("Retainer hours"),
        lazy_gettext("Your retainer hours are nearly or fully used."),
    ),
    Kind(
        "surveys",
        "client",
        lazy_gettext("Satisfaction questions"),
        lazy_gettext("A short question after a delivery, and once a quarter."),
    ),
)
BY_CODE = {k.code: k for k in KINDS}


def audience_of(role: str) -> str:
    return "client" if role == "client" else "staff"


def kinds_for(role: str) -> list[Kind]:
    """The kinds a member with `role` can receive, in the order of the page."""
    audience = audience_of(role)
    return [k for k in KINDS if k.audience == audience]


def is_fixed(kind: Kind, role: str) -> bool:
    """True when `role` cannot change this kind (owners' security mail)."""
    return role in kind.fixed_for
