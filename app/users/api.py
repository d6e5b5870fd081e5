"""JSON API of the users domain: members and invitations.

The same schemas, queries, policies and services as the team pages. An id is resolved in
the agency (another agency's id is 404) before the body is parsed; a refused team rule is
a 409 naming the reason; bad input is a 422 naming each field. Nothing is written on error.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import current_app, g, url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from app.core.idempotency import idempotent
from app.core.pagination import paginate
from app.core.permissions import Actor, roles
from app.core.uow import commit
from app.users import queries, team_services
from app.users.models import Membership
from app.users.policy import can_see_rates
from app.users.schemas import (
    RATE_FIELDS_MEMBER,
    InvitationIn,
    InvitationListArgs,
    InvitationOut,
    InvitationPageOut,
    MemberListArgs,
    MemberOut,
    MemberPageOut,
    MemberUpdateIn,
)

blp = Blueprint(
    "users_api", __name__, url_prefix="/api/v1/<agency_slug>", description="Members and invitations"
)

TEAM = ("owner", "manager")


class _WithoutRates:
    """A membership as seen by someone who may not see cost rates: those attributes are
    absent, so the schema leaves the keys out of the answer altogether."""

    def __init__(self, member: Membership) -> None:
        self._member = member

    def __getattr__(self, name: str) -> Any:
        if name in RATE_FIELDS_MEMBER:
            raise AttributeError(name)
        return getattr(self._member, name)


def _present(actor: Actor, member: Membership) -> Any:
    return member if can_see_rates(actor) else _WithoutRates(member)


def _member_first(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Resolve `member_id` in the agency before the body is parsed (404 beats 422)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        g.member = queries.get_member_or_404(g.actor, kwargs["member_id"])
        return fn(*args, **kwargs)

    return wrapper


def _invitation_link(raw: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + url_for(
        "users.accept_invitation", token=raw
    )


@blp.route("/members")
class Members(MethodView):
    @roles(*TEAM)
    @blp.arguments(MemberListArgs, location="query")
    @blp.response(200, MemberPageOut)
    def get(self, args: dict, agency_slug: str):
        """List the agency's members, active first (owners and managers).

        Filter with `status` (active, disabled) and `role`; paginate with `page` and
        `per_page`. Cost rates are included for owners and managers only.
        """
        actor = g.actor
        page = paginate(
            queries.visible_members(actor, status=args.get("status"), role=args.get("role")),
            args["page"],
            args["per_page"],
        )
        return {"items": [_present(actor, m) for m in page.items], "meta": page.meta()}


@blp.route("/members/<int:member_id>")
class MemberResource(MethodView):
    @roles(*TEAM)
    @blp.response(200, MemberOut)
    def get(self, agency_slug: str, member_id: int):
        """One member of the agency."""
        return _present(g.actor, queries.get_member_or_404(g.actor, member_id))

    @roles(*TEAM)
    @_member_first
    @blp.arguments(MemberUpdateIn)
    @blp.response(200, MemberOut)
    def patch(self, data: dict, agency_slug: str, member_id: int):
        """Change a member's role, title, weekly capacity or cost rate.

        The team rules apply (409 with the reason): managers can't change owners or make
        anyone an owner, nobody changes their own role, the last active owner stays owner.
        """
        member = team_services.update_member(g.actor, g.member, data)
        commit()
        return _present(g.actor, member)


@blp.route("/members/<int:member_id>/disable")
class MemberDisable(MethodView):
    @roles(*TEAM)
    @blp.response(200, MemberOut)
    def post(self, agency_slug: str, member_id: int):
        """Disable a member: every session of theirs ends and their API tokens in this
        agency are revoked, at once (409 with the reason when a team rule refuses)."""
        member = queries.get_member_or_404(g.actor, member_id)
        team_services.disable_member(g.actor, member)
        commit()
        return _present(g.actor, member)


@blp.route("/members/<int:member_id>/enable")
class MemberEnable(MethodView):
    @roles(*TEAM)
    @blp.response(200, MemberOut)
    def post(self, agency_slug: str, member_id: int):
        """Enable a disabled member again (they sign in anew)."""
        member = queries.get_member_or_404(g.actor, member_id)
        team_services.enable_member(g.actor, member)
        commit()
        return _present(g.actor, member)


@blp.route("/invitations")
class Invitations(MethodView):
    @roles(*TEAM)
    @blp.arguments(InvitationListArgs, location="query")
    @blp.response(200, InvitationPageOut)
    def get(self, args: dict, agency_slug: str):
        """List the agency's invitations, newest first; filter with `state`
        (pending, expired, accepted, revoked)."""
        states = (args["state"],) if args.get("state") else ()
        page = paginate(
            queries.visible_invitations(g.actor, states=states), args["page"], args["per_page"]
        )
        return {"items": page.items, "meta": page.meta()}

    @roles(*TEAM)
    @idempotent
    @blp.arguments(InvitationIn)
    @blp.response(201, InvitationOut)
    def post(self, data: dict, agency_slug: str):
        """Invite a person by email with a role (a client login also names its `client_id`).

        They get a single-use link that expires; a pending invitation for the same email is
        replaced. The link itself is only ever in the email.
        """
        invitation = team_services.invite_member(g.actor, data, link=_invitation_link)
        commit()
        return invitation


@blp.route("/invitations/<int:invitation_id>")
class InvitationResource(MethodView):
    @roles(*TEAM)
    @blp.response(200, InvitationOut)
    def get(self, agency_slug: str, invitation_id: int):
        """One invitation of the agency."""
        return queries.get_invitation_or_404(g.actor, invitation_id)

    @roles(*TEAM)
    @blp.response(204)
    def delete(self, agency_slug: str, invitation_id: int):
        """Revoke a pending invitation: its link stops working."""
        invitation = queries.get_invitation_or_404(g.actor, invitation_id)
        team_services.revoke_invitation(g.actor, invitation)
        commit()
