"""The invoices JSON API: the same rules and messages as the pages (409 for an illegal
state, 422 naming the field), amounts as minor units plus currency and formatted strings,
and the same visibility (client contacts: their own issued invoices; VAs and QA: none)."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.invoices.models import Invoice, InvoiceLine
from app.payments.models import Payment
from tests.clients.support import api, count_rows
from tests.factories import ClientFactory
from tests.invoices.support import draft, fresh, issued, tax_rate


def test_the_whole_flow_through_the_api(app, team, owner):
    vat = tax_rate(owner, "20")
    db.session.commit()
    owner_api = api(app, team.owner)
    resp = owner_api.post("/invoices", json={"client_id": team.client.id, "net_days": 10})
    assert resp.status_code == 201, resp.json
    body = resp.json
    assert (body["number"], body["status"], body["currency"], body["net_days"]) == (
        None,
        "draft",
        "USD",
        10,
    )
    invoice_id = body["id"]
    resp = owner_api.post(
        f"/invoices/{invoice_id}/lines",
        json={"description": "Calls", "quantity": "2.5", "unit_price_minor": 4000,
              "tax_rate_id": vat.id},
    )  # fmt: skip
    assert resp.status_code == 201, resp.json
    [line] = resp.json["lines"]
    assert (line["net_minor"], line["tax_minor"], line["gross_minor"]) == (10000, 2000, 12000)
    assert line["formatted"] == {
        "unit_price": "$40.00",
        "net": "$100.00",
        "tax": "$20.00",
        "gross": "$120.00",
    }
    resp = owner_api.patch(f"/invoice-lines/{line['id']}", json={"quantity": 3})
    assert resp.json["total_minor"] == 14400
    resp = owner_api.post(f"/invoices/{invoice_id}/issue", json={})
    assert resp.status_code == 200, resp.json
    issued_body = resp.json
    assert issued_body["status"] == "issued" and issued_body["number"].startswith("INV-")
    assert issued_body["formatted"]["balance"] == "$144.00"

    resp = owner_api.post(f"/invoices/{invoice_id}/payments", json={"amount_minor": 4400})
    assert resp.status_code == 201
    assert (resp.json["amount_minor"], resp.json["currency"], resp.json["formatted"]) == (
        4400,
        "USD",
        "$44.00",
    )
    resp = owner_api.post(f"/invoices/{invoice_id}/payments", json={"amount": "100.00"})
    assert resp.status_code == 201
    body = owner_api.get(f"/invoices/{invoice_id}").json
    assert (body["status"], body["balance_minor"], body["paid_minor"]) == ("paid", 0, 14400)
    payments = owner_api.get(f"/invoices/{invoice_id}/payments").json
    assert payments["meta"]["total"] == 2
    assert [p["amount_minor"] for p in payments["items"]] == [10000, 4400]


def test_issued_invoices_are_immutable_in_the_api(app, team, owner):
    invoice = issued(owner, team.client, ("Work", 1, 5000))
    line_id = invoice.lines[0].id
    db.session.commit()
    owner_api = api(app, team.owner)
    message = f"{invoice.number} is issued and can't be edited; issue a credit note instead."
    for method, path, body in (
        ("post", f"/invoices/{invoice.id}/lines", {"description": "x", "unit_price_minor": 1}),
        ("patch", f"/invoice-lines/{line_id}", {"description": "Changed"}),
        ("delete", f"/invoice-lines/{line_id}", None),
        ("patch", f"/invoices/{invoice.id}", {"notes": "Changed"}),
        (
            "post",
            f"/invoices/{invoice.id}/lines/import",
            {"source": "package", "ids": [1]},
        ),
    ):
        resp = getattr(owner_api, method)(path, **({"json": body} if body is not None else {}))
        assert resp.status_code == 409, (method, path, resp.json)
        assert resp.json["message"] == message
    resp = owner_api.delete(f"/invoices/{invoice.id}")
    assert resp.status_code == 409 and "void it instead" in resp.json["message"]
    resp = owner_api.post(f"/invoices/{invoice.id}/issue")
    assert (
        resp.status_code == 409 and resp.json["message"] == f"{invoice.number} is already issued."
    )
    again = fresh(Invoice, invoice.id)
    assert again.notes is None and [ln.description for ln in again.lines] == ["Work"]


def test_422s_name_the_field_and_write_nothing(app, team, owner):
    invoice = issued(owner, team.client, ("Work", 1, 5000))
    unissued = draft(owner, team.client)
    db.session.commit()
    owner_api = api(app, team.owner)
    before = (count_rows(Payment, team.agency.id), count_rows(InvoiceLine, team.agency.id))
    cases = [
        (f"/invoices/{invoice.id}/payments", {"amount_minor": 5001}, "amount_minor"),
        (f"/invoices/{invoice.id}/payments", {"amount": "1.001"}, "amount"),
        (f"/invoices/{invoice.id}/payments", {"amount_minor": "lots"}, "amount_minor"),
        (f"/invoices/{invoice.id}/payments", {"amount_minor": 1, "method": "gold"}, "method"),
        (f"/invoices/{unissued.id}/lines", {"description": "x"}, "unit_price"),
        (f"/invoices/{unissued.id}/lines", {"description": "x", "unit_price": 1, "quantity": 0},
         "quantity"),
        (f"/invoices/{unissued.id}/lines", {"description": "x", "unit_price_minor": 1,
                                            "tax_rate_id": 2_000_000_000}, "tax_rate_id"),
        ("/invoices", {"client_id": 2_000_000_000}, "client_id"),
        ("/invoices", {"client_id": team.client.id, "currency": "XYZ"}, "currency"),
    ]  # fmt: skip
    for path, body, field in cases:
        resp = owner_api.post(path, json=body)
        assert resp.status_code == 422, (path, body, resp.json)
        assert field in resp.json["errors"], (path, body, resp.json)
    after = (count_rows(Payment, team.agency.id), count_rows(InvoiceLine, team.agency.id))
    assert after == before
    assert count_rows(Invoice, team.agency.id) == 2


def test_other_agencies_ids_do_not_exist(app, team, other, owner):
    from app.core.tenancy import tenant

    mine = issued(owner, team.client, ("Work", 1, 5000))
    db.session.flush()
    with tenant(other.agency.id):
        from app.core.permissions import Actor

        them = Actor(user=other.owner.user, agency=other.agency, membership=other.owner)
        theirs = issued(them, other.client, ("Work", 1, 5000))
        db.session.flush()
    db.session.commit()
    owner_api = api(app, team.owner)
    assert owner_api.get(f"/invoices/{theirs.id}").status_code == 404
    resp = owner_api.post(f"/invoices/{theirs.id}/payments", json={"amount_minor": 1})
    assert resp.status_code == 404
    resp = owner_api.post("/invoices", json={"client_id": other.client.id})
    assert resp.status_code == 422 and resp.json["errors"] == {"client_id": ["Does not exist."]}
    assert [i["id"] for i in owner_api.get("/invoices").json["items"]] == [mine.id]


def test_visibility_by_role(app, team, owner):
    mine = issued(owner, team.client, ("Work", 1, 5000))
    draft(owner, team.client, ("Draft", 1, 1))
    issued(owner, ClientFactory(agency=team.agency), ("Other", 1, 1))
    db.session.commit()
    contact = api(app, team.contact)
    listed = contact.get("/invoices").json
    assert [i["id"] for i in listed["items"]] == [mine.id] and listed["meta"]["total"] == 1
    body = contact.get(f"/invoices/{mine.id}").json
    assert body["balance_minor"] == 5000 and "rate_to_base" not in body
    assert contact.get(f"/invoices/{mine.id}/payments").status_code == 200
    assert (
        contact.post(f"/invoices/{mine.id}/payments", json={"amount_minor": 1}).status_code == 403
    )
    assert contact.get("/receivables").status_code == 403
    for member in (team.va, team.qa):
        caller = api(app, member)
        for path in ("/invoices", f"/invoices/{mine.id}", "/receivables", "/tax-rates"):
            assert caller.get(path).status_code == 403, (member.role, path)


def test_payments_are_deleted_by_owners_only(app, team, owner):
    invoice = issued(owner, team.client, ("Work", 1, 5000))
    db.session.commit()
    manager = api(app, team.manager)
    payment_id = manager.post(f"/invoices/{invoice.id}/payments", json={"amount_minor": 5000}).json[
        "id"
    ]
    assert fresh(Invoice, invoice.id).status == "paid"
    assert manager.delete(f"/payments/{payment_id}").status_code == 403
    assert api(app, team.owner).delete(f"/payments/{payment_id}").status_code == 204
    again = fresh(Invoice, invoice.id)
    assert (again.status, again.paid_minor) == ("issued", 0)
    assert db.session.scalar(sa.select(Payment).where(Payment.id == payment_id)) is None


def test_void_and_credit_notes_through_the_api(app, team, owner):
    invoice = issued(owner, team.client, ("Work", 2, 5000))
    other = issued(owner, team.client, ("Work", 1, 100))
    db.session.commit()
    owner_api = api(app, team.owner)
    resp = owner_api.post(
        f"/invoices/{invoice.id}/credit-notes",
        json={"mode": "partial", "amount_minor": 2500, "reason": "Discount agreed"},
    )
    assert resp.status_code == 201, resp.json
    note = resp.json
    assert note["kind"] == "credit_note" and note["number"].startswith("CN-")
    assert note["total_minor"] == -2500 and note["credited_invoice_id"] == invoice.id
    assert owner_api.get(f"/invoices/{invoice.id}").json["balance_minor"] == 7500
    resp = owner_api.post(f"/invoices/{invoice.id}/void", json={"reason": "x"})
    assert resp.status_code == 409 and "has credit notes" in resp.json["message"]
    resp = owner_api.post(f"/invoices/{other.id}/void", json={"reason": "Duplicate"})
    assert resp.status_code == 200 and resp.json["status"] == "void"
    assert resp.json["number"] == other.number
    resp = owner_api.post(f"/invoices/{other.id}/payments", json={"amount_minor": 1})
    assert resp.status_code == 422
    assert resp.json["errors"]["amount_minor"] == [
        f"{other.number} is void; no payments can be recorded on it."
    ]
    resp = owner_api.get("/invoices", query_string={"kind": "credit_note"})
    assert [i["number"] for i in resp.json["items"]] == [note["number"]]


def test_settings_and_tax_rates_api(app, team):
    owner_api = api(app, team.owner)
    resp = owner_api.patch("/invoice-settings", json={"invoice_number_format": "INV-{seq}"})
    assert resp.status_code == 422
    assert "need {year}" in resp.json["errors"]["invoice_number_format"][0]
    resp = owner_api.patch(
        "/invoice-settings", json={"invoice_number_format": "INV-{seq}", "restart_yearly": False}
    )
    assert resp.status_code == 200 and resp.json["invoice_number_format"] == "INV-{seq}"
    resp = owner_api.post(
        "/tax-rates", json={"name": "GST", "rate_percent": "12.5", "inclusive": True}
    )
    assert resp.status_code == 201
    assert (resp.json["rate"], resp.json["rate_percent"], resp.json["inclusive"]) == (
        "0.125",
        "12.5",
        True,
    )
    resp = owner_api.post("/tax-rates", json={"name": "Bad", "rate_percent": "100.5"})
    assert resp.status_code == 422 and "rate_percent" in resp.json["errors"]
    assert api(app, team.manager).patch("/invoice-settings", json={}).status_code == 403
