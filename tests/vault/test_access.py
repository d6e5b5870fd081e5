"""The vault's pages and API: who may list, add, edit, delete and reveal a client's stored
logins, re-authentication before a reveal, its rate limit, the audit trail and the portal's
activity page, and that a secret leaks into no other answer, column or log line."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import sqlalchemy as sa
import time_machine

from app.audit.models import AuditEvent
from app.core.tenancy import all_tenants, tenant
from app.extensions import db
from app.vault.models import VaultEntry
from tests.factories import PASSWORD, AssignmentFactory, MembershipFactory
from tests.objects import bearer, build_agency, signed_in_client
from tests.vault.conftest import Ref, make_entry

# A fixed noon far from any date boundary; the suite also reruns with the clock moved.
NOON = dt.datetime(2027, 3, 10, 12, 0, tzinfo=dt.UTC)
SECRET = "Tr0ub4dor-3-walker-plain"


@pytest.fixture
def clock():
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(clock):
    w = build_agency("Vault")
    entry = make_entry(Ref(w.client_id, w.agency_id), SECRET, name="Payroll portal")
    with all_tenants():
        db.session.commit()
    w.entry_uid = entry.uid
    return w


def _extra_va(world, *, ends_on: dt.date | None | str = "none"):
    """A VA of the world's agency: unassigned ("none") or assigned until `ends_on`."""
    from app.agencies.models import Agency

    with all_tenants():
        agency = db.session.get(Agency, world.agency_id)
        va = MembershipFactory(agency=agency, role="va")
        if ends_on != "none":
            from app.clients.models import Client

            client = db.session.get(Client, world.client_id)
            AssignmentFactory(
                client=client,
                membership=va,
                starts_on=NOON.date() - dt.timedelta(days=9),
                ends_on=ends_on,
            )
        db.session.commit()
    return va.user_id


def _reauth(http) -> None:
    resp = http.post("/confirm-identity?next=/", data={"password": PASSWORD})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]


def _urls(world) -> dict[str, str]:
    s, uid = world.slug, world.entry_uid
    return {
        "list": f"/{s}/clients/{world.client_id}/logins",
        "edit": f"/{s}/logins/{uid}/edit",
        "delete": f"/{s}/logins/{uid}/delete",
        "reveal": f"/{s}/logins/{uid}/reveal",
    }


# role -> (list GET, add POST, edit GET, reveal POST after re-auth, delete POST)
MATRIX = {
    "owner": (200, 302, 200, 200, 302),
    "manager": (200, 302, 200, 403, 302),
    "va": (200, 302, 200, 200, 403),
    "qa": (403, 403, 403, 403, 403),
    "client": (200, 302, 200, 403, 403),
    "other_va": (404, 404, 404, 404, 403),
    "ended_va": (404, 404, 404, 404, 403),
}


@pytest.mark.parametrize("who", list(MATRIX))
def test_access_matrix_of_the_pages(app, world, who):
    if who == "other_va":
        user_id = _extra_va(world)
    elif who == "ended_va":
        # The assignment ends today: from today on the VA is off the client.
        user_id = _extra_va(world, ends_on=NOON.date())
    else:
        user_id = world.users[who]
    http = signed_in_client(app, user_id)
    urls = _urls(world)
    _reauth(http)
    got = (
        http.get(urls["list"]).status_code,
        http.post(urls["list"], data={"name": "New", "secret": "x-new-1"}).status_code,
        http.get(urls["edit"]).status_code,
        http.post(urls["reveal"]).status_code,
        http.post(urls["delete"]).status_code,
    )
    assert got == MATRIX[who]


def test_lists_and_forms_never_show_the_secret(app, world):
    for role in ("owner", "manager", "va", "client"):
        http = signed_in_client(app, world.users[role])
        urls = _urls(world)
        for url in (urls["list"], urls["edit"], f"/{world.slug}/clients/{world.client_id}"):
            page = http.get(url).get_data(as_text=True)
            assert urls["list"] in page  # the client page links to its logins
            assert SECRET not in page


