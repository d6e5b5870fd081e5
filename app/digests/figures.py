"""What a digest says: the figures of one client's week, gathered in a fixed number of
statements whatever the number of items, kept as plain JSON values (the snapshot stored
with each digest), and the email rendered from them in the client's language.

The week covered is the seven days up to the send time. "In progress" is open work that
has started and is not waiting on the client; "waiting on you" is work awaiting the
client's approval; deadlines are open items due in the next 14 days.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale

from app.agencies.models import Agency
from app.clients.models import Client, Contact
from app.core.i18n import language_of, speaking_locale, text_direction
from app.core.money import format_money
from app.core.translation import lazy_gettext
from app.extensions import db
from app.invoices.models import Invoice
from app.invoices.queries import open_with_balance
from app.retainers.hours import agency_month, bank_for, banked_plans_of_client
from app.work.labels import STATE_BADGES
from app.work.models import OPEN_STATES, WorkItem

DEADLINE_DAYS = 14
LIST_LIMIT = 25  # items shown per section; the count says how many more there are
IN_PROGRESS = tuple(s for s in OPEN_STATES if s not in ("todo", "awaiting_client"))


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str  # the body fragment (no <html>), also shown on the preview page


def recipients(client: Client) -> list[Contact]:
    """Who reads the digest: every contact of the client with an email address."""
    return [c for c in client.contacts if c.email]


def _link(endpoint: str, **values: object) -> str:
    adapter = current_app.url_map.bind("baton.invalid")
    return current_app.config["BASE_URL"].rstrip("/") + adapter.build(endpoint, values)


def _iso(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _section(items: list[dict]) -> dict:
    return {"count": len(items), "items": items[:LIST_LIMIT]}


def build_snapshot(client: Client, agency: Agency, now: dt.datetime) -> dict:
    """The client's figures for the week ending `now`, as JSON values."""
    start = now - dt.timedelta(days=7)
    horizon = now + dt.timedelta(days=DEADLINE_DAYS)
    rows = db.session.execute(
        sa.select(
            WorkItem.id, WorkItem.title, WorkItem.state, WorkItem.due_at, WorkItem.delivered_at
        )
        .where(
            WorkItem.client_id == client.id,
            sa.or_(
                WorkItem.state.in_(OPEN_STATES),
                sa.and_(
                    WorkItem.state == "delivered",
                    WorkItem.delivered_at >= start,
                    WorkItem.delivered_at < now,
                ),
            ),
        )
        .order_by(WorkItem.due_at.asc().nulls_last(), WorkItem.id)
    ).all()
    delivered, progress, waiting, deadlines = [], [], [], []
    for row in rows:
        item = {
            "id": row.id,
            "title": row.title,
            "state": row.state,
            "due_at": _iso(row.due_at),
            "link": _link("work.show_work_item", agency_slug=agency.slug, work_item_id=row.id),
        }
        if row.state == "delivered":
            delivered.append({**item, "delivered_at": _iso(row.delivered_at)})
            continue
        if row.state == "awaiting_client":
            waiting.append(item)
        elif row.state in IN_PROGRESS:
            progress.append(item)
        if row.due_at is not None and now <= row.due_at < horizon:
            deadlines.append(item)
    delivered.sort(key=lambda i: (i["delivered_at"], i["id"]))
    month = agency_month(agency.time_zone, now)
    banks = []
    for plan in banked_plans_of_client(client.id):
        bank = bank_for(plan, month)
        banks.append(
            {
                "plan": plan.description,
                "month": month,
                "used_minutes": bank.used,
                "available_minutes": bank.available,
                "remaining_minutes": bank.remaining,
                "overage_minutes": bank.overage,
                "percent": bank.percent,
            }
        )
    invoices = [
        {
            "id": inv.id,
            "number": inv.number,
            "currency": inv.currency,
            "total_minor": inv.total_minor,
            "balance_minor": inv.total_minor - inv.paid_minor - inv.credited_minor,
            "due_date": _iso(inv.due_date),
        }
        for inv in db.session.execute(
            sa.select(
                Invoice.id,
                Invoice.number,
                Invoice.currency,
                Invoice.total_minor,
                Invoice.paid_minor,
                Invoice.credited_minor,
                Invoice.due_date,
            )
            .where(Invoice.client_id == client.id, open_with_balance())
            .order_by(Invoice.due_date.asc().nulls_last(), Invoice.id)
        ).all()
    ]
    owed: dict[str, int] = {}
    for inv in invoices:
        owed[inv["currency"]] = owed.get(inv["currency"], 0) + inv["balance_minor"]
    return {
        "client_name": client.name,
        "agency_name": agency.name,
        "time_zone": client.time_zone or "UTC",
        "period_start": _iso(start),
        "period_end": _iso(now),
        "delivered": _section(delivered),
        "in_progress": _section(progress),
        "waiting": _section(waiting),
        "deadlines": _section(deadlines),
        "banks": banks,
        "invoices": _section(invoices),
        "owed": [{"currency": c, "minor": m} for c, m in sorted(owed.items())],
        "portal_link": _link("portal.home", agency_slug=agency.slug),
    }


