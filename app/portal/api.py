"""JSON API of work requests: the same gates, services and messages as the pages.

A client contact lists and creates their own client's requests; owners and managers list
every request (filter by status), read one and decline it. Routes with an id load the
request first (404 when the caller can't see it) and check the caller may act (403) before
the body is parsed. Accepting happens by creating a work item (the work item form).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from app.core.idempotency import idempotent
from app.core.pagination import paginate
from app.core.permissions import MANAGERS, roles
from app.core.permissions import authorize as _authorize
from app.core.uow import commit
from app.portal import policy, services
from app.portal.models import WorkRequest
from app.portal.schemas import (
    DeclineIn,
    WorkRequestFilterArgs,
    WorkRequestIn,
    WorkRequestOut,
    WorkRequestPageOut,
)
from app.portal.work_requests import filtered_work_requests, get_work_request_or_404

blp = Blueprint(
    "work_requests_api",
    __name__,
    url_prefix="/api/v1/<agency_slug>",
    description="Work requests: what client contacts ask for, and the agency's answer",
)

READERS = ("owner", "manager", "client")


def loads_request(check: Callable[[Any, WorkRequest], bool] | None = None) -> Callable:
    """Replace `request_id` with the loaded request (404 when not visible), then apply the
    policy `check` (403), before any body is parsed."""

    def deco(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            work_request = get_work_request_or_404(g.actor, kwargs.pop("request_id"))
            if check is not None:
                _authorize(check(g.actor, work_request))
            kwargs["work_request"] = work_request
            return fn(*args, **kwargs)

        return wrapper

    return deco


@blp.route("/work-requests")
class WorkRequests(MethodView):
    @roles(*READERS)
    @blp.arguments(WorkRequestFilterArgs, location="query")
    @blp.response(200, WorkRequestPageOut)
    def get(self, args: dict, agency_slug: str) -> dict:
        """Requests you may see, open ones first (oldest first): a client contact their own
        client's, owners and managers all. Filter by status."""
        page = paginate(
            filtered_work_requests(g.actor, args.get("status")), args["page"], args["per_page"]
        )
        return {"items": page.items, "meta": page.meta()}

    @roles("client")
    @idempotent
    @blp.arguments(WorkRequestIn)
    @blp.response(201, WorkRequestOut)
    def post(self, data: dict, agency_slug: str) -> WorkRequest:
        """Ask the agency for work on your own client (client contacts). `wanted_by` may not
        be in the past in the client's time zone. Owners and managers are emailed."""
        _authorize(policy.can_ask_for_work(g.actor))
        work_request = services.create_work_request(g.actor, data)
        commit()
        return work_request


@blp.route("/work-requests/<int:request_id>")
class WorkRequestResource(MethodView):
    @roles(*READERS)
    @loads_request()
    @blp.response(200, WorkRequestOut)
    def get(self, agency_slug: str, work_request: WorkRequest) -> WorkRequest:
        """One request and, once decided, the agency's answer."""
        return work_request


@blp.route("/work-requests/<int:request_id>/decline")
class WorkRequestDecline(MethodView):
    @roles(*MANAGERS)
    @loads_request(policy.can_decide_work_request)
    @blp.arguments(DeclineIn)
    @blp.response(200, WorkRequestOut)
    def post(self, data: dict, agency_slug: str, work_request: WorkRequest) -> WorkRequest:
        """Decline an open request with a reason (owners and managers); the client contact
        who asked is emailed it. A request already decided answers 409."""
        services.decline_work_request(g.actor, work_request, data["reason"])
        commit()
        return work_request