def test_reveal_needs_a_recent_reauth_that_expires_after_ten_minutes(app, world, clock):
    http = signed_in_client(app, world.users["va"])
    url = _urls(world)["reveal"]
    resp = http.post(url)
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/confirm-identity")
    wrong = http.post("/confirm-identity", data={"password": "not my password"})
    assert wrong.status_code == 422 and "password" in wrong.get_data(as_text=True)
    assert http.post(url).status_code == 302
    _reauth(http)
    shown = http.post(url)
    assert shown.status_code == 200
    assert SECRET in shown.get_data(as_text=True)
    assert shown.headers["Cache-Control"] == "no-store"
    clock.shift(dt.timedelta(minutes=9, seconds=59))
    assert http.post(url).status_code == 200
    clock.shift(dt.timedelta(seconds=2))
    assert http.post(url).status_code == 302
    with all_tenants():
        reveals = db.session.scalar(
            sa.select(sa.func.count()).where(AuditEvent.action == "vault_entry.revealed")
        )
    assert reveals == 2


def test_reveal_is_a_post_only(app, world):
    http = signed_in_client(app, world.users["owner"])
    assert http.get(_urls(world)["reveal"]).status_code == 405


def test_reveals_are_rate_limited_per_person(app, world):
    http = signed_in_client(app, world.users["owner"])
    _reauth(http)
    url = _urls(world)["reveal"]
    codes = [http.post(url).status_code for _ in range(31)]
    assert codes[:30] == [200] * 30
    assert codes[30] == 429
    with all_tenants():
        reveals = db.session.scalar(
            sa.select(sa.func.count()).where(AuditEvent.action == "vault_entry.revealed")
        )
    assert reveals == 30


def test_edit_keeps_the_secret_when_left_empty_and_audits_without_it(app, world):
    http = signed_in_client(app, world.users["va"])
    urls = _urls(world)
    resp = http.post(urls["edit"], data={"name": "Payroll portal", "username": "ops@alder"})
    assert resp.status_code == 302
    _reauth(http)
    assert SECRET in http.post(urls["reveal"]).get_data(as_text=True)
    http.post(urls["edit"], data={"name": "Payroll portal", "secret": "N3w-s3cret-value"})
    assert "N3w-s3cret-value" in http.post(urls["reveal"]).get_data(as_text=True)
    bad = http.post(urls["edit"], data={"name": "", "url": "ftp://x"})
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert 'id="f-name"' in text and "is-invalid" in text
    with all_tenants():
        events = db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.entity_type == "vault_entries")
            .order_by(AuditEvent.id)
        ).all()
    actions = [e.action for e in events]
    assert actions == [
        "vault_entry.updated",
        "vault_entry.revealed",
        "vault_entry.updated",
        "vault_entry.revealed",
    ]
    assert events[0].after["username"] == "ops@alder"
    assert events[2].after["secret_changed"] is True
    for e in events:
        blob = repr((e.before, e.after, e.summary))
        assert SECRET not in blob and "N3w-s3cret-value" not in blob


def test_portal_shows_the_clients_vault_activity(app, world):
    owner = signed_in_client(app, world.users["owner"])
    _reauth(owner)
    owner.post(_urls(world)["reveal"])
    contact = signed_in_client(app, world.users["client"])
    contact.post(_urls(world)["list"], data={"name": "Webmail", "secret": "m41l-secret"})
    page = contact.get(f"/{world.slug}/portal/logins")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Password revealed" in text and "Login added" in text
    assert "Payroll portal" in text and "Webmail" in text
    assert "m41l-secret" not in text and SECRET not in text
    assert "@" not in text.split("<tbody>")[1].split("</tbody>")[0]  # names, not emails
    for role in ("manager", "va", "qa"):
        http = signed_in_client(app, world.users[role])
        assert http.get(f"/{world.slug}/portal/logins").status_code == 403


