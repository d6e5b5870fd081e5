"""What a retainer's bank of hours sets off: alerts at 80 % and 100 %, and the overage.

Alerts: the hourly sweep (`sweep_hour_banks`, registered in app.core.schedule) reads each
banked plan's current month (in the agency's time zone) and, when its use reached 80 % or
100 % of the month's hours, emails the agency's owners and managers and, when the plan's
`alert_client_contact` is on, the client's contacts (its billing contacts, else its first
contact with an email). Each threshold alerts once per plan and month: the alert row
(unique plan, month, threshold) is inserted first and only the run that inserted it queues
the emails, in the same transaction. A bank that jumps past both thresholds at once sends
the 100 % alert only (and records both).

Overage: hours over a month's bank are billed at the plan's overage rate, once, marked by
`overage_billed_through` (checked and set with the plan row locked):

- `next_invoice`: the next monthly retainer draft carries a line for the previous month's
  overage (app.retainers.services.draft_for_plan calls `add_overage_line`);
- `top_up`: once a month has closed (the agency's time), the sweep drafts a separate
  invoice with that month's overage line at once.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from sqlalchemy.dialects.postgresql import insert as pg_insert

from app.agencies.models import Agency
from app.audit.services import record, snapshot
from app.clients.models import Client, Contact
from app.core.clock import utcnow
from app.core.formatting import month_label
from app.core.mail import queue_email, recipient_locale
from app.core.permissions import MANAGERS, Actor
from app.core.tenancy import all_tenants, tenant
from app.core.translation import gettext as _
from app.core.translation import lazy_gettext
from app.extensions import db
from app.invoices.lines import money_of, refresh_totals
from app.invoices.models import Invoice, InvoiceLine, InvoiceSettings
from app.invoices.services import INVOICE_FIELDS, new_draft, system_actor
from app.retainers.hours import Bank, agency_month, bank_for, has_bank, hours_of, shift_month
from app.retainers.models import THRESHOLDS, RetainerHourAlert, RetainerPlan
from app.users.models import Membership

log = logging.getLogger("baton.retainers")


# --- alerts --------------------------------------------------------------------------------


def reached(bank: Bank) -> list[int]:
    """The thresholds the bank's use has reached (80, 100)."""
    percent = bank.percent
    if percent is None:
        return []
    return [t for t in THRESHOLDS if percent >= t]


def _claim_alert(plan: RetainerPlan, month: str, threshold: int) -> bool:
    """Record the alert; True only for the run that recorded it."""
    values = {
        "agency_id": plan.agency_id,
        "plan_id": plan.id,
        "month": month,
        "threshold": threshold,
        "sent_at": utcnow(),
    }
    stmt = (
        pg_insert(RetainerHourAlert)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["plan_id", "month", "threshold"])
        .returning(RetainerHourAlert.id)
    )
    return db.session.scalar(stmt) is not None


def _link(endpoint: str, **values: object) -> str:
    adapter = current_app.url_map.bind("baton.invalid")
    return current_app.config["BASE_URL"].rstrip("/") + adapter.build(endpoint, values)


def client_recipients(client: Client) -> list[Contact]:
    """Who hears for the client: its billing contacts with an email, else its first contact
    with one."""
    contacts = [c for c in client.contacts if c.email]
    billing = [c for c in contacts if c.is_billing]
    return billing or contacts[:1]


def _texts(plan: RetainerPlan, client: Client, bank: Bank, threshold: int, month_text: str):
    names = {
        "client": client.name,
        "plan": plan.description,
        "used": str(hours_of(bank.used)),
        "available": str(hours_of(bank.available)),
        "month": month_text,
    }
    if threshold >= 100:
        subject = lazy_gettext("%(client)s has used all the hours of its retainer", **names)
        body = lazy_gettext(
            "%(used)s of %(available)s hours of “%(plan)s” are used for %(month)s. "
            "Hours over the bank are billed at the plan's overage rate.",
            **names,
        )
    else:
        subject = lazy_gettext("%(client)s has used 80 %% of its retainer hours", **names)
        body = lazy_gettext(
            "%(used)s of %(available)s hours of “%(plan)s” are used for %(month)s.", **names
        )
    return subject, body


def send_alert(plan: RetainerPlan, client: Client, agency: Agency, bank: Bank, threshold: int):
    """Queue the threshold's emails (owners, managers and, if switched on, the client)."""
    staff = db.session.scalars(
        sa.select(Membership).where(Membership.role.in_(MANAGERS), Membership.status == "active")
    ).all()
    link = _link("invoices.client_billing", agency_slug=agency.slug, client_id=client.id)
    key = f"retainer-hours:{plan.id}:{bank.month}:{threshold}"
    for member in staff:
        if not member.user.email:
            continue
        locale = recipient_locale(member.user.locale)
        _queue(
            agency,
            plan,
            client,
            bank,
            threshold,
            member.user.email,
            locale,
            link,
            f"{key}:m{member.id}",
            notice="hour_bank",
        )
    if plan.alert_client_contact:
        settings = db.session.scalar(sa.select(InvoiceSettings))
        portal = (
            _link("portal.home", agency_slug=agency.slug)
            if settings is not None and settings.portal_hour_bank
            else ""
        )
        for contact in client_recipients(client):
            locale = recipient_locale(None, client.locale)
            _queue(
                agency,
                plan,
                client,
                bank,
                threshold,
                contact.email,
                locale,
                portal,
                f"{key}:c{contact.id}",
                notice="client_hour_bank",
            )


