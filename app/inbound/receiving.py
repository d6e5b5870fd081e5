"""What the mail receiver does with a message to an intake address (no SMTP here: the
aiosmtpd handler in app.inbound.receiver calls these, one app context per call).

- `recipient_known`: at RCPT, whether the address is one of ours and its token current.
- `receive_mail`: at DATA, the message becomes a work request (app.portal.services'
  `open_work_request`, the path of the portal form) or, when it answers a message of a
  request's thread or an email we sent about a request, a message in that thread.

Only mail whose From is the email of one of the client's contacts is taken; anyone else's is
refused at DATA (550) rather than accepted and dropped: the sending server then tells its
user why (a contact writing from a new address learns to ask the agency to add it), and
because the refusal happens in the SMTP conversation we never send a bounce of our own (no
backscatter to forged senders). Proving that From is not forged is the job of the MTA in
front of the receiver (SPF/DKIM/DMARC), see README.

Idempotent: every mail is one row of the thread, unique per agency by Message-ID (a mail
without one gets a Message-ID made from its bytes). A second delivery finds the row; two at
once both insert, the second waits for the first transaction and fails on the unique key,
rolls back everything it did and answers 250 like the first.
"""

from __future__ import annotations

import hashlib
import html
import io
import logging
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from sqlalchemy.exc import IntegrityError

from app.agencies.models import Agency
from app.clients.models import Client, Contact
from app.core import storage
from app.core.errors import ValidationFailed
from app.core.mail import OutboundEmail
from app.core.permissions import Actor
from app.core.tenancy import tenant
from app.core.translation import gettext as _
from app.core.uow import commit
from app.extensions import db
from app.inbound.addresses import find_intake_address, token_of
from app.inbound.models import IntakeAddress, RequestFile, RequestMessage
from app.inbound.services import tell_staff_of_answer
from app.portal.models import WorkRequest
from app.portal.schemas import DETAILS_MAX
from app.portal.services import open_work_request
from app.users.models import Membership
from app.work.richtext import sanitize_html
from app.work.uploads import read_upload, safe_filename

log = logging.getLogger("baton.inbound")

_MSG_ID = re.compile(r"<[^<>\s]{1,990}>")
# Our own Message-IDs (app.core.mail.message_id): <baton.<email id>.<digest>@domain>.
_OUR_ID = re.compile(r"^<baton\.(\d{1,18})\.([0-9a-f]{24})@")
_ABOUT_REQUEST = re.compile(r"^work-request:(\d+):")


@dataclass
class Outcome:
    """The SMTP answer to a message, and what it did (for logs and tests)."""

    code: int
    text: str
    work_request_id: int | None = None
    duplicate: bool = False
    dropped: list[dict] = field(default_factory=list)

    @property
    def reply(self) -> str:
        return f"{self.code} {self.text}"


@dataclass(frozen=True)
class Sender:
    """The contact who wrote, in the shape services expect of `actor.user`."""

    id: int | None
    name: str
    email: str


def recipient_known(recipient: str) -> bool:
    token = token_of(recipient)
    return token is not None and find_intake_address(token) is not None


def message_id_of(msg: EmailMessage, raw: bytes) -> str:
    found = _MSG_ID.search(str(msg.get("Message-ID") or ""))
    if found:
        return found.group(0)
    return f"<{hashlib.sha256(raw).hexdigest()}@baton.invalid>"


def referenced_ids(msg: EmailMessage) -> list[str]:
    """In-Reply-To first (the message answered), then References, newest first."""
    refs = _MSG_ID.findall(str(msg.get("In-Reply-To") or ""))
    refs += reversed(_MSG_ID.findall(str(msg.get("References") or "")))
    return list(dict.fromkeys(refs))[:50]


def _thread_of(refs: list[str], agency_id: int, client_id: int) -> WorkRequest | None:
    """The client's request that one of `refs` belongs to: a message of its thread (a mail
    received or a staff reply), or an email we sent about it."""
    if not refs:
        return None
    found = db.session.scalar(
        sa.select(WorkRequest)
        .join(RequestMessage, RequestMessage.work_request_id == WorkRequest.id)
        .where(RequestMessage.message_id.in_(refs), WorkRequest.client_id == client_id)
        .limit(1)
    )
    if found is not None:
        return found
    for ref in refs:
        ours = _OUR_ID.match(ref)
        if not ours:
            continue
        row = db.session.get(OutboundEmail, int(ours.group(1)))
        if row is None or row.agency_id != agency_id:
            continue
        digest = hashlib.sha256(row.idempotency_key.encode()).hexdigest()[:24]
        about = _ABOUT_REQUEST.match(row.idempotency_key)
        if digest != ours.group(2) or not about:
            continue
        found = db.session.scalar(
            sa.select(WorkRequest).where(
                WorkRequest.id == int(about.group(1)), WorkRequest.client_id == client_id
            )
        )
        if found is not None:
            return found
    return None


