"""The invoices CSV: one row per line, amounts in major units exactly as stored, so the line
amounts add up to the totals here as on every page (the same computation wrote them)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal

from app.core.money import from_minor
from app.core.spreadsheet import safe_cell as cell
from app.invoices.models import Invoice
from app.invoices.queries import display_status

COLUMNS = (
    "number", "kind", "status", "client", "currency", "issue_date", "due_date",
    "line", "description", "quantity", "unit_price", "discount_percent", "tax_name",
    "tax_rate", "tax_inclusive", "line_net", "line_tax", "line_gross",
    "subtotal", "tax", "total", "paid", "credited", "balance",
)  # fmt: skip
LINE_COLUMNS = 11


def plain(value: Decimal | None) -> str:
    """A Decimal without exponent or trailing zeros: 10, 1.5, 0.19."""
    return "" if value is None else format(Decimal(value).normalize(), "f")


def invoices_csv(invoices: Iterable[Invoice]) -> str:
    """The CSV text of `invoices` (with their client and lines loaded)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for inv in invoices:
        cur = inv.currency

        def amount(minor: int | None, cur: str = cur) -> str:
            return "" if minor is None else str(from_minor(minor, cur))

        head = [
            cell(inv.number or "(draft)"), inv.kind, display_status(inv), cell(inv.client.name),
            cur, inv.issue_date or "", inv.due_date or "",
        ]  # fmt: skip
        tail = [
            amount(inv.subtotal_minor), amount(inv.tax_minor), amount(inv.total_minor),
            amount(inv.paid_minor), amount(inv.credited_minor), amount(inv.balance_minor),
        ]  # fmt: skip
        if not inv.lines:
            writer.writerow(head + [""] * LINE_COLUMNS + tail)
        for line in inv.lines:
            writer.writerow(
                head
                + [
                    line.position, cell(line.description), plain(line.quantity),
                    amount(line.unit_price_minor), plain(line.discount_percent),
                    cell(line.tax_name or ""), plain(line.tax_rate),
                    "yes" if line.tax_inclusive else "no", amount(line.net_minor),
                    amount(line.tax_minor), amount(line.gross_minor),
                ]
                + tail
            )  # fmt: skip
    return out.getvalue()
