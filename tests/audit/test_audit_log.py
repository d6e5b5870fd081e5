"""The audit log: every change to clients, contacts and assignments leaves an event with
who, when, before/after and IP; owners read it (filtered, paginated) and nobody changes it."""

from __future__ import annotations

import datetime as dt
import re

import psycopg
import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.core.tenancy import all_tenants, tenant
from app.extensions import db
from tests.clients.support import agency_today, api, web
from tests.factories import AssignmentFactory, MembershipFactory

IP = "203.0.113.7"


def events(agency_id: int) -> list[AuditEvent]:
    with tenant(agency_id):
        return list(
            db.session.scalars(
                sa.select(AuditEvent)
                .order_by(AuditEvent.id)
                .execution_options(populate_existing=True)
            )
        )


def add_event(team, *, at: dt.datetime, action: str = "client.updated", **kw) -> AuditEvent:
    values = {
        "agency_id": team.agency.id,
        "at": at,
        "actor_user_id": team.owner.user_id,
        "actor_label": "Owner <owner@x.test>",
        "action": action,
        "entity_type": "clients",
        "entity_id": team.client.id,
        "summary": f"{action} at {at.isoformat()}",
    }
    values.update(kw)
    with all_tenants():
        event = AuditEvent(**values)
        db.session.add(event)
        db.session.flush()
    return event


# --- what gets recorded --------------------------------------------------------------------


def test_client_changes_are_recorded_with_before_after_and_ip(app, team):
    owner = api(app, team.owner)
    env = {"environ_base": {"REMOTE_ADDR": IP}}
    created = owner.post(
        "/clients",
        json={"name": "Atlas", "time_zone": "Europe/Berlin", "currency": "EUR", "net_days": 14},
        **env,
    ).json
    owner.patch(f"/clients/{created['id']}", json={"net_days": 30, "name": "Atlas"}, **env)
    owner.post(f"/clients/{created['id']}/archive", **env)
    owner.post(f"/clients/{created['id']}/unarchive", **env)
    mine = [e for e in events(team.agency.id) if e.entity_id == created["id"]]
    assert [e.action for e in mine] == [
        "client.created",
        "client.updated",
        "client.archived",
        "client.unarchived",
    ]
    assert all(e.ip == IP and e.actor_user_id == team.owner.user_id for e in mine)
    assert all(e.entity_type == "clients" for e in mine)
    assert team.owner.user.email in mine[0].actor_label
    assert mine[0].before is None and mine[0].after["name"] == "Atlas"
    assert mine[0].after["net_days"] == 14
    # An edit records only what changed.
    assert (mine[1].before, mine[1].after) == ({"net_days": 14}, {"net_days": 30})
    assert mine[2].before == {"archived_at": None} and mine[2].after["archived_at"]
    assert mine[3].after == {"archived_at": None}


def test_an_edit_that_changes_nothing_records_nothing(app, team):
    api(app, team.owner).patch(f"/clients/{team.client.id}", json={"name": "Harbour Bakery"})
    assert events(team.agency.id) == []


def test_contact_changes_are_recorded(app, team):
    browser = web(app, team.manager)
    browser.environ_base["REMOTE_ADDR"] = IP
    browser.post(
        f"/{team.slug}/clients/{team.client.id}/contacts",
        data={"name": "Omar", "email": "omar@x.test", "preferred_channel": "email"},
    )
    contact_id = events(team.agency.id)[-1].entity_id
    browser.post(
        f"/{team.slug}/contacts/{contact_id}/edit",
        data={"name": "Omar Said", "email": "omar@x.test", "preferred_channel": "sms"},
    )
    browser.post(f"/{team.slug}/contacts/{contact_id}/delete")
    log = events(team.agency.id)
    assert [e.action for e in log] == ["contact.created", "contact.updated", "contact.deleted"]
    assert {e.entity_id for e in log} == {contact_id}
    assert log[0].after["client_id"] == team.client.id
    assert log[1].before == {"name": "Omar", "preferred_channel": "email"}
    assert log[1].after == {"name": "Omar Said", "preferred_channel": "sms"}
    assert log[2].before["name"] == "Omar Said" and log[2].after is None
    assert all(e.ip == IP and e.actor_user_id == team.manager.user_id for e in log)


