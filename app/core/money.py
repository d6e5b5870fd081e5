"""Exact money: integer minor units per ISO 4217 currency, and the one invoice computation.

Every amount is an `int` in the currency's minor units, using that currency's own exponent
(JPY 0 decimals, EUR 2, KWD 3). `compute()` is the only place line amounts, discounts,
taxes and totals are worked out; the invoice pages, the API, the CSV export and the PDF all
show its results, so they can never disagree.

Rounding is half-up (away from zero, so a credit note mirrors its invoice exactly), either
per line (each line rounded, the document is the sum) or per document (each tax group is
rounded once, and the rounding difference is shared out over its lines by largest
remainder). Either way the lines add up to the totals exactly.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Context, Decimal, InvalidOperation, localcontext
from typing import Protocol

from babel.numbers import format_currency, get_currency_precision

from app.core.catalogues import N_
from app.core.errors import LabelledMessage
from app.core.formatting import (
    babel_locale,
    format_number,
    localise_digits,
    normalise_digits,
    numbering_system,
    reader_locale,
)

ROUNDING_MODES = ("per_line", "per_document")
_PRECISION = Context(prec=60)  # far beyond any amount's digits; divisions stay exact enough
ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)


class PrecisionError(ValueError):
    """An amount has more decimals than its currency allows (e.g. 1.234 EUR, 5.5 JPY).
    `str(exc)` is English; `exc.message` says it again in the reader's language
    (`exc.message.translated()`, app.core.errors.CodedMessage)."""

    def __init__(self, message: LabelledMessage) -> None:
        super().__init__(message)
        self.message = message


def _say(template: str, **params: object) -> LabelledMessage:
    return LabelledMessage(template.format(**params), template=template, params=params)


def decimals_message(currency: str, label: str | None = None) -> LabelledMessage:
    """ "EUR amounts have 2 decimals." (with `label` in front and an example after when
    given: "Price: EUR amounts have 2 decimals, e.g. 900.00.")."""
    digits, cur = exponent(currency), currency.upper()
    if label is None:
        if not digits:
            return _say(N_("{currency} amounts have no decimals."), currency=cur)
        if digits == 1:
            return _say(N_("{currency} amounts have 1 decimal."), currency=cur)
        return _say(N_("{currency} amounts have {digits} decimals."), currency=cur, digits=digits)
    example = amount_example(currency)
    if not digits:
        template = N_("{label}: {currency} amounts have no decimals, e.g. {example}.")
    elif digits == 1:
        template = N_("{label}: {currency} amounts have 1 decimal, e.g. {example}.")
    else:
        template = N_("{label}: {currency} amounts have {digits} decimals, e.g. {example}.")
    return _say(template, label=label, currency=cur, digits=digits, example=example)


@functools.cache
def exponent(currency: str) -> int:
    """Decimals of the currency's minor unit: JPY 0, EUR 2, KWD 3 (CLDR data via Babel)."""
    return int(get_currency_precision(currency.upper()))


def _quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-exponent(currency))


def to_minor(amount: Decimal | int | str, currency: str, *, exact: bool = False) -> int:
    """An amount in major units as integer minor units: 12.5 EUR -> 1250, 1234 JPY -> 1234.

    Extra decimals are rounded half-up, or refused with `PrecisionError` when `exact`
    (what user input wants: 1.234 EUR is a typo, not a rounding question)."""
    try:
        value = Decimal(amount) if not isinstance(amount, Decimal) else amount
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"not an amount: {amount!r}") from exc
    if not value.is_finite():
        raise ValueError(f"not an amount: {amount!r}")
    with localcontext(_PRECISION):
        scaled = value.scaleb(exponent(currency))
        rounded = scaled.to_integral_value(rounding=ROUND_HALF_UP)
    if exact and rounded != scaled:
        raise PrecisionError(decimals_message(currency))
    return int(rounded)


def from_minor(minor: int, currency: str) -> Decimal:
    """Integer minor units as a Decimal in major units with the currency's decimals:
    1250 EUR -> Decimal('12.50'), 1234 JPY -> Decimal('1234'), 1 KWD -> Decimal('0.001')."""
    with localcontext(_PRECISION):
        return Decimal(int(minor)).scaleb(-exponent(currency)).quantize(_quantum(currency))


def format_money(minor: int | None, currency: str | None, locale: str | None = "en") -> str:
    """An amount formatted for people in `locale` (None: the reader's), in its separators and
    digits: 123456 EUR in de_DE -> '1.234,56 €', 1234 JPY in en -> '¥1,234', 1234 KWD in ar
    -> the Arabic pattern with 3 decimals, 123456 EGP in ar_EG -> '١٬٢٣٤٫٥٦ ج.م.'.
    Documents, their emails and reminders pass the client's locale; pages the reader's."""
    if minor is None or not currency:
        return ""
    loc = reader_locale(locale)
    text = format_currency(
        from_minor(minor, currency),
        currency.upper(),
        locale=babel_locale(loc),
        numbering_system="default",
    )
    if minor < 0 and numbering_system(loc) != "latn":
        symbols = babel_locale(loc).number_symbols.get(numbering_system(loc)) or {}
        text = text.replace("-", symbols.get("minusSign", "-"))
    return localise_digits(text, loc)


