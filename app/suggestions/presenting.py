"""The reasons beside each suggested VA, as sentences in the reader's language."""

from __future__ import annotations

from app.core.formatting import format_day
from app.core.translation import gettext, ngettext
from app.suggestions.ranking import Suggestion


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
            "%(hours).1f h free until %(day)s",
            hours=s.free_hours,
            day=format_day(s.window_end),
        )
    )
    out.append(gettext("%(hours).1f h/day overlap", hours=round(s.overlap_hours, 1)))
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
