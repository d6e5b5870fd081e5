"""Client pages: list (search, filters, pagination), detail, create, edit, archive, and who
may see or do what on each."""

from __future__ import annotations

import datetime as dt
import re

from app.clients.models import Client
from app.extensions import db
from tests.clients.support import agency_today, count_rows, fetch, web
from tests.factories import (
    AssignmentFactory,
    ClientFactory,
    ContactFactory,
    MembershipFactory,
    ServicePackageFactory,
)

VALID = {
    "name": "Cedar & Sage",
    "time_zone": "Asia/Dubai",
    "currency": "aed",
    "locale": "ar",
    "country": "ae",
    "status": "onboarding",
    "channels.urgent": "whatsapp",
    "channels.routine": "email",
    "channels.billing": "",
    "deposit_percent": "50",
    "net_days": "15",
    "response_time_hours": "24",
    "bill_rate_minor": "5500",
    "notes": "Met at the expo.",
}


def names_in(resp) -> list[str]:
    html = resp.get_data(as_text=True)
    table = html.split('data-testid="clients-table"', 1)[1]
    return re.findall(r'<a class="fw-semibold" href="[^"]+">([^<]+)</a>', table)


# --- list ----------------------------------------------------------------------------------


def test_list_is_sorted_by_name_and_hides_archived_unless_asked(app, team):
    ClientFactory(agency=team.agency, name="Zephyr Yoga")
    ClientFactory(agency=team.agency, name="Atlas Freight")
    ClientFactory(agency=team.agency, name="Old Archive Co", archived_at=dt.datetime.now(dt.UTC))
    browser = web(app, team.owner)
    resp = browser.get(f"/{team.slug}/clients")
    assert resp.status_code == 200
    assert names_in(resp) == ["Atlas Freight", "Harbour Bakery", "Zephyr Yoga"]
    resp = browser.get(f"/{team.slug}/clients?include_archived=1")
    assert "Old Archive Co" in names_in(resp)


def test_list_search_covers_name_and_contact_email(app, team):
    dune = ClientFactory(agency=team.agency, name="Dune Ceramics")
    ContactFactory(client=dune, email="maya@dune-pottery.test")
    ClientFactory(agency=team.agency, name="Fjord Analytics")
    browser = web(app, team.owner)
    assert names_in(browser.get(f"/{team.slug}/clients?q=ceram")) == ["Dune Ceramics"]
    assert names_in(browser.get(f"/{team.slug}/clients?q=DUNE-POTTERY")) == ["Dune Ceramics"]
    # LIKE wildcards typed by the user are literal characters.
    assert names_in(browser.get(f"/{team.slug}/clients?q=%25")) == []
    assert names_in(browser.get(f"/{team.slug}/clients?q=_")) == []


def test_list_filters_by_status_zone_and_assigned_va(app, team):
    paused = ClientFactory(agency=team.agency, name="Paused Co", status="paused")
    tokyo = ClientFactory(agency=team.agency, name="Tokyo Co", time_zone="Asia/Tokyo")
    AssignmentFactory(client=tokyo, membership=team.va)
    browser = web(app, team.manager)
    assert names_in(browser.get(f"/{team.slug}/clients?status=paused")) == [paused.name]
    assert names_in(browser.get(f"/{team.slug}/clients?time_zone=Asia/Tokyo")) == ["Tokyo Co"]
    assert names_in(browser.get(f"/{team.slug}/clients?va={team.va.id}")) == ["Tokyo Co"]


def test_list_bad_filters_are_422_naming_the_field(app, team):
    browser = web(app, team.owner)
    resp = browser.get(f"/{team.slug}/clients?status=sleeping&time_zone=Mars/Base&page=0")
    assert resp.status_code == 422
    for field in ("status", "time_zone", "page"):
        assert f'data-field-error="{field}"'.encode() in resp.data


