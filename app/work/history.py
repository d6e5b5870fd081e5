"""The text of a work item's history entries, in the reader's language.

Entries the server writes (a checklist item ticked, evidence added or removed, sent to the
client) keep an English `body` for exports and old rows, and since this module their
`data` holds what the sentence needs (the checklist item's text, the link, the file name):
the page builds the sentence from it in the reader's language. Rows written before keep
showing their stored English; comments and review notes are people's own words."""

from __future__ import annotations

from flask_babel import gettext
from markupsafe import Markup, escape

from app.core.catalogues import N_
from app.work.models import WorkEvent

SENT_TO_CLIENT = N_("Sent to the client for approval.")
_FIXED = {SENT_TO_CLIENT}


def _checklist(data: dict) -> str:
    if data.get("done"):
        return gettext("Ticked: %(item)s", item=data["text"])
    return gettext("Unticked: %(item)s", item=data["text"])


def _evidence(data: dict) -> str:
    item = data["text"]
    if data.get("removed"):
        if data.get("unticked"):
            return gettext("Evidence removed from %(item)s (unticked)", item=item)
        return gettext("Evidence removed from %(item)s", item=item)
    if data.get("filename"):
        return gettext("Evidence for %(item)s: the file %(name)s", item=item, name=data["filename"])
    if data.get("link"):
        return gettext("Evidence for %(item)s: %(link)s", item=item, link=data["link"])
    return gettext("Evidence for %(item)s: a note", item=item)


def history_body(event: WorkEvent) -> Markup | None:
    """The entry's text as safe HTML (None when it has none)."""
    data = event.data or {}
    if event.kind == "checklist" and "text" in data:
        return escape(_checklist(data))
    if event.kind == "evidence" and "text" in data:
        return escape(_evidence(data))
    if event.body in _FIXED:
        return escape(gettext(event.body))
    return Markup(event.body) if event.body else None  # noqa: S704 - sanitized when stored
