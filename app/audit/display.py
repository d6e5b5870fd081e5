"""The audit log as people read it: field labels instead of column names, values in their
own format (money in its currency, dates, yes/no, names instead of ids) and a compact
"old -> new" line per changed field.

The events of one page are prepared together (`present_events`), so resolving the ids they
mention to names and finding the currency of their amounts costs one query per kind of
thing, never one per event.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext

from app.audit.models import AuditEvent
from app.clients.models import Client, ServicePackage
from app.core.formatting import format_datetime, format_day, role_label
from app.core.i18n import current_language
from app.core.money import format_money
from app.extensions import db
from app.invoices.models import Invoice, InvoiceLine
from app.payments.models import Payment
from app.retainers.models import RetainerPlan
from app.sops.models import Sop, SopVersion
from app.users.models import Membership, User
from app.work.labels import STATE_BADGES

# A value longer than this is shown shortened, with the whole text one click away.
LONG_VALUE = 80

FIELD_LABELS = {
    "amount_minor": lazy_gettext("Amount"),
    "archived_at": lazy_gettext("Archived"),
    "client_id": lazy_gettext("Client"),
    "currency": lazy_gettext("Currency"),
    "description": lazy_gettext("Description"),
    "email": lazy_gettext("Email"),
    "name": lazy_gettext("Name"),
    "notes": lazy_gettext("Notes"),
    "phone": lazy_gettext("Phone"),
    "prefix": lazy_gettext("Prefix"),
    "quantity": lazy_gettext("Quantity"),
    "revoked": lazy_gettext("Revoked"),
    "role": lazy_gettext("Role"),
    "slug": lazy_gettext("Address"),
    "state": lazy_gettext("State"),
    "status": lazy_gettext("Status"),
    "subtotal_minor": lazy_gettext("Subtotal"),
    "title": lazy_gettext("Title"),
    "total_minor": lazy_gettext("Total"),
    "user_id": lazy_gettext("Person"),
    "assignee_id": lazy_gettext("VA"),
    "base_currency": lazy_gettext("Base currency"),
    "capacity_hours_week": lazy_gettext("Hours a week"),
    "client_time_zone": lazy_gettext("Client's time zone"),
    "cost_currency": lazy_gettext("Cost currency"),
    "cost_rate_minor": lazy_gettext("Cost rate"),
    "credited_invoice_id": lazy_gettext("Credited invoice"),
    "deposit_invoice_id": lazy_gettext("Deposit invoice"),
    "discount_percent": lazy_gettext("Discount %"),
    "due_at": lazy_gettext("Due"),
    "due_date": lazy_gettext("Due date"),
    "estimate_minutes": lazy_gettext("Estimate (minutes)"),
    "included_hours": lazy_gettext("Hours included"),
    "invoice_id": lazy_gettext("Invoice"),
    "is_billing": lazy_gettext("Billing contact"),
    "is_deposit": lazy_gettext("Deposit"),
    "issue_date": lazy_gettext("Issue date"),
    "locale": lazy_gettext("Language"),
    "membership_id": lazy_gettext("Person"),
    "net_days": lazy_gettext("Payment terms (days)"),
    "paid_on": lazy_gettext("Paid on"),
    "rate_to_base": lazy_gettext("Rate to base currency"),
    "reply_to_email": lazy_gettext("Reply-to email"),
    "require_owner_2fa": lazy_gettext("Owners must use two-factor sign-in"),
    "response_time_hours": lazy_gettext("Response time (hours)"),
    "reviewer_id": lazy_gettext("QA reviewer"),
    "service_package_id": lazy_gettext("Service package"),
    "sop_version_id": lazy_gettext("SOP"),
    "starts_on": lazy_gettext("Starts on"),
    "ends_on": lazy_gettext("Ends on"),
    "tax_inclusive": lazy_gettext("Tax included in price"),
    "time_zone": lazy_gettext("Time zone"),
    "totp_enabled": lazy_gettext("Two-factor sign-in"),
}
ENTITY_LABELS = {
    "agencies": lazy_gettext("Agency"),
    "assignments": lazy_gettext("Assignment"),
    "brandings": lazy_gettext("Branding"),
    "clients": lazy_gettext("Client"),
    "contacts": lazy_gettext("Contact"),
    "exports": lazy_gettext("Export"),
    "invitations": lazy_gettext("Invitation"),
    "invoices": lazy_gettext("Invoice"),
    "outbox_jobs": lazy_gettext("Background job"),
    "payments": lazy_gettext("Payment"),
    "sops": lazy_gettext("SOP"),
    "users": lazy_gettext("Person"),
    "api_tokens": lazy_gettext("API token"),
    "invoice_lines": lazy_gettext("Invoice line"),
    "invoice_settings": lazy_gettext("Invoice settings"),
    "memberships": lazy_gettext("Team member"),
    "retainer_plans": lazy_gettext("Retainer"),
    "reminder_steps": lazy_gettext("Reminder step"),
    "service_packages": lazy_gettext("Service package"),
    "sop_versions": lazy_gettext("SOP version"),
    "tax_rates": lazy_gettext("Tax rate"),
    "work_items": lazy_gettext("Work item"),
    "work_requests": lazy_gettext("Work request"),
}
# What happened, as people say it (the stored action codes stay as they are); an action
# missing here is named from its code, in English.
ACTION_LABELS = {
    "agency.created": lazy_gettext("Agency created"),
    "agency.settings_changed": lazy_gettext("Agency settings changed"),
    "api_token.created": lazy_gettext("API token created"),
    "api_token.revoked": lazy_gettext("API token revoked"),
    "assignment.created": lazy_gettext("Assignment created"),
    "assignment.ended": lazy_gettext("Assignment ended"),
    "branding.logo_removed": lazy_gettext("Logo removed"),
    "branding.logo_set": lazy_gettext("Logo set"),
    "branding.updated": lazy_gettext("Branding updated"),
    "client.archived": lazy_gettext("Client archived"),
    "client.created": lazy_gettext("Client created"),
    "client.reminders_paused": lazy_gettext("Client reminders paused"),
    "client.unarchived": lazy_gettext("Client unarchived"),
    "client.updated": lazy_gettext("Client updated"),
    "contact.created": lazy_gettext("Contact created"),
    "contact.deleted": lazy_gettext("Contact deleted"),
    "contact.updated": lazy_gettext("Contact updated"),
    "credit_note.issued": lazy_gettext("Credit note issued"),
    "export.requested": lazy_gettext("Export requested"),
    "invitation.accepted": lazy_gettext("Invitation accepted"),
    "invitation.created": lazy_gettext("Invitation created"),
    "invitation.replaced": lazy_gettext("Invitation replaced"),
    "invitation.revoked": lazy_gettext("Invitation revoked"),
    "invoice.batch_started": lazy_gettext("Invoice batch started"),
    "invoice.created": lazy_gettext("Invoice created"),
    "invoice.credited": lazy_gettext("Invoice credited"),
    "invoice.deleted": lazy_gettext("Invoice deleted"),
    "invoice.deposit_deducted": lazy_gettext("Invoice deposit deducted"),
    "invoice.dispute_flagged": lazy_gettext("Invoice dispute flagged"),
    "invoice.issued": lazy_gettext("Invoice issued"),
    "invoice.line_added": lazy_gettext("Invoice line added"),
    "invoice.line_removed": lazy_gettext("Invoice line removed"),
    "invoice.line_updated": lazy_gettext("Invoice line updated"),
    "invoice.lines_imported": lazy_gettext("Invoice lines imported"),
    "invoice.pdf_requested": lazy_gettext("Invoice PDF requested"),
    "invoice.reminder_sent": lazy_gettext("Invoice reminder sent"),
    "invoice.reminders_paused": lazy_gettext("Invoice reminders paused"),
    "invoice.send_requested": lazy_gettext("Invoice sending requested"),
    "invoice.sent": lazy_gettext("Invoice sent"),
    "invoice.updated": lazy_gettext("Invoice updated"),
    "invoice.voided": lazy_gettext("Invoice voided"),
    "invoice_settings.updated": lazy_gettext("Invoice settings updated"),
    "job.retried": lazy_gettext("Job run again"),
    "member.added": lazy_gettext("Member added"),
    "member.disabled": lazy_gettext("Member disabled"),
    "member.enabled": lazy_gettext("Member enabled"),
    "member.role_changed": lazy_gettext("Member role changed"),
    "member.updated": lazy_gettext("Member updated"),
    "package.created": lazy_gettext("Package created"),
    "package.updated": lazy_gettext("Package updated"),
    "payment.deleted": lazy_gettext("Payment deleted"),
    "reminders.ladder_installed": lazy_gettext("Reminder ladder installed"),
    "reminders.step_created": lazy_gettext("Reminder step created"),
    "reminders.step_deleted": lazy_gettext("Reminder step deleted"),
    "reminders.step_updated": lazy_gettext("Reminder step updated"),
    "retainer.created": lazy_gettext("Retainer created"),
    "retainer.deleted": lazy_gettext("Retainer deleted"),
    "retainer.updated": lazy_gettext("Retainer updated"),
    "sop.archived": lazy_gettext("SOP archived"),
    "sop.cloned": lazy_gettext("SOP cloned"),
    "sop.created": lazy_gettext("SOP created"),
    "sop.detached": lazy_gettext("SOP detached"),
    "sop.imported": lazy_gettext("SOP imported"),
    "sop.installed": lazy_gettext("SOP installed"),
    "sop.unarchived": lazy_gettext("SOP unarchived"),
    "sop.version_created": lazy_gettext("SOP version created"),
    "sop.version_current": lazy_gettext("SOP version made current"),
    "tax_rate.created": lazy_gettext("Tax rate created"),
    "tax_rate.updated": lazy_gettext("Tax rate updated"),
    "work_item.created": lazy_gettext("Work item created"),
    "work_item.reassigned": lazy_gettext("Work item reassigned"),
    "work_item.updated": lazy_gettext("Work item updated"),
    "work_request.accepted": lazy_gettext("Work request accepted"),
    "work_request.created": lazy_gettext("Work request created"),
    "work_request.declined": lazy_gettext("Work request declined"),
}
# Stored states, statuses, kinds and methods as people read them (an unknown one is named
# from its value, in English).
VALUE_LABELS = {
    "prospect": lazy_gettext("Prospect"),
    "onboarding": lazy_gettext("Onboarding"),
    "active": lazy_gettext("Active"),
    "paused": lazy_gettext("Paused"),
    "ended": lazy_gettext("Ended"),
    "disabled": lazy_gettext("Disabled"),
    "pending": lazy_gettext("Pending"),
    "accepted": lazy_gettext("Accepted"),
    "revoked": lazy_gettext("Revoked"),
    "expired": lazy_gettext("Expired"),
    "draft": lazy_gettext("Draft"),
    "issued": lazy_gettext("Issued"),
    "sent": lazy_gettext("Sent"),
    "partially_paid": lazy_gettext("Partially paid"),
    "paid": lazy_gettext("Paid"),
    "void": lazy_gettext("Void"),
    "invoice": lazy_gettext("Invoice"),
    "credit_note": lazy_gettext("Credit note"),
    **STATE_BADGES,  # a work item's states, worded as on the work pages
    "bank_transfer": lazy_gettext("Bank transfer"),
    "paypal": lazy_gettext("Paypal"),
    "wise": lazy_gettext("Wise"),
    "card": lazy_gettext("Card"),
    "cash": lazy_gettext("Cash"),
    "other": lazy_gettext("Other"),
    "fixed": lazy_gettext("Fixed"),
    "primary": lazy_gettext("Primary"),
    "backup": lazy_gettext("Backup"),
}
# Fields holding the id of a team member, a client, ... and how to name them.
MEMBER_FIELDS = {"assignee_id", "reviewer_id", "membership_id", "member_id", "requested_by_id"}
ID_KINDS = {
    **dict.fromkeys(MEMBER_FIELDS, "member"),
    "client_id": "client",
    "service_package_id": "package",
    "sop_version_id": "sop_version",
    "invoice_id": "invoice",
    "deposit_invoice_id": "invoice",
    "credited_invoice_id": "invoice",
}
SUBJECT_KEYS = ("name", "title", "number", "email")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


@dataclass
class Change:
    """One field of an event: its label and the old and new values as text ("" = none)."""

    label: str
    before: str
    after: str

    @property
    def long(self) -> bool:
        return max(len(self.before), len(self.after)) > LONG_VALUE


@dataclass
class EventView:
    event: AuditEvent
    action_label: str
    entity_label: str
    changes: list[Change] = field(default_factory=list)

    @property
    def summary(self) -> str:
        """The stored one-line summary is English (kept for search and exports): shown to
        English readers; others read the translated action and what it was done to (the
        name, title, number or email the event's data holds), and the changes."""
        if current_language() == "en":
            return self.event.summary
        for data in (self.event.after, self.event.before):
            if isinstance(data, dict):
                for key in SUBJECT_KEYS:
                    if isinstance(data.get(key), str) and data[key]:
                        return data[key]
        return ""


def field_label(name: str) -> str:
    """'subtotal_minor' -> 'Subtotal', 'net_days' -> 'Payment terms (days)'."""
    if name in FIELD_LABELS:
        return str(FIELD_LABELS[name])
    base = re.sub(r"_(minor|id)$", "", name)
    return base.replace("_", " ").replace(".", " · ").capitalize()


def entity_label(entity_type: str) -> str:
    if entity_type in ENTITY_LABELS:
        return str(ENTITY_LABELS[entity_type])
    singular = entity_type[:-1] if entity_type.endswith("s") else entity_type
    return singular.replace("_", " ").capitalize()


def action_label(action: str) -> str:
    """'invoice.line_added' -> 'Invoice line added'."""
    if action in ACTION_LABELS:
        return str(ACTION_LABELS[action])
    return action.replace(".", " ").replace("_", " ").capitalize()


# --- batched look-ups --------------------------------------------------------------------


def _names(ids_by_kind: dict[str, set[int]]) -> dict[tuple[str, int], str]:
    """One query per kind of id mentioned on the page: {(kind, id): name}."""
    out: dict[tuple[str, int], str] = {}
    queries = {
        "member": sa.select(Membership.id, User.name).join(User, User.id == Membership.user_id),
        "client": sa.select(Client.id, Client.name),
        "package": sa.select(ServicePackage.id, ServicePackage.name),
        "sop_version": sa.select(
            SopVersion.id, Sop.title + " v" + sa.cast(SopVersion.number, sa.String)
        ).join(Sop, Sop.id == SopVersion.sop_id),
        "invoice": sa.select(
            Invoice.id, sa.func.coalesce(Invoice.number, "Draft #" + sa.cast(Invoice.id, sa.String))
        ),
    }
    models = {
        "member": Membership,
        "client": Client,
        "package": ServicePackage,
        "sop_version": SopVersion,
        "invoice": Invoice,
    }
    for kind, ids in ids_by_kind.items():
        if ids:
            rows = db.session.execute(queries[kind].where(models[kind].id.in_(ids)))
            out.update({(kind, row_id): name for row_id, name in rows})
    return out


def _currencies(ids_by_type: dict[str, set[int]]) -> dict[tuple[str, int], str]:
    """The currency of each entity whose event shows an amount without its currency."""
    queries = {
        "invoices": (Invoice.id, sa.select(Invoice.id, Invoice.currency)),
        "invoice_lines": (
            InvoiceLine.id,
            sa.select(InvoiceLine.id, Invoice.currency).join(
                Invoice, Invoice.id == InvoiceLine.invoice_id
            ),
        ),
        "payments": (
            Payment.id,
            sa.select(Payment.id, Invoice.currency).join(Invoice, Invoice.id == Payment.invoice_id),
        ),
        "memberships": (Membership.id, sa.select(Membership.id, Membership.cost_currency)),
        "retainer_plans": (RetainerPlan.id, sa.select(RetainerPlan.id, RetainerPlan.currency)),
        "service_packages": (
            ServicePackage.id,
            sa.select(ServicePackage.id, ServicePackage.currency),
        ),
        "clients": (Client.id, sa.select(Client.id, Client.currency)),
    }
    out: dict[tuple[str, int], str] = {}
    for entity_type, ids in ids_by_type.items():
        if ids and entity_type in queries:
            id_col, stmt = queries[entity_type]
            for row_id, currency in db.session.execute(stmt.where(id_col.in_(ids))):
                if currency:
                    out[(entity_type, row_id)] = currency
    return out


def _flat(event: AuditEvent) -> list[tuple[str, Any, Any, bool, bool]]:
    """(field, old, new, had old, has new) in a stable order; a dict changed on both sides
    (e.g. channels) is shown key by key, only the keys that changed."""
    before, after = event.before or {}, event.after or {}
    rows = []
    for key in dict.fromkeys([*before.keys(), *after.keys()]):
        old, new = before.get(key), after.get(key)
        if isinstance(old, dict) and isinstance(new, dict):
            for sub in dict.fromkeys([*old.keys(), *new.keys()]):
                if old.get(sub) != new.get(sub):
                    rows.append((f"{key}.{sub}", old.get(sub), new.get(sub), True, True))
            continue
        rows.append((key, old, new, key in before, key in after))
    return rows


def _event_currency(event: AuditEvent) -> str | None:
    for side in (event.after or {}, event.before or {}):
        for key in ("currency", "cost_currency"):
            if isinstance(side.get(key), str) and side[key]:
                return side[key]
    return None


class _Formatter:
    def __init__(self, zone: str, names: dict, currency: str | None) -> None:
        self.zone, self.names, self.currency = zone, names, currency

    def __call__(self, key: str, value: Any) -> str:
        leaf = key.rsplit(".", 1)[-1]
        if value is None or value == "":
            return "—"
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        if leaf.endswith("_minor") and isinstance(value, int):
            return (
                format_money(value, self.currency)
                if self.currency
                else _("%(amount)s (minor units)", amount=format(value, ","))
            )
        if leaf in ID_KINDS and isinstance(value, int):
            name = self.names.get((ID_KINDS[leaf], value))
            return f"{name}" if name else _("#%(id)s (removed)", id=value)
        if leaf == "role" and isinstance(value, str):
            return role_label(value)
        if leaf in ("state", "status", "kind", "pricing", "method") and isinstance(value, str):
            if value in VALUE_LABELS:
                return str(VALUE_LABELS[value])
            return value.replace("_", " ").capitalize()
        if isinstance(value, str) and _DATE.match(value):
            return format_day(dt.date.fromisoformat(value))
        if isinstance(value, str) and _DATETIME.match(value):
            try:
                return format_datetime(dt.datetime.fromisoformat(value), self.zone)
            except ValueError:
                return value
        if isinstance(value, str):
            return value
        if isinstance(value, list):
            return ", ".join(self(key, v) for v in value) or "—"
        if isinstance(value, dict):
            return ", ".join(f"{field_label(k)}: {self(k, v)}" for k, v in value.items()) or "—"
        if isinstance(value, float | int):
            return f"{value:,}" if abs(value) >= 10000 else str(value)
        return json.dumps(value, ensure_ascii=False, sort_keys=True)


def present_events(events: Iterable[AuditEvent], zone: str) -> list[EventView]:
    """The events of one page, ready to show (see the module docstring)."""
    events = list(events)
    ids: dict[str, set[int]] = defaultdict(set)
    needs_currency: dict[str, set[int]] = defaultdict(set)
    flats = {}
    for event in events:
        flats[event.id] = rows = _flat(event)
        for key, old, new, _had_old, _has_new in rows:
            leaf = key.rsplit(".", 1)[-1]
            if leaf in ID_KINDS:
                ids[ID_KINDS[leaf]].update(v for v in (old, new) if isinstance(v, int))
            if leaf.endswith("_minor") and _event_currency(event) is None and event.entity_id:
                needs_currency[event.entity_type].add(event.entity_id)
    names = _names(ids)
    currencies = _currencies(needs_currency)
    views = []
    for event in events:
        currency = _event_currency(event) or currencies.get((event.entity_type, event.entity_id))
        show = _Formatter(zone, names, currency)
        changes = [
            Change(
                field_label(key),
                show(key, old) if had_old else "",
                show(key, new) if has_new else "",
            )
            for key, old, new, had_old, has_new in flats[event.id]
        ]
        views.append(
            EventView(event, action_label(event.action), entity_label(event.entity_type), changes)
        )
    return views