def page_money(minor: int | None, currency: str | None, document_locale: str | None = None) -> str:
    """`format_money` for a page: in the reader's locale, whoever the amount is billed to.
    `document_locale` (the invoice's or client's, which templates hand over) is not used:
    the PDF, its email and reminders write the client's locale, pages the reader's."""
    return format_money(minor, currency, None)


def format_plain(minor: int | None, currency: str | None, locale: str | None = "en") -> str:
    """The number alone, grouped for `locale` with the currency's decimals (table cells)."""
    if minor is None or not currency:
        return ""
    digits = exponent(currency)
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_number(from_minor(minor, currency), reader_locale(locale), pattern=pattern)


def input_value(minor: int | None, currency: str | None) -> str:
    """The amount as a form field shows it: plain major units, '.' decimal point, no
    grouping ('1234.50'), which the forms read back exactly."""
    if minor is None or not currency:
        return ""
    return str(from_minor(minor, currency))


# --- amounts typed by people -----------------------------------------------------------------

# Major units as a person types them: digits, optionally grouped by commas in threes, a '.'
# decimal point ("900", "900.00", "1,234.50", "9.000"). Never a float on the way.
_TYPED = re.compile(r"(?P<sign>-)?(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?", re.ASCII)


class AmountError(ValueError):
    """An amount a person typed that is not one (`str(exc)` says how to write it, in
    English; `exc.message.translated()` in the reader's language)."""

    def __init__(self, message: LabelledMessage) -> None:
        super().__init__(message)
        self.message = message


def amount_example(currency: str | None) -> str:
    """How an amount of `currency` is typed: 900.00 (USD), 900 (JPY), 900.000 (KWD)."""
    digits = exponent(currency) if currency else 2
    return "900" + ("." + "0" * digits if digits else "")


def parse_amount(
    text: str | int | Decimal, currency: str, *, label: str = N_("Amount"), negative: bool = False
) -> int:
    """An amount typed in major units (the currency's own format, '.' as decimal point) as
    integer minor units, exactly: "900.00" USD -> 90000, "900" JPY -> 900, "9.000" KWD ->
    9000. More decimals than the currency has, letters, floats' exponents, or a sign (unless
    `negative`) raise AmountError naming `label` ("Price: enter an amount like 900.00").
    Digits typed in Arabic-Indic (or any script's) digits, with the Arabic decimal and
    thousands separators, read as the same amount: '١٢٣٫٤٥' and '١٢٣.٤٥' are 123.45."""
    raw = normalise_digits(str(text)).strip().replace(" ", "").replace("\u00a0", "")
    match = _TYPED.fullmatch(raw)
    if not match or (match["sign"] and not negative):
        raise AmountError(
            _say(
                N_("{label}: enter an amount like {example}."),
                label=label,
                example=amount_example(currency),
            )
        )
    digits = exponent(currency)
    frac = match["frac"] or ""
    if len(frac.rstrip("0")) > digits:
        raise AmountError(decimals_message(currency, label))
    whole = int(match["int"].replace(",", ""))
    minor = whole * 10**digits + int((frac + "0" * digits)[:digits] or 0)
    return -minor if match["sign"] else minor


# --- the computation ---------------------------------------------------------------------


class LineLike(Protocol):
    """What `compute` reads from a line: invoice lines, plain dataclasses, test data."""

    quantity: Decimal
    unit_price_minor: int
    discount_percent: Decimal
    tax_rate: Decimal  # a fraction: 0.15 for 15 %
    tax_inclusive: bool


@dataclass(frozen=True)
class LineInput:
    """A line as plain values (what `compute` needs and nothing else)."""

    quantity: Decimal
    unit_price_minor: int
    discount_percent: Decimal = ZERO
    tax_rate: Decimal = ZERO
    tax_inclusive: bool = False


@dataclass(frozen=True)
class LineAmounts:
    """One line's result in minor units: net + tax == gross."""

    net: int
    tax: int
    gross: int


@dataclass(frozen=True)
class TaxGroup:
    """The lines of one tax rate (and inclusive/exclusive kind): the VAT breakdown."""

    rate: Decimal
    inclusive: bool
    net: int
    tax: int
    gross: int


