"""The forecast as plain values (the JSON API) and CSV rows (streamed, formula-safe)."""

from __future__ import annotations

from collections.abc import Iterator

from app.core.money import from_minor
from app.core.spreadsheet import stream_csv
from app.forecast.services import Forecast

CSV_COLUMNS = (
    "month", "kind", "currency", "retainers", "drafts", "revenue", "cash_expected",
    "received", "revenue_base", "cash_expected_base", "received_base",
)  # fmt: skip


def _amounts(values: dict[str, int]) -> list[dict]:
    return [{"currency": c, "amount_minor": v} for c, v in sorted(values.items())]


def forecast_dict(f: Forecast) -> dict:
    return {
        "today": f.today,
        "base_currency": f.base_currency,
        "horizons": [
            {
                "months": h.months,
                "revenue": _amounts(h.revenue),
                "cash": _amounts(h.cash),
                "revenue_base_minor": h.revenue_base,
                "cash_base_minor": h.cash_base,
            }
            for h in f.horizons
        ],
        "months": [
            {
                "month": f"{m.month:%Y-%m}",
                "retainers": _amounts(m.retainers),
                "drafts": _amounts(m.drafts),
                "series": _amounts(m.series),
                "cash": _amounts(m.cash),
                "revenue_base_minor": m.revenue_base,
                "cash_base_minor": m.cash_base,
            }
            for m in f.months
        ],
        "actuals": [
            {
                "month": f"{a.month:%Y-%m}",
                "received": _amounts(a.received),
                "received_base_minor": a.received_base,
            }
            for a in f.actuals
        ],
        "missing_rates": [{"currency": m.currency, "day": m.day} for m in f.missing],
        "recurring_work": f.recurring_work,
        "unpriced_series": f.unpriced_series,
    }


def _major(minor: int | None, currency: str) -> str:
    return "" if minor is None else str(from_minor(minor, currency))


def _rows(f: Forecast) -> Iterator[list]:
    base = f.base_currency
    for a in f.actuals:
        month = f"{a.month:%Y-%m}"
        for i, c in enumerate(sorted(a.received) or [base]):
            received_base = _major(a.received_base, base) if i == 0 else ""
            received = _major(a.received.get(c, 0), c)
            yield [month, "actual", c, "", "", "", "", received, "", "", received_base]
    for m in f.months:
        month = f"{m.month:%Y-%m}"
        currencies = sorted(set(m.revenue) | set(m.cash)) or [base]
        for i, c in enumerate(currencies):
            first = i == 0
            yield [
                month,
                "forecast",
                c,
                _major(m.retainers.get(c, 0), c),
                _major(m.drafts.get(c, 0), c),
                _major(m.revenue.get(c, 0), c),
                _major(m.cash.get(c, 0), c),
                "",
                _major(m.revenue_base, base) if first else "",
                _major(m.cash_base, base) if first else "",
                "",
            ]


def forecast_csv(f: Forecast) -> Iterator[str]:
    """The actuals then the months ahead, one line per month and currency."""
    return stream_csv(CSV_COLUMNS, _rows(f))
