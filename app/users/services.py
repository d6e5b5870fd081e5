"""Write side of the users domain for a person's own account: sign-up, sign-in, sessions,
profile and password (change and reset), with the two jobs they queue by dotted path
(`send_signup_email`, `send_password_reset`). Two-factor authentication is in
app.users.two_factor, personal API tokens in app.users.api_tokens, the team (members and
invitations) in app.users.team_services.

Services take the actor explicitly, flush but never commit, and record audit events.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app

from app.agencies.models import Agency
from app.agencies.services import create_agency
from app.audit.services import record
from app.core.clock import utcnow
from app.core.errors import Conflict, ValidationFailed
from app.core.i18n import current_language
from app.core.jobs import current_job, enqueue_job
from app.core.mail import OutboundEmail, queue_email, recipient_locale
from app.core.permissions import Actor
from app.core.security import (
    hash_password,
    needs_rehash,
    new_token,
    token_hash,
    verify_password,
)
from app.core.tenancy import all_tenants, tenant
from app.core.translation import gettext as _
from app.core.translation import lazy_gettext
from app.core.uow import commit
from app.extensions import db
from app.sops.services import install_library
from app.users.models import (
    Invitation,
    Membership,
    PasswordReset,
    SignupRequest,
    User,
    UserSession,
)


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))


def add_user(email: str, data: dict) -> User:
    """A new person with the name, password (or its hash, from a confirmed sign-up) and time
    zone they gave (not flushed yet)."""
    user = User(
        email=email,
        name=data["name"],
        password_hash=data.get("password_hash") or hash_password(data["password"]),
        time_zone=data.get("time_zone") or "UTC",
    )
    db.session.add(user)
    return user


SIGNUP_TTL = dt.timedelta(hours=24)


def request_signup(data: dict, *, ip: str | None = None) -> SignupRequest:
    """Start a sign-up: the same work and the same answer whether or not the email has an
    account (so accounts can't be discovered). The password is hashed here either way; one
    job then emails a confirmation link, or tells the existing account someone tried."""
    now = utcnow()
    # Forget sign-ups nobody confirmed (they hold password hashes).
    db.session.execute(sa.delete(SignupRequest).where(SignupRequest.expires_at < now))
    row = SignupRequest(
        email=normalize_email(data["email"]),
        name=data["name"],
        agency_name=data["agency_name"],
        time_zone=data.get("time_zone") or "UTC",
        password_hash=hash_password(data["password"]),
        ip=ip,
        created_at=now,
        expires_at=now + SIGNUP_TTL,
    )
    db.session.add(row)
    db.session.flush()
    enqueue_job(
        db.session,
        "app.users.services.send_signup_email",
        label="Sign-up confirmation",
        queue="email",
        signup_id=row.id,
        language=current_language(),
    )
    return row


def _link(endpoint: str, **values: str) -> str:
    """An absolute address on the configured site (built without a request, for jobs)."""
    adapter = current_app.url_map.bind("baton.invalid")
    return current_app.config["BASE_URL"].rstrip("/") + adapter.build(endpoint, values)


def send_signup_email(signup_id: int, language: str | None = None) -> dict:
    """Job: email the sign-up's confirmation link, or (the email has an account) tell that
    account someone tried to sign up with it. Run twice, it emails once. In the account's
    language, else `language` (the one of the request that asked)."""
    row = db.session.get(SignupRequest, signup_id, with_for_update=True)
    if row is None or row.used_at is not None or row.token_hash is not None:
        return {"sent": False}
    user = find_user_by_email(row.email)
    if user is not None:
        row.used_at = utcnow()
        row.password_hash = None
        queue_email(
            db.session,
            key=f"signup:{row.id}",
            to=user.email,
            locale=recipient_locale(user.locale, language),
            subject=lazy_gettext("Someone tried to start a Baton agency with your email"),
            template="signup_account_exists",
            context={
                "name": user.name,
                "agency_name": row.agency_name,
                "login_link": _link("users.login"),
                "reset_link": _link("users.forgot_password"),
            },
        )
    else:
        raw = new_token()
        row.token_hash = token_hash(raw)
        queue_email(
            db.session,
            key=f"signup:{row.id}",
            to=row.email,
            locale=language,
            subject=lazy_gettext(
                "Confirm your email to start %(agency)s on Baton", agency=row.agency_name
            ),
            template="signup_confirm",
            context={
                "name": row.name,
                "agency_name": row.agency_name,
                "link": _link("users.confirm_signup", token=raw),
                "hours": int(SIGNUP_TTL.total_seconds() // 3600),
            },
        )
    commit()
    return {"sent": True}


def find_signup_request(raw: str, *, lock: bool = False) -> SignupRequest | None:
    stmt = sa.select(SignupRequest).where(SignupRequest.token_hash == token_hash(raw))
    if lock:
        stmt = stmt.with_for_update()
    return db.session.scalar(stmt)


def signup_request_usable(row: SignupRequest | None) -> bool:
    return row is not None and row.used_at is None and row.expires_at > utcnow()


def confirm_signup(row: SignupRequest) -> tuple[User, Agency, Membership]:
    """The emailed link was opened: create the agency and its owner (the link works once)."""
    if not signup_request_usable(row):
        raise Conflict(_("This link has expired or was already used. Start again."))
    user, agency, membership = signup(
        {
            "email": row.email,
            "name": row.name,
            "agency_name": row.agency_name,
            "time_zone": row.time_zone,
            "password_hash": row.password_hash,
        },
        ip=row.ip,
    )
    row.used_at = utcnow()
    row.password_hash = None
    db.session.flush()
    return user, agency, membership


def signup(data: dict, *, ip: str | None = None) -> tuple[User, Agency, Membership]:
    """Create an agency and its owner (for a confirmed sign-up). An existing account may not
    be claimed this way."""
    email = normalize_email(data["email"])
    if find_user_by_email(email) is not None:
        raise Conflict(_("An account with this email exists. Sign in, then create the agency."))
    user = add_user(email, data)
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
        raise ValidationFailed({"current_password": [_("This is not your current password.")]})
    if data["new_password"] == data["current_password"]:
        raise ValidationFailed({"new_password": [_("Choose a password you don't use now.")]})
    user.password_hash = hash_password(data["new_password"])
    ended = revoke_sessions(user.id, keep_session_id=keep_session_id)
    db.session.flush()
    return ended


def request_password_reset(email: str) -> None:
    """Queue the reset for `email`: one job, whether or not the account exists, so the
    request does the same work (and takes the same time) either way and accounts can't be
    discovered. The job looks the account up and emails the link, in the account's language
    (else the language of this request, which the job is given)."""
    enqueue_job(
        db.session,
        "app.users.services.send_password_reset",
        label="Password reset request",
        queue="email",
        email=normalize_email(email),
        language=current_language(),
    )


def _reset_link(raw: str) -> str:
    """The reset page's absolute address on the configured site (built without a request)."""
    adapter = current_app.url_map.bind("baton.invalid")
    path = adapter.build("users.reset_password", {"token": raw})
    return current_app.config["BASE_URL"].rstrip("/") + path


def send_password_reset(email: str, language: str | None = None) -> dict:
    """Job: email a single-use reset link when the account exists; nothing otherwise. Run
    twice, it emails once (the email's key is this job's)."""
    job = current_job()
    key = f"password-reset-job:{job.id}" if job is not None else None
    if key is not None and db.session.scalar(
        sa.select(OutboundEmail.id).where(OutboundEmail.idempotency_key == key)
    ):
        return {"sent": False}
    user = find_user_by_email(email)
    if user is None:
        return {"sent": False}
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
        key=key or f"password-reset:{reset.id}",
        to=user.email,
        locale=recipient_locale(user.locale, language),
        subject=lazy_gettext("Reset your Baton password"),
        template="password_reset",
        context={
            "name": user.name,
            "link": _reset_link(raw),
            "minutes": current_app.config["PASSWORD_RESET_TTL_MINUTES"],
        },
    )
    # Commit and publish now, so the email goes out at once (not at the clock's next pass).
    commit()
    return {"sent": True}


def password_reset_usable(reset: PasswordReset | None) -> bool:
    return reset is not None and reset.used_at is None and reset.expires_at > utcnow()


def reset_password(reset: PasswordReset, password: str) -> User:
    """Use a reset link: new password, the link is spent, every session of the person ends."""
    if not password_reset_usable(reset):
        raise Conflict(_("This reset link has expired or was already used. Ask for a new one."))
    user = db.session.get(User, reset.user_id)
    user.password_hash = hash_password(password)
    reset.used_at = utcnow()
    revoke_sessions(user.id)
    db.session.flush()
    return user
