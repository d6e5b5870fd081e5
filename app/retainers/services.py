"""Retainers: a client's monthly plan, and the periodic job that drafts its invoices.

On the agency's recurring day (in the agency's time zone; later in the month if the clock
was down that day) each active plan gets one **draft** invoice for the month, for the owner
to review and issue. The job runs hourly and is idempotent per plan and month: the plan row
is locked and `last_generated_month` checked and set in the same transaction, so two clocks,
a retried job or a second run that day create nothing more.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
import zoneinfo
from decimal import Decimal

import sqlalchemy as sa

from app.agencies.models import Agency
from app.audit.services import changed, record, snapshot
from app.clients.models import Client
from app.core.clock import utcnow
from app.core.errors import ValidationFailed
from app.core.formatting import month_label
from app.core.permissions import Actor
from app.core.tenancy import all_tenants, tenant
from app.core.translation import gettext as _
from app.extensions import db
from app.invoices.lines import money_of, read_amount, refresh_totals
from app.invoices.models import InvoiceLine, InvoiceSettings
from app.invoices.services import INVOICE_FIELDS, new_draft, system_actor
from app.retainers.banks import add_overage_line
from app.retainers.models import RetainerPlan

log = logging.getLogger("baton.retainers")
PLAN_FIELDS = (
    "client_id",
    "description",
    "monthly_amount_minor",
    "currency",
    "included_hours",
    "active",
    "rollover_policy",
    "rollover_hours",
    "rollover_months",
    "overage_rate_minor",
    "overage_mode",
    "alert_client_contact",
)
BANK_KEYS = (
    "rollover_policy",
    "rollover_hours",
    "rollover_months",
    "overage_mode",
    "alert_client_contact",
)


def _values(data: dict, currency: str, errors: dict, *, partial: bool) -> dict:
    values = {k: data[k] for k in ("description", "included_hours", "active") if k in data}
    values.update({k: data[k] for k in BANK_KEYS if k in data and data[k] is not None})
    if "overage_rate" in data or "overage_rate_minor" in data:
        rate = read_amount(data, "overage_rate", currency, errors, required=False)
        if rate is not None and rate <= 0:
            key = (
                "overage_rate_minor"
                if data.get("overage_rate_minor") is not None
                else ("overage_rate")
            )
            errors[key] = [_("Must be more than zero.")]
        elif "overage_rate" not in errors:
            values["overage_rate_minor"] = rate
    amount = read_amount(data, "monthly_amount", currency, errors, required=not partial)
    if amount is not None and amount <= 0:
        key = (
            "monthly_amount_minor"
            if data.get("monthly_amount_minor") is not None
            else ("monthly_amount")
        )
        errors[key] = [_("Must be more than zero.")]
    elif amount is not None:
        values["monthly_amount_minor"] = amount
    return values


def check_bank(plan: RetainerPlan, errors: dict) -> None:
    """The rollover policy's number is given, and only hers (the others are cleared)."""
    policy = plan.rollover_policy or "none"
    if policy == "up_to_hours":
        if not plan.rollover_hours or plan.rollover_hours <= 0:
            errors["rollover_hours"] = [_("Give the hours that can roll over.")]
    else:
        plan.rollover_hours = None
    if policy == "expire_after_months":
        if not plan.rollover_months or plan.rollover_months < 1:
            errors["rollover_months"] = [_("Give the months after which hours expire.")]
    else:
        plan.rollover_months = None


def create_retainer(actor: Actor, client: Client, data: dict) -> RetainerPlan:
    """A monthly retainer plan for the client (currency defaults to the client's); its bank
    of hours starts this month (the agency's)."""
    from app.retainers.hours import agency_month

    errors: dict = {}
    currency = data.get("currency") or client.currency
    values = _values(data, currency, errors, partial=False)
    defaults = {"rollover_policy": "none", "overage_mode": "next_invoice"}
    plan = RetainerPlan(
        client_id=client.id,
        currency=currency,
        bank_from=agency_month(actor.agency.time_zone),
        **{**defaults, "alert_client_contact": False, **values},
    )
    check_bank(plan, errors)
    if errors:
        raise ValidationFailed(errors)
    db.session.add(plan)
    db.session.flush()
    record(
        actor,
        "retainer.created",
        plan,
        summary=f"Retainer “{plan.description}” for {client.name}: {money_of_plan(plan)} a month",
        after=snapshot(plan, PLAN_FIELDS),
    )
    return plan