def test_list_paginates_with_pager_keeping_filters(app, team):
    for i in range(30):
        ClientFactory(agency=team.agency, name=f"Bulk {i:02d}")
    browser = web(app, team.owner)
    first = browser.get(f"/{team.slug}/clients?q=Bulk")
    assert len(names_in(first)) == 25
    assert b"Page 1 of 2" in first.data
    assert f"/{team.slug}/clients?q=Bulk&amp;page=2".encode() in first.data
    second = browser.get(f"/{team.slug}/clients?q=Bulk&page=2")
    assert names_in(second) == [f"Bulk {i:02d}" for i in range(25, 30)]


def test_va_sees_only_clients_with_a_current_assignment(app, team):
    mine = ClientFactory(agency=team.agency, name="Mine Ltd")
    AssignmentFactory(client=mine, membership=team.va)
    ended = ClientFactory(agency=team.agency, name="Former Ltd")
    AssignmentFactory(
        client=ended,
        membership=team.va,
        starts_on=agency_today() - dt.timedelta(days=90),
        ends_on=agency_today() - dt.timedelta(days=1),
    )
    future = ClientFactory(agency=team.agency, name="Future Ltd")
    AssignmentFactory(
        client=future, membership=team.va, starts_on=agency_today() + dt.timedelta(days=3)
    )
    browser = web(app, team.va)
    assert names_in(browser.get(f"/{team.slug}/clients")) == ["Mine Ltd"]
    assert browser.get(f"/{team.slug}/clients/{mine.id}").status_code == 200
    for hidden in (ended, future, team.client):
        assert browser.get(f"/{team.slug}/clients/{hidden.id}").status_code == 404


def test_client_contact_is_sent_to_their_own_client_page(app, team):
    browser = web(app, team.contact)
    resp = browser.get(f"/{team.slug}/clients")
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith(f"/{team.slug}/clients/{team.client.id}")
    someone_else = ClientFactory(agency=team.agency)
    assert browser.get(f"/{team.slug}/clients/{someone_else.id}").status_code == 404


# --- detail --------------------------------------------------------------------------------


def test_detail_shows_terms_channels_contacts_assignments_and_both_local_times(app, team):
    package = ServicePackageFactory(agency=team.agency, name="Inbox care")
    client = ClientFactory(
        agency=team.agency,
        name="Nile Crafts",
        time_zone="Asia/Kolkata",
        currency="INR",
        deposit_percent=30,
        net_days=15,
        response_time_hours=8,
        service_package_id=package.id,
        channels={"urgent": "whatsapp", "billing": "email"},
    )
    ContactFactory(client=client, name="Omar Said", email="omar@nile.test")
    AssignmentFactory(client=client, membership=team.va, kind="primary")
    old_va = MembershipFactory(agency=team.agency, role="va")
    AssignmentFactory(
        client=client,
        membership=old_va,
        starts_on=dt.date(2024, 1, 1),
        ends_on=dt.date(2024, 6, 1),
    )
    team.owner.user.time_zone = "Asia/Tokyo"
    db.session.flush()
    browser = web(app, team.owner)
    html = browser.get(f"/{team.slug}/clients/{client.id}").get_data(as_text=True)
    for text in (
        "Inbox care",
        "30% upfront, net 15",
        "8 business hours",
        "whatsapp",
        "Omar Said",
        "omar@nile.test",
        team.va.user.name,
        old_va.user.name,
        "Asia/Kolkata",
        "IST",  # the client's zone (Kolkata) ...
        "JST",  # ... and the viewer's (Tokyo)
        "Internal notes",
        "Bill rate",
    ):
        assert text in html, text
    current = html.split('data-testid="current-assignments"', 1)[1].split("</tbody>")[0]
    past = html.split('data-testid="past-assignments"', 1)[1].split("</tbody>")[0]
    assert team.va.user.name in current and old_va.user.name not in current
    assert old_va.user.name in past


