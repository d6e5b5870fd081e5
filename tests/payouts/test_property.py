"""A property of payouts: for random approved time, hourly rates that change mid-period,
per-item fees and deliveries, the statements of a period (before adjustments) add up to the
period's cost (`totals_by_currency(cost_groups(...))`) per currency; and across two periods,
with time approved after the first was paid, every cost is on exactly one statement."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.extensions import db
from app.payouts.services import accept_unpriced
from app.rates.costs import cost_groups, totals_by_currency
from app.work.models import WorkItem
from tests.factories import MembershipFactory
from tests.payouts.support import FEB, MAR, actor_of, cost_rate, entry, generate, pay, statements

ZONE = "Europe/London"
DAYS = (MAR.end - FEB.start).days  # 59

entries = st.lists(
    st.tuples(
        st.integers(0, 1),  # which person
        st.integers(0, DAYS - 1),  # day
        st.integers(1, 5 * 3600),  # seconds
        st.booleans(),  # on the work item
        st.sampled_from(["now", "late", "never"]),  # approved before February is paid, after, no
    ),
    min_size=1,
    max_size=14,
)
rates = st.lists(
    st.tuples(
        st.integers(0, 1),
        st.integers(0, DAYS - 1),
        st.integers(1, 9000),
        st.sampled_from(["hourly", "fee"]),
    ),
    max_size=5,
    unique_by=lambda r: (r[0], r[1], r[3]),
)


def _lines_by_currency(rows) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for s in rows:
        out[s.currency] += s.lines_minor
    return {k: v for k, v in out.items() if v}


def _held_for(source_start: dt.date) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for s in statements():
        for ln in s.lines:
            if ln.source_start == source_start and ln.amount_minor:
                out[ln.currency] += ln.amount_minor
    return {k: v for k, v in out.items() if v}


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=entries, rate_rows=rates, delivered=st.one_of(st.none(), st.integers(0, DAYS - 1)))
def test_statements_add_up_to_the_cost_and_nothing_is_paid_twice_or_lost(
    app, in_agency, rows, rate_rows, delivered
):
    tt = in_agency
    a = tt.agency.id
    savepoint = db.session.begin_nested()
    try:
        other = MembershipFactory(agency=tt.agency, role="va")
        other.cost_rate_minor, other.cost_currency = 1500, "EUR"
        people = [tt.va.id, other.id]
        item = db.session.get(WorkItem, tt.work_item_id)
        item.assignee_id = tt.va.id
        for who, offset, minor, kind in rate_rows:
            cost_rate(
                a,
                people[who],
                minor,
                kind="hourly" if kind == "hourly" else "per_item",
                sop_id=None if kind == "hourly" else item.sop_id,
                currency="USD" if who == 0 else "EUR",
                day=FEB.start + dt.timedelta(days=offset),
            )
        if delivered is not None:
            day = FEB.start + dt.timedelta(days=delivered)
            item.delivered_at = dt.datetime.combine(day, dt.time(12), dt.UTC)
        late = []
        for who, offset, seconds, on_item, when in rows:
            row = entry(
                a,
                people[who],
                tt.client_id,
                work_item_id=item.id if on_item and who == 0 else None,
                day=FEB.start + dt.timedelta(days=offset),
                seconds=seconds,
                approved=when == "now",
            )
            if when == "late":
                late.append(row)
        db.session.flush()

        # February: generated, each statement paid (unpriced time accepted).
        feb = generate(tt, FEB)
        assert _lines_by_currency(feb) == totals_by_currency(cost_groups(FEB.start, FEB.end, ZONE))
        for s in feb:
            if s.unpriced_seconds:
                accept_unpriced(actor_of(tt.owner), s)
            pay(tt, s)

        # Time of both months approved late, then March generated (twice).
        for row in late:
            row.approved_at = dt.datetime(2026, 3, 20, tzinfo=dt.UTC)
        db.session.flush()
        generate(tt, MAR)
        generate(tt, MAR)

        everything = statements()
        assert _lines_by_currency(everything) == totals_by_currency(
            cost_groups(FEB.start, MAR.end, ZONE)
        )
        assert _held_for(FEB.start) == totals_by_currency(cost_groups(FEB.start, FEB.end, ZONE))
        assert _held_for(MAR.start) == totals_by_currency(cost_groups(MAR.start, MAR.end, ZONE))
        assert len({(s.membership_id, s.period_start, s.currency) for s in everything}) == len(
            everything
        )
    finally:
        savepoint.rollback()
