"""A statement as plain rows, the same for the page, the PDF and the CSV: one row per line
(client, SOP, what, quantity, rate, amount; carried lines say from which period) and one per
adjustment, plus the labels of periods and methods. No request globals."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from app.core.translation import lazy_gettext
from app.payouts.models import PayoutLine, PayoutStatement
from app.payouts.queries import line_names

KIND_LABELS = {
    "time": lazy_gettext("Hours"),
    "covered": lazy_gettext("Hours covered by per-item fees"),
    "unpriced": lazy_gettext("Hours without a cost rate"),
    "fee": lazy_gettext("Delivered items"),
}
STATE_LABELS = {
    "draft": lazy_gettext("Draft"),
    "reviewed": lazy_gettext("Reviewed"),
    "paid": lazy_gettext("Paid"),
}
STATE_BADGES = {
    "draft": "text-bg-light border",
    "reviewed": "text-bg-info",
    "paid": "text-bg-success",
}
METHOD_LABELS = {
    "bank_transfer": lazy_gettext("Bank transfer"),
    "paypal": lazy_gettext("PayPal"),
    "wise": lazy_gettext("Wise"),
    "cash": lazy_gettext("Cash"),
    "other": lazy_gettext("Other"),
}
PERIOD_LABELS = {
    "weekly": lazy_gettext("Weekly"),
    "fortnightly": lazy_gettext("Every two weeks"),
    "monthly": lazy_gettext("Monthly"),
}
ADJUSTMENT_LABELS = {"bonus": lazy_gettext("Bonus"), "deduction": lazy_gettext("Deduction")}
_CENT = Decimal("0.01")


def hours(seconds: int) -> Decimal:
    """Decimal hours to two places (5400 -> 1.50), for display only: amounts are exact."""
    return (Decimal(seconds) / 3600).quantize(_CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Row:
    kind: str  # a line kind, or "bonus" / "deduction"
    client: str
    sop: str
    carried_from: tuple[dt.date, dt.date] | None  # (first day, last day)
    seconds: int
    items: int
    rate_minor: int | None
    currency: str | None
    amount_minor: int
    reason: str = ""

    @property
    def hours(self) -> Decimal:
        return hours(self.seconds)


def line_rows(statement: PayoutStatement, lines: list[PayoutLine] | None = None) -> list[Row]:
    lines = list(statement.lines if lines is None else lines)
    clients, sops = line_names(lines)
    out = []
    for ln in sorted(
        lines,
        key=lambda x: (
            x.source_start != statement.period_start,
            x.source_start,
            clients.get(x.client_id or 0, ""),
            x.kind,
            x.id or 0,
        ),
    ):
        carried = None
        if ln.source_start != statement.period_start:
            carried = (ln.source_start, ln.source_end - dt.timedelta(days=1))
        out.append(
            Row(
                kind=ln.kind,
                client=clients.get(ln.client_id or 0, ""),
                sop=sops.get(ln.sop_id or 0, ""),
                carried_from=carried,
                seconds=ln.seconds,
                items=ln.items,
                rate_minor=ln.rate_minor,
                currency=ln.currency,
                amount_minor=ln.amount_minor,
            )
        )
    return out


def adjustment_rows(statement: PayoutStatement) -> list[Row]:
    return [
        Row(
            kind=a.kind,
            client="",
            sop="",
            carried_from=None,
            seconds=0,
            items=0,
            rate_minor=None,
            currency=statement.currency,
            amount_minor=a.signed_minor,
            reason=a.reason,
        )
        for a in statement.adjustments
    ]
