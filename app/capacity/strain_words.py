"""The strain signals said in the reader's language: the badges of each person's row on the
team heat map (a short text and the why, for the tooltip and screen readers).

A team page has a row per person and most rows repeat the same few numbers, so each distinct
text is translated once per page, not once per row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.capacity.strain import OUTSIDE_DAYS, Strain
from app.core.formatting import format_number
from app.core.translation import gettext as _
from app.core.translation import ngettext


@dataclass(frozen=True)
class Badge:
    testid: str
    tone: str  # a Bootstrap colour: danger, warning
    icon: str  # a Bootstrap icon
    text: str
    why: str


def strain_badges(
    signals: dict[int, Strain], duration: Callable[[int], str]
) -> dict[int, list[Badge]]:
    """The badges of each person with a strain signal (none for the others); `duration`
    writes minutes (app.core.formatting.duration_formatter)."""
    said: dict[tuple, str] = {}

    def once(key: tuple, say: Callable[[], str]) -> str:
        if key not in said:
            said[key] = say()
        return said[key]

    def number(value: int) -> str:
        return once(("number", value), lambda: format_number(value))

    out: dict[int, list[Badge]] = {}
    for mid, s in signals.items():
        badges: list[Badge] = []
        if s.over_capacity:
            run = max(s.weeks_over_ahead, s.weeks_over_past)
            ahead, past = number(s.weeks_over_ahead), number(s.weeks_over_past)
            badges.append(
                Badge(
                    "strain-over",
                    "danger",
                    "fire",
                    once(
                        ("over", run),
                        lambda run=run: ngettext("%(num)d week over", "%(num)d weeks over", run),
                    ),
                    once(
                        ("over-why", ahead, past),
                        lambda ahead=ahead, past=past: _(
                            "Over capacity %(ahead)s weeks in a row from this week (planned "
                            "hours) and %(past)s past weeks in a row (logged hours).",
                            ahead=ahead,
                            past=past,
                        ),
                    ),
                )
            )
        if s.outside_hours:
            time = duration(s.outside_minutes)
            badges.append(
                Badge(
                    "strain-outside",
                    "warning",
                    "moon-stars",
                    once(
                        ("outside", time), lambda time=time: _("%(time)s outside hours", time=time)
                    ),
                    once(
                        ("outside-why", time),
                        lambda time=time: _(
                            "%(time)s logged outside their working hours (in their own time "
                            "zone) in the last %(days)s days.",
                            time=time,
                            days=number(OUTSIDE_DAYS),
                        ),
                    ),
                )
            )
        if s.overdue_piling:
            now, then = number(s.overdue), number(s.overdue_week_ago)
            badges.append(
                Badge(
                    "strain-overdue",
                    "danger" if s.overdue_growing else "warning",
                    "hourglass-bottom",
                    once(
                        ("overdue", s.overdue),
                        lambda n=s.overdue: ngettext("%(num)d overdue", "%(num)d overdue", n),
                    ),
                    once(
                        ("overdue-why", now, then),
                        lambda now=now, then=then: _(
                            "%(now)s open work items past due, %(then)s a week ago.",
                            now=now,
                            then=then,
                        ),
                    ),
                )
            )
        if badges:
            out[mid] = badges
    return out
