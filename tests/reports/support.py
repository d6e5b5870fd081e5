"""Set-up of the report tests: the time team (tests.time.support) with a second VA, and a
month of entries whose totals every test computes by hand.

The entries (the clock is frozen on Wednesday 11 March 2026, 15:00 UTC):

    id  who    client   day         minutes  billable  item  activity  state
    e1  va     Harbour  Mon 2 Mar        90  yes       A     Admin     open
    e2  va     Harbour  Mon 9 Mar        60  no        -     Research  approved
    e3  va     Cedar    Tue 10 Mar       45  yes       B     -         billed
    e4  va     Cedar    Wed 11 Mar       30  yes       B     Admin     running (since 14:30)
    e5  va2    Harbour  Tue 10 Mar      120  yes       A     Admin     approved
    e6  va2    Harbour  Fri 27 Feb      240  yes       A     Admin     open (last month)
    e7  owner  Cedar    Tue 3 Mar        15  no        -     -         open

Item A is Harbour Bakery's "Weekly bookkeeping" (SOP A), item B Cedar Dental's "Recall
letters" (SOP B).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from app.clients.models import Client
from app.core.tenancy import all_tenants
from app.extensions import db
from app.time.models import Activity, TimeEntry
from app.users.models import Membership
from app.work.models import WorkItem
from tests.factories import AssignmentFactory, InvoiceFactory, MembershipFactory, UserFactory
from tests.time.support import NOW, TimeTeam, make_time_team

TODAY = NOW.date()
MIN = 60


@dataclass
class World:
    tt: TimeTeam
    va2: Membership
    sop_a: int
    sop_b: int
    research_id: int
    entries: dict[str, int]

    def __getattr__(self, name: str):
        return getattr(self.tt, name)


def add_entry(
    member: Membership,
    client_id: int,
    day: dt.date,
    minutes: int,
    *,
    billable: bool = True,
    work_item_id: int | None = None,
    activity_id: int | None = None,
    state: str = "open",
    notes: str | None = None,
    start: dt.datetime | None = None,
    zone: str = "UTC",
) -> int:
    """One entry, written directly (the report reads columns, however they were written)."""
    with all_tenants():
        started = start or dt.datetime(day.year, day.month, day.day, 9, 0, tzinfo=dt.UTC)
        entry = TimeEntry(
            agency_id=member.agency_id,
            membership_id=member.id,
            client_id=client_id,
            work_item_id=work_item_id,
            activity_id=activity_id,
            billable=billable,
            notes=notes,
            entry_date=day,
            zone=zone,
            started_at=started,
            ended_at=None if state == "running" else started + dt.timedelta(minutes=minutes),
            duration_seconds=None if state == "running" else minutes * MIN,
            approved_at=NOW if state == "approved" else None,
        )
        if state == "billed":
            entry.invoice_id = InvoiceFactory(client=db.session.get(Client, client_id)).id
        db.session.add(entry)
        db.session.flush()
        return entry.id


def sop_of(work_item_id: int) -> int:
    with all_tenants():
        return db.session.scalar(sa.select(WorkItem.sop_id).where(WorkItem.id == work_item_id))


def make_world() -> World:
    tt = make_time_team()
    va2 = MembershipFactory(agency=tt.agency, role="va", user=UserFactory(name="Zoe Quinn"))
    AssignmentFactory(client=tt.team.client, membership=va2)
    with all_tenants():
        research = db.session.scalar(
            sa.select(Activity.id).where(
                Activity.agency_id == tt.agency.id, Activity.name == "Research"
            )
        )
    d = dt.date
    a, b = tt.work_item_id, tt.other_work_item_id
    harbour, cedar = tt.client_id, tt.other_client_id
    admin = tt.activity_id
    running_since = NOW - dt.timedelta(minutes=30)
    entries = {
        "e1": add_entry(tt.va, harbour, d(2026, 3, 2), 90, work_item_id=a, activity_id=admin),
        "e2": add_entry(
            tt.va, harbour, d(2026, 3, 9), 60,
            billable=False, activity_id=research, state="approved",
        ),
        "e3": add_entry(tt.va, cedar, d(2026, 3, 10), 45, work_item_id=b, state="billed"),
        "e4": add_entry(
            tt.va, cedar, TODAY, 30,
            work_item_id=b, activity_id=admin, state="running", start=running_since,
        ),
        "e5": add_entry(
            va2, harbour, d(2026, 3, 10), 120, work_item_id=a, activity_id=admin, state="approved"
        ),
        "e6": add_entry(va2, harbour, d(2026, 2, 27), 240, work_item_id=a, activity_id=admin),
        "e7": add_entry(tt.owner, cedar, d(2026, 3, 3), 15, billable=False),
    }  # fmt: skip
    return World(tt, va2, sop_of(a), sop_of(b), research, entries)
