"""Payout statements as CSV: one row per line and per adjustment, streamed (lines read with
`yield_per`, written one at a time). People's text (names, clients, SOPs, reasons) goes
through `safe_cell`, so no cell starts a spreadsheet formula. Amounts are plain decimals
in the statement's currency (exact: from the minor units)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import sqlalchemy as sa
from flask import Response, stream_with_context

from app.clients.models import Client
from app.core.money import from_minor
from app.core.spreadsheet import safe_cell, stream_csv
from app.core.tenancy import tenant
from app.extensions import db
from app.payouts.models import PayoutAdjustment, PayoutLine, PayoutStatement
from app.payouts.presenting import hours
from app.sops.models import Sop
from app.users.models import Membership, User

COLUMNS = (
    "statement", "person", "period_start", "period_end", "currency", "state", "kind",
    "client", "sop", "carried_from", "hours", "items", "rate", "amount", "reason",
)  # fmt: skip
BATCH = 1000


def _money(minor: int | None, currency: str | None) -> str:
    return "" if minor is None or not currency else str(from_minor(minor, currency))


def _rows(statement_ids: sa.Select) -> Iterator[list]:
    lines = (
        sa.select(PayoutStatement, User.name, PayoutLine, Client.name, Sop.title)
        .join(PayoutLine, PayoutLine.statement_id == PayoutStatement.id)
        .join(Membership, Membership.id == PayoutStatement.membership_id)
        .join(User, User.id == Membership.user_id)
        .outerjoin(Client, Client.id == PayoutLine.client_id)
        .outerjoin(Sop, Sop.id == PayoutLine.sop_id)
        .where(PayoutStatement.id.in_(statement_ids))
        .order_by(User.name, PayoutStatement.id, PayoutLine.source_start, PayoutLine.id)
        .execution_options(yield_per=BATCH)
    )
    for s, person, ln, client, sop in db.session.execute(lines):
        carried = "" if ln.source_start == s.period_start else ln.source_start.isoformat()
        yield [
            s.id, safe_cell(person), s.period_start.isoformat(), s.last_day.isoformat(),
            s.currency, s.state, ln.kind, safe_cell(client or ""), safe_cell(sop or ""),
            carried, str(hours(ln.seconds)) if ln.kind != "fee" else "", ln.items or "",
            _money(ln.rate_minor, ln.currency), _money(ln.amount_minor, s.currency), "",
        ]  # fmt: skip
    adjustments = (
        sa.select(PayoutStatement, User.name, PayoutAdjustment)
        .join(PayoutAdjustment, PayoutAdjustment.statement_id == PayoutStatement.id)
        .join(Membership, Membership.id == PayoutStatement.membership_id)
        .join(User, User.id == Membership.user_id)
        .where(PayoutStatement.id.in_(statement_ids))
        .order_by(User.name, PayoutStatement.id, PayoutAdjustment.id)
        .execution_options(yield_per=BATCH)
    )
    for s, person, a in db.session.execute(adjustments):
        yield [
            s.id, safe_cell(person), s.period_start.isoformat(), s.last_day.isoformat(),
            s.currency, s.state, a.kind, "", "", "", "", "", "",
            _money(a.signed_minor, s.currency), safe_cell(a.reason),
        ]  # fmt: skip


def _as_tenant(agency_id: int, chunks: Iterator[str]) -> Iterator[str]:
    with tenant(agency_id):
        yield from chunks


def csv_download(agency_id: int, statement_ids: sa.Select, filename: str) -> Response:
    """A streamed CSV attachment of the statements `statement_ids` selects (a SELECT of
    ids the caller has already limited to what the actor may see)."""
    chunks = stream_csv(COLUMNS, _rows(statement_ids))
    header = next(chunks)
    return Response(
        itertools.chain([header], stream_with_context(_as_tenant(agency_id, chunks))),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "X-Content-Type-Options": "nosniff",
        },
    )
