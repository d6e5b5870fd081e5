"""JSON API of request threads: the thread of a work request (its messages and the metadata
of its files) and an answer in it, with the gates and services of the pages. Owners and
managers answer (emailed to the client contact); a client contact answers on their own
client's requests (owners and managers are told). The request is loaded first (404 when the
caller can't see it) and the caller's right to write checked (403) before the body is read.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import g, url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from app.core.errors import ValidationFailed
from app.core.idempotency import idempotent
from app.core.permissions import MANAGERS, authorize, roles
from app.core.translation import gettext as _
from app.core.uow import commit
from app.inbound import answers, policy, services
from app.inbound.models import RequestFile, RequestMessage
from app.inbound.queries import Thread, request_thread
from app.inbound.schemas import ReplyIn, RequestMessageOut, ThreadOut
from app.portal.models import WorkRequest
from app.portal.work_requests import get_work_request_or_404

blp = Blueprint(
    "inbound_api",
    __name__,
    url_prefix="/api/v1/<agency_slug>",
    description="Request threads: the messages and files of a work request, and answers in it",
)

READERS = (*MANAGERS, "client")


def loads_thread(check: Callable[[Any, WorkRequest], bool] | None = None) -> Callable:
    """Replace `request_id` with the loaded request (404 when not visible), then apply the
    policy `check` (403), before any body is parsed."""

    def deco(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            work_request = get_work_request_or_404(g.actor, kwargs.pop("request_id"))
            if check is not None:
                authorize(check(g.actor, work_request))
            kwargs["work_request"] = work_request
            return fn(*args, **kwargs)

        return wrapper

    return deco


def _file_out(work_request: WorkRequest, found: RequestFile) -> dict:
    return {
        "id": found.id,
        "filename": found.filename,
        "content_type": found.content_type,
        "size": found.size,
        "download_url": url_for(
            "inbound.download_file",
            agency_slug=g.actor.agency.slug,
            request_id=work_request.id,
            file_id=found.id,
        ),
    }


def _message_out(work_request: WorkRequest, thread: Thread, message: RequestMessage) -> dict:
    return {
        "id": message.id,
        "author_name": message.author_name,
        "author": "client" if thread.by_client(message) else "agency",
        "body": message.body,
        "received_at": message.received_at,
        "opens_request": message.opens_request,
        "files": [_file_out(work_request, f) for f in thread.files.get(message.id, [])],
    }


@blp.route("/work-requests/<int:request_id>/messages")
class RequestThread(MethodView):
    @roles(*READERS)
    @loads_thread()
    @blp.response(200, ThreadOut)
    def get(self, agency_slug: str, work_request: WorkRequest) -> dict:
        """The request's thread, oldest first: the mail that opened it (if it came by
        email), the agency's answers and the client's, each with its files' metadata
        (download them from `download_url` with the same credentials)."""
        thread = request_thread(work_request)
        rows = ([thread.opening] if thread.opening else []) + thread.messages
        return {
            "work_request_id": work_request.id,
            "title": work_request.title,
            "status": work_request.status,
            "details": work_request.details,
            "messages": [_message_out(work_request, thread, m) for m in rows],
            "dropped_files": thread.dropped,
        }

    @roles(*READERS)
    @idempotent
    @loads_thread(policy.can_write_in_thread)
    @blp.arguments(ReplyIn)
    @blp.response(201, RequestMessageOut)
    def post(self, data: dict, agency_slug: str, work_request: WorkRequest) -> dict:
        """Answer in the thread (the text is sanitized). Owners and managers: emailed to the
        client contact, whose answer by email comes back here. A client contact (their own
        client's requests only): owners and managers are emailed that you answered."""
        if policy.can_reply_to_request(g.actor, work_request):
            message = services.reply_to_request(
                g.actor, work_request, data["body"], asks_client=data.get("asks_client", False)
            )
        elif data.get("asks_client"):
            raise ValidationFailed(
                {"asks_client": [_("Only a staff comment the client sees can ask them.")]}
            )
        else:
            message = answers.answer_request(g.actor, work_request, data["body"])
        commit()
        return _message_out(work_request, request_thread(work_request), message)
