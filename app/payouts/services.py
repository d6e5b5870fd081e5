"""Write side of payouts: the period setting, adjustments, accepting unpriced time, review,
marking paid (which locks: no line, adjustment or regeneration changes a paid statement)
and the PDF job. Generating statements from the costs is app.payouts.generation.

Services take the actor explicitly, flush but never commit, and record an audit event.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.audit.services import changed, record, snapshot
from app.core.clock import today_in, utcnow
from app.core.errors import Conflict, ValidationFailed
from app.core.jobs import enqueue_job
from app.core.permissions import Actor
from app.core.schemas import amount_to_minor
from app.core.translation import gettext as _
from app.extensions import db
from app.payouts.generation import generate_period, refresh_totals
from app.payouts.models import (
    PayoutAdjustment,
    PayoutSettings,
    PayoutStatement,
)
from app.payouts.queries import (
    SETTINGS_DEFAULTS,
    Period,
)

RENDER_JOB = "app.payouts.documents.render_statement"
SETTINGS_FIELDS = ("period", "week_start", "fortnight_anchor")


def _summary(s: PayoutStatement, what: str) -> str:
    return (
        f"Payout statement of membership {s.membership_id}, {s.period_start}..{s.period_end} "
        f"{s.currency}: {what}"
    )


# --- settings --------------------------------------------------------------------------------


def update_settings(actor: Actor, data: dict) -> PayoutSettings:
    row = db.session.scalar(sa.select(PayoutSettings))
    if row is None:
        row = PayoutSettings(**SETTINGS_DEFAULTS)
        db.session.add(row)
    if data.get("period") == "fortnightly" and not data.get("fortnight_anchor"):
        raise ValidationFailed({"fortnight_anchor": [_("Pick the day a fortnight starts on.")]})
    before = snapshot(row, SETTINGS_FIELDS)
    row.period = data["period"]
    row.week_start = data.get("week_start") or "monday"
    row.fortnight_anchor = data.get("fortnight_anchor")
    db.session.flush()
    b, a = changed(before, snapshot(row, SETTINGS_FIELDS))
    if a:
        record(actor, "payouts.settings_changed", row, summary="Payout settings changed",
               before=b, after=a)  # fmt: skip
    return row


# --- a statement's life ----------------------------------------------------------------------


def _lock_row(statement: PayoutStatement) -> None:
    db.session.refresh(statement, with_for_update=True)


def _refuse_locked(statement: PayoutStatement) -> None:
    if statement.locked:
        raise Conflict(_("This statement is paid and locked; corrections go to the next period."))


def regenerate_statement(actor: Actor, statement: PayoutStatement) -> PayoutStatement:
    """Refresh one draft from the costs (its person, period; every currency)."""
    _lock_row(statement)
    _refuse_locked(statement)
    if statement.state != "draft":
        raise Conflict(_("This statement is reviewed; set it back to draft to regenerate it."))
    generate_period(
        actor,
        Period(statement.period_start, statement.period_end),
        membership_ids=[statement.membership_id],
    )
    return statement


def add_adjustment(actor: Actor, statement: PayoutStatement, data: dict) -> PayoutAdjustment:
    _lock_row(statement)
    _refuse_locked(statement)
    data = dict(data)
    amount_to_minor(data, "amount", statement.currency, label=_("Amount"), maximum=10**13)
    minor = data.get("amount_minor")
    if minor is None or minor <= 0:
        raise ValidationFailed({"amount": [_("Enter an amount above zero.")]})
    adjustment = PayoutAdjustment(
        kind=data["kind"],
        amount_minor=minor,
        reason=data["reason"],
        created_by_id=actor.user_id,
    )
    statement.adjustments.append(adjustment)
    refresh_totals(statement)
    db.session.flush()
    record(
        actor,
        "payout.adjusted",
        statement,
        summary=_summary(statement, f"{data['kind']} {minor}: {data['reason'][:200]}"),
        after={"kind": data["kind"], "amount_minor": minor, "reason": data["reason"]},
    )
    return adjustment


def accept_unpriced(actor: Actor, statement: PayoutStatement) -> PayoutStatement:
    """Pay the statement without a price for its unpriced time (it stays unpaid)."""
    _lock_row(statement)
    _refuse_locked(statement)
    if not statement.unpriced_seconds:
        raise Conflict(_("This statement has no unpriced time."))
    statement.unpriced_accepted_at = utcnow()
    statement.unpriced_accepted_by_id = actor.user_id
    db.session.flush()
    what = f"{statement.unpriced_seconds}s unpriced accepted"
    record(actor, "payout.unpriced_accepted", statement, summary=_summary(statement, what))
    return statement


def review_statement(actor: Actor, statement: PayoutStatement) -> PayoutStatement:
    """draft -> reviewed: the person sees it; its PDF is made."""
    _lock_row(statement)
    _refuse_locked(statement)
    if statement.state != "draft":
        raise Conflict(_("This statement is already reviewed."))
    statement.state = "reviewed"
    statement.reviewed_at = utcnow()
    statement.reviewed_by_id = actor.user_id
    db.session.flush()
    record(actor, "payout.reviewed", statement, summary=_summary(statement, "reviewed"),
           before={"state": "draft"}, after={"state": "reviewed"})  # fmt: skip
    enqueue_render(statement, email=False)
    return statement


def reopen_statement(actor: Actor, statement: PayoutStatement) -> PayoutStatement:
    """reviewed -> draft (to regenerate it or change it before paying)."""
    _lock_row(statement)
    _refuse_locked(statement)
    if statement.state != "reviewed":
        raise Conflict(_("Only a reviewed statement can go back to draft."))
    statement.state = "draft"
    db.session.flush()
    record(actor, "payout.reopened", statement, summary=_summary(statement, "back to draft"),
           before={"state": "reviewed"}, after={"state": "draft"})  # fmt: skip
    return statement


def mark_paid(actor: Actor, statement: PayoutStatement, data: dict) -> PayoutStatement:
    """reviewed -> paid (locked): the amount paid must be the statement's total; the PDF is
    made again and emailed to the person once."""
    _lock_row(statement)
    _refuse_locked(statement)
    if statement.state != "reviewed":
        raise Conflict(_("Review the statement before marking it paid."))
    if statement.blocked_by_unpriced:
        raise Conflict(
            _("This statement has unpriced time: set a cost rate and regenerate, or accept it.")
        )
    if statement.total_minor < 0:
        raise Conflict(
            _("The total is below zero; add a bonus or carry it to the next period instead.")
        )
    data = dict(data)
    amount_to_minor(data, "amount", statement.currency, label=_("Amount"), maximum=10**13)
    if data.get("amount_minor") != statement.total_minor:
        raise ValidationFailed({"amount": [_("The amount paid must equal the statement total.")]})
    if data["paid_on"] > today_in(actor.agency.time_zone) + dt.timedelta(days=1):
        raise ValidationFailed({"paid_on": [_("The payment date can't be in the future.")]})
    statement.state = "paid"
    statement.paid_amount_minor = data["amount_minor"]
    statement.paid_on = data["paid_on"]
    statement.paid_method = data["method"]
    statement.paid_reference = data.get("reference") or None
    statement.paid_at = utcnow()
    statement.paid_by_id = actor.user_id
    db.session.flush()
    record(
        actor,
        "payout.paid",
        statement,
        summary=_summary(statement, f"paid {statement.paid_amount_minor} by {data['method']}"),
        before={"state": "reviewed"},
        after={"state": "paid", "paid_on": data["paid_on"].isoformat(), "method": data["method"]},
    )
    enqueue_render(statement, email=True)
    return statement


def enqueue_render(statement: PayoutStatement, *, email: bool) -> None:
    """Render the PDF on the pdf queue (and email it when paid: once per statement)."""
    enqueue_job(
        db.session,
        RENDER_JOB,
        label=f"Payout statement {statement.id} PDF",
        queue="pdf",
        agency_id=statement.agency_id,
        dedupe_key=f"payout-pdf:{statement.id}:{statement.state}" if email else None,
        statement_id=statement.id,
        email=email,
    )
