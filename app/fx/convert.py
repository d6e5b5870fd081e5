"""Amounts in the agency's base currency, at the stored exchange rates.

`converter(currencies, days)` reads the rows those currencies need for those days once (one
query) and answers `to_base(amount_minor, currency, day)` for any of them: the amount at the
rate in force on that day (the latest row from that day or before), exact with Decimal and
rounded half-up once to the base currency's minor unit (`app.core.money.convert`). An
amount in the base currency needs no rate. With no rate in force the answer is None, never a
guess: the reports then say which rate is missing ("no rate for EUR on 31 Mar 2026").
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa

from app.core.money import convert
from app.core.tenancy import current_agency_id
from app.extensions import db
from app.fx.models import ExchangeRate


@dataclass(frozen=True)
class MissingRate:
    """A conversion that had no rate: the currency and the day it was needed for."""

    currency: str
    day: dt.date


@dataclass
class Converter:
    """The rates of some currencies (day-ordered), and the conversions asked for that found
    none (`missing`, in the order first asked)."""

    base_currency: str
    _days: dict[str, list[dt.date]] = field(default_factory=dict)
    _rates: dict[str, list[Decimal]] = field(default_factory=dict)
    missing: list[MissingRate] = field(default_factory=list)

    def rate_on(self, currency: str, day: dt.date) -> Decimal | None:
        """1 unit of `currency` in the base currency on `day`, or None."""
        if currency == self.base_currency:
            return Decimal(1)
        days = self._days.get(currency)
        if not days:
            return None
        i = bisect.bisect_right(days, day)
        return self._rates[currency][i - 1] if i else None

    def to_base(self, amount_minor: int, currency: str, day: dt.date) -> int | None:
        """The amount in base-currency minor units on `day`, or None (recorded in
        `missing`) when no rate is in force."""
        rate = self.rate_on(currency, day)
        if rate is None:
            gap = MissingRate(currency, day)
            if gap not in self.missing:
                self.missing.append(gap)
            return None
        if currency == self.base_currency:
            return int(amount_minor)
        return convert(int(amount_minor), currency, rate, self.base_currency)


def _agency_base() -> str:
    from app.agencies.models import Agency

    agency_id = current_agency_id()
    agency = db.session.get(Agency, agency_id) if agency_id is not None else None
    if agency is None:
        raise RuntimeError("exchange rates are read inside an agency (app.core.tenancy)")
    return agency.base_currency


def converter(
    currencies: Iterable[str],
    days: Iterable[dt.date],
    *,
    base_currency: str | None = None,
) -> Converter:
    """A converter for `currencies` on any of `days` (or earlier), the rows read once; the
    base currency is the current agency's unless given."""
    base_currency = base_currency or _agency_base()
    wanted = sorted({c for c in currencies if c and c != base_currency})
    last = max(days, default=None)
    out = Converter(base_currency)
    if not wanted or last is None:
        return out
    rows = db.session.execute(
        sa.select(ExchangeRate.currency, ExchangeRate.effective_from, ExchangeRate.rate)
        .where(ExchangeRate.currency.in_(wanted), ExchangeRate.effective_from <= last)
        .order_by(ExchangeRate.currency, ExchangeRate.effective_from)
    ).all()
    days_by: dict[str, list[dt.date]] = defaultdict(list)
    rates_by: dict[str, list[Decimal]] = defaultdict(list)
    for currency, day, rate in rows:
        days_by[currency].append(day)
        rates_by[currency].append(Decimal(rate))
    out._days, out._rates = dict(days_by), dict(rates_by)
    return out


def to_base(
    amount_minor: int, currency: str, day: dt.date, *, base_currency: str | None = None
) -> int | None:
    """One amount in the base currency on `day` (None: no rate); for many, use `converter`."""
    conv = converter([currency], [day], base_currency=base_currency)
    return conv.to_base(amount_minor, currency, day)


__all__ = ["Converter", "MissingRate", "converter", "to_base"]
