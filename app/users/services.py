"""Write side of the users domain: sign-up, sign-in, the team, invitations, profile,
password reset, two-factor and personal API tokens.

Services take the actor explicitly, flush but never commit, and record audit events.
"""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Callable

import pyotp
import sqlalchemy as sa
from flask import current_app

from app.agencies.models import Agency
from app.agencies.services import create_agency
from app.audit.services import changed, record, snapshot
from app.core.db import utcnow
from app.core.errors import Conflict, Forbidden, ValidationFailed
from app.core.mail import queue_email
from app.core.permissions import Actor
from app.core.security import (
    decrypt_field,
    encrypt_field,
    hash_password,
    needs_rehash,
    new_token,
    token_hash,
    verify_password,
)
from app.core.tenancy import all_tenants, tenant
from app.extensions import db
from app.sops.services import install_library
from app.users import policy, queries
from app.users.models import (
    ApiToken,
    Invitation,
    Membership,
    PasswordReset,
    User,
    UserSession,
)
from app.users.schemas import ROLE_LABELS


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))


def signup(data: dict, *, ip: str | None = None) -> tuple[User, Agency, Membership]:
    """Create an agency and its owner. An existing account may not be claimed this way."""
    email = normalize_email(data["email"])
    if find_user_by_email(email) is not None:
        raise ValidationFailed(
            {"email": ["An account with this email exists. Sign in, then create the agency."]}
        )
    user = User(
        email=email,
        name=data["name"],
        password_hash=hash_password(data["password"]),
        time_zone=data.get("time_zone") or "UTC",
    )
    db.session.add(user)
    agency = create_agency(data["agency_name"], time_zone=user.time_zone)
    db.session.flush()
    with tenant(agency.id):
        membership = Membership(agency_id=agency.id, user_id=user.id, role="owner")
        db.session.add(membership)
        db.session.flush()
        actor = Actor(user=user, agency=agency, membership=membership, ip=ip)
        record(
            actor,
            "agency.created",
            agency,
            summary=f"Agency {agency.name} created",
            after={"name": agency.name, "slug": agency.slug},
        )
        record(
            actor,
            "member.added",
            membership,
            summary=f"{user.email} joined as owner",
            after={"user_id": user.id, "role": "owner"},
        )
        db.session.flush()
        install_library(agency, actor)  # the shipped SOPs, ready to use and to clone
    return user, agency, membership


def authenticate(email: str, password: str) -> User | None:
    """The user for these credentials, or None. Same work whether or not the email exists."""
    user = find_user_by_email(email)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None:
        return None
    if not may_sign_in(user):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def may_sign_in(user: User) -> bool:
    """A person may sign in while they are active in an agency, or have been invited to one
    (someone disabled everywhere must still be able to accept a new agency's invitation)."""
    if active_memberships(user):
        return True
    with all_tenants():
        pending = db.session.scalar(
            sa.select(Invitation.id)
            .where(
                Invitation.email == normalize_email(user.email),
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > utcnow(),
            )
            .limit(1)
        )
    return pending is not None


def active_memberships(user: User) -> list[Membership]:
    """The person's active memberships in every agency (explicitly cross-tenant)."""
    with all_tenants():
        rows = db.session.scalars(
            sa.select(Membership)
            .join(Agency, Agency.id == Membership.agency_id)
            .where(Membership.user_id == user.id, Membership.status == "active")
            .order_by(Agency.name)
        ).all()
    return list(rows)


# --- Sessions -------------------------------------------------------------------------


def revoke_sessions(user_id: int, *, keep_session_id: int | None = None) -> int:
    """End the person's server-side sessions (all, or all but one); returns how many."""
    stmt = (
        sa.update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    if keep_session_id is not None:
        stmt = stmt.where(UserSession.id != keep_session_id)
    return db.session.execute(stmt).rowcount or 0


# --- Team: members ----------------------------------------------------------------------

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
        raise Conflict(reason)


def change_member_role(actor: Actor, member: Membership, role: str) -> Membership:
    """Give `member` another role, within the team rules (409 with the reason otherwise)."""
    return update_member(actor, member, {"role": role})


def update_member(actor: Actor, member: Membership, data: dict) -> Membership:
    """Change role, title, capacity and cost rate; every rule is checked before any change."""
    if set(data) - {"role"}:
        _refuse(policy.member_update_refusal(actor, member))
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
        record(
            actor,
            "member.role_changed",
            member,
            summary=f"{member.user.email}: role {b['role']} → {a['role']}",
            before={"role": b["role"]},
            after={"role": a["role"]},
        )
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


# --- Team: invitations ----------------------------------------------------------------


def invite_member(actor: Actor, data: dict, *, link: Callable[[str], str]) -> Invitation:
    """Invite `data["email"]` as `data["role"]`: a single-use, expiring link by email.

    A pending invitation for the same email is replaced (its link stops working). `link`
    turns the raw token into the absolute URL (built by the caller, who knows the site).
    """
    email = normalize_email(data["email"])
    role = data["role"]
    client_id = data.get("client_id")
    errors: dict[str, list[str]] = {}
    if not policy.can_invite_role(actor, role):
        errors["role"] = ["Only an owner can invite an owner."]
    if role == "client" and client_id is not None and queries.find_client(client_id) is None:
        errors["client_id"] = ["Client does not exist."]
    existing = find_user_by_email(email)
    if existing is not None:
        current = queries.member_of_user(existing.id)
        if current is not None:
            errors["email"] = [
                "This person is already a member."
                if current.is_active_member
                else "This person's membership is disabled; enable it on their page instead."
            ]
    if errors:
        raise ValidationFailed(errors)

    now = utcnow()
    for old in queries.pending_invitations_for(email):
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
        expires_at=now + dt.timedelta(hours=current_app.config["INVITATION_TTL_HOURS"]),
    )
    db.session.add(invitation)
    db.session.flush()
    agency = actor.agency
    queue_email(
        db.session,
        key=f"invitation:{invitation.id}",
        to=email,
        subject=f"{actor.user.name} invited you to {agency.name} on Baton",
        template="invitation",
        context={
            "agency_name": agency.name,
            "agency_zone": agency.time_zone,
            "inviter_name": actor.user.name,
            "role_label": ROLE_LABELS.get(role, role),
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
        summary=f"{email} invited as {role}",
        after={"email": email, "role": role, "client_id": invitation.client_id},
    )
    return invitation


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
    "accepted": "This invitation has already been used. Sign in to continue.",
    "revoked": "This invitation was withdrawn. Ask the agency for a new one.",
    "expired": "This invitation has expired. Ask the agency for a new one.",
}