def test_assignment_changes_are_recorded_including_the_handover(app, team):
    first = AssignmentFactory(
        client=team.client, membership=team.va, starts_on=agency_today() - dt.timedelta(days=9)
    )
    successor = MembershipFactory(agency=team.agency, role="va")
    owner = api(app, team.owner)
    new = owner.post(
        f"/clients/{team.client.id}/assignments",
        json={"membership_id": successor.id},
        environ_base={"REMOTE_ADDR": IP},
    ).json
    owner.post(f"/assignments/{new['id']}/end", environ_base={"REMOTE_ADDR": IP})
    log = events(team.agency.id)
    assert [(e.action, e.entity_id) for e in log] == [
        ("assignment.ended", first.id),
        ("assignment.created", new["id"]),
        ("assignment.ended", new["id"]),
    ]
    today = agency_today().isoformat()
    assert (log[0].before, log[0].after) == ({"ends_on": None}, {"ends_on": today})
    assert "handed" in log[0].summary
    assert log[1].after["membership_id"] == successor.id and log[1].after["kind"] == "primary"
    assert all(e.ip == IP for e in log)


def test_refused_changes_record_nothing(app, team, other):
    owner = api(app, team.owner)
    owner.post("/clients", json={"name": "", "time_zone": "Nope/Nope", "currency": "EUR"})
    owner.patch(f"/clients/{team.client.id}", json={"service_package_id": 10**9})
    owner.post(f"/clients/{team.client.id}/assignments", json={"membership_id": other.va.id})
    owner.post(f"/clients/{team.client.id}/unarchive")  # 409: not archived
    api(app, team.va).patch(f"/clients/{team.client.id}", json={"name": "X"})
    assert events(team.agency.id) == []


# --- reading the log -----------------------------------------------------------------------


def test_owner_reads_the_log_page_with_diff_ip_and_local_time(app, team):
    team.owner.user.time_zone = "Asia/Tokyo"
    db.session.flush()
    add_event(
        team,
        at=dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC),
        before={"net_days": 15},
        after={"net_days": 30},
        ip=IP,
    )
    resp = web(app, team.owner).get(f"/{team.slug}/audit")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    row = html.split("data-event-id=", 1)[1].split("</tr>\n")[0]
    assert "Mon 2 Mar, 08:30 JST" in html  # 23:30 UTC in Tokyo, the viewer's zone
    assert "Client updated" in html and "Owner &lt;owner@x.test&gt;" in html
    assert "Payment terms (days)" in html and ">15<" in html and ">30<" in html
    assert IP in html
    assert row


@pytest.mark.parametrize("role", ["manager", "va", "qa", "client"])
def test_only_owners_read_the_log(app, team, role):
    event = add_event(team, at=dt.datetime.now(dt.UTC))
    member = team.contact if role == "client" else getattr(team, role)
    assert web(app, member).get(f"/{team.slug}/audit").status_code == 403
    caller = api(app, member)
    assert caller.get("/audit-events").status_code == 403
    assert caller.get(f"/audit-events/{event.id}").status_code == 403


def test_filters_on_the_page(app, team):
    base = dt.datetime(2026, 5, 10, 12, tzinfo=dt.UTC)
    add_event(team, at=base, action="client.created")
    add_event(
        team,
        at=base + dt.timedelta(days=1),
        action="contact.created",
        entity_type="contacts",
        entity_id=77,
    )
    add_event(
        team,
        at=base + dt.timedelta(days=2),
        action="client.updated",
        actor_user_id=team.manager.user_id,
        actor_label="Manager",
    )
    browser = web(app, team.owner)

    def shown(query: str) -> list[str]:
        html = browser.get(f"/{team.slug}/audit?{query}").get_data(as_text=True)
        return re.findall(r'data-event-id="\d+" data-action="([^"]+)"', html)

    assert shown("") == ["client.updated", "contact.created", "client.created"]
    assert shown("action=client.created") == ["client.created"]
    assert shown("entity_type=contacts") == ["contact.created"]
    assert shown("entity_id=77") == ["contact.created"]
    assert shown(f"actor_id={team.manager.user_id}") == ["client.updated"]
    assert shown("date_from=2026-05-11&date_to=2026-05-11") == ["contact.created"]
    assert shown("date_from=2026-05-12") == ["client.updated"]


