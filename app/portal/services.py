"""Write side of work requests: a client contact asks, an owner or manager accepts (by
creating a work item from it) or declines with a reason. Flush, never commit; the emails are
queued through the outbox in the same transaction, one per request and recipient, each in
its recipient's language (their profile's locale; a client contact without one, their
client's).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel.speaklater import LazyString

from app.agencies.models import Agency
from app.audit.services import record
from app.clients.models import Client
from app.core.clock import utcnow
from app.core.errors import Conflict, Forbidden, ValidationFailed
from app.core.formatting import format_day
from app.core.i18n import language_of
from app.core.mail import queue_email, recipient_locale
from app.core.permissions import MANAGERS, Actor
from app.core.timezones import now_in_zone
from app.core.translation import gettext as _
from app.core.translation import lazy_gettext
from app.extensions import db
from app.portal import policy
from app.portal.models import WorkRequest
from app.promises.services import staff_replied, start_response_clock
from app.users.models import Membership
from app.work.models import WorkItem
from app.work.richtext import sanitize_html


def _link(endpoint: str, **values: object) -> str:
    """An absolute address on the configured site (never a Host header)."""
    adapter = current_app.url_map.bind("baton.invalid")
    return current_app.config["BASE_URL"].rstrip("/") + adapter.build(endpoint, values)


def create_work_request(actor: Actor, data: dict) -> WorkRequest:
    """A client contact asks for work on their own client; owners and managers are emailed."""
    if not policy.can_ask_for_work(actor):
        raise Forbidden(_("Only a client contact can ask for work here."))
    client = db.session.get(Client, actor.membership.client_id)
    if client is None:
        raise Forbidden(_("Only a client contact can ask for work here."))
    wanted_by = data.get("wanted_by")
    if wanted_by is not None and wanted_by < now_in_zone(client.time_zone or "UTC").date():
        raise ValidationFailed({"wanted_by": [_("Choose today or a later day.")]})
    return open_work_request(actor, client, data, requested_by_id=actor.membership.id)


def open_work_request(
    actor: Actor, client: Client, data: dict, *, requested_by_id: int | None
) -> WorkRequest:
    """Record a request the caller has already allowed (the portal form above, or a mail
    from one of the client's contacts, app.inbound) and email owners and managers: the one
    path by which a request is made, so every rule about new requests sees them all.
    `actor.user.name` is the person asking (for a mail, the contact)."""
    wanted_by = data.get("wanted_by")
    details = sanitize_html(data.get("details") or None)
    work_request = WorkRequest(
        agency_id=actor.agency_id,
        client_id=client.id,
        requested_by_id=requested_by_id,
        title=data["title"],
        details=details,
        wanted_by=wanted_by,
        status="open",
    )
    db.session.add(work_request)
    db.session.flush()
    # The request needs an answer within the client's promised response time.
    start_response_clock(client.id, "work_request", work_request.id, work_request.created_at)
    record(
        actor,
        "work_request.created",
        work_request,
        summary=f"{client.name} asked for {work_request.title}",
        after={"title": work_request.title, "wanted_by": wanted_by, "via": actor.via},
    )
    _email_staff(actor, work_request, client)
    return work_request


def _email_staff(actor: Actor, work_request: WorkRequest, client: Client) -> None:
    agency = db.session.get(Agency, actor.agency_id)
    staff = db.session.scalars(
        sa.select(Membership).where(Membership.role.in_(MANAGERS), Membership.status == "active")
    ).all()
    link = _link("portal.list_requests", agency_slug=agency.slug)
    for member in staff:
        if not member.user.email:
            continue
        locale = recipient_locale(member.user.locale)
        names = {"person": actor.user.name, "client": client.name, "title": work_request.title}
        if work_request.wanted_by:
            body = lazy_gettext(
                "%(person)s of %(client)s asked for “%(title)s”. They would like it by %(day)s. "
                "Turn it into a work item or decline it.",
                day=format_day(work_request.wanted_by, language_of(locale)),
                **names,
            )
        else:
            body = lazy_gettext(
                "%(person)s of %(client)s asked for “%(title)s”. "
                "Turn it into a work item or decline it.",
                **names,
            )
        _notice(
            agency,
            member,
            locale,
            f"work-request:{work_request.id}:asked:{member.id}",
            lazy_gettext(
                "%(client)s asks for: %(title)s", client=client.name, title=work_request.title
            ),
            lazy_gettext("%(client)s asks for something", client=client.name),
            body,
            link,
            notice="client_messages",
        )


def _notice(
    agency: Agency,
    member: Any,
    locale: str | None,
    key: str,
    subject: LazyString,
    heading: LazyString,
    body: LazyString,
    link: str,
    notice: str | None = None,
) -> None:
    """One "notice" email to a member of the agency (once per idempotency key), in
    `locale`'s language: the texts are lazy, translated as the email is written."""
    queue_email(
        db.session,
        key=key,
        to=member.user.email,
        locale=locale,
        subject=subject,
        template="notice",
        context={"agency_name": agency.name, "heading": heading, "body": body, "link": link},
        agency_id=agency.id,
        notice=notice,
    )


def _check_open(actor: Actor, work_request: WorkRequest) -> None:
    if not policy.can_decide_work_request(actor, work_request):
        raise Forbidden(_("Only owners and managers decide on requests."))
    if work_request.status != "open":
        if work_request.status == "accepted":
            raise Conflict(_("This request was already accepted."))
        raise Conflict(_("This request was already declined."))


def decline_work_request(actor: Actor, work_request: WorkRequest, reason: str) -> WorkRequest:
    """Decline an open request; the client contact who asked is emailed the reason."""
    _check_open(actor, work_request)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": [_("Say why, so the client knows.")]})
    work_request.status = "declined"
    work_request.decline_reason = reason
    work_request.decided_by_id = actor.user_id
    work_request.decided_at = utcnow()
    db.session.flush()
    staff_replied("work_request", work_request.id, work_request.decided_at, actor.user_id)
    record(
        actor,
        "work_request.declined",
        work_request,
        summary=f"Request {work_request.title} declined",
        after={"reason": reason},
    )
    requester = work_request.requested_by
    if requester is not None and requester.is_active_member and requester.user.email:
        agency = db.session.get(Agency, actor.agency_id)
        client = db.session.get(Client, work_request.client_id)
        _notice(
            agency,
            requester,
            recipient_locale(requester.user.locale, client.locale if client else None),
            f"work-request:{work_request.id}:declined:{requester.id}",
            lazy_gettext("About your request: %(title)s", title=work_request.title),
            lazy_gettext("We can't take this request on"),
            lazy_gettext(
                "%(agency)s declined your request “%(title)s”: %(reason)s",
                agency=agency.name,
                title=work_request.title,
                reason=reason,
            ),
            _link("portal.home", agency_slug=agency.slug),
        )
    return work_request


def create_work_item_for(actor: Actor, client: Client, data: dict) -> WorkItem:
    """Create a work item on the client (app.work.services.create_work_item); with
    `request_id`, the client's open work request it answers becomes accepted and linked.
    The one path of the create form and the API."""
    from app.portal.work_requests import visible_work_requests
    from app.work.services import create_work_item

    request_id = data.pop("request_id", None)
    work_request = None
    if request_id is not None:
        work_request = db.session.scalar(
            visible_work_requests(actor).where(WorkRequest.id == request_id)
        )
        if work_request is None:
            raise ValidationFailed({"request_id": [_("No such request.")]})
        if work_request.client_id != client.id:
            raise ValidationFailed({"request_id": [_("This request is from another client.")]})
    item = create_work_item(actor, client, data)
    if work_request is not None:
        accept_work_request(actor, work_request, item)
    return item


def accept_work_request(actor: Actor, work_request: WorkRequest, item: WorkItem) -> WorkRequest:
    """Mark an open request accepted by the work item created from it (same client)."""
    _check_open(actor, work_request)
    if item.client_id != work_request.client_id:
        raise ValidationFailed({"request_id": [_("This request is from another client.")]})
    work_request.status = "accepted"
    work_request.work_item_id = item.id
    work_request.decided_by_id = actor.user_id
    work_request.decided_at = utcnow()
    db.session.flush()
    staff_replied("work_request", work_request.id, work_request.decided_at, actor.user_id)
    record(
        actor,
        "work_request.accepted",
        work_request,
        summary=f"Request {work_request.title} became work item {item.title}",
        after={"work_item_id": item.id},
    )
    return work_request