@dataclass(frozen=True)
class Totals:
    """The result of `compute`: per-line amounts (in input order) and document totals.
    Always: sum of line nets == subtotal, of line taxes == tax, of line grosses == total."""

    lines: tuple[LineAmounts, ...]
    subtotal: int
    tax: int
    total: int
    taxes: tuple[TaxGroup, ...]
    rounding: str

    def as_dict(self) -> dict:
        return {
            "subtotal_minor": self.subtotal,
            "tax_minor": self.tax,
            "total_minor": self.total,
        }


def _round(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))


def _allocate(target: int, exact: Sequence[Decimal]) -> list[int]:
    """Integers close to `exact` that add up to `target` (largest remainder; ties go to the
    earlier line). Needs |target - sum(exact)| <= 0.5, which rounding the sum guarantees."""
    floors = [int(x.to_integral_value(rounding=ROUND_FLOOR)) for x in exact]
    left = target - sum(floors)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    out = list(floors)
    for i in order[:left]:
        out[i] += 1
    return out


def _exact_parts(line: LineLike) -> tuple[Decimal, Decimal, Decimal, Decimal, bool]:
    """(net, tax, gross, rate, inclusive) of one line, unrounded, in minor units."""
    quantity = Decimal(line.quantity)
    discount = Decimal(line.discount_percent or 0)
    rate = Decimal(line.tax_rate or 0)
    amount = quantity * Decimal(int(line.unit_price_minor))
    amount -= amount * discount / HUNDRED
    if line.tax_inclusive:
        gross = amount
        tax = gross * rate / (ONE + rate)
        return gross - tax, tax, gross, rate, True
    tax = amount * rate
    return amount, tax, amount + tax, rate, False


def compute(lines: Iterable[LineLike], rounding: str = "per_line") -> Totals:
    """Line amounts, tax groups and document totals of `lines` in minor units.

    Per line: quantity x unit price, less the discount (a percentage), is the line amount.
    Exclusive tax: net = that amount, tax = net x rate. Inclusive tax: gross = that amount,
    tax = gross x rate / (1 + rate). Rounding half-up:
      - per_line: each line's net (exclusive) or gross (inclusive) and its tax are rounded;
      - per_document: per tax group, the summed net (or gross) and the summed tax are each
        rounded once, then shared out over the group's lines by largest remainder.
    """
    if rounding not in ROUNDING_MODES:
        raise ValueError(f"unknown rounding {rounding!r}")
    items = list(lines)
    with localcontext(_PRECISION):
        parts = [_exact_parts(line) for line in items]
        results: list[LineAmounts | None] = [None] * len(items)
        groups: dict[tuple[Decimal, bool], list[int]] = {}
        for i, (_, _, _, rate, inclusive) in enumerate(parts):
            groups.setdefault((rate.normalize() if rate else ZERO, inclusive), []).append(i)

        if rounding == "per_line":
            for i, (net, tax, gross, _, inclusive) in enumerate(parts):
                tax_i = _round(tax)
                if inclusive:
                    gross_i = _round(gross)
                    results[i] = LineAmounts(gross_i - tax_i, tax_i, gross_i)
                else:
                    net_i = _round(net)
                    results[i] = LineAmounts(net_i, tax_i, net_i + tax_i)
        else:
            for (_, inclusive), members in groups.items():
                taxes = [parts[i][1] for i in members]
                tax_alloc = _allocate(_round(sum(taxes, ZERO)), taxes)
                if inclusive:
                    grosses = [parts[i][2] for i in members]
                    gross_alloc = _allocate(_round(sum(grosses, ZERO)), grosses)
                    for i, g, t in zip(members, gross_alloc, tax_alloc, strict=True):
                        results[i] = LineAmounts(g - t, t, g)
                else:
                    nets = [parts[i][0] for i in members]
                    net_alloc = _allocate(_round(sum(nets, ZERO)), nets)
                    for i, n, t in zip(members, net_alloc, tax_alloc, strict=True):
                        results[i] = LineAmounts(n, t, n + t)

    done = tuple(r for r in results if r is not None)
    tax_groups = tuple(
        TaxGroup(
            rate=rate,
            inclusive=inclusive,
            net=sum(done[i].net for i in members),
            tax=sum(done[i].tax for i in members),
            gross=sum(done[i].gross for i in members),
        )
        for (rate, inclusive), members in sorted(
            groups.items(), key=lambda kv: (kv[0][1], kv[0][0])
        )
    )
    return Totals(
        lines=done,
        subtotal=sum(r.net for r in done),
        tax=sum(r.tax for r in done),
        total=sum(r.gross for r in done),
        taxes=tax_groups,
        rounding=rounding,
    )


def convert(minor: int, currency: str, rate: Decimal, base_currency: str) -> int:
    """An amount in `currency` converted to `base_currency` at `rate` (1 unit of currency =
    `rate` units of base), rounded half-up to the base currency's minor unit."""
    with localcontext(_PRECISION):
        return to_minor(from_minor(minor, currency) * Decimal(rate), base_currency)
