"""How time becomes money: each entry's length rounded to the agency's increment, then hours
times the rate, in whole minor units. Pure functions (no database, no Flask).

Each entry is rounded on its own, to whole minutes that are a multiple of the increment
(1, 6 or 15 minutes), up, down or to the nearest (a half increment rounds up). A line bills
the sum of its entries' rounded minutes as hours; its amount is rate x hours rounded half-up
once, to the currency's minor unit (`app.core.money.compute`, the invoices' one
computation).

Splitting an entry in two changes its rounded minutes by at most one increment: up to one
more (rounding up), up to one less (rounding down), one either way (nearest); the amount by
at most that increment's worth at the rate plus the one-minor-unit rounding of the amount.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

SIX_PLACES = Decimal("0.000001")  # invoice quantities are NUMERIC(18, 6)


def billed_minutes(seconds: int, increment: int, direction: str) -> int:
    """An entry's length as billed: whole minutes, a multiple of `increment` minutes."""
    if seconds <= 0:
        return 0
    unit = increment * 60
    steps, rest = divmod(seconds, unit)
    if rest and (direction == "up" or (direction == "nearest" and 2 * rest >= unit)):
        steps += 1
    return steps * increment


def hours(minutes: int) -> Decimal:
    """Minutes as the hours an invoice line's quantity holds (NUMERIC(18, 6)): exact for
    every multiple of 3 minutes, so always with 6- and 15-minute increments; with 1-minute
    increments, 1 minute is 0.016667 h (half-up at the sixth decimal)."""
    return (Decimal(minutes) / 60).quantize(SIX_PLACES, rounding=ROUND_HALF_UP)


def half_up(value: Fraction) -> int:
    """A non-negative exact value rounded to a whole number, halves up."""
    return int((value * 2 + 1) // 2)


def amount_minor(rate_minor: int, minutes: int) -> int:
    """What a line of `minutes` at `rate_minor` an hour comes to: the rate times the line's
    quantity (`hours(minutes)`), rounded half-up to a minor unit, as `money.compute` does.
    Equal to the exact rate x minutes / 60 rounded half-up whenever the hours are exact (a
    multiple of 3 minutes); otherwise within one minor unit of it for any rate up to
    1,000,000 minor units an hour."""
    return half_up(Fraction(hours(minutes)) * rate_minor)


def exact_amount_minor(rate_minor: int, minutes: int) -> int:
    """rate x minutes / 60, rounded half-up once, with no intermediate rounding."""
    return half_up(Fraction(rate_minor * minutes, 60))
