"""What owners and managers read: the open clocks page, the client page's card, the cockpit
tile and the API (open clocks, figures per client and per VA); nobody else reads them."""

from __future__ import annotations

import time_machine

from app.core.tenancy import all_tenants, tenant
from app.extensions import db
from app.promises.sweep import sweep_response_clocks
from app.work.services import add_comment
from tests.clients.support import api
from tests.factories import WorkItemFactory
from tests.promises.support import HOUR, actor, paris, paris_desk
from tests.work.support import web


def _waiting_desk(traveller):
    desk = paris_desk()
    with tenant(desk.agency.id):
        item = WorkItemFactory(client=desk.client, sop_version=desk.sop_version)
        add_comment(actor(desk.contact), item, {"body": "Any news?"})
    traveller.move_to(paris(2026, 11, 16, 17, 30))
    sweep_response_clocks()
    # The sweep commits (and so expires what the test holds): read the desk back as a whole.
    with all_tenants():
        for obj in (desk.client, desk.agency, desk.va, desk.other_va, desk.owner, item):
            db.session.refresh(obj)
    return desk, item


def test_owners_see_open_clocks_figures_card_and_tile(app):
    with time_machine.travel(paris(2026, 11, 16, 9), tick=False) as traveller:
        desk, item = _waiting_desk(traveller)
        browser = web(app, desk.owner)
        page = browser.get(f"/{desk.slug}/promises")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert html.count('data-testid="clock-row"') == 1 and "Harbour Bakery" in html
        assert "8.0 of 8 h" in html  # business time used stops counting at 17:00
        detail = browser.get(f"/{desk.slug}/clients/{desk.client.id}").get_data(as_text=True)
        assert 'data-testid="promise-card"' in detail
        assert detail.count('data-testid="promise-month"') == 6
        assert "1 breach" in detail
        home = browser.get(f"/{desk.slug}/").get_data(as_text=True)
        tile = home[home.index('data-testid="tile-response_promise"') :].split("</a>")[0]
        assert "Response promises broken this month" in tile and ">1<" in tile.replace(" ", "")

        va = web(app, desk.va)
        assert va.get(f"/{desk.slug}/promises").status_code == 403
        va_detail = va.get(f"/{desk.slug}/clients/{desk.client.id}").get_data(as_text=True)
        assert 'data-testid="promise-card"' not in va_detail
        assert 'data-testid="tile-response_promise"' not in va.get(f"/{desk.slug}/").get_data(
            as_text=True
        )


def test_the_api_lists_open_clocks_and_figures(app):
    with time_machine.travel(paris(2026, 11, 16, 9), tick=False) as traveller:
        desk, item = _waiting_desk(traveller)
        client_api = api(app, desk.manager)
        clocks = client_api.get("/promises/clocks")
        assert clocks.status_code == 200
        (row,) = clocks.get_json()["items"]
        assert (row["thread_kind"], row["thread_id"], row["state"]) == (
            "work_item",
            item.id,
            "running",
        )
        assert row["used_business_seconds"] == 8 * HOUR and row["promised_hours"] == 8
        assert row["breached_at"] is not None

        figures = client_api.get(f"/promises/clients/{desk.client.id}/figures").get_json()
        assert figures["promised_hours"] == 8 and len(figures["months"]) == 6
        assert figures["months"][-1] == {
            "month": "2026-11",
            "answered": 0,
            "median_hours": None,
            "breaches": 1,
        }
        va = client_api.get(f"/promises/vas/{desk.va.id}/figures").get_json()
        assert va["months"][-1]["breaches"] == 1
        other = client_api.get(f"/promises/vas/{desk.other_va.id}/figures").get_json()
        assert other["months"][-1]["breaches"] == 0
        assert client_api.get(f"/promises/vas/{desk.owner.id}/figures").status_code == 404
        assert api(app, desk.va).get("/promises/clocks").status_code == 403
