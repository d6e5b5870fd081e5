"""Which bill rate an entry gets: the work item's, else the person's at the client, else the
client's, else its service package's, else the agency default; each level read on the
entry's day (the latest row from that day or before); and a list priced in a fixed number of
queries."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.rates.pricing import Rate, cost_entries, price_entries, resolve_bill_rate
from app.time.models import TimeEntry
from app.work.models import WorkItem
from tests.factories import ClientFactory, ServicePackageFactory, WorkItemFactory
from tests.rates.support import YESTERDAY, bill_rate, cost_rate, entry


def _client_without_rate(tt, **kw):
    client = tt.team.client
    client.bill_rate_minor = None
    for key, value in kw.items():
        setattr(client, key, value)
    db.session.flush()
    return client


def _every_level(tt) -> dict:
    """Rates at all five levels that would apply to the VA's entry on the work item."""
    agency_id = tt.agency.id
    package = ServicePackageFactory(agency=tt.agency, pricing="fixed", price_minor=99900)
    client = _client_without_rate(tt, service_package_id=package.id)
    return {
        "agency": bill_rate(agency_id, "agency", 1000),
        "package": bill_rate(agency_id, "package", 2000, service_package_id=package.id),
        "client": bill_rate(agency_id, "client", 3000, client_id=client.id),
        "client_member": bill_rate(
            agency_id, "client_member", 4000, client_id=client.id, membership_id=tt.va.id
        ),
        "work_item": bill_rate(agency_id, "work_item", 5000, work_item_id=tt.work_item_id),
    }


def test_each_level_overrides_the_next(app, in_agency):
    tt = in_agency
    rows = _every_level(tt)
    e = entry(tt.agency.id, tt.va.id, tt.client_id, work_item_id=tt.work_item_id)
    seen = []
    for level in ("work_item", "client_member", "client", "package", "agency"):
        seen.append(resolve_bill_rate(e))
        db.session.delete(rows[level])
        db.session.flush()
    seen.append(resolve_bill_rate(e))
    assert seen == [
        Rate(5000, "USD", "work_item"),
        Rate(4000, "USD", "client_member"),
        Rate(3000, "USD", "client"),
        Rate(2000, "USD", "package"),
        Rate(1000, "USD", "agency"),
        None,
    ]


def test_an_override_is_for_its_person_and_a_work_item_rate_for_its_item(app, in_agency):
    tt = in_agency
    _every_level(tt)
    owner_time = entry(tt.agency.id, tt.owner.id, tt.client_id, work_item_id=tt.work_item_id)
    no_item = entry(tt.agency.id, tt.owner.id, tt.client_id)
    other_item = entry(
        tt.agency.id, tt.va.id, tt.other_client_id, work_item_id=tt.other_work_item_id
    )
    assert resolve_bill_rate(owner_time) == Rate(5000, "USD", "work_item")
    assert resolve_bill_rate(no_item) == Rate(3000, "USD", "client")
    # The other client has its own rate (the factory's) and no package: the override and
    # the work item rate of the first client do not reach it.
    assert resolve_bill_rate(other_item) == Rate(4500, "USD", "client")


def test_the_clients_own_rate_and_an_hourly_packages_price_come_before_dated_rows(app, in_agency):
    tt = in_agency
    agency_id = tt.agency.id
    package = ServicePackageFactory(
        agency=tt.agency, pricing="hourly", price_minor=6500, currency="EUR"
    )
    client = _client_without_rate(tt, service_package_id=package.id)
    e = entry(agency_id, tt.va.id, client.id)
    assert resolve_bill_rate(e) == Rate(6500, "EUR", "package")
    bill_rate(agency_id, "package", 7000, "EUR", day=YESTERDAY, service_package_id=package.id)
    assert resolve_bill_rate(e) == Rate(7000, "EUR", "package")
    client.bill_rate_minor = 4200
    db.session.flush()
    assert resolve_bill_rate(e) == Rate(4200, "USD", "client")
    bill_rate(agency_id, "client", 4800, day=YESTERDAY, client_id=client.id)
    assert resolve_bill_rate(e) == Rate(4800, "USD", "client")