def _queue(agency, plan, client, bank, threshold, to, locale, link, key, *, notice) -> None:
    with force_locale(locale or "en"):
        month_text = month_label(bank.month, locale or "en")
    subject, body = _texts(plan, client, bank, threshold, month_text)
    queue_email(
        db.session,
        key=key,
        to=to,
        locale=locale,
        subject=subject,
        template="notice",
        context={"agency_name": agency.name, "heading": subject, "body": body, "link": link},
        agency_id=agency.id,
        notice=notice,
        from_name=agency.name,
        reply_to=agency.reply_to_email,
    )


def alert_plan(plan: RetainerPlan, month: str) -> list[int]:
    """Alert the thresholds the plan's month reached and never alerted; returns those sent."""
    if not has_bank(plan):
        return []
    bank = bank_for(plan, month)
    new = [t for t in reached(bank) if _claim_alert(plan, month, t)]
    if not new:
        return []
    client = db.session.get(Client, plan.client_id)
    agency = db.session.get(Agency, plan.agency_id)
    if client is None or client.archived_at is not None:
        return []
    send_alert(plan, client, agency, bank, max(new))
    return new


# --- overage -------------------------------------------------------------------------------


def overage_draft(plan: RetainerPlan, month: str, locale: str) -> InvoiceLine | None:
    """The line billing the month's hours over the bank, or None (no rate, no overage)."""
    if not has_bank(plan) or not plan.overage_rate_minor:
        return None
    bank = bank_for(plan, month)
    if bank.overage <= 0:
        return None
    with force_locale(locale or "en"):
        description = _(
            "Hours over the retainer “%(plan)s” — %(month)s",
            plan=plan.description,
            month=month_label(month, locale or "en"),
        )
    return InvoiceLine(
        kind="time",
        description=description[:500],
        quantity=hours_of(bank.overage),
        unit_price_minor=plan.overage_rate_minor,
        discount_percent=Decimal(0),
        source_type="retainer_overage",
        source_id=plan.id,
    )


def _overage_due(plan: RetainerPlan, month: str) -> bool:
    """The month's overage is not billed yet and the month is within the bank."""
    if plan.bank_from and month < plan.bank_from:
        return False
    return (plan.overage_billed_through or "") < month


def add_overage_line(plan: RetainerPlan, invoice: Invoice, month: str) -> bool:
    """Next-invoice mode: the draft of `month` carries the previous month's overage.
    The caller holds the plan row's lock."""
    previous = shift_month(month, -1)
    if plan.overage_mode != "next_invoice" or not _overage_due(plan, previous):
        return False
    line = overage_draft(plan, previous, invoice.locale or "en")
    plan.overage_billed_through = previous
    if line is None:
        return False
    line.position = len(invoice.lines) + 1
    invoice.lines.append(line)
    return True


def draft_top_up(plan: RetainerPlan, month: str, actor: Actor) -> Invoice | None:
    """Top-up mode: a draft invoice for the closed `month`'s overage, at most once."""
    locked = db.session.scalar(
        sa.select(RetainerPlan)
        .where(RetainerPlan.id == plan.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if locked is None or locked.overage_mode != "top_up" or not _overage_due(locked, month):
        return None
    client = db.session.get(Client, locked.client_id)
    if client is None or client.archived_at is not None:
        return None
    line = overage_draft(locked, month, client.locale or "en")
    locked.overage_billed_through = month
    if line is None:
        db.session.flush()
        return None
    period = month_label(month, client.locale or "en")
    invoice = new_draft(client, currency=locked.currency, period_label=period[:80])
    line.position = 1
    invoice.lines.append(line)
    refresh_totals(invoice)
    db.session.flush()
    record(
        actor,
        "invoice.created",
        invoice,
        summary=f"Retainer top-up for {client.name}, {period}: "
        f"{money_of(invoice, invoice.total_minor)}",
        after=snapshot(invoice, INVOICE_FIELDS),
    )
    return invoice


# --- the sweep -----------------------------------------------------------------------------


def sweep_hour_banks(now: dt.datetime | None = None) -> dict:
    """The periodic job: alerts of this month and top-up drafts of last month, for every
    active banked plan. One transaction per plan; a second run sends and drafts nothing."""
    now = now or utcnow()
    with all_tenants():
        agencies = db.session.execute(
            sa.select(Agency.id, Agency.time_zone)
            .where(
                Agency.id.in_(
                    sa.select(RetainerPlan.agency_id).where(
                        RetainerPlan.active.is_(True), RetainerPlan.included_hours > 0
                    )
                )
            )
            .order_by(Agency.id)
        ).all()
        db.session.commit()
    alerts = top_ups = 0
    for agency_id, zone in agencies:
        month = agency_month(zone, now)
        with tenant(agency_id):
            plans = db.session.scalars(
                sa.select(RetainerPlan)
                .where(RetainerPlan.active.is_(True), RetainerPlan.included_hours > 0)
                .order_by(RetainerPlan.id)
            ).all()
            actor = system_actor(agency_id)
            for plan in plans:
                try:
                    alerts += len(alert_plan(plan, month))
                    if plan.overage_mode == "top_up":
                        top_ups += draft_top_up(plan, shift_month(month, -1), actor) is not None
                    db.session.commit()
                except Exception:  # noqa: BLE001 - one bad plan must not stop the others
                    db.session.rollback()
                    log.exception("hour bank sweep for plan %s failed", plan.id)
    return {"alerts": alerts, "top_ups": top_ups}
