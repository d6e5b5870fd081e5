"""Re-authentication: a person confirms who they are again (their password, or a code from
their authenticator app when two-factor is on) before something sensitive, such as revealing
a stored credential. A confirmation is remembered on the login session for ten minutes.

Pure of request globals: views pass the person, the session row and the time.
"""

from __future__ import annotations

import datetime as dt

from app.core.security import verify_password
from app.users.models import User, UserSession
from app.users.two_factor import verify_totp

REAUTH_WINDOW = dt.timedelta(minutes=10)


def confirm_identity(user: User, password: str | None = None, code: str | None = None) -> bool:
    """True when `password` is the person's password, or `code` a valid two-factor code of
    theirs (only when two-factor is on). A used code is spent (flush to keep it spent)."""
    if code and user.has_2fa and verify_totp(user, code):
        return True
    # Always one argon2 verification when no code matched, so a wrong code and a wrong
    # password take the same time.
    return verify_password(user.password_hash, password or "") and bool(password)


def mark_confirmed(login_session: UserSession, now: dt.datetime) -> None:
    """Remember on the login session that its person confirmed who they are at `now`."""
    login_session.reauth_at = now


def recently_confirmed(login_session: UserSession | None, now: dt.datetime) -> bool:
    """Whether the session's person confirmed who they are within the last ten minutes."""
    if login_session is None or login_session.reauth_at is None:
        return False
    return now - REAUTH_WINDOW <= login_session.reauth_at <= now
