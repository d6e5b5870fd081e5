"""The bank of a plan's month: included hours plus rollover by policy, used = the client's
approved billable time of the month (by day), remaining and per cent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from app.retainers.hours import (
    bank_for,
    months_between,
    run_bank,
    shift_month,
)
from tests.factories import ClientFactory
from tests.retainers.support import MONTH, plan_of, worked

used_months = st.lists(st.integers(min_value=0, max_value=6000), min_size=1, max_size=14)


def test_months_shift_across_years():
    assert shift_month("2026-12", 1) == "2027-01"
    assert shift_month("2026-01", -1) == "2025-12"
    assert months_between("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert months_between("2026-03", "2026-02") == []


def test_no_rollover_lapses_unused_hours():
    banks = run_bank(600, [100, 0, 900], "none")
    assert [b.available for b in banks] == [600, 600, 600]
    assert [b.remaining for b in banks] == [500, 600, 0]
    assert [b.overage for b in banks] == [0, 0, 300]
    assert banks[0].percent == 16 and banks[2].percent == 150


def test_up_to_n_hours_roll_over():
    banks = run_bank(600, [100, 0, 1500, 0], "up_to_hours", cap_minutes=240)
    # 500 unused -> 240 carried; 840 unused -> 240; 1500 used of 840 -> 660 over, 0 carried.
    assert [b.rolled_over for b in banks] == [0, 240, 240, 0]
    assert banks[2].overage == 1500 - 840


def test_unused_hours_expire_after_m_months_oldest_first():
    # 10 h a month, kept 2 months after their own.
    banks = run_bank(600, [0, 0, 0, 0, 1200], "expire_after_months", months=2)
    # Month 3 holds months 1-3's hours (month 0's expired): 600 + 1800.
    assert [b.rolled_over for b in banks] == [0, 600, 1200, 1200, 1200]
    assert banks[4].remaining == 600
    # Oldest first: using 900 in month 1 takes month 0's 600 then 300 of month 1's.
    banks = run_bank(600, [0, 900, 0, 0], "expire_after_months", months=1)
    assert [b.rolled_over for b in banks] == [0, 600, 300, 600]


@settings(max_examples=300, deadline=None)
@given(
    included=st.integers(min_value=0, max_value=3000),
    used=used_months,
    policy=st.sampled_from(["none", "up_to_hours", "expire_after_months"]),
    cap=st.integers(min_value=0, max_value=3000),
    months=st.integers(min_value=0, max_value=6),
)
def test_bank_invariants(included, used, policy, cap, months):
    banks = run_bank(included, used, policy, cap_minutes=cap, months=months)
    assert len(banks) == len(used)
    for b in banks:
        assert b.included == included and b.rolled_over >= 0
        assert b.remaining + b.used - b.overage == b.available
        assert min(b.remaining, b.overage) == 0
    assert banks[0].rolled_over == 0
    if policy == "none":
        assert all(b.rolled_over == 0 for b in banks)
    if policy == "up_to_hours":
        assert all(b.rolled_over <= cap for b in banks)
        for prev, b in zip(banks, banks[1:], strict=False):
            assert b.rolled_over == min(cap, prev.remaining)
    if policy == "expire_after_months":
        # Never more than the last M months' hours, and never more than what was left.
        for i, b in enumerate(banks[1:], start=1):
            assert b.rolled_over <= included * min(i, months)
            assert b.rolled_over <= banks[i - 1].remaining


@settings(max_examples=200, deadline=None)
@given(used=used_months, included=st.integers(min_value=0, max_value=3000))
def test_rollover_never_leaves_the_client_worse_off(used, included):
    none = run_bank(included, used, "none")
    capped = run_bank(included, used, "up_to_hours", cap_minutes=600)
    expiring = run_bank(included, used, "expire_after_months", months=2)
    for a, b, c in zip(none, capped, expiring, strict=True):
        assert b.overage <= a.overage and c.overage <= a.overage


def test_a_plans_bank_counts_approved_billable_time_of_its_client_in_the_month(team, owner):
    plan = plan_of(owner, team.client)
    other = ClientFactory(agency=team.agency, name="Cedar Dental")
    worked(team, 2, dt.date(2026, 3, 2))
    worked(team, 1.5, dt.date(2026, 3, 2))
    worked(team, 4, dt.date(2026, 3, 19))
    worked(team, 3, dt.date(2026, 3, 5), approved=False)  # waits for approval
    worked(team, 3, dt.date(2026, 3, 5), billable=False)
    worked(team, 3, dt.date(2026, 3, 5), client_id=other.id)
    worked(team, 3, dt.date(2026, 2, 27))  # last month
    bank = bank_for(plan, MONTH)
    assert (bank.included, bank.rolled_over, bank.used) == (600, 0, 450)
    assert (bank.remaining, bank.percent, bank.overage) == (150, 75, 0)
    assert len(bank.days) == 31 and bank.days[1] == (dt.date(2026, 3, 2), 210)
    cumulative = dict(bank.cumulative())
    assert cumulative[dt.date(2026, 3, 18)] == 210 and cumulative[dt.date(2026, 3, 31)] == 450
    data = bank.as_dict()
    assert data["used_hours"] == Decimal("7.50") and data["percent"] == 75


def test_rollover_reads_the_months_since_the_bank_began(team, owner):
    plan = plan_of(owner, team.client, rollover_policy="up_to_hours", rollover_hours=Decimal(3))
    plan.bank_from = "2026-01"
    worked(team, 9, dt.date(2026, 1, 15))  # 1 h left: 1 rolls over
    worked(team, 2, dt.date(2026, 2, 15))  # 9 h left: 3 roll over
    bank = bank_for(plan, MONTH)
    assert bank.rolled_over == 180 and bank.available == 780
    assert bank_for(plan, "2026-02").rolled_over == 60
    # Before the bank began: no rollover from earlier time.
    plan.bank_from = MONTH
    assert bank_for(plan, MONTH).rolled_over == 0
