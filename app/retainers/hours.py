"""A retainer's bank of hours: what a plan's month holds, what the client used, by day.

The bank of a month is the plan's included hours plus what rolled over from earlier months
(from `bank_from`, the bank's first month), by the plan's policy:

- `none`: unused hours are lost at the end of the month;
- `up_to_hours` (N): at most N unused hours carry into the next month;
- `expire_after_months` (M): unused hours stay usable for M more months, then expire; the
  oldest hours are used first.

Used hours are the client's approved (`approved_at`), billable, finished time of the month:
an entry counts in the month of its `entry_date`, the day it was worked in the agency's
time (how time entries are dated). Everything is counted in whole minutes (each day's
seconds summed, then rounded to the minute). Hours over the bank are the month's overage.

Billed once: while a client has an active plan with included hours, its time from the
bank's first month on is billed by the retainer (the monthly fee, and the overage at the
plan's overage rate), so the invoices' "Approved time" line source
(`app.rates.billing`) leaves it out (`drawn_from_bank`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from app.core.clock import today_in, utcnow
from app.extensions import db
from app.retainers.models import RetainerPlan
from app.time.models import TimeEntry

HUNDREDTH = Decimal("0.01")


# --- months --------------------------------------------------------------------------------


def month_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def parse_month(month: str) -> tuple[int, int]:
    year, mon = month.split("-")
    return int(year), int(mon)


def shift_month(month: str, by: int) -> str:
    year, mon = parse_month(month)
    index = year * 12 + (mon - 1) + by
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_between(first: str, last: str) -> list[str]:
    """`first` to `last` inclusive ([] when first is after last)."""
    out, month = [], first
    while month <= last:
        out.append(month)
        month = shift_month(month, 1)
    return out


def month_days(month: str) -> list[dt.date]:
    year, mon = parse_month(month)
    day = dt.date(year, mon, 1)
    out = []
    while day.month == mon:
        out.append(day)
        day += dt.timedelta(days=1)
    return out


def minutes_of(hours: Decimal | None) -> int:
    if hours is None:
        return 0
    return int((Decimal(hours) * 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def hours_of(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


# --- the pure arithmetic -------------------------------------------------------------------


class _Minutes:
    """What a month's included, rolled-over and used minutes make."""

    included: int
    rolled_over: int
    used: int

    @property
    def available(self) -> int:
        return self.included + self.rolled_over

    @property
    def remaining(self) -> int:
        return max(0, self.available - self.used)

    @property
    def overage(self) -> int:
        return max(0, self.used - self.available)

    @property
    def percent(self) -> int | None:
        """Used against available, in whole per cent (rounded down); None with no hours."""
        if self.available <= 0:
            return None
        return self.used * 100 // self.available


@dataclass(frozen=True)
class MonthBank(_Minutes):
    """One month of a bank, in minutes."""

    included: int
    rolled_over: int
    used: int


def run_bank(
    included: int,
    used_by_month: list[int],
    policy: str,
    cap_minutes: int = 0,
    months: int = 0,
) -> list[MonthBank]:
    """The bank of each month in order, given each month's used minutes and the policy."""
    out: list[MonthBank] = []
    lots: list[tuple[int, int]] = []  # expire_after_months: (month index, minutes left)
    carry = 0
    for i, used in enumerate(used_by_month):
        if policy == "expire_after_months":
            lots = [(origin, left) for origin, left in lots if origin >= i - months and left > 0]
            rolled = sum(left for _, left in lots)
            lots.append((i, included))
            need = used
            spent = []
            for origin, left in lots:  # oldest first
                take = min(left, need)
                need -= take
                spent.append((origin, left - take))
            lots = spent
        elif policy == "up_to_hours":
            rolled = carry
        else:
            rolled = 0
        bank = MonthBank(included=included, rolled_over=rolled, used=used)
        out.append(bank)
        carry = min(max(0, cap_minutes), bank.remaining)
    return out


# --- a plan's bank -------------------------------------------------------------------------


