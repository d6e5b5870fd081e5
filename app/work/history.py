"""The text of a work item's history entries, in the reader's language.

Entries the server writes (a checklist item ticked, evidence added or removed, sent to the
client) keep an English `body` for exports and old rows, and since this module their
`data` holds what the sentence needs (the checklist item's text, the link, the file name):
the page builds the sentence from it in the reader's language, naming the checklist item as
the reader reads its SOP. Ticking entries written before are built the same way (they hold
the item's key); older evidence entries keep showing their stored English. Comments and
review notes are people's own words."""

from __future__ import annotations

from collections.abc import Mapping

from markupsafe import Markup, escape

from app.core.catalogues import N_
from app.core.translation import gettext
from app.work.models import WorkEvent

SENT_TO_CLIENT = N_("Sent to the client for approval.")
_FIXED = {SENT_TO_CLIENT}


def _checklist(data: dict, item: str) -> str:
    if data.get("done"):
        return gettext("Ticked: %(item)s", item=item)
    return gettext("Unticked: %(item)s", item=item)


def _evidence(data: dict, item: str) -> str:
    if data.get("removed"):
        if data.get("unticked"):
            return gettext("Evidence removed from %(item)s (unticked)", item=item)
        return gettext("Evidence removed from %(item)s", item=item)
    if data.get("filename"):
        return gettext("Evidence for %(item)s: the file %(name)s", item=item, name=data["filename"])
    if data.get("link"):
        return gettext("Evidence for %(item)s: %(link)s", item=item, link=data["link"])
    return gettext("Evidence for %(item)s: a note", item=item)


def history_body(event: WorkEvent, texts: Mapping[str, str] | None = None) -> Markup | None:
    """The entry's text as safe HTML (None when it has none). `texts`: the checklist
    items' texts as the reader reads them (app.sops.localize.item_texts), by key; a
    ticking entry from before `text` was stored is named from them too."""
    data = event.data or {}
    item = (texts or {}).get(data.get("item_key")) or data.get("text")
    if event.kind == "checklist" and item and "done" in data:
        return escape(_checklist(data, item))
    if event.kind == "evidence" and item and "text" in data:
        return escape(_evidence(data, item))
    if event.body in _FIXED:
        return escape(gettext(event.body))
    return Markup(event.body) if event.body else None  # noqa: S704 - sanitized when stored