def test_a_rate_applies_from_its_day_on(app, in_agency):
    tt = in_agency
    agency_id = tt.agency.id
    client = _client_without_rate(tt)
    march = dt.date(2026, 3, 1)
    bill_rate(agency_id, "client", 3000, client_id=client.id)  # from the start
    bill_rate(agency_id, "client", 3500, client_id=client.id, day=march)
    bill_rate(agency_id, "client", 9900, client_id=client.id, day=dt.date(2026, 4, 1))  # planned
    before = entry(agency_id, tt.va.id, client.id, day=dt.date(2026, 2, 28))
    on_the_day = entry(agency_id, tt.va.id, client.id, day=march)
    after = entry(agency_id, tt.va.id, client.id, day=YESTERDAY)
    priced = price_entries([before, on_the_day, after])
    assert [p.rate.minor for p in priced] == [3000, 3500, 3500]


def test_no_rate_at_all_is_none_and_another_currency_stays_its_own(app, in_agency):
    tt = in_agency
    client = _client_without_rate(tt)
    e = entry(tt.agency.id, tt.va.id, client.id)
    assert resolve_bill_rate(e) is None
    bill_rate(tt.agency.id, "agency", 500000, "JPY")
    assert resolve_bill_rate(e) == Rate(500000, "JPY", "agency")


@pytest.mark.parametrize("count", [1, 30])
def test_a_list_is_priced_in_a_fixed_number_of_queries(app, in_agency, count_queries, count):
    """The entries' own query is the caller's; pricing them reads the settings and the bill
    rates, costing them the cost rates: three queries for 1 entry or 30 over 3 clients."""
    tt = in_agency
    agency_id = tt.agency.id
    _every_level(tt)
    clients = [ClientFactory(agency=tt.agency, bill_rate_minor=None) for _ in range(3)]
    items = [WorkItemFactory(client=c, checklist=False) for c in clients]
    for i, w in enumerate(items):
        bill_rate(agency_id, "work_item", 100 + i, work_item_id=w.id, day=YESTERDAY)
    ids = [
        entry(agency_id, tt.va.id, clients[i % 3].id, work_item_id=items[i % 3].id).id
        for i in range(count)
    ]
    db.session.expire_all()
    loaded = list(db.session.scalars(sa.select(TimeEntry).where(TimeEntry.id.in_(ids))))
    with count_queries() as statements:
        priced = price_entries(loaded)
        costs = cost_entries(loaded)
    assert len(priced) == count and len(costs) == count
    assert all(p.rate is not None and p.rate.level == "work_item" for p in priced)
    assert len(statements) == 3, statements


def test_a_fee_per_item_of_an_sop_covers_its_time_else_the_hourly_cost(app, in_agency):
    tt = in_agency
    agency_id = tt.agency.id
    item = db.session.get(WorkItem, tt.work_item_id)
    tt.va.cost_rate_minor, tt.va.cost_currency = 1200, "USD"
    db.session.flush()
    on_item = entry(agency_id, tt.va.id, tt.client_id, work_item_id=item.id)
    loose = entry(agency_id, tt.va.id, tt.client_id)
    assert cost_entries([on_item, loose]) == {
        on_item.id: Rate(1200, "USD", "hourly"),
        loose.id: Rate(1200, "USD", "hourly"),
    }
    cost_rate(agency_id, tt.va.id, 1500, day=YESTERDAY)
    cost_rate(agency_id, tt.va.id, 800, kind="per_item", sop_id=item.sop_id)
    assert cost_entries([on_item, loose]) == {
        on_item.id: Rate(800, "USD", "per_item"),
        loose.id: Rate(1500, "USD", "hourly"),
    }