def body_of(msg: EmailMessage) -> str | None:
    """The text (escaped) or else the HTML of the mail, sanitized, at most DETAILS_MAX long."""
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return None
    try:
        content = part.get_content()
    except (LookupError, ValueError):  # an unknown charset: read what can be read
        content = (part.get_payload(decode=True) or b"").decode("utf-8", "replace")
    if part.get_content_type() == "text/plain":
        content = html.escape(content.strip(), quote=False)
    return sanitize_html(content[:DETAILS_MAX].replace("\x00", ""))


def _files_of(msg: EmailMessage) -> tuple[list, list[dict]]:
    """Attachments that pass the evidence checks (app.work.uploads), and the others with
    why they were dropped ("too_large", "empty", "refused_type")."""
    max_bytes = current_app.config["EVIDENCE_MAX_BYTES"]
    kept, dropped = [], []
    for part in msg.iter_attachments():
        name = safe_filename(part.get_filename())
        data = part.get_payload(decode=True) or b""
        if len(data) > max_bytes:
            dropped.append({"filename": name, "reason": "too_large"})
            continue
        if not data:
            dropped.append({"filename": name, "reason": "empty"})
            continue
        try:
            kept.append(read_upload(io.BytesIO(data), part.get_filename(), max_bytes))
        except ValidationFailed:
            dropped.append({"filename": name, "reason": "refused_type"})
    return kept, dropped


def _title_of(msg: EmailMessage, client: Client) -> str:
    title = " ".join(str(msg.get("Subject") or "").split())[:200]
    if title:
        return title
    with force_locale(client.locale or "en"):
        return _("Request by email")


def receive_mail(raw: bytes, recipient: str) -> Outcome:
    """Take one message for one intake address; commits (or rolls back) on its own."""
    token = token_of(recipient)
    address = find_intake_address(token) if token else None
    if address is None:
        return Outcome(550, "5.1.1 No such intake address (it may have been replaced)")
    with tenant(address.agency_id):
        try:
            return _receive(raw, address)
        except IntegrityError:
            # Another delivery of the same Message-ID committed first: it is stored once.
            db.session.rollback()
            return Outcome(250, "2.0.0 Already received", duplicate=True)
        except BaseException:
            db.session.rollback()
            raise


def _receive(raw: bytes, address: IntakeAddress) -> Outcome:
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    client = db.session.get(Client, address.client_id)
    senders = [a.lower() for _, a in getaddresses([str(msg.get("From") or "")]) if "@" in a]
    contact = None
    if len(senders) == 1 and client is not None:
        contact = db.session.scalar(
            sa.select(Contact)
            .where(Contact.client_id == client.id, sa.func.lower(Contact.email) == senders[0])
            .order_by(Contact.id)
            .limit(1)
        )
    if contact is None:
        log.info("refused mail for client %s from %r: not a contact", address.client_id, senders)
        return Outcome(
            550, "5.7.1 The sender is not a contact of this client; ask the agency to add it"
        )
    mid = message_id_of(msg, raw)
    seen = db.session.scalar(
        sa.select(RequestMessage.work_request_id).where(RequestMessage.message_id == mid)
    )
    if seen is not None:
        return Outcome(250, "2.0.0 Already received", work_request_id=seen, duplicate=True)
    membership = (
        db.session.get(Membership, contact.membership_id) if contact.membership_id else None
    )
    actor = Actor(
        user=Sender(id=membership.user_id if membership else None, name=contact.name,
                    email=contact.email or senders[0]),
        agency=db.session.get(Agency, address.agency_id),
        via="email",
    )  # fmt: skip
    body = body_of(msg)
    files, dropped = _files_of(msg)
    work_request = _thread_of(referenced_ids(msg), address.agency_id, client.id)
    opens = work_request is None
    if opens:
        work_request = open_work_request(
            actor,
            client,
            {"title": _title_of(msg, client), "details": body},
            requested_by_id=membership.id if membership else None,
        )
    message = RequestMessage(
        agency_id=address.agency_id,
        work_request_id=work_request.id,
        contact_id=contact.id,
        author_name=contact.name[:160],
        body=None if opens else body,  # an opening mail's text is the request's details
        message_id=mid,
        opens_request=opens,
        dropped_files=dropped or None,
    )
    db.session.add(message)
    db.session.flush()  # the unique Message-ID: a racing delivery stops here
    digest = hashlib.sha256(mid.encode()).hexdigest()[:32]
    for n, found in enumerate(files, start=1):
        stored = storage.put(
            storage.make_key("inbound", address.agency_id, digest, f"{n}"), found.data
        )
        db.session.add(
            RequestFile(
                agency_id=address.agency_id,
                work_request_id=work_request.id,
                message_id=message.id,
                storage_key=stored.key,
                sha256=stored.sha256,
                filename=found.filename,
                content_type=found.content_type,
                size=stored.size,
            )
        )
    if not opens:
        tell_staff_of_answer(address.agency_id, work_request, message)
    commit()
    log.info(
        "mail %s for client %s: %s request %s (%d files, %d dropped)",
        mid, client.id, "opened" if opens else "threaded onto", work_request.id,
        len(files), len(dropped),
    )  # fmt: skip
    return Outcome(250, "2.0.0 Request received", work_request_id=work_request.id,
                   dropped=dropped)  # fmt: skip
