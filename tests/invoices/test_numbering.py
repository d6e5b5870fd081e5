"""Invoice numbers: the format setting, consecutive numbers per series, the yearly restart
on the agency's New Year, and (on the real PostgreSQL, committed, in threads) no duplicate
and no gap under concurrency or when the issuing transaction rolls back."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
import sqlalchemy as sa

from app.core.permissions import Actor
from app.core.tenancy import all_tenants, tenant
from app.extensions import db
from app.invoices import services
from app.invoices.models import Invoice, NumberCounter
from app.invoices.numbering import format_number, format_problems
from app.invoices.services import issue_invoice
from app.invoices.settings import update_invoice_settings
from tests.factories import AgencyFactory, ClientFactory, MembershipFactory
from tests.invoices.support import draft, issued


@pytest.mark.parametrize(
    "fmt",
    ["INV-{year}-{seq:05}", "INV-{year}-{seq:05d}", "{seq}", "A/{year}/{seq:3}", "#{seq:012}"],
)
def test_valid_formats(fmt):
    assert format_problems(fmt, restart_yearly=False) == []


@pytest.mark.parametrize(
    ("fmt", "problem"),
    [
        ("INV-{year}", "exactly once"),
        ("INV-{seq}-{seq}", "exactly once"),
        ("{year}{year}-{seq}", "at most once"),
        ("INV-{seq!r}", "not allowed"),
        ("INV-{client}-{seq}", "not allowed"),
        ("INV-{year:04}-{seq}", "not allowed"),
        ("INV-{seq:05x}", "not allowed"),
        ("INV-{{seq}}", "Braces"),
        ("INV-{seq}}", "Braces"),
        ("INV<script>{seq}", "letters, digits"),
        ("", "1 to 40"),
        ("X" * 41 + "{seq}", "1 to 40"),
    ],
)
def test_invalid_formats_say_why(fmt, problem):
    problems = format_problems(fmt, restart_yearly=False)
    assert any(problem in p for p in problems), problems


def test_restarting_yearly_needs_the_year():
    assert format_problems("INV-{seq:05}", restart_yearly=False) == []
    assert "need {year}" in format_problems("INV-{seq:05}", restart_yearly=True)[0]


def test_format_number():
    assert format_number("INV-{year}-{seq:05}", 2026, 12) == "INV-2026-00012"
    assert format_number("{seq}", 2026, 123456) == "123456"
    assert format_number("F{year}{seq:3}", 2027, 1234) == "F20271234"


def test_numbers_are_consecutive_and_credit_notes_have_their_own_series(team, owner):
    from app.invoices.credit_notes import create_credit_note

    first = issued(owner, team.client, ("Work", 1, 1000))
    second = issued(owner, team.client, ("Work", 1, 2000))
    note = create_credit_note(owner, first, {"mode": "full"})
    third = issued(owner, team.client, ("Work", 1, 3000))
    numbers = [first.number, second.number, third.number]
    assert all(n.startswith("INV-") for n in numbers)
    assert [n.rsplit("-", 1)[1] for n in numbers] == ["00001", "00002", "00003"]
    assert note.number.startswith("CN-") and note.number.endswith("-00001")


def test_the_format_setting_applies_to_the_next_number(team, owner):
    update_invoice_settings(owner, {"invoice_number_format": "B/{seq:03}", "restart_yearly": False})
    assert issued(owner, team.client, ("Work", 1, 1000)).number == "B/001"
    assert issued(owner, team.client, ("Work", 1, 1000)).number == "B/002"


def test_a_format_that_would_repeat_a_number_is_refused_at_issue(team, owner):
    from app.core.errors import Conflict

    update_invoice_settings(owner, {"invoice_number_format": "X{seq}", "restart_yearly": False})
    issued(owner, team.client, ("Work", 1, 1000))  # X1
    update_invoice_settings(owner, {"invoice_number_format": "X{seq:01}"})
    with db.session.begin_nested():
        db.session.execute(sa.update(NumberCounter).values(next_value=1))
    with pytest.raises(Conflict, match="X1, is already used"):
        issued(owner, team.client, ("Work", 1, 1000))


def _at(time_machine, when: dt.datetime) -> None:
    time_machine.move_to(when, tick=False)


def test_numbering_restarts_on_new_year_in_the_agency_time_zone(time_machine):
    """Auckland is 13 hours ahead in December: 11:00 UTC on 31 Dec is already New Year."""
    agency = AgencyFactory(time_zone="Pacific/Auckland")
    client = ClientFactory(agency=agency, time_zone="America/New_York")
    member = MembershipFactory(agency=agency, role="owner")
    actor = Actor(user=member.user, agency=agency, membership=member)
    with tenant(agency.id):
        _at(time_machine, dt.datetime(2026, 12, 31, 10, 30, tzinfo=dt.UTC))  # 23:30 in Auckland
        late = [issued(actor, client, ("Work", 1, 100)) for _ in range(2)]
        _at(time_machine, dt.datetime(2026, 12, 31, 11, 30, tzinfo=dt.UTC))  # 00:30, 1 Jan 2027
        early = issued(actor, client, ("Work", 1, 100))
        assert [i.number for i in late] == ["INV-2026-00001", "INV-2026-00002"]
        assert early.number == "INV-2027-00001"
        # The client is in New York, where it is still 31 December: that is the issue date.
        assert early.issue_date == dt.date(2026, 12, 31)
        assert early.due_date == dt.date(2027, 1, 15)

        update_invoice_settings(actor, {"restart_yearly": False, "invoice_number_format": "N{seq}"})
        _at(time_machine, dt.datetime(2027, 12, 31, 11, 30, tzinfo=dt.UTC))
        assert issued(actor, client, ("Work", 1, 100)).number == "N1"
        _at(time_machine, dt.datetime(2028, 6, 1, tzinfo=dt.UTC))
        assert issued(actor, client, ("Work", 1, 100)).number == "N2"
        counters = db.session.execute(
            sa.select(NumberCounter.year, NumberCounter.next_value).order_by(NumberCounter.year)
        ).all()
        assert [tuple(c) for c in counters] == [(0, 3), (2026, 3), (2027, 2)]


@pytest.mark.parametrize(
    "zone", ["Pacific/Auckland", "America/Los_Angeles", "Asia/Kolkata", "Pacific/Kiritimati", "UTC"]
)
@pytest.mark.parametrize("new_year", [2027, 2028, 2031])
def test_year_in_the_number_turns_at_midnight_in_the_agency_zone(time_machine, zone, new_year):
    """31 Dec 23:59 local still numbers in the old year; 1 Jan 00:00 local starts the new
    one at 00001, whatever UTC says, in zones ahead of and behind UTC and with half hours."""
    import zoneinfo

    agency = AgencyFactory(time_zone=zone)
    client = ClientFactory(agency=agency, time_zone="UTC")
    member = MembershipFactory(agency=agency, role="owner")
    actor = Actor(user=member.user, agency=agency, membership=member)
    local = zoneinfo.ZoneInfo(zone)
    last_minute = dt.datetime(new_year - 1, 12, 31, 23, 59, 59, tzinfo=local)
    midnight = dt.datetime(new_year, 1, 1, 0, 0, tzinfo=local)
    with tenant(agency.id):
        _at(time_machine, last_minute)
        old = issued(actor, client, ("Work", 1, 100))
        _at(time_machine, midnight)
        first, second = (issued(actor, client, ("Work", 1, 100)) for _ in range(2))
    assert old.number == f"INV-{new_year - 1}-00001"
    assert (first.number, second.number) == (f"INV-{new_year}-00001", f"INV-{new_year}-00002")


# --- on the real PostgreSQL, committed ------------------------------------------------------


def _agency_with_drafts(count: int) -> tuple[int, int, list[int]]:
    slug = f"numbers-{uuid.uuid4().hex[:8]}"
    agency = AgencyFactory(slug=slug, time_zone="Europe/Berlin")
    client = ClientFactory(agency=agency)
    member = MembershipFactory(agency=agency, role="owner")
    actor = Actor(user=member.user, agency=agency, membership=member)
    with tenant(agency.id):
        ids = [draft(actor, client, ("Work", 1, 1000 + n)).id for n in range(count)]
        db.session.commit()
    return agency.id, member.id, ids


def _issue_in_own_session(app, agency_id: int, member_id: int, invoice_id: int) -> str:
    from app.agencies.models import Agency
    from app.users.models import Membership

    with app.app_context(), tenant(agency_id):
        try:
            agency = db.session.get(Agency, agency_id)
            with all_tenants():
                member = db.session.get(Membership, member_id)
            actor = Actor(user=member.user, agency=agency, membership=member)
            invoice = db.session.get(Invoice, invoice_id)
            issue_invoice(actor, invoice)
            number = invoice.number
            db.session.commit()
            return number
        finally:
            db.session.remove()


@pytest.mark.no_db
def test_fifty_concurrent_issues_get_fifty_unique_consecutive_numbers(committed):
    agency_id, member_id, ids = _agency_with_drafts(50)
    start = threading.Barrier(len(ids))
    results: dict[int, str] = {}
    errors: list[BaseException] = []

    def work(invoice_id: int) -> None:
        try:
            start.wait(timeout=60)
            results[invoice_id] = _issue_in_own_session(committed, agency_id, member_id, invoice_id)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    assert not errors, errors
    numbers = sorted(results.values())
    assert len(numbers) == len(set(numbers)) == 50
    seqs = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert seqs == list(range(1, 51))
    with tenant(agency_id):
        stored = db.session.scalars(sa.select(Invoice.number).where(Invoice.status == "issued"))
        assert sorted(stored) == numbers
        assert db.session.scalar(sa.select(NumberCounter.next_value)) == 51


@pytest.mark.no_db
def test_a_failure_after_allocation_rolls_the_number_back(committed, monkeypatch):
    agency_id, member_id, ids = _agency_with_drafts(3)
    real_enqueue = services.enqueue_job
    calls = {"n": 0}

    def failing_enqueue(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("injected: the outbox write failed after the number was taken")
        return real_enqueue(*args, **kwargs)

    monkeypatch.setattr(services, "enqueue_job", failing_enqueue)
    with pytest.raises(RuntimeError, match="injected"):
        _issue_in_own_session(committed, agency_id, member_id, ids[0])
    second = _issue_in_own_session(committed, agency_id, member_id, ids[1])
    first = _issue_in_own_session(committed, agency_id, member_id, ids[0])
    third = _issue_in_own_session(committed, agency_id, member_id, ids[2])
    assert [second, first, third] == [f"INV-{n}" for n in _years_and_seqs(second, 3)]
    with tenant(agency_id):
        statuses = db.session.execute(
            sa.select(Invoice.id, Invoice.status, Invoice.number).order_by(Invoice.id)
        ).all()
    assert [s.status for s in statuses] == ["issued"] * 3


def _years_and_seqs(first: str, count: int) -> list[str]:
    year = first.split("-")[1]
    return [f"{year}-{n:05d}" for n in range(1, count + 1)]
