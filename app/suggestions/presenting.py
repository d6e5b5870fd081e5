"""The reasons beside each suggested VA, as sentences in the reader's language."""

from __future__ import annotations

from app.core.formatting import format_day, format_number
from app.core.translation import gettext, ngettext
from app.suggestions.ranking import Suggestion


def _one_decimal(value: float) -> str:
    """Hours with one decimal, in the reader's digits and separator."""
    return format_number(round(value, 1), pattern="#,##0.0")


def reasons(s: Suggestion) -> list[str]:
    """Skills, free capacity, overlap and first-pass yield of one candidate."""
    out: list[str] = []
    if not s.wanted_tags:
        out.append(gettext("No skill tags on this SOP or client"))
    elif s.matched_tags:
        out.append(
            ngettext(
                "%(num)d matching skill: %(tags)s",
                "%(num)d matching skills: %(tags)s",
                len(s.matched_tags),
                tags=", ".join(s.matched_tags),
            )
        )
    else:
        out.append(gettext("No matching skills"))
    out.append(
        gettext(
            "%(hours)s h free until %(day)s",
            hours=_one_decimal(s.free_hours),
            day=format_day(s.window_end),
        )
    )
    out.append(gettext("%(hours)s h/day overlap", hours=_one_decimal(s.overlap_hours)))
    if s.fpy_percent is None:
        out.append(gettext("No QA approvals yet"))
    else:
        out.append(
            ngettext(
                "FPY %(pct)d %% (%(num)d approved)",
                "FPY %(pct)d %% (%(num)d approved)",
                s.approved,
                pct=s.fpy_percent,
            )
        )
    return out
