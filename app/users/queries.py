"""Read side of the users domain: members, invitations, sessions, API tokens, reset links.

Member and invitation queries run inside the request's agency (the tenancy listener adds
the agency filter). Look-ups by secret token and a person's own sessions and tokens span
agencies, and say so with `all_tenants()`.
"""

from __future__ import annotations

import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from app.clients.models import Client
from app.core.clock import utcnow
from app.core.errors import Forbidden
from app.core.permissions import Actor
from app.core.security import token_hash
from app.core.tenancy import all_tenants
from app.core.translation import gettext as _
from app.extensions import db
from app.users.models import ApiToken, Invitation, Membership, PasswordReset, User, UserSession
from app.users.policy import can_manage_team, can_revoke_api_token, can_view_member

_ROLE_ORDER = sa.case(
    {"owner": 0, "manager": 1, "qa": 2, "va": 3, "client": 4}, value=Membership.role, else_=5
)


def visible_members(actor: Actor, *, status: str | None = None, role: str | None = None):
    """Members of the actor's agency that the actor may see, active first, by role and name."""
    stmt = (
        sa.select(Membership)
        .join(User, User.id == Membership.user_id)
        .order_by(
            sa.case((Membership.status == "active", 0), else_=1),
            _ROLE_ORDER,
            User.name,
            Membership.id,
        )
    )
    if not can_manage_team(actor):
        stmt = stmt.where(Membership.user_id == actor.user_id)
    if status:
        stmt = stmt.where(Membership.status == status)
    if role:
        stmt = stmt.where(Membership.role == role)
    return stmt


def get_member_or_404(actor: Actor, member_id: int) -> Membership:
    """A membership of the actor's agency: another agency's id is 404, someone else's 403."""
    member = db.session.scalar(sa.select(Membership).where(Membership.id == member_id))
    if member is None:
        raise NotFound()
    if not can_view_member(actor, member):
        raise Forbidden(_("You can't see this member."))
    return member


def active_owner_count() -> int:
    """Active owners of the current agency (the last one must stay)."""
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Membership)
            .where(Membership.role == "owner", Membership.status == "active")
        )
        or 0
    )


def member_of_user(user_id: int) -> Membership | None:
    """This person's membership in the current agency, if any."""
    return db.session.scalar(sa.select(Membership).where(Membership.user_id == user_id))


def team_counts() -> list[tuple[str, int]]:
    """(role, active members) in the current agency, owners first."""
    rows = db.session.execute(
        sa.select(Membership.role, sa.func.count())
        .where(Membership.status == "active")
        .group_by(Membership.role)
        .order_by(sa.func.min(_ROLE_ORDER))
    ).all()
    return [(role, n) for role, n in rows]


def _state_filter(state: str):
    now = utcnow()
    return {
        "accepted": Invitation.accepted_at.is_not(None),
        "revoked": sa.and_(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_not(None)),
        "expired": sa.and_(
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at <= now,
        ),
        "pending": sa.and_(
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > now,
        ),
    }[state]


def visible_invitations(actor: Actor, *, states: tuple[str, ...] = ()):
    """Invitations of the actor's agency (owners and managers), newest first."""
    stmt = sa.select(Invitation).order_by(Invitation.created_at.desc(), Invitation.id.desc())
    if not can_manage_team(actor):
        return stmt.where(sa.false())
    if states:
        stmt = stmt.where(sa.or_(*(_state_filter(s) for s in states)))
    return stmt


def get_invitation_or_404(actor: Actor, invitation_id: int) -> Invitation:
    invitation = db.session.scalar(sa.select(Invitation).where(Invitation.id == invitation_id))
    if invitation is None:
        raise NotFound()
    if not can_manage_team(actor):
        raise Forbidden(_("Only owners and managers see invitations."))
    return invitation


def pending_invitations_for(email: str) -> list[Invitation]:
    """Pending (or expired, not yet replaced) invitations for `email` in the current agency."""
    return list(
        db.session.scalars(
            sa.select(Invitation).where(
                Invitation.email == email,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
            )
        )
    )


def find_invitation_by_token(raw: str, *, lock: bool = False) -> Invitation | None:
    """The invitation behind a link, in whichever agency it is (the link is the key)."""
    stmt = sa.select(Invitation).where(Invitation.token_hash == token_hash(raw))
    if lock:
        stmt = stmt.with_for_update()
    with all_tenants():
        return db.session.scalar(stmt)


def find_client(client_id: int) -> Client | None:
    """A client of the current agency; another agency's id finds nothing."""
    return db.session.scalar(sa.select(Client).where(Client.id == client_id))


def clients_for_invitations() -> list[tuple[int, str]]:
    """(id, name) of the current agency's clients that are not archived, for the invite form."""
    rows = db.session.execute(
        sa.select(Client.id, Client.name).where(Client.archived_at.is_(None)).order_by(Client.name)
    )
    return [(client_id, name) for client_id, name in rows]


def find_password_reset(raw: str, *, lock: bool = False) -> PasswordReset | None:
    stmt = sa.select(PasswordReset).where(PasswordReset.token_hash == token_hash(raw))
    if lock:
        stmt = stmt.with_for_update()
    return db.session.scalar(stmt)


def active_sessions(user: User) -> list[UserSession]:
    """The person's signed-in browsers, most recently seen first."""
    return list(
        db.session.scalars(
            sa.select(UserSession)
            .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
            .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
        )
    )


def my_api_tokens(user: User) -> list[ApiToken]:
    """The person's unrevoked API tokens in every agency (explicitly cross-tenant)."""
    with all_tenants():
        return list(
            db.session.scalars(
                sa.select(ApiToken)
                .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
            )
        )


def get_my_api_token_or_404(actor: Actor, token_id: int) -> ApiToken:
    """One of the actor's own tokens; anyone else's token is 404 (its existence is private)."""
    with all_tenants():
        token = db.session.scalar(sa.select(ApiToken).where(ApiToken.id == token_id))
    if token is None or not can_revoke_api_token(actor, token):
        raise NotFound()
    return token
