"""VA assignments: primary/backup, history kept, one primary at a time (a new primary takes
over on its start date), only active VAs of the agency, end date not before start."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import sqlalchemy as sa
import time_machine

from app.clients.models import Assignment
from app.core.tenancy import all_tenants
from app.extensions import db
from tests.clients.support import FACTORY_AGENCY_ZONE, api, count_rows, fetch, web
from tests.factories import AssignmentFactory, ClientFactory, MembershipFactory

# A fixed moment: "today" must not change between collecting the tests and running them
# (a run across midnight did).
NOW = dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.astimezone(zoneinfo.ZoneInfo(FACTORY_AGENCY_ZONE)).date()


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def rows_of(client_id: int) -> list[Assignment]:
    with all_tenants():
        return list(
            db.session.scalars(
                sa.select(Assignment)
                .where(Assignment.client_id == client_id)
                .order_by(Assignment.id)
                .execution_options(populate_existing=True)
            )
        )


def test_assign_primary_and_backup_on_the_client_page(app, team):
    backup = MembershipFactory(agency=team.agency, role="va")
    browser = web(app, team.manager)
    url = f"/{team.slug}/clients/{team.client.id}/assignments"
    assert (
        browser.post(url, data={"membership_id": team.va.id, "kind": "primary"}).status_code == 302
    )
    assert browser.post(url, data={"membership_id": backup.id, "kind": "backup"}).status_code == 302
    rows = rows_of(team.client.id)
    assert [(r.membership_id, r.kind, r.ends_on) for r in rows] == [
        (team.va.id, "primary", None),
        (backup.id, "backup", None),
    ]
    assert all(r.created_by_id == team.manager.user_id for r in rows)
    page = browser.get(f"/{team.slug}/clients/{team.client.id}").get_data(as_text=True)
    current = page.split('data-testid="current-assignments"', 1)[1].split("</tbody>")[0]
    assert team.va.user.name in current and backup.user.name in current
    # The assigned VA now sees the client.
    assert web(app, team.va).get(f"/{team.slug}/clients/{team.client.id}").status_code == 200


def test_new_primary_takes_over_and_history_is_kept(app, team):
    first = AssignmentFactory(
        client=team.client, membership=team.va, starts_on=TODAY - dt.timedelta(days=40)
    )
    successor = MembershipFactory(agency=team.agency, role="va")
    resp = api(app, team.owner).post(
        f"/clients/{team.client.id}/assignments",
        json={"membership_id": successor.id, "kind": "primary"},
    )
    assert resp.status_code == 201, resp.json
    assert resp.json["current"] is True and resp.json["va_name"] == successor.user.name
    old = fetch(Assignment, first.id)
    assert old.ends_on == TODAY
    current = [r for r in rows_of(team.client.id) if r.is_current(TODAY)]
    assert [(r.membership_id, r.kind) for r in current] == [(successor.id, "primary")]
    # The old primary lost the client; nothing was deleted.
    assert len(rows_of(team.client.id)) == 2
    assert api(app, team.va).get(f"/clients/{team.client.id}").status_code == 404


def test_future_primary_hands_over_on_its_start_date(app, team):
    first = AssignmentFactory(
        client=team.client, membership=team.va, starts_on=TODAY - dt.timedelta(days=10)
    )
    successor = MembershipFactory(agency=team.agency, role="va")
    start = TODAY + dt.timedelta(days=7)
    resp = api(app, team.owner).post(
        f"/clients/{team.client.id}/assignments",
        json={"membership_id": successor.id, "starts_on": start.isoformat()},
    )
    assert resp.status_code == 201
    assert fetch(Assignment, first.id).ends_on == start
    # Until then the first VA still has the client.
    assert api(app, team.va).get(f"/clients/{team.client.id}").status_code == 200


def test_primary_scheduled_later_must_be_ended_first(app, team):
    AssignmentFactory(
        client=team.client, membership=team.va, starts_on=TODAY + dt.timedelta(days=5)
    )
    other_va = MembershipFactory(agency=team.agency, role="va")
    before = count_rows(Assignment, team.agency.id)
    resp = api(app, team.owner).post(
        f"/clients/{team.client.id}/assignments", json={"membership_id": other_va.id}
    )
    assert resp.status_code == 409
    assert "end that assignment first" in resp.json["message"]
    assert count_rows(Assignment, team.agency.id) == before


def test_same_va_twice_is_a_conflict_and_shown_on_the_page(app, team):
    AssignmentFactory(client=team.client, membership=team.va, kind="backup")
    before = count_rows(Assignment, team.agency.id)
    resp = web(app, team.owner).post(
        f"/{team.slug}/clients/{team.client.id}/assignments",
        data={"membership_id": team.va.id, "kind": "primary"},
    )
    assert resp.status_code == 409
    assert b'data-testid="assignment-form-errors"' in resp.data
    assert b"already assigned" in resp.data
    assert count_rows(Assignment, team.agency.id) == before


def test_backups_do_not_replace_the_primary(app, team):
    primary = AssignmentFactory(client=team.client, membership=team.va)
    backup = MembershipFactory(agency=team.agency, role="va")
    resp = api(app, team.owner).post(
        f"/clients/{team.client.id}/assignments",
        json={"membership_id": backup.id, "kind": "backup"},
    )
    assert resp.status_code == 201
    assert fetch(Assignment, primary.id).ends_on is None


def test_only_active_vas_of_this_agency_can_be_assigned(app, team, other):
    disabled = MembershipFactory(agency=team.agency, role="va", status="disabled")
    owner = api(app, team.owner)
    url = f"/clients/{team.client.id}/assignments"
    before = count_rows(Assignment, team.agency.id)
    resp = owner.post(url, json={"membership_id": other.va.id})
    assert resp.status_code == 422
    assert resp.json["errors"] == {"membership_id": ["Does not exist."]}
    for wrong in (disabled, team.qa, team.contact):
        resp = owner.post(url, json={"membership_id": wrong.id})
        assert resp.status_code == 422
        assert resp.json["errors"] == {"membership_id": ["Must be an active VA of the agency."]}
    html = web(app, team.owner).post(f"/{team.slug}{url}", data={"membership_id": str(other.va.id)})
    assert html.status_code == 422
    assert b'data-field-error="membership_id"' in html.data and b"Does not exist." in html.data
    assert count_rows(Assignment, team.agency.id) == before


def test_bad_assignment_input_is_422_naming_fields(app, team):
    owner = api(app, team.owner)
    url = f"/clients/{team.client.id}/assignments"
    resp = owner.post(url, json={"kind": "captain", "starts_on": "someday", "extra": 1})
    assert resp.status_code == 422
    assert set(resp.json["errors"]) == {"membership_id", "kind", "starts_on", "extra"}
    resp = owner.post(
        url,
        json={"membership_id": team.va.id, "starts_on": "2026-03-10", "ends_on": "2026-03-09"},
    )
    assert resp.status_code == 422
    assert set(resp.json["errors"]) == {"ends_on"}
    assert count_rows(Assignment, team.agency.id) == 0


def test_end_assignment_keeps_history_and_refuses_a_date_before_start(app, team):
    assignment = AssignmentFactory(
        client=team.client, membership=team.va, starts_on=TODAY - dt.timedelta(days=3)
    )
    manager = api(app, team.manager)
    early = (TODAY - dt.timedelta(days=4)).isoformat()
    resp = manager.post(f"/assignments/{assignment.id}/end", json={"ends_on": early})
    assert resp.status_code == 422 and set(resp.json["errors"]) == {"ends_on"}
    assert fetch(Assignment, assignment.id).ends_on is None
    resp = manager.post(f"/assignments/{assignment.id}/end", json={})
    assert resp.status_code == 200
    assert resp.json["ends_on"] == TODAY.isoformat() and resp.json["current"] is False
    assert manager.post(f"/assignments/{assignment.id}/end").status_code == 409
    assert count_rows(Assignment, team.agency.id) == 1  # kept, not deleted
    history = manager.get(f"/clients/{team.client.id}/assignments").json
    assert [a["id"] for a in history["items"]] == [assignment.id]


def test_end_assignment_on_the_page(app, team):
    assignment = AssignmentFactory(client=team.client, membership=team.va)
    browser = web(app, team.owner)
    url = f"/{team.slug}/assignments/{assignment.id}/end"
    bad = browser.post(url, data={"ends_on": "2000-01-01"})
    assert bad.status_code == 422 and b'data-field-error="ends_on"' in bad.data
    ok = browser.post(url, data={"ends_on": ""})
    assert ok.status_code == 302
    assert fetch(Assignment, assignment.id).ends_on == TODAY
    page = browser.get(f"/{team.slug}/clients/{team.client.id}").get_data(as_text=True)
    assert team.va.user.name in page.split('data-testid="past-assignments"', 1)[1]
    assert web(app, team.va).get(f"/{team.slug}/clients/{team.client.id}").status_code == 404


def test_end_in_future_keeps_access_until_then(app, team):
    assignment = AssignmentFactory(client=team.client, membership=team.va)
    later = TODAY + dt.timedelta(days=14)
    resp = api(app, team.owner).post(
        f"/assignments/{assignment.id}/end", json={"ends_on": later.isoformat()}
    )
    assert resp.status_code == 200 and resp.json["current"] is True
    assert api(app, team.va).get(f"/clients/{team.client.id}").status_code == 200


def test_archived_client_gets_no_new_assignments(app, team):
    owner = api(app, team.owner)
    owner.post(f"/clients/{team.client.id}/archive")
    resp = owner.post(f"/clients/{team.client.id}/assignments", json={"membership_id": team.va.id})
    assert resp.status_code == 409
    assert count_rows(Assignment, team.agency.id) == 0


def test_who_sees_which_assignments(app, team):
    old_va = MembershipFactory(agency=team.agency, role="va")
    past = AssignmentFactory(
        client=team.client,
        membership=old_va,
        starts_on=TODAY - dt.timedelta(days=100),
        ends_on=TODAY - dt.timedelta(days=50),
    )
    now = AssignmentFactory(client=team.client, membership=team.va)
    elsewhere = AssignmentFactory(
        client=ClientFactory(agency=team.agency),
        membership=MembershipFactory(agency=team.agency, role="va"),
    )
    # Staff see the whole history; a client contact sees the current team only.
    for member, expected in (
        (team.qa, {past.id, now.id}),
        (team.va, {past.id, now.id}),
        (team.contact, {now.id}),
    ):
        caller = api(app, member)
        items = caller.get(f"/clients/{team.client.id}/assignments").json["items"]
        assert {a["id"] for a in items} == expected, member.role
        assert caller.get(f"/assignments/{now.id}").status_code == 200
        # QA sees every client; the VA and the contact only theirs.
        expected_status = 200 if member is team.qa else 404
        assert caller.get(f"/assignments/{elsewhere.id}").status_code == expected_status
    assert api(app, team.contact).get(f"/assignments/{past.id}").status_code == 404
    current = api(app, team.owner).get(
        f"/clients/{team.client.id}/assignments", query_string={"current": "true"}
    )
    assert [a["id"] for a in current.json["items"]] == [now.id]


def test_read_only_roles_cannot_assign_or_end(app, team):
    assignment = AssignmentFactory(client=team.client, membership=team.va)
    for member in (team.va, team.qa, team.contact):
        caller = api(app, member)
        resp = caller.post(
            f"/clients/{team.client.id}/assignments", json={"membership_id": team.va.id}
        )
        assert resp.status_code == 403
        assert caller.post(f"/assignments/{assignment.id}/end").status_code == 403
        browser = web(app, member)
        assert browser.post(f"/{team.slug}/assignments/{assignment.id}/end").status_code == 403
    assert fetch(Assignment, assignment.id).ends_on is None


def test_other_agency_assignment_is_404(app, team, other):
    foreign = AssignmentFactory(client=other.client, membership=other.va)
    owner = api(app, team.owner)
    assert owner.get(f"/assignments/{foreign.id}").status_code == 404
    assert owner.post(f"/assignments/{foreign.id}/end", json={"ends_on": "x"}).status_code == 404
    browser = web(app, team.owner)
    assert browser.post(f"/{team.slug}/assignments/{foreign.id}/end", data={}).status_code == 404
    assert fetch(Assignment, foreign.id).ends_on is None


def test_list_page_filters_a_vas_clients(app, team):
    mine = ClientFactory(agency=team.agency, name="VA Client")
    AssignmentFactory(client=mine, membership=team.va)
    html = web(app, team.owner).get(f"/{team.slug}/clients/{mine.id}").get_data(as_text=True)
    assert f"/{team.slug}/clients?va={team.va.id}" in html  # "all clients of this VA" link
