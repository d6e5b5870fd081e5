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

from app.audit.labels import (
    ACTION_LABELS,
    ENTITY_LABELS,
    FIELD_LABELS,
    NOTICE_KIND_FIELDS,
    VALUE_LABELS,
)
from app.audit.models import AuditEvent
from app.clients.models import Client, ServicePackage
from app.core.formatting import format_datetime, format_day, role_label
from app.core.i18n import current_language
from app.core.money import format_money
from app.core.translation import gettext as _
from app.extensions import db
from app.invoices.models import Invoice, InvoiceLine
from app.payments.models import Payment
from app.retainers.models import RetainerPlan
from app.sops.models import Sop, SopVersion
from app.users.models import Membership, User
from app.work.labels import STATE_BADGES

# A value longer than this is shown shortened, with the whole text one click away.
LONG_VALUE = 80

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
    base = re.sub(r"_(minor|id)$", "", name)
    for known in (name, base, f"{base}_id", f"{base}_minor"):
        if known in FIELD_LABELS:
            return str(FIELD_LABELS[known])
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
    kind, _dot, state = action.partition(".")
    if kind == "work_item" and state in STATE_BADGES:  # a transition: work_item.<new state>
        return _("Work item: %(state)s", state=STATE_BADGES[state])
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
        coded = (
            "state",
            "status",
            "kind",
            "pricing",
            "method",
            "rounding",
            "source",
            "source_type",
            "rollover_policy",
            "overage_mode",
        )
        if (leaf in coded or leaf in NOTICE_KIND_FIELDS) and isinstance(value, str):
            if value in VALUE_LABELS:
                return str(VALUE_LABELS[value])
            return value.replace("_", " ").capitalize()
        if isinstance(value, str) and _DATE.match(value):
            return format_day(dt.date.fromisoformat(value), current_language())
        if isinstance(value, str) and _DATETIME.match(value):
            try:
                return format_datetime(
                    dt.datetime.fromisoformat(value), self.zone, current_language()
                )
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
