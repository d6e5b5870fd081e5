"""What a period's work cost (app.rates.costs): approved time at the cost rate of its day,
time covered by per-item fees, fees once per delivered item, unpriced time shown apart, and
the bulk computation agreeing with the one-entry resolver on random data."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.extensions import db
from app.rates.costs import cost_groups, time_cost_groups, totals_by_currency
from app.rates.pricing import cost_entries
from app.rates.rounding import half_up
from app.work.models import WorkItem
from tests.rates.support import cost_rate, entry
from tests.time.support import TODAY

MONTH = TODAY.replace(day=1)
NEXT_MONTH = (MONTH + dt.timedelta(days=32)).replace(day=1)


def _by_kind(groups):
    out = defaultdict(list)
    for g in groups:
        out[g.kind].append(g)
    return out


def test_approved_time_costs_the_rate_of_its_day_and_nothing_else_counts(app, in_agency):
    tt = in_agency
    a, va = tt.agency.id, tt.va.id
    cost_rate(a, va, 1000, day=MONTH)
    cost_rate(a, va, 1300, day=MONTH + dt.timedelta(days=5))
    entry(a, va, tt.client_id, day=MONTH, seconds=5400)  # 1.5 h at 10.00
    entry(a, va, tt.client_id, day=MONTH + dt.timedelta(days=5), seconds=1800)  # 0.5 h at 13.00
    entry(a, va, tt.client_id, day=MONTH + dt.timedelta(days=6), seconds=600, approved=False)
    entry(a, va, tt.client_id, day=NEXT_MONTH, seconds=3600)  # another month
    entry(a, va, tt.client_id, day=MONTH - dt.timedelta(days=1), seconds=3600)  # before
    groups = time_cost_groups(MONTH, NEXT_MONTH)
    assert sorted((g.rate_minor, g.seconds, g.amount_minor) for g in groups) == [
        (1000, 5400, 1500),
        (1300, 1800, 650),
    ]
    assert {g.month for g in groups} == {MONTH}
    assert totals_by_currency(groups) == {"USD": 2150}


def test_a_fee_covers_the_items_time_and_is_owed_once_when_the_item_is_delivered(app, in_agency):
    tt = in_agency
    a, va = tt.agency.id, tt.va.id
    item = db.session.get(WorkItem, tt.work_item_id)
    item.assignee_id = va
    tt.va.cost_rate_minor, tt.va.cost_currency = 900, "EUR"
    cost_rate(a, va, 4000, kind="per_item", sop_id=item.sop_id, day=MONTH)
    entry(a, va, tt.client_id, work_item_id=item.id, day=MONTH, seconds=7200)
    entry(a, va, tt.client_id, day=MONTH, seconds=3600)  # no item: hourly default
    item.state = "delivered"
    item.delivered_at = dt.datetime.combine(MONTH + dt.timedelta(days=2), dt.time(12), dt.UTC)
    db.session.flush()

    kinds = _by_kind(cost_groups(MONTH, NEXT_MONTH, "UTC"))
    assert [(g.seconds, g.amount_minor) for g in kinds["covered"]] == [(7200, 0)]
    assert [(g.currency, g.amount_minor) for g in kinds["time"]] == [("EUR", 900)]
    assert [(g.items, g.amount_minor, g.sop_id) for g in kinds["fee"]] == [(1, 4000, item.sop_id)]
    # the delivery belongs to its month only
    assert not _by_kind(cost_groups(NEXT_MONTH, NEXT_MONTH + dt.timedelta(days=31), "UTC"))["fee"]


def test_a_fee_that_starts_after_the_delivery_is_not_owed(app, in_agency):
    tt = in_agency
    item = db.session.get(WorkItem, tt.work_item_id)
    item.assignee_id = tt.va.id
    item.delivered_at = dt.datetime.combine(MONTH, dt.time(12), dt.UTC)
    cost_rate(
        tt.agency.id,
        tt.va.id,
        4000,
        kind="per_item",
        sop_id=item.sop_id,
        day=MONTH + dt.timedelta(days=1),
    )
    db.session.flush()
    assert not _by_kind(cost_groups(MONTH, NEXT_MONTH, "UTC"))["fee"]


def test_time_with_no_cost_rate_is_unpriced_not_free(app, in_agency):
    tt = in_agency
    entry(tt.agency.id, tt.va.id, tt.client_id, day=MONTH, seconds=2700)
    (group,) = time_cost_groups(MONTH, NEXT_MONTH)
    assert (group.kind, group.seconds, group.amount_minor, group.currency) == (
        "unpriced",
        2700,
        0,
        None,
    )
    assert totals_by_currency([group]) == {}


def test_filters_narrow_to_people_and_clients(app, in_agency):
    tt = in_agency
    a = tt.agency.id
    tt.va.cost_rate_minor, tt.va.cost_currency = 600, "USD"
    entry(a, tt.va.id, tt.client_id, day=MONTH, seconds=3600)
    entry(a, tt.va.id, tt.other_client_id, day=MONTH, seconds=3600)
    assert [
        g.client_id for g in time_cost_groups(MONTH, NEXT_MONTH, client_ids=[tt.other_client_id])
    ] == [tt.other_client_id]
    assert time_cost_groups(MONTH, NEXT_MONTH, membership_ids=[tt.owner.id]) == []


def test_the_period_costs_the_same_whatever_the_number_of_entries_in_statements(
    app, in_agency, count_queries
):
    tt = in_agency
    tt.va.cost_rate_minor, tt.va.cost_currency = 600, "USD"
    for n in range(3):
        entry(tt.agency.id, tt.va.id, tt.client_id, day=MONTH + dt.timedelta(days=n))
    with count_queries() as few:
        cost_groups(MONTH, NEXT_MONTH, "UTC")
    for n in range(20):
        entry(tt.agency.id, tt.va.id, tt.other_client_id, day=MONTH + dt.timedelta(days=n % 9))
    with count_queries() as many:
        cost_groups(MONTH, NEXT_MONTH, "UTC")
    assert len(few) == len(many)


entries_strategy = st.lists(
    st.tuples(
        st.integers(0, 40),  # day offset from MONTH
        st.integers(1, 4 * 3600),  # seconds
        st.booleans(),  # on the work item
        st.booleans(),  # approved
    ),
    min_size=1,
    max_size=12,
)
rates_strategy = st.lists(
    st.tuples(st.integers(0, 40), st.integers(0, 5000), st.sampled_from(["hourly", "fee"])),
    max_size=4,
    unique_by=lambda r: (r[0], r[2]),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=entries_strategy, rates=rates_strategy, default=st.one_of(st.none(), st.integers(0, 3000))
)
def test_the_bulk_cost_equals_each_entrys_resolved_rate_summed(
    app, in_agency, rows, rates, default
):
    tt = in_agency
    a, va = tt.agency.id, tt.va.id
    item = db.session.get(WorkItem, tt.work_item_id)
    savepoint = db.session.begin_nested()
    try:
        tt.va.cost_rate_minor = default
        tt.va.cost_currency = "USD" if default is not None else None
        for offset, minor, kind in rates:
            cost_rate(
                a,
                va,
                minor,
                kind="hourly" if kind == "hourly" else "per_item",
                sop_id=None if kind == "hourly" else item.sop_id,
                day=MONTH + dt.timedelta(days=offset),
            )
        made = [
            entry(
                a,
                va,
                tt.client_id,
                work_item_id=item.id if on_item else None,
                day=MONTH + dt.timedelta(days=offset),
                seconds=seconds,
                approved=approved,
            )
            for offset, seconds, on_item, approved in rows
        ]
        end = MONTH + dt.timedelta(days=41)
        expected_seconds: dict[tuple, int] = defaultdict(int)
        for e, rate in cost_entries(made).items():
            row = next(m for m in made if m.id == e)
            if row.approved_at is None:
                continue
            kind = (
                "unpriced" if rate is None else ("covered" if rate.level == "per_item" else "time")
            )
            key = (row.entry_date.replace(day=1), kind, rate.minor if kind == "time" else None)
            expected_seconds[key] += row.duration_seconds
        expected = {
            key: (seconds, half_up(Fraction(key[2] * seconds, 3600)) if key[1] == "time" else 0)
            for key, seconds in expected_seconds.items()
        }
        got: dict[tuple, tuple[int, int]] = {}
        for g in time_cost_groups(MONTH, end):
            key = (g.month, g.kind, g.rate_minor)
            seconds = got.get(key, (0, 0))[0] + g.seconds
            got[key] = (
                seconds,
                half_up(Fraction(g.rate_minor * seconds, 3600)) if g.rate_minor else 0,
            )
        assert got == expected
    finally:
        savepoint.rollback()


def test_fewer_dimensions_give_fewer_groups_and_the_same_time(app, in_agency):
    tt = in_agency
    a = tt.agency.id
    tt.va.cost_rate_minor, tt.va.cost_currency = 1000, "USD"
    for n, client in enumerate((tt.client_id, tt.other_client_id, tt.client_id)):
        entry(a, tt.va.id, client, day=MONTH + dt.timedelta(days=n), seconds=1000 + n)
    every = time_cost_groups(MONTH, NEXT_MONTH)
    (per_person,) = time_cost_groups(MONTH, NEXT_MONTH, by=("membership",))
    assert len(every) == 2 and (per_person.client_id, per_person.month) == (None, None)
    assert per_person.seconds == sum(g.seconds for g in every) == 3003
    # one rounding of the summed seconds: 3003 s at 10.00 an hour is 8.34
    assert per_person.amount_minor == 834
