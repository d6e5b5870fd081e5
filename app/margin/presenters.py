"""The margin report as plain values (the JSON API) and as CSV rows (streamed, formula-safe),
from `app.margin.services`."""

from __future__ import annotations

from collections.abc import Iterator

from app.core.money import from_minor
from app.core.spreadsheet import safe_cell, stream_csv
from app.margin.services import MarginReport, MarginRow

CSV_COLUMNS = (
    "month", "group", "id", "name", "currency", "billed", "cost", "margin",
    "not_attributed", "billed_base", "cost_base", "margin_base", "margin_percent",
    "losing_money", "hours_without_cost_rate",
)  # fmt: skip


def row_dict(row: MarginRow) -> dict:
    return {
        "key": row.key,
        "name": row.name,
        "currencies": [
            {
                "currency": c,
                "billed_minor": row.billed.get(c, 0),
                "cost_minor": row.cost.get(c, 0),
                "margin_minor": row.margin(c),
            }
            for c in row.currencies
        ],
        "not_attributed": [
            {"currency": c, "billed_minor": v} for c, v in sorted(row.unattributed.items())
        ],
        "billed_base_minor": row.billed_base,
        "cost_base_minor": row.cost_base,
        "margin_base_minor": row.margin_base,
        "margin_percent": row.margin_percent,
        "losing": row.losing,
        "unpriced_seconds": row.unpriced_seconds,
    }


def report_dict(report: MarginReport) -> dict:
    return {
        "month": f"{report.month:%Y-%m}",
        "by": report.by,
        "base_currency": report.base_currency,
        "rows": [row_dict(r) for r in report.rows],
        "total": row_dict(report.total),
        "losing_count": report.losing_count,
        "months": [
            {
                "month": f"{p.month:%Y-%m}",
                "billed_base_minor": p.billed_base,
                "cost_base_minor": p.cost_base,
                "margin_base_minor": p.margin_base,
            }
            for p in report.chart
        ],
        "missing_rates": [{"currency": m.currency, "day": m.day} for m in report.missing],
    }


def _major(minor: int | None, currency: str) -> str:
    return "" if minor is None else str(from_minor(minor, currency))


def _csv_rows(report: MarginReport) -> Iterator[list]:
    base = report.base_currency
    month = f"{report.month:%Y-%m}"
    for row in [*report.rows, report.total]:
        is_total = row is report.total
        key = "" if is_total or row.key is None else row.key
        name = "TOTAL" if is_total else (row.name or "(not attributed)")
        currencies = row.currencies or [base]
        for i, c in enumerate(currencies):
            first = i == 0
            yield [
                month,
                report.by,
                key,
                safe_cell(name),
                c,
                _major(row.billed.get(c, 0), c),
                _major(row.cost.get(c, 0), c),
                _major(row.margin(c), c),
                _major(row.unattributed.get(c, 0), c),
                _major(row.billed_base, base) if first else "",
                _major(row.cost_base, base) if first else "",
                _major(row.margin_base, base) if first else "",
                "" if row.margin_percent is None or not first else str(row.margin_percent),
                ("yes" if row.losing else "no") if first else "",
                str(row.unpriced_hours) if first else "",
            ]


def margin_csv(report: MarginReport) -> Iterator[str]:
    """The report as CSV chunks: one line per group and currency, then the total."""
    return stream_csv(CSV_COLUMNS, _csv_rows(report))
