"""Carrying late costs reads every earlier period's cost at once: generating a period runs
the same number of statements whether a year of weekly periods lies before it or two; and
the costs by period are the costs of each period, fees included, to the minor unit."""

from __future__ import annotations

import datetime as dt

from app.extensions import db
from app.payouts.queries import Period
from app.rates.costs import cost_groups, cost_groups_by_period
from app.work.models import WorkItem
from tests.payouts.support import cost_rate, entry, generate, pay, statements

FIRST_MONDAY = dt.date(2026, 1, 5)
ZONE = "Europe/London"


def _week(i: int) -> Period:
    start = FIRST_MONDAY + dt.timedelta(days=7 * i)
    return Period(start, start + dt.timedelta(days=7))


def _late_entries(tt, weeks: range) -> None:
    for i in weeks:
        entry(tt.agency.id, tt.va.id, tt.client_id, day=_week(i).start, seconds=600)


def _generate_and_pay(tt, i: int) -> None:
    entry(tt.agency.id, tt.va.id, tt.client_id, day=_week(i).start, seconds=3600)
    for statement in generate(tt, _week(i)):
        pay(tt, statement)


def test_carrying_reads_a_bounded_number_of_statements(in_agency, count_queries):
    tt = in_agency
    cost_rate(tt.agency.id, tt.va.id, 1000)
    for i in range(2):
        _generate_and_pay(tt, i)
    _late_entries(tt, range(2))
    entry(tt.agency.id, tt.va.id, tt.client_id, day=_week(2).start, seconds=3600)
    with count_queries() as few:
        generate(tt, _week(2))
    for statement in statements(tt.va.id)[-1:]:
        pay(tt, statement)
    for i in range(3, 9):
        _generate_and_pay(tt, i)
    _late_entries(tt, range(9))
    entry(tt.agency.id, tt.va.id, tt.client_id, day=_week(9).start, seconds=3600)
    with count_queries() as many:
        made = generate(tt, _week(9))
    assert len(few) == len(many)
    # Nine earlier weeks each carry their late 10 minutes (each week rounds its own cost).
    (statement,) = made
    carried = [ln for ln in statement.lines if ln.source_start != _week(9).start]
    assert sorted(ln.source_start for ln in carried) == [_week(i).start for i in range(9)]
    assert all(ln.seconds == 600 and ln.amount_minor in (166, 167) for ln in carried)
    assert len(statements(tt.va.id)) == 10


def test_costs_by_period_are_each_periods_costs(in_agency):
    tt = in_agency
    a = tt.agency.id
    item = db.session.get(WorkItem, tt.work_item_id)
    item.assignee_id = tt.va.id
    item.delivered_at = dt.datetime(2026, 1, 20, 12, tzinfo=dt.UTC)  # week 2
    cost_rate(a, tt.va.id, 1000)
    cost_rate(a, tt.va.id, 2500, kind="per_item", sop_id=item.sop_id, currency="EUR")
    for i, seconds in enumerate((1000, 1234, 4321, 77)):
        entry(a, tt.va.id, tt.client_id, day=_week(i).start, seconds=seconds)
        entry(a, tt.va.id, tt.other_client_id, day=_week(i).end - dt.timedelta(days=1))
    entry(a, tt.va.id, tt.client_id, work_item_id=item.id, day=_week(1).start, seconds=999)
    db.session.flush()
    weeks = [(p.start, p.end) for p in map(_week, range(4))]
    month = (dt.date(2026, 1, 1), dt.date(2026, 2, 1))  # overlapping spans count in each
    found = cost_groups_by_period([*weeks, month], ZONE)
    for start, end in [*weeks, month]:
        assert sorted(found[(start, end)], key=repr) == sorted(
            cost_groups(start, end, ZONE), key=repr
        )
    assert any(g.kind == "fee" for g in found[weeks[2]])
    assert cost_groups_by_period([], ZONE) == {}