@dataclass
class Bank(_Minutes):
    """A plan's bank for one month, with its days for the burn-down chart."""

    plan_id: int
    month: str
    included: int
    rolled_over: int
    used: int
    days: list[tuple[dt.date, int]] = field(default_factory=list)  # (day, minutes used)

    def cumulative(self) -> list[tuple[dt.date, int]]:
        """(day, minutes used up to and including that day) for every day of the month."""
        total, out = 0, []
        for day, minutes in self.days:
            total += minutes
            out.append((day, total))
        return out

    def as_dict(self) -> dict:
        return {
            "plan_id": self.plan_id,
            "month": self.month,
            "included_hours": hours_of(self.included),
            "rolled_over_hours": hours_of(self.rolled_over),
            "available_hours": hours_of(self.available),
            "used_hours": hours_of(self.used),
            "remaining_hours": hours_of(self.remaining),
            "overage_hours": hours_of(self.overage),
            "percent": self.percent,
            "days": [{"day": d, "used_hours": hours_of(m)} for d, m in self.days],
        }


def has_bank(plan: RetainerPlan) -> bool:
    return plan.included_hours is not None and plan.included_hours > 0


def agency_month(zone: str | None, now: dt.datetime | None = None) -> str:
    """This month in the agency's time zone."""
    return month_of(today_in(zone or "UTC", now or utcnow()))


def used_minutes_by_day(client_id: int, first: dt.date, last: dt.date) -> dict[dt.date, int]:
    """The client's approved, billable, finished time per day from `first` to `last`."""
    rows = db.session.execute(
        sa.select(TimeEntry.entry_date, sa.func.sum(TimeEntry.duration_seconds))
        .where(
            TimeEntry.client_id == client_id,
            TimeEntry.approved_at.is_not(None),
            TimeEntry.billable.is_(True),
            TimeEntry.duration_seconds.is_not(None),
            TimeEntry.entry_date >= first,
            TimeEntry.entry_date <= last,
        )
        .group_by(TimeEntry.entry_date)
    ).all()
    return {day: int(seconds or 0) for day, seconds in rows}


def bank_for(plan: RetainerPlan, month: str) -> Bank:
    """The plan's bank for `month` ('YYYY-MM'), rollover from `bank_from` included."""
    first = min(plan.bank_from or month, month)
    months = months_between(first, month)
    start = month_days(months[0])[0]
    end = month_days(month)[-1]
    seconds = used_minutes_by_day(plan.client_id, start, end)
    per_month: dict[str, int] = defaultdict(int)
    for day, secs in seconds.items():
        per_month[month_of(day)] += round(secs / 60)
    used = [per_month[m] for m in months]
    banks = run_bank(
        minutes_of(plan.included_hours),
        used,
        plan.rollover_policy,
        cap_minutes=minutes_of(plan.rollover_hours),
        months=plan.rollover_months or 0,
    )
    last = banks[-1]
    days = [(d, round(seconds.get(d, 0) / 60)) for d in month_days(month)]
    return Bank(
        plan_id=plan.id,
        month=month,
        included=last.included,
        rolled_over=last.rolled_over,
        used=last.used,
        days=days,
    )


def banked_plans_of_client(client_id: int) -> list[RetainerPlan]:
    return list(
        db.session.scalars(
            sa.select(RetainerPlan)
            .where(
                RetainerPlan.client_id == client_id,
                RetainerPlan.active.is_(True),
                RetainerPlan.included_hours > 0,
            )
            .order_by(RetainerPlan.id)
        )
    )


def drawn_from_bank() -> sa.ColumnElement[bool]:
    """A time entry its client's active hour bank takes (billed through the retainer)."""
    month = sa.func.to_char(TimeEntry.entry_date, "YYYY-MM")  # whatever the DateStyle
    return sa.exists(
        sa.select(RetainerPlan.id).where(
            RetainerPlan.client_id == TimeEntry.client_id,
            RetainerPlan.active.is_(True),
            RetainerPlan.included_hours > 0,
            sa.or_(RetainerPlan.bank_from.is_(None), RetainerPlan.bank_from <= month),
        )
    )
