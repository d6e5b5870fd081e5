"""Write side of the team: members (role, details, disable, enable) and invitations (invite,
revoke, and the invited person's acceptance).

Services take the actor explicitly, flush but never commit, and record audit events.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import sqlalchemy as sa
from flask import current_app
from flask_babel.speaklater import LazyString

from app.agencies.models import Agency
from app.audit.services import changed, record, snapshot
from app.clients.models import Client
from app.core.clock import utcnow
from app.core.errors import Conflict, Forbidden, ValidationFailed
from app.core.formatting import role_label
from app.core.mail import queue_email
from app.core.permissions import Actor
from app.core.security import new_token, token_hash
from app.core.tenancy import tenant
from app.core.translation import gettext as _
from app.core.translation import lazy_gettext
from app.extensions import db
from app.notices.security import alert_managers
from app.users import policy, queries
from app.users.models import ApiToken, Invitation, Membership, User
from app.users.schemas import ROLE_LABELS
from app.users.services import add_user, find_user_by_email, normalize_email, revoke_sessions

# --- Members ---------------------------------------------------------------------------

MEMBER_FIELDS = (
    "role",
    "status",
    "title",
    "capacity_hours_week",
    "cost_rate_minor",
    "cost_currency",
)


def _refuse(reason: str | None) -> None:
    if reason:
        # The team rules (app.users.policy) mark their reasons for the catalogue.
        raise Conflict(_(reason))


def _alert_role_change(actor: Actor, member: Membership, event_id: int, old: str, new: str) -> None:
    alert_managers(
        actor,
        key=f"security:role:{event_id}",
        subject=lazy_gettext("Role changed: %(person)s", person=member.user.name),
        heading=lazy_gettext("A member's role changed"),
        body=lazy_gettext(
            "%(actor)s changed the role of %(person)s from %(old)s to %(new)s.",
            actor=actor.user.name,
            person=member.user.name,
            old=LazyString(role_label, old),
            new=LazyString(role_label, new),
        ),
        endpoint="users.team_member",
        member_id=member.id,
    )


def change_member_role(actor: Actor, member: Membership, role: str) -> Membership:
    """Give `member` another role, within the team rules (409 with the reason otherwise)."""
    return update_member(actor, member, {"role": role})


def update_member(actor: Actor, member: Membership, data: dict) -> Membership:
    """Change role, title, capacity and cost rate; every rule is checked before any change."""
    if set(data) - {"role"}:
        _refuse(policy.member_update_refusal(actor, member))
    if {"cost_rate_minor", "cost_currency"} & set(data) and not policy.can_see_rates(actor):
        _refuse(policy.COSTS_HIDDEN)
    new_role = data.get("role", member.role)
    if new_role != member.role:
        _refuse(
            policy.role_change_refusal(
                actor, member, new_role, active_owners=queries.active_owner_count()
            )
        )
    else:
        _refuse(None if policy.can_manage_team(actor) else policy.NOT_A_MANAGER)
    before = snapshot(member, MEMBER_FIELDS)
    for key in ("role", "title", "capacity_hours_week", "cost_rate_minor", "cost_currency"):
        if key in data:
            setattr(member, key, data[key])
    if member.cost_rate_minor is None:
        member.cost_currency = None
    elif member.cost_rate_minor is not None and not member.cost_currency:
        member.cost_currency = actor.agency.base_currency
    db.session.flush()
    b, a = changed(before, snapshot(member, MEMBER_FIELDS))
    if "role" in a:
        event = record(
            actor,
            "member.role_changed",
            member,
            summary=f"{member.user.email}: role {b['role']} → {a['role']}",
            before={"role": b["role"]},
            after={"role": a["role"]},
        )
        _alert_role_change(actor, member, event.id, b["role"], a["role"])
        b.pop("role")
        a.pop("role")
    if a:
        record(
            actor,
            "member.updated",
            member,
            summary=f"{member.user.email}: {', '.join(sorted(a))} changed",
            before=b,
            after=a,
        )
    return member


def disable_member(actor: Actor, member: Membership) -> Membership:
    """Disable a member: they lose access at once (every session ends, and their API tokens
    in this agency are revoked)."""
    _refuse(
        policy.member_disable_refusal(actor, member, active_owners=queries.active_owner_count())
    )
    now = utcnow()
    member.status = "disabled"
    member.disabled_at = now
    sessions = revoke_sessions(member.user_id)
    tokens = (
        db.session.execute(
            sa.update(ApiToken)
            .where(
                ApiToken.agency_id == member.agency_id,
                ApiToken.user_id == member.user_id,
                ApiToken.revoked_at.is_(None),
            )
            .values(revoked_at=now)
            .execution_options(synchronize_session="fetch")
        ).rowcount
        or 0
    )
    db.session.flush()
    record(
        actor,
        "member.disabled",
        member,
        summary=f"{member.user.email} disabled ({sessions} sessions, {tokens} API tokens ended)",
        before={"status": "active"},
        after={"status": "disabled", "sessions_revoked": sessions, "tokens_revoked": tokens},
    )
    return member


def enable_member(actor: Actor, member: Membership) -> Membership:
    _refuse(policy.member_enable_refusal(actor, member))
    member.status = "active"
    member.disabled_at = None
    db.session.flush()
    record(
        actor,
        "member.enabled",
        member,
        summary=f"{member.user.email} enabled",
        before={"status": "disabled"},
        after={"status": "active"},
    )
    return member


# --- Invitations -----------------------------------------------------------------------


def invite_member(actor: Actor, data: dict, *, link: Callable[[str], str]) -> Invitation:
    """Invite `data["email"]` as `data["role"]`: a single-use, expiring link by email.

    A pending invitation for the same email is replaced (its link stops working), except an
    identical one sent in the last minute, which is answered as is (no second email); two
    sent at once leave one invitation and one email (a unique index decides). `link` turns
    the raw token into the absolute URL (built by the caller, who knows the site).

    The email speaks the invitee's likely language: a client contact's is their client's
    locale (the one their account starts with, `invitee_defaults`); anyone else joins the
    team of the inviter, who knows them, so it is the inviter's own language (the agency's
    locale is a formatting default nobody picks, and would read English to most teams).
    """
    email = normalize_email(data["email"])
    role = data["role"]
    client_id = data.get("client_id")
    errors: dict[str, list[str]] = {}
    if not policy.can_invite_role(actor, role):
        errors["role"] = [_("Only an owner can invite an owner.")]
    if role == "client" and client_id is not None and queries.find_client(client_id) is None:
        errors["client_id"] = [_("Client does not exist.")]
    existing = find_user_by_email(email)
    if existing is not None:
        current = queries.member_of_user(existing.id)
        if current is not None:
            errors["email"] = [
                _("This person is already a member.")
                if current.is_active_member
                else _("This person's membership is disabled; enable it on their page instead.")
            ]
    if errors:
        raise ValidationFailed(errors)

    now = utcnow()
    try:
        # In a savepoint: if another invitation to this email commits first (two sent at
        # once), the live-email unique index refuses this one and the first one stands.
        with db.session.begin_nested():
            invitation, raw = _replace_invitation(actor, email, role, client_id, now)
    except sa.exc.IntegrityError:
        winner = _live_invitation(email)
        if winner is None:
            raise
        return winner
    if raw is None:
        return invitation
    agency = actor.agency
    defaults = invitee_defaults(invitation)
    queue_email(
        db.session,
        key=f"invitation:{invitation.id}",
        to=email,
        locale=defaults["locale"],
        subject=lazy_gettext(
            "%(inviter)s invited you to %(agency)s on Baton",
            inviter=actor.user.name,
            agency=agency.name,
        ),
        template="invitation",
        context={
            "agency_name": agency.name,
            # The zone the invitee lives in: their client's for a client contact.
            "agency_zone": defaults["time_zone"],
            "inviter_name": actor.user.name,
            "role": role,
            "link": link(raw),
            "expires_at": invitation.expires_at,
        },
        agency_id=agency.id,
        from_name=agency.name,
        reply_to=agency.reply_to_email,
    )
    record(
        actor,
        "invitation.created",
        invitation,
        summary=f"{email} invited as {ROLE_LABELS.get(role, role)}",  # stored: English
        after={"email": email, "role": role, "client_id": invitation.client_id},
    )
    return invitation


# An identical invitation sent this recently is the same click twice (or two browser tabs),
# not a deliberate re-send: it is answered with the first one and emailed once.
SAME_INVITATION_WINDOW = dt.timedelta(seconds=60)


def _live_invitation(email: str) -> Invitation | None:
    return db.session.scalar(
        sa.select(Invitation)
        .where(
            Invitation.email == email,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .execution_options(populate_existing=True)
    )


def _just_sent(old: Invitation, role: str, client_id: int | None, now: dt.datetime) -> bool:
    return (
        old.role == role
        and old.client_id == (client_id if role == "client" else None)
        and old.expires_at > now
        and now - old.created_at < SAME_INVITATION_WINDOW
    )


def _replace_invitation(
    actor: Actor, email: str, role: str, client_id: int | None, now: dt.datetime
) -> tuple[Invitation, str | None]:
    """Revoke the email's live invitations and add the new one (flushed); returns it and its
    raw token, or the identical invitation just sent and None."""
    live = queries.pending_invitations_for(email)
    for old in live:
        if _just_sent(old, role, client_id, now):
            return old, None
    for old in live:
        old.revoked_at = now
        record(
            actor,
            "invitation.replaced",
            old,
            summary=f"Invitation to {email} replaced by a new one",
            before={"state": "pending"},
            after={"state": "revoked"},
        )
    raw = new_token()
    invitation = Invitation(
        email=email,
        role=role,
        client_id=client_id if role == "client" else None,
        token_hash=token_hash(raw),
        invited_by_id=actor.user_id,
        created_at=now,
        expires_at=now + dt.timedelta(hours=current_app.config["INVITATION_TTL_HOURS"]),
    )
    db.session.add(invitation)
    db.session.flush()
    return invitation, raw


def revoke_invitation(actor: Actor, invitation: Invitation) -> Invitation:
    _refuse(policy.invitation_revoke_refusal(actor, invitation))
    invitation.revoked_at = utcnow()
    db.session.flush()
    record(
        actor,
        "invitation.revoked",
        invitation,
        summary=f"Invitation to {invitation.email} revoked",
        before={"state": "pending"},
        after={"state": "revoked"},
    )
    return invitation


INVITATION_UNUSABLE = {
    "accepted": lazy_gettext("This invitation has already been used. Sign in to continue."),
    "revoked": lazy_gettext("This invitation was withdrawn. Ask the agency for a new one."),
    "expired": lazy_gettext("This invitation has expired. Ask the agency for a new one."),
}


def _check_usable(invitation: Invitation) -> None:
    state = invitation.state
    if state != "pending":
        raise Conflict(str(INVITATION_UNUSABLE[state]))


def _join(invitation: Invitation, user: User, *, ip: str | None) -> Membership:
    agency = db.session.get(Agency, invitation.agency_id)
    with tenant(invitation.agency_id):
        if queries.member_of_user(user.id) is not None:
            raise Conflict(_("You are already a member of this agency."))
        membership = Membership(
            agency_id=invitation.agency_id,
            user_id=user.id,
            role=invitation.role,
            client_id=invitation.client_id,
        )
        db.session.add(membership)
        invitation.accepted_at = utcnow()
        db.session.flush()
        actor = Actor(user=user, agency=agency, membership=membership, ip=ip)
        record(
            actor,
            "invitation.accepted",
            invitation,
            summary=f"{user.email} accepted the invitation",
            before={"state": "pending"},
            after={"state": "accepted"},
        )
        record(
            actor,
            "member.added",
            membership,
            summary=f"{user.email} joined as {membership.role}",
            after={"user_id": user.id, "role": membership.role, "client_id": membership.client_id},
        )
        db.session.flush()
    return membership


def invitee_defaults(invitation: Invitation) -> dict:
    """The time zone and locale a new account starts with, the locale being the language
    the invitation was written in: a client contact's are their client's (they live where
    the client is); anyone else starts in the agency's time zone and their inviter's
    language (English if the inviter has left Baton)."""
    with tenant(invitation.agency_id):
        agency = db.session.get(Agency, invitation.agency_id)
        client = db.session.get(Client, invitation.client_id) if invitation.client_id else None
        if client is not None:
            return {"time_zone": client.time_zone, "locale": client.locale or "en"}
        inviter = (
            db.session.get(User, invitation.invited_by_id) if invitation.invited_by_id else None
        )
        return {"time_zone": agency.time_zone, "locale": (inviter and inviter.locale) or "en"}


def accept_invitation_as_new_user(
    invitation: Invitation, data: dict, *, ip: str | None = None
) -> tuple[User, Membership]:
    """A person new to Baton accepts: their account is made with the invited email (in
    the time zone they chose, and the locale of their client for a client contact)."""
    _check_usable(invitation)
    if find_user_by_email(invitation.email) is not None:
        raise Conflict(_("An account with this email exists. Sign in to accept the invitation."))
    user = add_user(invitation.email, data)
    user.locale = invitee_defaults(invitation)["locale"]
    db.session.flush()
    return user, _join(invitation, user, ip=ip)


def accept_invitation_as_user(
    invitation: Invitation, user: User, *, ip: str | None = None
) -> Membership:
    """A signed-in person accepts; they keep their memberships in other agencies."""
    _check_usable(invitation)
    if normalize_email(user.email) != invitation.email:
        raise Forbidden(
            _(
                "This invitation is for %(email)s. Sign in with that email.",
                email=invitation.email,
            )
        )
    return _join(invitation, user, ip=ip)
