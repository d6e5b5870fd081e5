"""What one date-time on a board costs: `format_datetime_fast` (names cached per locale, then
strftime-like assembly, in the reader's language and digits) against Babel's
`format_datetime` and the English-only strftime formatter the boards used before.

1,000 random UTC datetimes in eight zones, formatted in each locale; the median of 7 runs,
in microseconds per call; and in a request (Accept-Language), the reader's locale looked up
on every call as the board does.

    python -m benchmarks.bench_formatting
"""

from __future__ import annotations

import datetime as dt
import json
import random
import statistics
import time

from app.core.formatting import _zone, format_datetime, format_datetime_fast

ZONES = ("UTC", "Africa/Cairo", "America/New_York", "Asia/Manila", "Asia/Tokyo",
         "Europe/Paris", "Asia/Kathmandu", "Australia/Sydney")  # fmt: skip
LOCALES = ("en", "fr", "ar", "ar_EG", "fa")


def english_strftime(value: dt.datetime, zone: str) -> str:
    """The boards' formatter before it spoke the reader's language (for comparison)."""
    local = value.astimezone(_zone(zone))
    return local.strftime(f"%a {local.day} %b, %H:%M %Z")


def _per_call(fn, values, runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        for value, zone in values:
            fn(value, zone)
        times.append((time.perf_counter() - start) / len(values) * 1e6)
    return round(statistics.median(times), 2)


def main() -> None:
    rng = random.Random(11)
    start = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    values = [
        (start + dt.timedelta(seconds=rng.randrange(10 * 365 * 86400)), rng.choice(ZONES))
        for _ in range(1000)
    ]
    out: dict[str, dict[str, float]] = {
        "english_strftime (before)": {"en": _per_call(english_strftime, values)}
    }
    out["format_datetime_fast"] = {
        loc: _per_call(lambda v, z, loc=loc: format_datetime_fast(v, z, loc), values)
        for loc in LOCALES
    }
    out["format_datetime (Babel)"] = {
        loc: _per_call(lambda v, z, loc=loc: format_datetime(v, z, loc), values, runs=3)
        for loc in LOCALES
    }
    out["format_datetime_fast, reader's locale (in a request)"] = _in_request(values)
    print(json.dumps({"microseconds_per_call": out}, indent=2, ensure_ascii=False))


def _in_request(values) -> dict[str, float]:
    """What a board pays: no locale passed, the reader's looked up on each call."""
    from app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "REDIS_URL": None})
    out = {}
    for language in ("en", "ar", "fr"):
        with app.test_request_context(headers={"Accept-Language": language}):
            out[language] = _per_call(format_datetime_fast, values)
    return out


if __name__ == "__main__":
    main()
