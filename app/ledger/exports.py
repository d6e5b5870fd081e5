"""Which statement and which rows make each accounting export, as CSV text a row at a time.

The statement runs when the first row after the header is asked for, so a download's rows
are read while the response is sent (app.ledger.downloads), with `yield_per`.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator

from app.core.spreadsheet import stream_csv
from app.extensions import db
from app.ledger import formats, queries
from app.ledger.queries import Period


def _documents_journal(period: Period) -> Iterator[list]:
    rows = db.session.execute(queries.document_totals(period))
    return formats.journal_document_rows(rows, zoneinfo.ZoneInfo(period.zone))


def _lines(period: Period, rows_of) -> Iterator[list]:
    return rows_of(db.session.execute(queries.document_lines(period)))


def _payments(period: Period, rows_of) -> Iterator[list]:
    return rows_of(db.session.execute(queries.payments(period)))


def _rows(fmt: str, what: str, period: Period) -> Iterator[list]:
    if what == "time":
        yield from formats.time_rows(db.session.execute(queries.approved_time(period)))
    elif what == "documents" and fmt == "journal":
        yield from _documents_journal(period)
    elif what == "documents":
        of = formats.xero_invoice_rows if fmt == "xero" else formats.quickbooks_invoice_rows
        yield from _lines(period, of)
    else:
        of = {
            "journal": formats.journal_payment_rows,
            "xero": formats.xero_payment_rows,
            "quickbooks": formats.quickbooks_payment_rows,
        }[fmt]
        yield from _payments(period, of)


def columns_of(fmt: str, what: str) -> tuple[str, ...]:
    """The header row of an export (time has one layout whatever the format)."""
    if what == "time":
        return formats.TIME_COLUMNS
    if fmt == "journal":
        return formats.JOURNAL_COLUMNS
    if fmt == "xero":
        return formats.XERO_INVOICE_COLUMNS if what == "documents" else formats.XERO_PAYMENT_COLUMNS
    if what == "documents":
        return formats.QUICKBOOKS_INVOICE_COLUMNS
    return formats.QUICKBOOKS_PAYMENT_COLUMNS


def file_name(slug: str, fmt: str, what: str, period: Period) -> str:
    """e.g. acme-journal-documents-2026-03-01-2026-03-31.csv"""
    kind = what if what == "time" else f"{fmt}-{what}"
    return f"{slug}-{kind}-{period.start.isoformat()}-{period.end.isoformat()}.csv"


def ledger_csv(fmt: str, what: str, period: Period) -> Iterator[str]:
    """The CSV text of an export, one chunk per row."""
    return stream_csv(columns_of(fmt, what), _rows(fmt, what, period))
