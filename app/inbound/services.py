"""Write side of request threads: an owner or manager answers a work request. The answer is
a message of the thread and an email to the client contact (through the outbox, in the same
transaction) sent from the agency with Reply-To the client's intake address and In-Reply-To
/ References naming the thread's mails, so the contact's answer comes back to the receiver
and is threaded onto the same request. Flush, never commit.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from app.agencies.models import Agency
from app.audit.services import record
from app.clients.models import Client, Contact
from app.core.errors import Forbidden, ValidationFailed
from app.core.formatting import format_number
from app.core.mail import message_id, queue_email, recipient_locale
from app.core.permissions import MANAGERS, Actor
from app.core.translation import gettext as _
from app.core.translation import lazy_gettext
from app.extensions import db
from app.inbound import policy
from app.inbound.addresses import address_of, intake_address_for
from app.inbound.models import RequestMessage
from app.portal.models import WorkRequest
from app.promises.services import staff_replied, start_response_clock
from app.users.models import Membership
from app.work.richtext import sanitize_html

REPLY_MAX = 10_000
REFERENCES_KEPT = 20


def _link(endpoint: str, **values: object) -> str:
    """An absolute address on the configured site (never a Host header)."""
    adapter = current_app.url_map.bind("baton.invalid")
    return current_app.config["BASE_URL"].rstrip("/") + adapter.build(endpoint, values)


def _recipient(work_request: WorkRequest, thread: list[RequestMessage]) -> tuple[str, str | None]:
    """Who gets the answer: the contact who wrote last, else the one who asked."""
    for row in reversed(thread):
        if row.contact_id is not None:
            contact = db.session.get(Contact, row.contact_id)
            if contact is not None and contact.email:
                member = (
                    db.session.get(Membership, contact.membership_id)
                    if contact.membership_id
                    else None
                )
                return contact.email, member.user.locale if member else None
    member = work_request.requested_by
    if member is not None and member.user.email:
        return member.user.email, member.user.locale
    raise ValidationFailed({"body": [_("Nobody at this client can be emailed about it.")]})


def reply_to_request(
    actor: Actor, work_request: WorkRequest, body: str, *, asks_client: bool = False
) -> RequestMessage:
    """Answer the request in its thread and email the answer to the client contact. The
    answer stops the thread's response clock, or holds it when it asks the client for
    something (their next message resumes it)."""
    if not policy.can_reply_to_request(actor, work_request):
        raise Forbidden(_("Only owners and managers answer requests."))
    text = (body or "").strip()
    if not text:
        raise ValidationFailed({"body": [_("Write your answer.")]})
    if len(text) > REPLY_MAX:
        raise ValidationFailed(
            {"body": [_("Keep it under %(num)s characters.", num=format_number(REPLY_MAX))]}
        )
    thread = list(
        db.session.scalars(
            sa.select(RequestMessage)
            .where(RequestMessage.work_request_id == work_request.id)
            .order_by(RequestMessage.received_at, RequestMessage.id)
        )
    )
    to, user_locale = _recipient(work_request, thread)
    client = db.session.get(Client, work_request.client_id)
    agency = db.session.get(Agency, actor.agency_id)
    message = RequestMessage(
        agency_id=actor.agency_id,
        work_request_id=work_request.id,
        author_user_id=actor.user_id,
        author_name=actor.user.name[:160],
        body=sanitize_html(text),
    )
    db.session.add(message)
    db.session.flush()
    ids = [row.message_id for row in thread if row.message_id]
    row = queue_email(
        db.session,
        key=f"work-request:{work_request.id}:reply:{message.id}",
        to=to,
        locale=recipient_locale(user_locale, client.locale if client else None),
        subject=lazy_gettext("Re: %(title)s", title=work_request.title),
        template="notice",
        context={
            "agency_name": agency.name,
            "heading": lazy_gettext("About your request: %(title)s", title=work_request.title),
            "body": text,
            "link": _link(
                "inbound.portal_request", agency_slug=agency.slug, request_id=work_request.id
            ),
        },
        agency_id=agency.id,
        from_name=agency.name,
        reply_to=address_of(intake_address_for(client).token),
        in_reply_to=ids[-1] if ids else None,
        references=" ".join(ids[-REFERENCES_KEPT:]) or None,
    )
    # Our own Message-ID, so the client's answer to it finds this thread.
    message.message_id = message_id(row, current_app.config["MAIL_FROM"])
    message.outbound_email_id = row.id
    db.session.flush()
    record(
        actor,
        "work_request.replied",
        work_request,
        summary=f"Answered request {work_request.title}",
        after={"message_id": message.id},
    )
    staff_replied(
        "work_request", work_request.id, message.received_at, actor.user_id, asks_client=asks_client
    )
    return message


def tell_staff_of_answer(
    agency_id: int, work_request: WorkRequest, message: RequestMessage
) -> None:
    """Email owners and managers that the client answered in a request's thread (once per
    message and person), each in their own language. The answer needs one in turn: it
    starts a response clock on the thread (or resumes the one waiting on the client)."""
    start_response_clock(
        work_request.client_id,
        "request_message",
        message.id,
        message.received_at,
        thread_kind="work_request",
        thread_id=work_request.id,
    )
    agency = db.session.get(Agency, agency_id)
    staff = db.session.scalars(
        sa.select(Membership).where(Membership.role.in_(MANAGERS), Membership.status == "active")
    ).all()
    link = _link("inbound.show_request", agency_slug=agency.slug, request_id=work_request.id)
    for member in staff:
        if not member.user.email:
            continue
        queue_email(
            db.session,
            key=f"work-request:{work_request.id}:answer:{message.id}:{member.id}",
            to=member.user.email,
            locale=recipient_locale(member.user.locale),
            subject=lazy_gettext("Re: %(title)s", title=work_request.title),
            template="notice",
            context={
                "agency_name": agency.name,
                "heading": lazy_gettext(
                    "%(person)s answered about “%(title)s”",
                    person=message.author_name,
                    title=work_request.title,
                ),
                "body": lazy_gettext("Read the answer and reply on the request's page."),
                "link": link,
            },
            agency_id=agency.id,
            notice="client_messages",
        )