def test_bad_filters_are_422_naming_fields(app, team):
    resp = web(app, team.owner).get(
        f"/{team.slug}/audit?entity_id=abc&date_from=2026-05-12&date_to=2026-05-01"
    )
    assert resp.status_code == 422
    assert b'data-field-error="entity_id"' in resp.data
    assert b'data-field-error="date_to"' in resp.data
    resp = api(app, team.owner).get("/audit-events", query_string={"date_from": "yesterday"})
    assert resp.status_code == 422 and set(resp.json["errors"]) == {"date_from"}


def test_page_paginates(app, team):
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for i in range(30):
        add_event(team, at=start + dt.timedelta(hours=i))
    browser = web(app, team.owner)
    first = browser.get(f"/{team.slug}/audit?action=client.updated")
    assert first.data.count(b"data-event-id=") == 25
    assert b"Page 1 of 2" in first.data
    second = browser.get(f"/{team.slug}/audit?action=client.updated&page=2")
    assert second.data.count(b"data-event-id=") == 5


def test_api_lists_filters_and_reads_one(app, team):
    base = dt.datetime(2026, 5, 10, 12, tzinfo=dt.UTC)
    add_event(team, at=base, action="client.created", ip=IP)
    target = add_event(
        team,
        at=base + dt.timedelta(days=1),
        action="contact.deleted",
        entity_type="contacts",
        entity_id=5,
        before={"name": "Omar"},
    )
    owner = api(app, team.owner)
    resp = owner.get("/audit-events", query_string={"per_page": 1})
    assert resp.status_code == 200
    assert resp.json["meta"] == {"page": 1, "per_page": 1, "total": 2, "pages": 2}
    assert resp.json["items"][0]["id"] == target.id  # newest first
    resp = owner.get(
        "/audit-events", query_string={"entity_type": "clients", "date_to": "2026-05-10"}
    )
    assert [e["action"] for e in resp.json["items"]] == ["client.created"]
    assert resp.json["items"][0]["ip"] == IP
    one = owner.get(f"/audit-events/{target.id}").json
    assert one["before"] == {"name": "Omar"} and one["after"] is None
    assert one["entity_type"] == "contacts" and one["entity_id"] == 5


def test_other_agencys_events_are_invisible(app, team, other):
    foreign = add_event(other, at=dt.datetime.now(dt.UTC), summary="foreign secret")
    owner = api(app, team.owner)
    assert owner.get(f"/audit-events/{foreign.id}").status_code == 404
    assert owner.get("/audit-events").json["items"] == []
    assert b"foreign secret" not in web(app, team.owner).get(f"/{team.slug}/audit").data


# --- nobody changes the log ----------------------------------------------------------------


def test_there_is_no_route_that_changes_audit_events(app):
    for rule in app.url_map.iter_rules():
        if "audit" in rule.rule:
            assert rule.methods - {"GET", "HEAD", "OPTIONS"} == set(), rule.rule


def test_writes_to_the_log_are_refused(app, team):
    event = add_event(team, at=dt.datetime.now(dt.UTC))
    owner = api(app, team.owner)
    assert owner.patch(f"/audit-events/{event.id}", json={"summary": "x"}).status_code == 405
    assert owner.delete(f"/audit-events/{event.id}").status_code == 405
    assert web(app, team.owner).post(f"/{team.slug}/audit", data={}).status_code == 405


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET summary = 'rewritten' WHERE id = :id",
        "DELETE FROM audit_events WHERE id = :id",
    ],
)
def test_postgresql_refuses_update_and_delete_of_audit_rows(app, team, statement):
    event = add_event(team, at=dt.datetime.now(dt.UTC), summary="original")
    assert db.engine.dialect.name == "postgresql"
    savepoint = db.session.begin_nested()
    with pytest.raises(sa.exc.DBAPIError) as info:
        db.session.execute(sa.text(statement), {"id": event.id})
    savepoint.rollback()
    assert isinstance(info.value.orig, psycopg.Error)
    assert "append-only" in str(info.value.orig)
    assert events(team.agency.id)[0].summary == "original"


