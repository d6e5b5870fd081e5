"""Submitting a work item too early: the VA stays on the item's own URL, which lists the
open required checklist items once, as a list (not joined by commas, not twice), and the
list follows the checklist as items are ticked."""

from __future__ import annotations

import re

from app.core.tenancy import all_tenants
from app.extensions import db
from tests.work.support import Flow, fetch_item, web

HX = {"HX-Request": "true"}


def _gate_items(html: str) -> list[str]:
    gate = re.search(r'<ul[^>]*data-testid="open-required">(.*?)</ul>', html, re.S)
    assert gate, "no list of open items"
    return [t.strip() for t in re.findall(r"<li>(.*?)</li>", gate.group(1), re.S)]


def test_submitting_too_early_lists_the_open_items_once_on_the_item_page(app, desk):
    flow = Flow(app, desk)
    flow.start()
    va = web(app, desk.va)
    item_url = f"/{desk.slug}/work/{flow.id}"

    resp = va.post(f"{item_url}/submit")
    assert resp.status_code in (302, 303)
    assert resp.headers["Location"] == f"{item_url}#submit-gate"  # the item's URL, not /submit
    html = va.get(item_url).get_data(as_text=True)

    open_items = ["Collect the figures", "Link the draft", "Attach the report"]
    assert _gate_items(html) == open_items
    assert "Not submitted yet: 3 required checklist items are still open" in html
    assert ", ".join(open_items[:2]) not in html  # no comma-joined run, at the top or below
    assert html.count('data-testid="open-required"') == 1
    assert fetch_item(flow.id).state == "in_progress"

    # Ticking an item updates the gate's list in place (htmx out-of-band swap).
    resp = va.post(f"{item_url}/checklist/{flow.ids['collect']}/tick", data={"done": "on"},
                   headers=HX)  # fmt: skip
    assert _gate_items(resp.get_data(as_text=True)) == open_items[1:]


def test_other_refusals_are_shown_once(app, desk):
    """A refusal that is not about the checklist (no QA reviewer) appears once."""
    flow = Flow(app, desk)
    flow.start()
    flow.complete_checklist()
    with all_tenants():
        fetch_item(flow.id).reviewer_id = None  # e.g. the reviewer left the agency
        db.session.flush()
    va = web(app, desk.va)
    resp = va.post(f"/{desk.slug}/work/{flow.id}/submit")
    assert resp.status_code == 409
    html = resp.get_data(as_text=True)
    assert html.count("This work item has no QA reviewer") == 1
