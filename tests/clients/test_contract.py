"""Contract terms of a client: edited by owners and managers on the client page (audited
as a client change), read by the client's VAs, by its contacts in the portal and in the API."""

from __future__ import annotations

import datetime as dt

from app.audit.models import AuditEvent
from app.clients.models import Client
from tests.intake.support import rows
from tests.work.support import api, make_desk, web


def _terms(**overrides) -> dict:
    data = {
        "scope": "Inbox zero every weekday; a monthly report.",
        "deposit_percent": "30",
        "net_days": "14",
        "response_time_hours": "8",
        "confidentiality": "mutual_nda",
        "confidentiality_notes": "Signed 2027-01-10.",
        "termination_notice_days": "30",
        "contract_starts_on": "2027-02-01",
    }
    data.update(overrides)
    return data


def test_managers_edit_the_contract_and_it_is_audited(app):
    desk = make_desk()
    url = f"/{desk.slug}/clients/{desk.client.id}/contract"
    resp = web(app, desk.manager).post(url, data=_terms())
    assert resp.status_code == 302
    (client,) = rows(Client, id=desk.client.id)
    assert (client.deposit_percent, client.net_days, client.response_time_hours) == (30, 14, 8)
    assert client.confidentiality == "mutual_nda" and client.termination_notice_days == 30
    assert client.contract_starts_on == dt.date(2027, 2, 1)
    (event,) = rows(AuditEvent, action="client.updated")
    assert event.after["termination_notice_days"] == 30 and "scope" in event.after
    body = api(app, desk.owner).get(f"/clients/{desk.client.id}").get_json()
    assert body["confidentiality"] == "mutual_nda" and body["contract_starts_on"] == "2027-02-01"


def test_bad_terms_are_refused_naming_the_field(app):
    desk = make_desk()
    url = f"/{desk.slug}/clients/{desk.client.id}/contract"
    for change, field in (
        ({"termination_notice_days": "-1"}, "termination_notice_days"),
        ({"confidentiality": "whisper"}, "confidentiality"),
        ({"contract_starts_on": "2027-02-30"}, "contract_starts_on"),
        ({"deposit_percent": "101"}, "deposit_percent"),
    ):
        resp = web(app, desk.owner).post(url, data=_terms(**change))
        assert resp.status_code == 422 and f'data-field-error="{field}"' in resp.get_data(
            as_text=True
        )
    assert rows(AuditEvent, action="client.updated") == []
    resp = api(app, desk.owner).patch(
        f"/clients/{desk.client.id}", json={"termination_notice_days": 400}
    )
    assert resp.status_code == 422 and "termination_notice_days" in resp.get_json()["errors"]


def test_vas_and_the_client_read_the_terms_others_cannot_edit(app):
    desk = make_desk()
    web(app, desk.owner).post(f"/{desk.slug}/clients/{desk.client.id}/contract", data=_terms())
    detail = f"/{desk.slug}/clients/{desk.client.id}"
    va_page = web(app, desk.va).get(detail).get_data(as_text=True)
    assert "Inbox zero every weekday" in va_page and "Mutual NDA" in va_page
    assert f"{detail}/contract" not in va_page
    portal = web(app, desk.contact).get(f"/{desk.slug}/portal").get_data(as_text=True)
    assert 'data-testid="contract"' in portal and "Inbox zero every weekday" in portal
    for member in (desk.va, desk.qa, desk.contact):
        resp = web(app, member).post(f"{detail}/contract", data=_terms(net_days="60"))
        assert resp.status_code == 403
    (client,) = rows(Client, id=desk.client.id)
    assert client.net_days == 14
