"""A client contact answers in a request's thread from the portal (or the API): the same as
answering our email (app.inbound.receiving), without the mail. The answer is a message of
the thread, signed by the contact the portal login belongs to (if there is one), and owners
and managers are emailed about it as when the answer comes by email. Flush, never commit.
"""

from __future__ import annotations

import sqlalchemy as sa

from app.audit.services import record
from app.clients.models import Contact
from app.core.errors import Forbidden, ValidationFailed
from app.core.formatting import format_number
from app.core.permissions import Actor
from app.core.translation import gettext as _
from app.extensions import db
from app.inbound import policy
from app.inbound.models import RequestMessage
from app.inbound.services import REPLY_MAX, tell_staff_of_answer
from app.portal.models import WorkRequest
from app.work.richtext import sanitize_html


def _contact_of(actor: Actor, work_request: WorkRequest) -> Contact | None:
    """The client's contact record of this portal login, if the agency made one."""
    return db.session.scalar(
        sa.select(Contact)
        .where(
            Contact.membership_id == actor.membership.id,
            Contact.client_id == work_request.client_id,
        )
        .order_by(Contact.id)
        .limit(1)
    )


def answer_request(actor: Actor, work_request: WorkRequest, body: str) -> RequestMessage:
    """The client contact's answer in their request's thread; owners and managers are told."""
    if not policy.can_answer_request(actor, work_request):
        raise Forbidden(_("Only the client's contacts answer in this conversation."))
    text = (body or "").strip()
    if not text:
        raise ValidationFailed({"body": [_("Write your answer.")]})
    if len(text) > REPLY_MAX:
        raise ValidationFailed(
            {"body": [_("Keep it under %(num)s characters.", num=format_number(REPLY_MAX))]}
        )
    contact = _contact_of(actor, work_request)
    message = RequestMessage(
        agency_id=actor.agency_id,
        work_request_id=work_request.id,
        contact_id=contact.id if contact else None,
        author_user_id=actor.user_id,
        author_name=(contact.name if contact else actor.user.name)[:160],
        body=sanitize_html(text),
    )
    db.session.add(message)
    db.session.flush()
    tell_staff_of_answer(actor.agency_id, work_request, message)
    record(
        actor,
        "work_request.client_answered",
        work_request,
        summary=f"Client answered about request {work_request.title}",
        after={"message_id": message.id},
    )
    return message
