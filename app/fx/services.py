"""Write side of exchange rates: add a rate from a day on, remove a mistaken one. Services
take the actor, flush but never commit, and record an audit event."""

from __future__ import annotations

import sqlalchemy as sa

from app.audit.services import record, snapshot
from app.core.errors import ValidationFailed
from app.core.permissions import Actor
from app.core.translation import gettext as _
from app.extensions import db
from app.fx.models import ExchangeRate

FIELDS = ("currency", "rate", "effective_from")


def add_exchange_rate(actor: Actor, data: dict) -> ExchangeRate:
    """1 unit of `currency` = `rate` base units from `effective_from` on."""
    currency = str(data["currency"]).upper()
    day = data["effective_from"]
    errors: dict = {}
    if currency == actor.agency.base_currency:
        errors["currency"] = [
            _("%(currency)s is the base currency: it needs no rate.", currency=currency)
        ]
    elif db.session.scalar(
        sa.select(ExchangeRate.id).where(
            ExchangeRate.currency == currency, ExchangeRate.effective_from == day
        )
    ):
        errors["effective_from"] = [
            _("%(currency)s already has a rate from that day: remove it first.", currency=currency)
        ]
    if errors:
        raise ValidationFailed(errors)
    row = ExchangeRate(
        currency=currency, rate=data["rate"], effective_from=day, created_by_id=actor.user_id
    )
    db.session.add(row)
    db.session.flush()
    record(
        actor,
        "exchange_rate.created",
        row,
        summary=f"1 {currency} = {row.rate} {actor.agency.base_currency} from {day.isoformat()}",
        after=snapshot(row, FIELDS),
    )
    return row


def delete_exchange_rate(actor: Actor, row: ExchangeRate) -> None:
    record(
        actor,
        "exchange_rate.deleted",
        row,
        summary=f"Rate of {row.currency} from {row.effective_from.isoformat()} removed",
        before=snapshot(row, FIELDS),
    )
    db.session.delete(row)
    db.session.flush()
