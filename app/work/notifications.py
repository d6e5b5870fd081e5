"""Work item emails, queued through the outbox in the transaction of the change.

Who hears what: the assignee when an item is assigned to them and when changes are
requested (by QA or by the client); the reviewer when work is submitted to them; the
client's portal logins when their approval is needed; the agency's owners once when an
item becomes overdue (the periodic `notify_overdue` job). Every email has a unique key
made from the item and the occasion, so nothing is sent twice for the same occasion.
Client contacts' emails never carry internal notes, rates or costs. Each email speaks its
recipient's language (their profile's locale; a client contact without one, their client's),
whoever made the change and in whatever language their page was.
"""

from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa
from flask import current_app
from flask_babel.speaklater import LazyString

from app.agencies.models import Agency
from app.core.clock import utcnow
from app.core.i18n import language_of
from app.core.mail import OutboundEmail, queue_email, recipient_locale
from app.core.tenancy import all_tenants, tenant
from app.core.timezones import short_in_zone
from app.core.translation import lazy_gettext
from app.extensions import db
from app.sops.localize import localized_titles
from app.users.models import Membership
from app.work.models import OPEN_STATES, WorkItem

log = logging.getLogger("baton.work")
OVERDUE_BATCH = 500


def item_link(agency_slug: str, item_id: int) -> str:
    """The absolute address of the item page (the configured site address, never a Host
    header), built from the route so it follows the URL map."""
    adapter = current_app.url_map.bind("baton.invalid")
    path = adapter.build(
        "work.show_work_item", {"agency_slug": agency_slug, "work_item_id": item_id}
    )
    return current_app.config["BASE_URL"].rstrip("/") + path


def locale_of(recipient: Membership, item: WorkItem) -> str | None:
    """The recipient's locale: their own; a client contact without one, their client's."""
    client_locale = item.client.locale if recipient.client_id == item.client_id else None
    return recipient_locale(recipient.user.locale, client_locale)


def _context(item: WorkItem, agency: Agency, recipient: Membership, locale: str | None) -> dict:
    client = item.client
    zone = recipient.user.time_zone or "UTC"
    language = language_of(locale)
    return {
        "agency_name": agency.name,
        "recipient_name": recipient.user.name,
        "title": item.title,
        "client_name": client.name,
        "due_client": short_in_zone(item.due_at, client.time_zone, language) if item.due_at else "",
        "due_recipient": short_in_zone(item.due_at, zone, language) if item.due_at else "",
        "link": item_link(agency.slug, item.id),
        # The SOP's title as the recipient reads it (its translation where it has one).
        "sop_title": localized_titles([(item.id, item.sop_version.definition)], language)[item.id],
    }


def _queue(
    item: WorkItem,
    recipient: Membership,
    *,
    key: str,
    subject: LazyString,
    template: str,
    notice: str,
    extra: dict | None = None,
) -> OutboundEmail | None:
    """Queue one email, in the recipient's language, unless this occasion's key was
    already used."""
    if not recipient.user.email or not recipient.is_active_member:
        return None
    if db.session.scalar(sa.select(OutboundEmail.id).where(OutboundEmail.idempotency_key == key)):
        return None
    agency = db.session.get(Agency, item.agency_id)
    locale = locale_of(recipient, item)
    context = {**_context(item, agency, recipient, locale), **(extra or {})}
    return queue_email(
        db.session,
        key=key,
        to=recipient.user.email,
        locale=locale,
        subject=subject,
        template=template,
        context=context,
        agency_id=agency.id,
        from_name=agency.name,
        reply_to=agency.reply_to_email,
        notice=notice,
    )


def notify_assigned(item: WorkItem, assignee: Membership, event_id: int) -> None:
    """Tell the VA an item is theirs (once per assignment)."""
    _queue(
        item,
        assignee,
        key=f"work:{item.id}:assigned:{assignee.id}:{event_id}",
        subject=lazy_gettext(
            "New work for %(client)s: %(title)s", client=item.client.name, title=item.title
        ),
        template="work_assigned",
        notice="work_assigned",
    )