def test_api_rules_and_reveal(app, world):
    s, uid = world.slug, world.entry_uid
    api = app.test_client()
    listing = api.get(
        f"/api/v1/{s}/clients/{world.client_id}/vault", headers=bearer(world.token("va"))
    )
    assert listing.status_code == 200
    assert "Payroll portal" in [i["name"] for i in listing.json["items"]]
    assert "secret" not in listing.json["items"][0] and SECRET not in listing.get_data(as_text=True)
    made = api.post(
        f"/api/v1/{s}/clients/{world.client_id}/vault",
        json={"name": "CRM", "secret": "crm-s3cret"},
        headers=bearer(world.token("client")),
    )
    assert made.status_code == 201 and "secret" not in made.json
    assert (
        api.post(
            f"/api/v1/{s}/clients/{world.client_id}/vault",
            json={"name": ""},
            headers=bearer(world.token("owner")),
        ).status_code
        == 422
    )
    reveal = f"/api/v1/{s}/vault/{uid}/reveal"
    assert api.post(reveal, json={}, headers=bearer(world.token("owner"))).status_code == 422
    wrong = api.post(reveal, json={"password": "nope"}, headers=bearer(world.token("owner")))
    assert wrong.status_code == 422 and "password" in wrong.json["errors"]
    ok = api.post(reveal, json={"password": PASSWORD}, headers=bearer(world.token("va")))
    assert ok.status_code == 200 and ok.json["secret"] == SECRET
    assert ok.headers["Cache-Control"] == "no-store"
    for role in ("manager", "qa", "client"):
        r = api.post(reveal, json={"password": PASSWORD}, headers=bearer(world.token(role)))
        assert r.status_code == 403, role
    patch = api.patch(
        f"/api/v1/{s}/vault/{uid}",
        json={"notes": "2FA on the office phone"},
        headers=bearer(world.token("manager")),
    )
    assert patch.status_code == 200 and patch.json["notes"] == "2FA on the office phone"
    again = api.post(reveal, json={"password": PASSWORD}, headers=bearer(world.token("owner")))
    assert again.json["secret"] == SECRET  # a patch without a secret keeps it
    assert (
        api.delete(f"/api/v1/{s}/vault/{uid}", headers=bearer(world.token("va"))).status_code == 403
    )
    assert (
        api.delete(f"/api/v1/{s}/vault/{uid}", headers=bearer(world.token("owner"))).status_code
        == 204
    )
    with all_tenants():
        actions = db.session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.entity_type == "vault_entries")
            .order_by(AuditEvent.id)
        ).all()
    assert actions == [
        "vault_entry.created",
        "vault_entry.revealed",
        "vault_entry.updated",
        "vault_entry.revealed",
        "vault_entry.deleted",
    ]


def test_other_agency_cannot_reach_an_entry(app, world):
    other = build_agency("Elsewhere")
    http = signed_in_client(app, other.users["owner"])
    _reauth(http)
    assert http.post(f"/{other.slug}/logins/{world.entry_uid}/reveal").status_code == 404
    api = app.test_client()
    r = api.post(
        f"/api/v1/{other.slug}/vault/{world.entry_uid}/reveal",
        json={"password": PASSWORD},
        headers=bearer(other.token("owner")),
    )
    assert r.status_code == 404


def _all_text_values() -> list[str]:
    """Every text-like value of every table, as one big list (the dump a leak would show in)."""
    out: list[str] = []
    inspector = sa.inspect(db.session.connection())
    for table in inspector.get_table_names():
        cols = [
            c["name"]
            for c in inspector.get_columns(table)
            if isinstance(c["type"], sa.String | sa.Text | sa.JSON | sa.LargeBinary)
            or c["type"].__class__.__name__ in ("JSONB", "BYTEA")
        ]
        for col in cols:
            rows = db.session.execute(
                # Names from the database's own catalogue, not from input.
                sa.text(f'SELECT "{col}"::text FROM "{table}" WHERE "{col}" IS NOT NULL')  # noqa: S608
            ).scalars()
            out.extend(rows)
    return out