def _hydrate(snapshot: dict) -> dict:
    """The snapshot with its dates as dates again, for the templates' filters."""

    def when(value: str | None) -> dt.datetime | None:
        return dt.datetime.fromisoformat(value) if value else None

    def items(section: dict) -> dict:
        out = []
        for item in section["items"]:
            item = dict(item)
            for key in ("due_at", "delivered_at"):
                if key in item:
                    item[key] = when(item[key])
            if "due_date" in item:
                due = item["due_date"]
                item["due_date"] = dt.date.fromisoformat(due) if due else None
            out.append(item)
        return {"count": section["count"], "rows": out, "more": section["count"] - len(out)}

    data = dict(snapshot)
    for key in ("delivered", "in_progress", "waiting", "deadlines", "invoices"):
        data[key] = items(snapshot[key])
    zone = zoneinfo.ZoneInfo(snapshot["time_zone"])
    start, end = when(snapshot["period_start"]), when(snapshot["period_end"])
    data["period_start"], data["period_end"] = start, end
    # The days covered, as the client counts them (the last one is the day before sending).
    data["first_day"] = start.astimezone(zone).date() if start else None
    data["last_day"] = (end - dt.timedelta(seconds=1)).astimezone(zone).date() if end else None
    return data


def subject_of(snapshot: dict) -> object:
    return lazy_gettext("Your weekly update from %(agency)s", agency=snapshot["agency_name"])


def template_context(snapshot: dict, recipient_name: str | None) -> dict:
    """What mail/client_digest.* get: the hydrated snapshot and the helpers they call."""
    return {
        "digest": _hydrate(snapshot),
        "recipient_name": recipient_name,
        "agency_name": snapshot["agency_name"],
        "state_labels": STATE_BADGES,
        "money": format_money,
    }


def render_digest(snapshot: dict, locale: str | None, recipient_name: str | None) -> Rendered:
    """The digest as `queue_email` renders it (same templates, same forced locale), for the
    preview and history pages."""
    language = language_of(locale)
    values = {
        "lang": language,
        "dir": text_direction(language),
        **template_context(snapshot, recipient_name),
    }
    with force_locale(speaking_locale(locale, language)):
        return Rendered(
            subject=str(subject_of(snapshot)),
            text=render_template("mail/client_digest.txt", **values),
            html=render_template("digests/_digest_body.html", **values),
        )


def preview_digest(client: Client, agency: Agency, now: dt.datetime) -> tuple[dict, list, Rendered]:
    """What the sweep would send the client now: (snapshot, recipients, rendering for the
    first recipient)."""
    snapshot = build_snapshot(client, agency, now)
    contacts = recipients(client)
    first = contacts[0].name if contacts else None
    return snapshot, contacts, render_digest(snapshot, client.locale, first)