def notify_submitted(item: WorkItem, round_: int) -> None:
    """Tell the reviewer work waits for their review (once per submission and reviewer)."""
    if item.reviewer is None:
        return
    _queue(
        item,
        item.reviewer,
        key=f"work:{item.id}:submitted:{round_}:{item.reviewer.id}",
        subject=lazy_gettext(
            "Ready for review: %(title)s (%(client)s)", title=item.title, client=item.client.name
        ),
        template="work_submitted",
        notice="review_requested",
        extra={"round": round_},
    )


def notify_changes(
    item: WorkItem, round_: int, reasons: list[str], comment: str, *, by_client: bool
) -> None:
    """Tell the assignee what to change (once per review round)."""
    if item.assignee is None:
        return
    who = "client" if by_client else "qa"
    _queue(
        item,
        item.assignee,
        key=f"work:{item.id}:changes:{who}:{round_}",
        subject=lazy_gettext(
            "Changes requested: %(title)s (%(client)s)", title=item.title, client=item.client.name
        ),
        template="work_changes_requested",
        notice="changes_requested",
        extra={"reasons": reasons, "comment": comment, "by_client": by_client},
    )


def notify_client_approval(item: WorkItem, round_: int) -> None:
    """Ask each portal login of the client to approve the deliverable (once per round)."""
    from app.work.queries import client_approvers

    for contact in client_approvers(item.client_id):
        _queue(
            item,
            contact,
            key=f"work:{item.id}:client-approval:{round_}:{contact.id}",
            subject=lazy_gettext("Please review: %(title)s", title=item.title),
            template="work_client_approval",
            notice="waiting_for_you",
        )


# --- the periodic overdue check -------------------------------------------------------------


def _overdue_filter(now: dt.datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        WorkItem.state.in_(OPEN_STATES),
        WorkItem.due_at.is_not(None),
        WorkItem.due_at < now,
        WorkItem.overdue_notified_at.is_(None),
    )


def notify_overdue(now: dt.datetime | None = None) -> dict:
    """The periodic job: tell the owners of each agency, once per item (and due time),
    about open items past their due time. Safe to run twice or concurrently: each item is
    claimed under a row lock and marked before its emails are queued."""
    now = now or utcnow()
    with all_tenants():
        due = db.session.execute(
            sa.select(WorkItem.agency_id, WorkItem.id)
            .where(_overdue_filter(now))
            .order_by(WorkItem.agency_id, WorkItem.id)
            .limit(OVERDUE_BATCH)
        ).all()
    db.session.commit()
    by_agency: dict[int, list[int]] = {}
    for agency_id, item_id in due:
        by_agency.setdefault(agency_id, []).append(item_id)
    notified = 0
    for agency_id, ids in by_agency.items():
        with tenant(agency_id):
            notified += _notify_agency(ids, now)
            db.session.commit()
    return {"notified": notified}


def _notify_agency(ids: list[int], now: dt.datetime) -> int:
    from app.work.queries import managers_of_agency
    from app.work.services import state_label

    claimed = list(
        db.session.scalars(
            sa.select(WorkItem.id)
            .where(WorkItem.id.in_(ids), _overdue_filter(now))
            .with_for_update(skip_locked=True)
        )
    )
    if not claimed:
        return 0
    # A plain UPDATE: marking the notice must not bump the item's lock_version (it would
    # make every open form on the item stale).
    db.session.execute(
        sa.update(WorkItem.__table__)
        .where(WorkItem.__table__.c.id.in_(claimed))
        .values(overdue_notified_at=now)
    )
    owners = managers_of_agency()
    items = db.session.scalars(sa.select(WorkItem).where(WorkItem.id.in_(claimed)))
    for item in items:
        stamp = int(item.due_at.timestamp())
        for owner in owners:
            _queue(
                item,
                owner,
                key=f"work:{item.id}:overdue:{stamp}:{owner.id}",
                subject=lazy_gettext(
                    "Overdue: %(title)s (%(client)s)", title=item.title, client=item.client.name
                ),
                template="work_overdue",
                notice="overdue_work",
                extra={"state": LazyString(state_label, item.state)},
            )
    log.info("overdue notices for %d work items", len(claimed))
    return len(claimed)