def test_the_plaintext_is_in_no_column_and_no_log_line(app, world, caplog):
    caplog.set_level(logging.DEBUG)
    fresh_secret = "Plain-Leak-Canary-42"
    owner = signed_in_client(app, world.users["owner"])
    owner.post(_urls(world)["list"], data={"name": "Canary", "secret": fresh_secret})
    api = app.test_client()
    api.post(
        f"/api/v1/{world.slug}/clients/{world.client_id}/vault",
        json={"name": "Canary 2", "secret": fresh_secret + "-api"},
        headers=bearer(world.token("manager")),
    )
    _reauth(owner)
    shown = owner.post(_urls(world)["reveal"]).get_data(as_text=True)
    revealed = api.post(
        f"/api/v1/{world.slug}/vault/{world.entry_uid}/reveal",
        json={"password": PASSWORD},
        headers=bearer(world.token("owner")),
    )
    assert SECRET in shown and revealed.json["secret"] == SECRET
    with all_tenants():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(VaultEntry)) >= 3
        values = _all_text_values()
    for needle in (SECRET, fresh_secret, fresh_secret + "-api"):
        assert not [v for v in values if needle in v]
        assert not [r for r in caplog.records if needle in r.getMessage()]


def test_exports_and_audit_api_hold_no_secret(app, world):
    from app.agencies.models import Agency
    from app.core.permissions import Actor
    from app.exports.jobs import build_clients_csv
    from app.exports.models import Export
    from app.exports.services import request_clients_export
    from app.users.models import Membership

    owner = signed_in_client(app, world.users["owner"])
    _reauth(owner)
    owner.post(_urls(world)["reveal"])
    with tenant(world.agency_id):
        membership = db.session.get(Membership, world.members["owner"])
        actor = Actor(
            user=membership.user,
            agency=db.session.get(Agency, world.agency_id),
            membership=membership,
        )
        export = request_clients_export(actor)
        db.session.flush()
        export_id = export.id
        build_clients_csv(world.agency_id, export_id)
        content = db.session.get(Export, export_id).content
    assert "Vault Assigned Client" in content and SECRET not in content
    audit = app.test_client().get(
        f"/api/v1/{world.slug}/audit-events?per_page=100", headers=bearer(world.token("owner"))
    )
    assert audit.status_code == 200
    assert "vault_entry.revealed" in audit.get_data(as_text=True)
    assert SECRET not in audit.get_data(as_text=True)


def test_ending_an_assignment_today_stops_the_next_reveal(app, world):
    from app.clients.models import Assignment

    http = signed_in_client(app, world.users["va"])
    _reauth(http)
    assert http.post(_urls(world)["reveal"]).status_code == 200
    with all_tenants():
        assignment = db.session.get(Assignment, world.assignment_id)
        assignment.ends_on = NOON.date()  # the first day off the client is today
        db.session.commit()
    # Same login session, still confirmed: the assignment is checked again at each reveal.
    assert http.post(_urls(world)["reveal"]).status_code == 404
    api = app.test_client()
    r = api.post(
        f"/api/v1/{world.slug}/vault/{world.entry_uid}/reveal",
        json={"password": PASSWORD},
        headers=bearer(world.token("va")),
    )
    assert r.status_code == 404


def test_the_audit_log_names_vault_events(app, world):
    owner = signed_in_client(app, world.users["owner"])
    _reauth(owner)
    owner.post(_urls(world)["reveal"])
    owner.post(_urls(world)["edit"], data={"name": "Payroll portal", "secret": "Rotated-77"})
    page = owner.get(f"/{world.slug}/audit").get_data(as_text=True)
    assert "Password revealed" in page and "Login changed" in page
    assert "Rotated-77" not in page and SECRET not in page
