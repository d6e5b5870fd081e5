"""Two-factor authentication of a person's account (TOTP, from an authenticator app):
setting it up with a secret kept encrypted until confirmed, checking a code (one step of
clock drift, each code once), and turning it off unless an agency requires it of its owners.

Services take the actor explicitly and flush but never commit.
"""

from __future__ import annotations

import datetime as dt
import hmac

import pyotp
from flask import current_app

from app.agencies.models import Agency
from app.core.clock import utcnow
from app.core.errors import Conflict, ValidationFailed
from app.core.permissions import Actor
from app.core.security import decrypt_field, encrypt_field
from app.core.translation import gettext as _
from app.extensions import db
from app.users.models import User
from app.users.services import active_memberships


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


def _require_code(user: User, code: str) -> None:
    if not verify_totp(user, code):
        raise ValidationFailed(
            {"code": [_("That code is not right. Check the app and try again.")]}
        )


def begin_totp_setup(actor: Actor) -> str:
    """A secret for the person's authenticator app, kept (encrypted) until they confirm it.
    Reloading the setup page keeps the same secret, so a scanned code stays valid."""
    user = actor.user
    if user.has_2fa:
        raise Conflict(_("Two-factor authentication is already on."))
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
        raise Conflict(_("Two-factor authentication is already on."))
    _require_code(user, code)
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
        raise Conflict(_("Two-factor authentication is not on."))
    _require_code(user, code)
    required = agencies_requiring_2fa(user)
    if required:
        raise Conflict(
            _(
                "%(agency)s requires owners to use two-factor authentication, "
                "so it can't be turned off.",
                agency=required[0].name,
            )
        )
    user.totp_secret = None
    user.totp_last_step = None
    user.totp_enabled_at = None
    db.session.flush()
    return user
