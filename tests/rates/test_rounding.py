"""Rounding each entry to the agency's increment, and what the rounded time comes to, as
properties (hypothesis): splitting an entry in two moves its billed minutes by at most one
increment (never down when rounding up, never up when rounding down) and its amount by at
most that increment's worth plus a minor unit; amounts are whole minor units computed once,
exactly, in currencies of 0, 2 and 3 decimals, and agree with the invoices' computation."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.money import LineInput, compute, exponent
from app.rates.models import DIRECTIONS, INCREMENTS
from app.rates.rounding import amount_minor, billed_minutes, exact_amount_minor, hours

pytestmark = pytest.mark.no_db
# Pure arithmetic: no deadline and no slowness check, so a busy shared machine can't fail it.
properties = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

seconds = st.integers(min_value=0, max_value=16 * 3600)
increments = st.sampled_from(INCREMENTS)
directions = st.sampled_from(DIRECTIONS)
# Rates an hour in minor units: JPY 0 decimals, USD 2, KWD 3 (up to 10,000 major units).
currencies = st.sampled_from(["JPY", "USD", "KWD"])
rates = st.integers(min_value=0, max_value=10**6)


def test_the_examples_people_expect():
    assert billed_minutes(7 * 60 + 1, 6, "up") == 12
    assert billed_minutes(7 * 60 + 1, 6, "down") == 6
    assert billed_minutes(8 * 60 + 59, 6, "nearest") == 6
    assert billed_minutes(9 * 60, 6, "nearest") == 12  # a half rounds up
    assert billed_minutes(59, 1, "nearest") == 1 and billed_minutes(29, 1, "nearest") == 0
    assert billed_minutes(0, 15, "up") == 0
    assert hours(90) == Decimal("1.500000") and hours(1) == Decimal("0.016667")
    assert amount_minor(4500, 90) == 6750  # 1.5 h at 45.00
    assert amount_minor(4500, 1) == 75  # 0.016667 h at 45.00 = 75.0015
    assert exact_amount_minor(4500, 1) == 75


@given(seconds, increments, directions)
@properties
def test_a_rounded_entry_is_whole_increments_and_within_one_of_its_length(s, inc, direction):
    minutes = billed_minutes(s, inc, direction)
    assert minutes % inc == 0 and minutes >= 0
    exact = Fraction(s, 60)
    if direction == "up":
        assert exact <= minutes < exact + inc
    elif direction == "down":
        assert exact - inc < minutes <= exact
    else:
        assert abs(minutes - exact) <= Fraction(inc, 2)


@given(seconds, seconds, increments, directions, rates)
@properties
def test_splitting_an_entry_changes_the_bill_by_at_most_the_rule(a, b, inc, direction, rate):
    whole = billed_minutes(a + b, inc, direction)
    split = billed_minutes(a, inc, direction) + billed_minutes(b, inc, direction)
    diff = split - whole
    if direction == "up":
        assert 0 <= diff <= inc
    elif direction == "down":
        assert -inc <= diff <= 0
    else:
        assert abs(diff) <= inc
    # Money: the increment's worth at the rate, plus the one rounding of each amount.
    money_diff = exact_amount_minor(rate, split) - exact_amount_minor(rate, whole)
    assert abs(money_diff) <= Fraction(rate * inc, 60) + 1


@given(st.integers(min_value=0, max_value=10_000), increments, rates, currencies)
@properties
def test_amounts_are_exact_whole_minor_units_in_every_exponent(steps, inc, rate, currency):
    """With 6- and 15-minute increments a line's hours are exact, and its amount is the
    exact rate x minutes / 60 rounded half-up once, whatever the currency's decimals; with
    1-minute increments (hours to six decimals) it is within one minor unit of it. Either
    way it is what the invoice computes for the line."""
    minutes = steps * inc
    amount = amount_minor(rate, minutes)
    assert isinstance(amount, int)
    line = LineInput(quantity=hours(minutes), unit_price_minor=rate)
    assert compute([line]).total == amount
    exact = exact_amount_minor(rate, minutes)
    if minutes % 3 == 0:
        assert amount == exact
    else:
        assert abs(amount - exact) <= 1
    # Minor units are the currency's own: the same figure in major units has its decimals.
    assert Decimal(amount).scaleb(-exponent(currency)).as_tuple().exponent >= -exponent(currency)


@given(st.lists(st.tuples(seconds, rates), min_size=1, max_size=30), increments, directions)
@properties
def test_a_documents_total_is_the_sum_of_its_lines_exactly(entries, inc, direction):
    lines = [
        LineInput(quantity=hours(billed_minutes(s, inc, direction)), unit_price_minor=r)
        for s, r in entries
    ]
    totals = compute(lines)
    assert totals.total == sum(a.gross for a in totals.lines)
    assert totals.total == sum(
        amount_minor(r, billed_minutes(s, inc, direction)) for s, r in entries
    )