def test_a_changed_dict_is_shown_key_by_key(app, team):
    add_event(
        team,
        at=dt.datetime.now(dt.UTC),
        before={"channels": {"urgent": "phone", "routine": "email"}},
        after={"channels": {"urgent": "sms", "routine": "email"}},
    )
    html = web(app, team.owner).get(f"/{team.slug}/audit").get_data(as_text=True)
    diff = html.split('data-testid="diff"', 1)[1].split("</ul>", 1)[0]
    assert "Channels · urgent" in diff and ">phone<" in diff and ">sms<" in diff
    assert "routine" not in diff


# --- reading the log ----------------------------------------------------------------------


def test_page_one_has_no_link_to_page_zero_and_the_last_page_none_past_it(app, team):
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for i in range(30):
        add_event(team, at=start + dt.timedelta(hours=i))
    browser = web(app, team.owner)
    first = browser.get(f"/{team.slug}/audit").get_data(as_text=True)
    assert "page=0" not in first and "page=2" in first
    last = browser.get(f"/{team.slug}/audit?page=2").get_data(as_text=True)
    assert "page=3" not in last and "page=1" in last
    for link in re.findall(r'href="([^"]*audit[^"]*)"', first + last):
        assert browser.get(link.replace("&amp;", "&")).status_code == 200, link


def test_entries_read_as_labels_and_formatted_values_with_names_not_ids(app, team):
    from tests.factories import InvoiceFactory, ServicePackageFactory

    invoice = InvoiceFactory(client=team.client, currency="EUR")
    package = ServicePackageFactory(agency=team.agency, name="Social starter")
    at = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
    add_event(
        team,
        at=at,
        action="invoice.updated",
        entity_type="invoices",
        entity_id=invoice.id,
        before={"subtotal_minor": 90000, "due_date": "2026-03-15", "is_deposit": False},
        after={"subtotal_minor": 100000, "due_date": "2026-03-31", "is_deposit": True},
    )
    add_event(
        team,
        at=at,
        before={"service_package_id": None, "status": "active"},
        after={"service_package_id": package.id, "status": "paused"},
    )
    add_event(
        team,
        at=at,
        action="member.role_changed",
        entity_type="memberships",
        entity_id=team.va.id,
        before={"role": "va"},
        after={"role": "qa"},
    )
    html = web(app, team.owner).get(f"/{team.slug}/audit").get_data(as_text=True)
    assert "subtotal_minor" not in html and "90000" not in html
    assert "Subtotal" in html and "€900.00" in html and "€1,000.00" in html
    assert "Due date" in html and "15 Mar 2026" in html and "31 Mar 2026" in html
    assert ">No<" in html and ">Yes<" in html
    assert "Service package" in html and "Social starter" in html
    assert f">{package.id}<" not in html
    assert "Paused" in html
    assert ">VA<" in html and ">QA reviewer<" in html
    assert "Invoice updated" in html


def test_a_long_value_and_many_fields_fold_away(app, team):
    long_text = "A long note. " * 30
    after = {f"field_{n}": n for n in range(10)}
    after["notes"] = long_text
    add_event(team, at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC), action="client.created", after=after)
    html = web(app, team.owner).get(f"/{team.slug}/audit").get_data(as_text=True)
    diff = html.split('data-testid="diff"', 1)[1].split("</td>", 1)[0]
    assert "7 more" in diff and "<details" in diff
    # The whole note is there once (behind a summary), shortened in the summary.
    assert diff.count(long_text.strip()) == 1 and "…" in diff


def test_the_log_page_costs_the_same_queries_for_5_or_25_entries(app, team, count_queries):
    from tests.factories import MembershipFactory as Members

    def fill(n: int) -> None:
        for i in range(n):
            va = Members(agency=team.agency, role="va")
            add_event(
                team,
                at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=i),
                before={"assignee_id": team.va.id, "cost_rate_minor": 1000},
                after={"assignee_id": va.id, "cost_rate_minor": 1200},
                entity_type="memberships",
                entity_id=va.id,
            )

    browser = web(app, team.owner)
    fill(5)
    with count_queries() as few:
        assert browser.get(f"/{team.slug}/audit").status_code == 200
    fill(20)
    with count_queries() as many:
        assert browser.get(f"/{team.slug}/audit").status_code == 200
    assert len(many) == len(few)