def update_retainer(actor: Actor, plan: RetainerPlan, data: dict) -> RetainerPlan:
    errors: dict = {}
    currency = data.get("currency") or plan.currency
    if (
        currency != plan.currency
        and "monthly_amount" not in data
        and ("monthly_amount_minor" not in data)
    ):
        errors["currency"] = [_("Give the monthly amount in the new currency too.")]
    values = _values(data, currency, errors, partial=True)
    if errors:
        raise ValidationFailed(errors)
    before = snapshot(plan, PLAN_FIELDS)
    plan.currency = currency
    for key, value in values.items():
        setattr(plan, key, value)
    check_bank(plan, errors)
    if errors:
        raise ValidationFailed(errors)
    b, a = changed(before, snapshot(plan, PLAN_FIELDS))
    if a:
        db.session.flush()
        record(
            actor,
            "retainer.updated",
            plan,
            summary=f"Retainer “{plan.description}” changed: {', '.join(a)}",
            before=b,
            after=a,
        )
    return plan


def delete_retainer(actor: Actor, plan: RetainerPlan) -> None:
    """Remove a plan; invoices it drafted stay."""
    record(
        actor,
        "retainer.deleted",
        plan,
        summary=f"Retainer “{plan.description}” removed",
        before=snapshot(plan, PLAN_FIELDS),
    )
    db.session.delete(plan)
    db.session.flush()


def money_of_plan(plan: RetainerPlan) -> str:
    from app.core.money import format_money

    return format_money(plan.monthly_amount_minor, plan.currency)


# --- the periodic job ----------------------------------------------------------------------


def due_month(zone: str, recurring_day: int, now: dt.datetime) -> str | None:
    """'YYYY-MM' when the agency's recurring day of this month has come (in its zone)."""
    local = now.astimezone(zoneinfo.ZoneInfo(zone or "UTC"))
    day = min(recurring_day, calendar.monthrange(local.year, local.month)[1])
    return f"{local.year:04d}-{local.month:02d}" if local.day >= day else None


def draft_for_plan(plan: RetainerPlan, month: str, actor: Actor) -> bool:
    """Create the month's draft for a plan unless it exists; True if one was created.
    The plan row is locked, so concurrent runs serialize and the second finds it done."""
    locked = db.session.scalar(
        sa.select(RetainerPlan)
        .where(RetainerPlan.id == plan.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if locked is None or not locked.active or (locked.last_generated_month or "") >= month:
        return False
    client = db.session.get(Client, locked.client_id)
    if client is None or client.archived_at is not None:
        return False
    period = month_label(month, client.locale or "en")
    invoice = new_draft(client, currency=locked.currency, period_label=period[:80])
    invoice.lines.append(
        InvoiceLine(
            position=1,
            kind="package",
            description=f"{locked.description} — {period}"[:500],
            quantity=Decimal(1),
            unit_price_minor=locked.monthly_amount_minor,
            discount_percent=Decimal(0),
            source_type="retainer",
            source_id=locked.id,
        )
    )
    add_overage_line(locked, invoice, month)
    refresh_totals(invoice)
    locked.last_generated_month = month
    db.session.flush()
    record(
        actor,
        "invoice.created",
        invoice,
        summary=f"Retainer draft for {client.name}, {period}: "
        f"{money_of(invoice, invoice.total_minor)}",
        after=snapshot(invoice, INVOICE_FIELDS),
    )
    return True


def generate_retainer_drafts(now: dt.datetime | None = None) -> dict:
    """The periodic job: for every agency whose recurring day has come, draft this month's
    invoice of each active plan that has none yet. One transaction per plan."""
    now = now or utcnow()
    with all_tenants():
        agencies = db.session.execute(
            sa.select(Agency.id, Agency.time_zone, InvoiceSettings.recurring_day)
            .outerjoin(InvoiceSettings, InvoiceSettings.agency_id == Agency.id)
            .where(
                Agency.id.in_(
                    sa.select(RetainerPlan.agency_id).where(RetainerPlan.active.is_(True))
                )
            )
            .order_by(Agency.id)
        ).all()
        db.session.commit()
    created = 0
    for agency_id, zone, recurring_day in agencies:
        month = due_month(zone, recurring_day or 1, now)
        if month is None:
            continue
        with tenant(agency_id):
            plans = db.session.scalars(
                sa.select(RetainerPlan)
                .where(
                    RetainerPlan.active.is_(True),
                    sa.or_(
                        RetainerPlan.last_generated_month.is_(None),
                        RetainerPlan.last_generated_month < month,
                    ),
                )
                .order_by(RetainerPlan.id)
            ).all()
            actor = system_actor(agency_id)
            for plan in plans:
                try:
                    created += draft_for_plan(plan, month, actor)
                    db.session.commit()
                except Exception:  # noqa: BLE001 - one bad plan must not stop the others
                    db.session.rollback()
                    log.exception("retainer draft for plan %s failed", plan.id)
    return {"created": created}