def _check_usable(invitation: Invitation) -> None:
    state = invitation.state
    if state != "pending":
        raise Conflict(INVITATION_UNUSABLE[state])


def _join(invitation: Invitation, user: User, *, ip: str | None) -> Membership:
    agency = db.session.get(Agency, invitation.agency_id)
    with tenant(invitation.agency_id):
        if queries.member_of_user(user.id) is not None:
            raise Conflict("You are already a member of this agency.")
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


def accept_invitation_as_new_user(
    invitation: Invitation, data: dict, *, ip: str | None = None
) -> tuple[User, Membership]:
    """A person new to Baton accepts: their account is made with the invited email."""
    _check_usable(invitation)
    if find_user_by_email(invitation.email) is not None:
        raise Conflict("An account with this email exists. Sign in to accept the invitation.")
    user = User(
        email=invitation.email,
        name=data["name"],
        password_hash=hash_password(data["password"]),
        time_zone=data.get("time_zone") or "UTC",
    )
    db.session.add(user)
    db.session.flush()
    return user, _join(invitation, user, ip=ip)


def accept_invitation_as_user(
    invitation: Invitation, user: User, *, ip: str | None = None
) -> Membership:
    """A signed-in person accepts; they keep their memberships in other agencies."""
    _check_usable(invitation)
    if normalize_email(user.email) != invitation.email:
        raise Forbidden(f"This invitation is for {invitation.email}. Sign in with that email.")
    return _join(invitation, user, ip=ip)


# --- Profile, password, two-factor ------------------------------------------------------


def update_profile(actor: Actor, data: dict) -> User:
    user = actor.user
    for key in ("name", "time_zone", "locale"):
        if key in data:
            setattr(user, key, data[key])
    db.session.flush()
    return user


def change_password(actor: Actor, data: dict, *, keep_session_id: int | None) -> int:
    """Set a new password (the current one is required); ends the person's other sessions.
    Returns how many sessions ended."""
    user = actor.user
    if not verify_password(user.password_hash, data["current_password"]):
        raise ValidationFailed({"current_password": ["This is not your current password."]})
    if data["new_password"] == data["current_password"]:
        raise ValidationFailed({"new_password": ["Choose a password you don't use now."]})
    user.password_hash = hash_password(data["new_password"])
    ended = revoke_sessions(user.id, keep_session_id=keep_session_id)
    db.session.flush()
    return ended


def request_password_reset(email: str, *, link: Callable[[str], str]) -> None:
    """Email a single-use reset link when the account exists; silently nothing otherwise
    (the caller answers the same either way, so accounts can't be discovered)."""
    user = find_user_by_email(email)
    if user is None:
        return
    now = utcnow()
    # Only the newest link works.
    db.session.execute(
        sa.update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session="fetch")
    )
    raw = new_token()
    reset = PasswordReset(
        user_id=user.id,
        token_hash=token_hash(raw),
        expires_at=now + dt.timedelta(minutes=current_app.config["PASSWORD_RESET_TTL_MINUTES"]),
    )
    db.session.add(reset)
    db.session.flush()
    queue_email(
        db.session,
        key=f"password-reset:{reset.id}",
        to=user.email,
        subject="Reset your Baton password",
        template="password_reset",
        context={
            "name": user.name,
            "link": link(raw),
            "minutes": current_app.config["PASSWORD_RESET_TTL_MINUTES"],
        },
    )


def password_reset_usable(reset: PasswordReset | None) -> bool:
    return reset is not None and reset.used_at is None and reset.expires_at > utcnow()


