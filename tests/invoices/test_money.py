"""app.core.money: currency exponents, exact conversion, Babel formatting, and the one
computation whose line amounts always add up to its totals (property tests)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.money import (
    LineInput,
    PrecisionError,
    compute,
    convert,
    exponent,
    format_money,
    from_minor,
    input_value,
    to_minor,
)

CURRENCIES = ("JPY", "EUR", "KWD", "USD", "BHD", "GBP", "CLP", "TND", "ISK")


@pytest.mark.parametrize(
    ("currency", "digits"),
    [("JPY", 0), ("EUR", 2), ("USD", 2), ("KWD", 3), ("BHD", 3), ("TND", 3), ("CLP", 0)],
)
def test_exponents_come_from_the_currency(currency, digits):
    assert exponent(currency) == digits
    assert exponent(currency.lower()) == digits


def test_to_and_from_minor_use_each_currencys_exponent():
    assert to_minor(Decimal("12.5"), "EUR") == 1250
    assert to_minor("1234", "JPY") == 1234
    assert to_minor(Decimal("1.234"), "KWD") == 1234
    assert from_minor(1250, "EUR") == Decimal("12.50")
    assert str(from_minor(1234, "JPY")) == "1234"
    assert str(from_minor(1, "KWD")) == "0.001"
    assert str(from_minor(-5, "EUR")) == "-0.05"


def test_rounding_is_half_up_away_from_zero():
    assert to_minor(Decimal("0.005"), "EUR") == 1
    assert to_minor(Decimal("-0.005"), "EUR") == -1
    assert to_minor(Decimal("0.5"), "JPY") == 1
    assert to_minor(Decimal("2.4995"), "KWD") == 2500
    assert to_minor(Decimal("0.0049"), "EUR") == 0


def test_exact_conversion_refuses_extra_decimals():
    with pytest.raises(PrecisionError, match="EUR amounts have 2 decimals"):
        to_minor("1.234", "EUR", exact=True)
    with pytest.raises(PrecisionError, match="JPY amounts have no decimals"):
        to_minor("5.5", "JPY", exact=True)
    assert to_minor("1.2340", "KWD", exact=True) == 1234
    with pytest.raises(ValueError):
        to_minor("twelve", "EUR")
    with pytest.raises(ValueError):
        to_minor("NaN", "EUR")


def test_formatting_follows_the_locale_and_the_currency():
    assert format_money(123456, "EUR", "de_DE") == "1.234,56\xa0€"
    assert format_money(123456, "EUR", "en") == "€1,234.56"
    assert format_money(1234, "JPY", "en") == "¥1,234"
    assert format_money(1234, "JPY", "ja") == "￥1,234"
    assert format_money(1234567, "KWD", "en") == "KWD1,234.567"
    arabic = format_money(1234567, "KWD", "ar")
    assert "1,234.567" in arabic and "د.ك." in arabic
    assert format_money(-500, "USD", "en_US") == "-$5.00"
    assert format_money(1, "USD", "not-a-locale") == "$0.01"  # falls back to English
    assert input_value(1234, "KWD") == "1.234" and input_value(1200, "EUR") == "12.00"


def test_inclusive_and_exclusive_tax():
    # 100.00 incl. 15 % -> 86.96 + 13.04; 100.00 excl. 15 % -> 100.00 + 15.00
    incl = compute([LineInput(Decimal(1), 10000, tax_rate=Decimal("0.15"), tax_inclusive=True)])
    assert (incl.subtotal, incl.tax, incl.total) == (8696, 1304, 10000)
    excl = compute([LineInput(Decimal(1), 10000, tax_rate=Decimal("0.15"))])
    assert (excl.subtotal, excl.tax, excl.total) == (10000, 1500, 11500)


def test_discount_then_tax():
    totals = compute([LineInput(Decimal("2"), 4999, Decimal("10"), Decimal("0.2"))])
    # 2 x 49.99 = 99.98, less 10 % = 89.982 -> 89.98, tax 17.9964 -> 18.00
    assert (totals.subtotal, totals.tax, totals.total) == (8998, 1800, 10798)


def test_per_document_rounding_rounds_once_and_shares_the_difference():
    lines = [LineInput(Decimal(1), 1, tax_rate=Decimal("0.5"))] * 3  # 3 x (0.01 + 0.005)
    per_line = compute(lines, "per_line")
    per_doc = compute(lines, "per_document")
    assert per_line.tax == 3  # each 0.5 rounds up
    assert per_doc.tax == 2  # 1.5 rounds to 2 once ...
    assert [line.tax for line in per_doc.lines] == [1, 1, 0]  # ... shared by remainder
    assert per_doc.total == sum(line.gross for line in per_doc.lines)


def test_credit_lines_mirror_their_invoice():
    line = LineInput(Decimal(3), 3333, Decimal("7.5"), Decimal("0.19"))
    minus = LineInput(Decimal(-3), 3333, Decimal("7.5"), Decimal("0.19"))
    for mode in ("per_line", "per_document"):
        a, b = compute([line], mode), compute([minus], mode)
        assert (a.subtotal, a.tax, a.total) == (-b.subtotal, -b.tax, -b.total)


def test_conversion_to_the_base_currency():
    assert convert(10000, "EUR", Decimal("1.0837"), "USD") == 10837
    assert convert(1000, "JPY", Decimal("0.0066"), "EUR") == 660
    assert convert(1000, "KWD", Decimal("3.25"), "USD") == 325


def test_unknown_rounding_mode_is_refused():
    with pytest.raises(ValueError):
        compute([], "banker")


# --- properties ----------------------------------------------------------------------------

quantities = st.decimals(
    min_value=Decimal("-50"), max_value=Decimal("500"), places=3, allow_nan=False
).filter(lambda q: q != 0)
prices = st.integers(min_value=0, max_value=10**9)
percents = st.decimals(min_value=Decimal(0), max_value=Decimal(100), places=2)
rates = st.sampled_from(
    [Decimal(0), Decimal("0.05"), Decimal("0.07"), Decimal("0.15"), Decimal("0.19"),
     Decimal("0.2"), Decimal("0.21"), Decimal("0.0825"), Decimal("0.125")]
)  # fmt: skip
lines_strategy = st.lists(
    st.builds(
        LineInput,
        quantity=quantities,
        unit_price_minor=prices,
        discount_percent=percents,
        tax_rate=rates,
        tax_inclusive=st.booleans(),
    ),
    min_size=0,
    max_size=12,
)


@settings(max_examples=400, deadline=None)
@given(lines=lines_strategy, rounding=st.sampled_from(["per_line", "per_document"]))
def test_lines_always_add_up_to_the_totals(lines, rounding):
    totals = compute(lines, rounding)
    assert len(totals.lines) == len(lines)
    assert sum(line.net for line in totals.lines) == totals.subtotal
    assert sum(line.tax for line in totals.lines) == totals.tax
    assert sum(line.gross for line in totals.lines) == totals.total
    assert totals.subtotal + totals.tax == totals.total
    for line in totals.lines:
        assert line.net + line.tax == line.gross
    assert sum(group.gross for group in totals.taxes) == totals.total
    assert sum(group.tax for group in totals.taxes) == totals.tax


@settings(max_examples=300, deadline=None)
@given(lines=lines_strategy)
def test_both_rounding_modes_differ_by_at_most_one_unit_per_figure(lines):
    a, b = compute(lines, "per_line"), compute(lines, "per_document")
    assert abs(a.total - b.total) <= 2 * len(lines)
    for line, x, y in zip(lines, a.lines, b.lines, strict=True):
        # The rounded figures (gross when tax is included, else net, and the tax) move by
        # at most one unit; the derived one (net = gross - tax) by at most two.
        main = (x.gross, y.gross) if line.tax_inclusive else (x.net, y.net)
        assert abs(main[0] - main[1]) <= 1 and abs(x.tax - y.tax) <= 1


@settings(max_examples=300, deadline=None)
@given(
    minor=st.integers(min_value=-(10**12), max_value=10**12),
    currency=st.sampled_from(CURRENCIES),
)
def test_minor_units_round_trip_through_major_units_and_form_values(minor, currency):
    assert to_minor(from_minor(minor, currency), currency, exact=True) == minor
    assert to_minor(input_value(minor, currency), currency, exact=True) == minor


@settings(max_examples=200, deadline=None)
@given(lines=lines_strategy, rounding=st.sampled_from(["per_line", "per_document"]))
def test_paying_the_shown_total_leaves_exactly_zero(lines, rounding):
    totals = compute(lines, rounding)
    for currency in CURRENCIES:
        shown = input_value(totals.total, currency)  # what the payment form is filled with
        assert totals.total - to_minor(shown, currency, exact=True) == 0
