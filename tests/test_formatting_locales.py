"""Numbers, money, dates and times in the reader's locale with that locale's digits: Egyptian
Arabic writes Arabic-Indic digits with Arabic separators, plain and Moroccan Arabic Latin
digits, Persian Extended Arabic-Indic ones, French its narrow spaces; people may type
Arabic-Indic digits in an amount; the board's fast date-time formatter writes exactly what
the general one does."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.formatting import (
    format_datetime,
    format_datetime_fast,
    format_day,
    format_duration,
    format_long_date,
    format_number,
    format_percent,
    localise_digits,
    month_label,
    normalise_digits,
)
from app.core.money import AmountError, format_money, format_plain, parse_amount
from app.core.timezones import zone_datalist, zone_label

ARABIC_INDIC = set("٠١٢٣٤٥٦٧٨٩")
EXTENDED = set("۰۱۲۳۴۵۶۷۸۹")
LATIN = set("0123456789")


def digits_of(text: str) -> set[str]:
    return {c for c in text if c.isdecimal()}


@pytest.mark.parametrize("locale", ["ar_EG", "ar_SA"])
def test_egyptian_and_saudi_arabic_write_arabic_indic_digits_with_arabic_separators(locale):
    assert format_number(1234.5, locale) == "١٬٢٣٤٫٥"
    money = format_money(123456, "EGP", locale)
    assert "١٬٢٣٤٫٥٦" in money and not digits_of(money) & LATIN
    assert format_plain(123456, "USD", locale) == "١٬٢٣٤٫٥٦"
    assert format_day(dt.date(2026, 11, 27), locale) == "٢٧ نوفمبر ٢٠٢٦"
    assert format_long_date(dt.date(2026, 11, 30), locale) == "٣٠ نوفمبر ٢٠٢٦"
    assert month_label("2026-11", locale) == "نوفمبر ٢٠٢٦"
    assert format_percent(Decimal("0.15"), locale).startswith("١٥٪")
    when = format_datetime(dt.datetime(2026, 11, 27, 14, 5, tzinfo=dt.UTC), "Africa/Cairo", locale)
    assert "١٦:٠٥" in when and "الجمعة" in when


@pytest.mark.parametrize("locale", ["ar", "ar_MA", "ar_AE"])
def test_plain_moroccan_and_emirati_arabic_write_latin_digits(locale):
    for text in (
        format_number(1234.5, locale),
        format_money(123456, "EGP", locale),
        format_day(dt.date(2026, 11, 27), locale),
        format_datetime(dt.datetime(2026, 11, 27, 14, 5, tzinfo=dt.UTC), "UTC", locale),
    ):
        assert digits_of(text) <= LATIN and digits_of(text), text
    assert format_day(dt.date(2026, 11, 27), "ar") == "27 نوفمبر 2026"


def test_persian_writes_extended_arabic_indic_digits():
    assert format_number(1234.5, "fa") == "۱٬۲۳۴٫۵"
    assert digits_of(format_money(123456, "IRR", "fa")) <= EXTENDED
    assert format_day(dt.date(2026, 11, 27), "fa") == "۲۷ نوامبر ۲۰۲۶"


def test_french_groups_with_its_spaces_and_a_decimal_comma():
    assert format_number(1234.5, "fr") == "1\u202f234,5"
    assert format_money(123456, "EUR", "fr") == "1\u202f234,56\u00a0€"
    assert format_percent(Decimal("0.15"), "fr") == "15\u00a0%"


def test_a_duration_and_unknown_locales():
    assert format_duration(150, locale="en") == "2 h 30 min"
    assert digits_of(format_duration(150, locale="ar_EG")) <= ARABIC_INDIC
    assert format_number(1234.5, "xx_NOPE") == "1,234.5"  # unknown: English
    assert localise_digits("12:05", "ar_EG") == "١٢:٠٥"
    assert localise_digits("12:05", "bn") == "১২:০৫"


@pytest.mark.parametrize(
    "typed,minor",
    [
        ("١٢٣٫٤٥", 12345),
        ("١٢٣.٤٥", 12345),
        ("١٬٢٣٤٫٥٠", 123450),
        ("۱۲۳٫۴۵", 12345),  # Persian digits
        ("\u200f١٢٣٫٤٥", 12345),  # a right-to-left mark copied with the number
        ("123.45", 12345),
    ],
)
def test_amounts_typed_in_arabic_indic_digits_read_as_latin(typed, minor):
    assert normalise_digits("١٢٣٫٤٥") == "123.45"
    assert parse_amount(typed, "USD") == minor


def test_a_bad_amount_in_arabic_indic_digits_keeps_the_same_message():
    with pytest.raises(AmountError) as arabic:
        parse_amount("١٢٣٫٤٥٦", "USD", label="Price")
    with pytest.raises(AmountError) as latin:
        parse_amount("123.456", "USD", label="Price")
    assert (
        str(arabic.value)
        == str(latin.value)
        == ("Price: USD amounts have 2 decimals, e.g. 900.00.")
    )
    with pytest.raises(AmountError, match="enter an amount like 900.00"):
        parse_amount("١٢x", "USD", label="Price")


def test_time_zones_are_named_in_the_readers_language():
    assert zone_label("Asia/Tokyo", "en") == "Japan Time"
    assert zone_label("Asia/Tokyo", "ar") == "توقيت اليابان"
    assert zone_label("Asia/Tokyo", "fr") == "heure du Japon"
    picker = str(zone_datalist("ar"))
    assert 'value="Asia/Tokyo" label="توقيت اليابان (Asia/Tokyo)"' in picker


ZONES = ["UTC", "Africa/Cairo", "America/New_York", "Asia/Kathmandu", "Asia/Tehran",
         "Australia/Lord_Howe", "Pacific/Chatham", "America/St_Johns"]  # fmt: skip
LOCALES = ["en", "fr", "fr_CA", "ar", "ar_EG", "ar_MA", "fa", "bn", "hi", "ja", "zh_Hans", "de"]


@settings(max_examples=400, deadline=None)
@given(
    when=st.datetimes(
        min_value=dt.datetime(1971, 1, 1),
        max_value=dt.datetime(2100, 12, 31),
        timezones=st.just(dt.UTC),
    ),
    zone=st.sampled_from(ZONES),
    locale=st.sampled_from(LOCALES),
)
def test_the_boards_fast_formatter_writes_what_the_general_one_does(when, zone, locale):
    assert format_datetime_fast(when, zone, locale) == format_datetime(when, zone, locale)


def test_the_fast_formatter_speaks_the_readers_language_and_digits():
    when = dt.datetime(2026, 11, 27, 14, 5, tzinfo=dt.UTC)
    assert format_datetime_fast(when, "America/New_York", "en") == "Fri 27 Nov, 09:05 EST"
    assert re.fullmatch(
        r"\S+ ٢٧ نوفمبر, ١٦:٠٥ EET", format_datetime_fast(when, "Africa/Cairo", "ar_EG")
    )
