"""Who sees what on the calendar: owners and managers the agency, a VA their own assigned
work, a QA reviewer the work they review, client contacts nothing (403); invoices only for
the roles that see invoices; filters only within what one may see; tenant walls."""

from __future__ import annotations

import pytest

from tests.calendar.support import make_cal_team
from tests.clients.support import api, web

MARCH = "/calendar/events?start=2026-03-01&end=2026-03-31"


def _titles(resp, kind: str | None = None) -> set[str]:
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return {e["title"] for e in resp.get_json()["events"] if kind is None or e["kind"] == kind}


@pytest.mark.parametrize("role", ["owner", "manager"])
def test_owners_and_managers_see_every_deadline_and_invoice(app, ct, role):
    resp = api(app, getattr(ct, role)).get(MARCH)
    assert _titles(resp, "work_due") == {
        "Payroll run",
        "Recall letters",
        "Quarterly review",
        "Late bookkeeping",
    }
    assert _titles(resp, "invoice_due") == {f"Invoice {ct.invoice.number} due"}
    stages = _titles(resp, "stage_due")
    assert "Prepare: Recall letters" in stages and "Send: Payroll run" in stages


def test_a_va_sees_only_their_own_assigned_work_and_no_money(app, ct):
    resp = api(app, ct.va).get(MARCH)
    assert _titles(resp, "work_due") == {"Payroll run", "Late bookkeeping"}
    assert _titles(resp, "invoice_due") == set()
    assert all("Recall" not in t and "Quarterly" not in t for t in _titles(resp))


def test_a_va_no_longer_on_the_client_sees_none_of_its_work(app, ct):
    from app.clients.models import Assignment
    from app.core.tenancy import tenant
    from app.extensions import db
    from tests.calendar.support import TODAY

    with tenant(ct.agency.id):
        for a in db.session.query(Assignment).filter_by(membership_id=ct.va.id):
            a.ends_on = TODAY.replace(day=1)
        db.session.flush()
    assert _titles(api(app, ct.va).get(MARCH)) == set()


def test_a_qa_reviewer_sees_the_work_they_review(app, ct):
    resp = api(app, ct.qa).get(MARCH)
    assert _titles(resp, "work_due") == {"Quarterly review"}
    assert _titles(resp, "invoice_due") == set()


def test_a_client_contact_has_no_calendar(app, ct):
    assert web(app, ct.contact).get(f"/{ct.slug}/calendar").status_code == 403
    assert api(app, ct.contact).get(MARCH).status_code == 403
    assert api(app, ct.contact).post("/calendar/feed").status_code == 403


def test_the_page_shows_the_same_as_the_api(app, ct):
    html = web(app, ct.va).get(f"/{ct.slug}/calendar?date=2026-03-11").get_data(as_text=True)
    assert "Payroll run" in html and "Late bookkeeping" in html
    assert "Recall letters" not in html and ct.invoice.number not in html


def test_filters_narrow_by_person_client_and_kind(app, ct):
    owner = api(app, ct.owner)
    resp = owner.get(f"{MARCH}&member={ct.other_va.id}")
    assert _titles(resp, "work_due") == {"Recall letters", "Quarterly review"}
    assert _titles(resp, "invoice_due") == set()  # an invoice is nobody's
    resp = owner.get(f"{MARCH}&client={ct.client.id}")
    assert _titles(resp, "work_due") == {"Payroll run", "Late bookkeeping"}
    assert _titles(resp, "invoice_due") == {f"Invoice {ct.invoice.number} due"}
    resp = owner.get(f"{MARCH}&kind=invoice_due")
    assert {e["kind"] for e in resp.get_json()["events"]} == {"invoice_due"}
    # a VA may name themselves
    assert _titles(api(app, ct.va).get(f"{MARCH}&member={ct.va.id}"), "work_due") == {
        "Payroll run",
        "Late bookkeeping",
    }


def test_a_va_may_not_look_at_someone_else_or_another_client(app, ct):
    va = api(app, ct.va)
    resp = va.get(f"{MARCH}&member={ct.other_va.id}")
    assert resp.status_code == 422 and "member" in resp.get_json()["errors"]
    resp = va.get(f"{MARCH}&client={ct.other_client.id}")
    assert resp.status_code == 422 and "client" in resp.get_json()["errors"]
    page = web(app, ct.va).get(f"/{ct.slug}/calendar?member={ct.other_va.id}")
    assert page.status_code == 422
    assert "Pick a person from the list." in page.get_data(as_text=True)


def test_another_agencys_client_or_person_is_refused_and_shows_nothing(app, ct):
    other = make_cal_team()
    owner = api(app, ct.owner)
    for field, value in (("client", other.client.id), ("member", other.va.id)):
        resp = owner.get(f"{MARCH}&{field}={value}")
        assert resp.status_code == 422 and field in resp.get_json()["errors"]
    # each owner sees only their own agency's work (same titles, different ids)
    ours = {e["uid"] for e in owner.get(MARCH).get_json()["events"]}
    theirs = {e["uid"] for e in api(app, other.owner).get(MARCH).get_json()["events"]}
    assert ours and theirs and not ours & theirs
    page = web(app, other.owner).get(f"/{other.slug}/calendar?date=2026-03-11")
    assert f"/{ct.slug}/" not in page.get_data(as_text=True)