def reset_password(reset: PasswordReset, password: str) -> User:
    """Use a reset link: new password, the link is spent, every session of the person ends."""
    if not password_reset_usable(reset):
        raise Conflict("This reset link has expired or was already used. Ask for a new one.")
    user = db.session.get(User, reset.user_id)
    user.password_hash = hash_password(password)
    reset.used_at = utcnow()
    revoke_sessions(user.id)
    db.session.flush()
    return user


def _secret_key() -> str:
    return current_app.config["SECRET_KEY"]


def totp_secret(user: User) -> str | None:
    """The person's TOTP secret in clear (stored encrypted), or None."""
    if not user.totp_secret:
        return None
    return decrypt_field(_secret_key(), user.totp_secret)


def verify_totp(user: User, code: str) -> bool:
    """A 6-digit code from the person's authenticator app (one step of clock drift allowed)."""
    secret = totp_secret(user)
    code = (code or "").strip().replace(" ", "")
    if not secret or len(code) != 6 or not code.isdigit():
        return False
    totp = pyotp.TOTP(secret)
    now = utcnow()
    for drift in (0, -1, 1):
        moment = now + dt.timedelta(seconds=drift * totp.interval)
        if hmac.compare_digest(totp.at(moment), code):
            step = totp.timecode(moment)
            # A code works once: replaying it (even within its 30 seconds) is refused.
            if user.totp_last_step is not None and step <= user.totp_last_step:
                return False
            user.totp_last_step = step
            return True
    return False


def begin_totp_setup(actor: Actor) -> str:
    """A secret for the person's authenticator app, kept (encrypted) until they confirm it.
    Reloading the setup page keeps the same secret, so a scanned code stays valid."""
    user = actor.user
    if user.has_2fa:
        raise Conflict("Two-factor authentication is already on.")
    secret = totp_secret(user)
    if secret is None:
        secret = pyotp.random_base32()
        user.totp_secret = encrypt_field(_secret_key(), secret)
        db.session.flush()
    return secret


def totp_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name="Baton")


def confirm_totp(actor: Actor, code: str) -> User:
    user = actor.user
    if user.has_2fa:
        raise Conflict("Two-factor authentication is already on.")
    if not verify_totp(user, code):
        raise ValidationFailed({"code": ["That code is not right. Check the app and try again."]})
    user.totp_enabled_at = utcnow()
    db.session.flush()
    return user


def agencies_requiring_2fa(user: User) -> list[Agency]:
    """Agencies where this person is an owner and owners must use two-factor."""
    return [
        m.agency
        for m in active_memberships(user)
        if m.role == "owner" and m.agency.require_owner_2fa
    ]


def disable_totp(actor: Actor, code: str) -> User:
    user = actor.user
    if not user.has_2fa:
        raise Conflict("Two-factor authentication is not on.")
    if not verify_totp(user, code):
        raise ValidationFailed({"code": ["That code is not right. Check the app and try again."]})
    required = agencies_requiring_2fa(user)
    if required:
        raise Conflict(
            f"{required[0].name} requires owners to use two-factor authentication, "
            "so it can't be turned off."
        )
    user.totp_secret = None
    user.totp_last_step = None
    user.totp_enabled_at = None
    db.session.flush()
    return user


# --- Personal API tokens ---------------------------------------------------------------

API_TOKEN_PREFIX = "baton_"  # noqa: S105 - a visible marker, not a secret


def create_api_token(actor: Actor, data: dict) -> tuple[ApiToken, str]:
    """A new token for one of the person's agencies; the raw token is returned once."""
    membership = next(
        (m for m in active_memberships(actor.user) if m.agency_id == data["agency_id"]), None
    )
    if membership is None:
        raise ValidationFailed({"agency_id": ["Agency does not exist."]})
    raw = new_token(API_TOKEN_PREFIX)
    with tenant(membership.agency_id):
        token = ApiToken(
            agency_id=membership.agency_id,
            user_id=actor.user_id,
            name=data["name"],
            prefix=raw[:12],
            token_hash=token_hash(raw),
        )
        db.session.add(token)
        db.session.flush()
        record(
            _in_agency(actor, membership),
            "api_token.created",
            token,
            summary=f"API token {token.name!r} ({token.prefix}…) created",
            after={"name": token.name, "prefix": token.prefix},
        )
        db.session.flush()
    return token, raw


def revoke_api_token(actor: Actor, token: ApiToken) -> ApiToken:
    if not policy.can_revoke_api_token(actor, token):
        raise Forbidden("This is not your token.")
    if token.revoked_at is not None:
        return token
    with tenant(token.agency_id):
        token.revoked_at = utcnow()
        db.session.flush()
        membership = queries.member_of_user(actor.user_id)
        if membership is not None:
            record(
                _in_agency(actor, membership),
                "api_token.revoked",
                token,
                summary=f"API token {token.name!r} ({token.prefix}…) revoked",
                before={"revoked": False},
                after={"revoked": True},
            )
            db.session.flush()
    return token


def _in_agency(actor: Actor, membership: Membership) -> Actor:
    return Actor(
        user=actor.user,
        agency=membership.agency,
        membership=membership,
        ip=actor.ip,
        via=actor.via,
    )