def test_va_and_qa_see_notes_but_no_rates_and_no_edit_controls(app, team):
    AssignmentFactory(client=team.client, membership=team.va)
    for member in (team.va, team.qa):
        html = web(app, member).get(f"/{team.slug}/clients/{team.client.id}").get_data(True)
        assert "Secret internal note" in html
        assert 'data-testid="bill-rate"' not in html
        assert "$45.00" not in html
        assert f"/clients/{team.client.id}/edit" not in html
        assert "Assign a VA" not in html


def test_client_contact_sees_no_notes_no_rates_and_no_history(app, team):
    old_va = MembershipFactory(agency=team.agency, role="va")
    AssignmentFactory(
        client=team.client,
        membership=old_va,
        starts_on=dt.date(2024, 1, 1),
        ends_on=dt.date(2024, 6, 1),
    )
    AssignmentFactory(client=team.client, membership=team.va)
    resp = web(app, team.contact).get(f"/{team.slug}/clients/{team.client.id}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Secret internal note" not in html
    assert "Internal notes" not in html
    assert 'data-testid="bill-rate"' not in html and "$45.00" not in html
    assert team.va.user.name in html
    assert old_va.user.name not in html


def test_owner_sees_rate_on_list_and_detail(app, team):
    browser = web(app, team.owner)
    assert b"$45.00" in browser.get(f"/{team.slug}/clients").data
    assert b"$45.00" in browser.get(f"/{team.slug}/clients/{team.client.id}").data
    assert b"$45.00" not in web(app, team.qa).get(f"/{team.slug}/clients").data


# --- create and edit -----------------------------------------------------------------------


def test_manager_creates_a_client_with_every_field(app, team):
    package = ServicePackageFactory(agency=team.agency, currency="AED")  # the client's currency
    browser = web(app, team.manager)
    assert browser.get(f"/{team.slug}/clients/new").status_code == 200
    resp = browser.post(
        f"/{team.slug}/clients/new", data={**VALID, "service_package_id": str(package.id)}
    )
    assert resp.status_code == 302
    client_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    client = fetch(Client, client_id)
    assert client.agency_id == team.agency.id
    assert (client.name, client.time_zone, client.currency, client.locale, client.country) == (
        "Cedar & Sage",
        "Asia/Dubai",
        "AED",
        "ar",
        "AE",
    )
    assert client.channels == {"urgent": "whatsapp", "routine": "email"}
    assert (client.deposit_percent, client.net_days, client.response_time_hours) == (50, 15, 24)
    assert (client.status, client.bill_rate_minor, client.notes) == (
        "onboarding",
        5500,
        "Met at the expo.",
    )
    assert client.service_package_id == package.id
    page = browser.get(resp.headers["Location"])
    assert b"Client Cedar &amp; Sage created." in page.data


def test_create_with_bad_fields_names_each_and_writes_nothing(app, team):
    browser = web(app, team.owner)
    before = count_rows(Client, team.agency.id)
    resp = browser.post(
        f"/{team.slug}/clients/new",
        data={
            "name": "",
            "time_zone": "Mars/Olympus",
            "currency": "XXXX",
            "locale": "zz_ZZ_bad",
            "country": "Atlantis",
            "status": "asleep",
            "channels.urgent": "pigeon",
            "deposit_percent": "150",
            "net_days": "121",
            "response_time_hours": "0",
            "bill_rate_minor": "-1",
        },
    )
    assert resp.status_code == 422
    for field in (
        "name",
        "time_zone",
        "currency",
        "locale",
        "country",
        "status",
        "channels",
        "deposit_percent",
        "net_days",
        "response_time_hours",
        "bill_rate_minor",
    ):
        assert f'data-field-error="{field}"'.encode() in resp.data, field
    assert b"urgent: Not a channel" in resp.data
    assert b'value="Mars/Olympus"' in resp.data  # the form keeps what was typed
    assert count_rows(Client, team.agency.id) == before


def test_package_of_another_agency_does_not_exist(app, team, other):
    foreign = ServicePackageFactory(agency=other.agency)
    before = count_rows(Client, team.agency.id)
    resp = web(app, team.owner).post(
        f"/{team.slug}/clients/new", data={**VALID, "service_package_id": str(foreign.id)}
    )
    assert resp.status_code == 422
    assert b'data-field-error="service_package_id"' in resp.data
    assert b"Does not exist." in resp.data
    assert count_rows(Client, team.agency.id) == before


def test_retired_package_cannot_be_chosen(app, team):
    retired = ServicePackageFactory(agency=team.agency, active=False)
    resp = web(app, team.owner).post(
        f"/{team.slug}/clients/new", data={**VALID, "service_package_id": str(retired.id)}
    )
    assert resp.status_code == 422
    assert b"no longer offered" in resp.data


def test_edit_prefills_and_saves_and_clears_channels(app, team):
    browser = web(app, team.owner)
    form = browser.get(f"/{team.slug}/clients/{team.client.id}/edit")
    assert form.status_code == 200
    assert b'value="Harbour Bakery"' in form.data
    assert b'<option value="phone" selected>' in form.data  # channels.urgent
    resp = browser.post(
        f"/{team.slug}/clients/{team.client.id}/edit",
        data={**VALID, "name": "Harbour Bakery & Cafe", "channels.urgent": "", "status": "paused"},
    )
    assert resp.status_code == 302
    client = fetch(Client, team.client.id)
    assert client.name == "Harbour Bakery & Cafe"
    assert client.status == "paused"
    assert client.channels == {"routine": "email"}


def test_edit_with_bad_input_is_422_and_changes_nothing(app, team):
    resp = web(app, team.owner).post(
        f"/{team.slug}/clients/{team.client.id}/edit",
        data={**VALID, "time_zone": "Nowhere/Land", "net_days": "abc"},
    )
    assert resp.status_code == 422
    assert b'data-field-error="time_zone"' in resp.data
    assert b'data-field-error="net_days"' in resp.data
    assert fetch(Client, team.client.id).time_zone == "America/New_York"


def test_only_owners_and_managers_create_edit_or_archive(app, team):
    AssignmentFactory(client=team.client, membership=team.va)
    for member in (team.va, team.qa, team.contact):
        browser = web(app, member)
        assert browser.get(f"/{team.slug}/clients/new").status_code == 403
        assert browser.post(f"/{team.slug}/clients/new", data=VALID).status_code == 403
        edit = f"/{team.slug}/clients/{team.client.id}/edit"
        assert browser.get(edit).status_code == 403
        assert browser.post(edit, data=VALID).status_code == 403
        assert browser.post(f"/{team.slug}/clients/{team.client.id}/archive").status_code == 403
    assert fetch(Client, team.client.id).name == "Harbour Bakery"
    assert fetch(Client, team.client.id).archived_at is None


def test_other_agency_client_is_404_before_validation(app, team, other):
    browser = web(app, team.owner)
    for path in ("edit", "archive", "unarchive", "contacts", "assignments"):
        resp = browser.post(f"/{team.slug}/clients/{other.client.id}/{path}", data={})
        assert resp.status_code == 404, path
    assert browser.get(f"/{team.slug}/clients/{other.client.id}").status_code == 404


# --- archive -------------------------------------------------------------------------------


def test_archive_and_unarchive(app, team):
    browser = web(app, team.manager)
    resp = browser.post(f"/{team.slug}/clients/{team.client.id}/archive")
    assert resp.status_code == 302
    assert fetch(Client, team.client.id).archived_at is not None
    assert "Harbour Bakery" not in names_in(browser.get(f"/{team.slug}/clients"))
    page = browser.get(f"/{team.slug}/clients/{team.client.id}")
    assert b'data-testid="archived-badge"' in page.data
    assert browser.post(f"/{team.slug}/clients/{team.client.id}/archive").status_code == 409
    assert browser.post(f"/{team.slug}/clients/{team.client.id}/unarchive").status_code == 302
    assert fetch(Client, team.client.id).archived_at is None
    assert browser.post(f"/{team.slug}/clients/{team.client.id}/unarchive").status_code == 409
