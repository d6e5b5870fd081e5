"""Authentication and the access check every request passes through.

Browsers authenticate with a server-side session (a random id in the signed cookie, its
hash in `user_sessions`), so logout and disabling a member end sessions for real. The JSON
API authenticates with personal API tokens. Then the view's declaration is enforced:
public, login_only, or roles(...) within the agency named in the URL.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Flask, abort, current_app, flash, g, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from app.agencies.models import Agency
from app.core.clock import utcnow
from app.core.errors import wants_json
from app.core.permissions import LOGIN_ONLY, PUBLIC, Actor, declared_access
from app.core.security import new_token, token_hash
from app.core.tenancy import all_tenants, reset_current_agency, set_current_agency
from app.core.translation import gettext as _
from app.extensions import db, login_manager
from app.users.models import ApiToken, Membership, User, UserSession

# Third-party endpoints with no view of ours to decorate.
PUBLIC_ENDPOINTS = {"static", "api-docs.openapi_json", "api-docs.openapi_swagger_ui"}
SESSION_TOUCH_INTERVAL = dt.timedelta(minutes=5)


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    sid = session.get("sid")
    if not sid:
        return None
    # One statement: the live server-side session and its person.
    found = db.session.execute(
        sa.select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.token_hash == token_hash(sid), UserSession.revoked_at.is_(None))
    ).first()
    if found is None:
        return None
    row, user = found
    if str(row.user_id) != str(user_id):
        return None
    now = utcnow()
    if now - row.last_seen_at > SESSION_TOUCH_INTERVAL:
        row.last_seen_at = now
        db.session.commit()
    g.user_session_id = row.id
    return user


def start_session(user: User, *, ip: str | None, user_agent: str | None) -> UserSession:
    """Log `user` in with a brand-new server-side session (the old cookie content is dropped)."""
    old_sid = session.get("sid")
    if old_sid:
        # Rotate: the session this browser had before (anyone's) stops working.
        db.session.execute(
            sa.update(UserSession)
            .where(UserSession.token_hash == token_hash(old_sid), UserSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
    session.clear()
    sid = new_token()
    row = UserSession(
        user_id=user.id,
        token_hash=token_hash(sid),
        ip=ip,
        user_agent=(user_agent or "")[:255],
    )
    db.session.add(row)
    user.last_login_at = utcnow()
    db.session.flush()
    session["sid"] = sid
    session.permanent = True
    login_user(user)
    return row


def end_session() -> None:
    """Log out: revoke the server-side session and clear the cookie."""
    sid = session.get("sid")
    if sid:
        db.session.execute(
            sa.update(UserSession)
            .where(UserSession.token_hash == token_hash(sid))
            .values(revoked_at=utcnow())
        )
        db.session.commit()
    logout_user()
    session.clear()


def _bearer_user() -> tuple[User, ApiToken] | None:
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    raw = header[7:].strip()
    with all_tenants():
        token = db.session.scalar(
            sa.select(ApiToken).where(
                ApiToken.token_hash == token_hash(raw), ApiToken.revoked_at.is_(None)
            )
        )
    if token is None:
        return None
    user = db.session.get(User, token.user_id)
    if user is None:
        return None
    return user, token


def _deny_unauthenticated():
    if wants_json():
        abort(401, _("Authentication required: send 'Authorization: Bearer <API token>'."))
    return redirect(url_for("users.login", next=request.full_path.rstrip("?")))


def check_access():
    """before_request: authenticate, resolve the agency from the URL, enforce the declaration."""
    endpoint = request.endpoint
    if endpoint is None or endpoint in PUBLIC_ENDPOINTS:
        return None
    view = current_app.view_functions.get(endpoint)
    decl = declared_access(view, request.method) if view else None
    if decl is None:
        current_app.logger.error("endpoint %s declares no access rule; refusing", endpoint)
        abort(403, _("This page has no access rule."))
    kind, allowed = decl

    is_api = request.path.startswith("/api/")
    user: User | None = None
    api_token: ApiToken | None = None
    if is_api:
        found = _bearer_user()
        if found:
            user, api_token = found
            g.api_user = user  # the answer's language (app.core.i18n.api_language)
    elif current_user.is_authenticated:
        user = current_user._get_current_object()
    g.api_token = api_token

    if kind == PUBLIC:
        return None
    if user is None:
        return _deny_unauthenticated()
    if kind == LOGIN_ONLY:
        g.actor = Actor(user=user, ip=request.remote_addr, via="api" if is_api else "web")
        return None

    slug = (request.view_args or {}).get("agency_slug")
    if not slug:
        abort(500, "role-checked endpoint without an agency in its URL")
    # One statement: the agency in the URL and the person's membership in it (if any).
    with all_tenants():
        found = db.session.execute(
            sa.select(Agency, Membership)
            .outerjoin(
                Membership,
                sa.and_(Membership.agency_id == Agency.id, Membership.user_id == user.id),
            )
            .where(Agency.slug == slug)
        ).first()
    if found is None:
        abort(404)
    agency, membership = found
    g.tenant_token = set_current_agency(agency.id)
    if membership is None or not membership.is_active_member:
        abort(404)
    if api_token is not None and api_token.agency_id != agency.id:
        abort(403, _("This API token belongs to another agency."))
    if membership.role not in allowed:
        abort(403, _("Your role in this agency does not allow this."))
    if (
        agency.require_owner_2fa
        and membership.role == "owner"
        and not user.has_2fa
        and endpoint not in {"users.profile", "users.setup_2fa"}
    ):
        if wants_json():
            abort(403, _("This agency requires two-factor authentication for owners."))
        flash(_("This agency requires owners to turn on two-factor authentication."), "warning")
        return redirect(url_for("users.profile", _anchor="two-factor"))
    if api_token is not None:
        now = utcnow()
        if api_token.last_used_at is None or now - api_token.last_used_at > dt.timedelta(minutes=5):
            api_token.last_used_at = now
            # Its own small commit (like a session's last_seen_at): read-only calls and
            # failed ones never commit, and "last used" must not depend on them.
            db.session.commit()
    g.actor = Actor(
        user=user,
        agency=agency,
        membership=membership,
        ip=request.remote_addr,
        via="api" if is_api else "web",
    )
    if not is_api:
        session["last_agency"] = agency.slug
    return None


def _reset_tenant(exc: BaseException | None) -> None:
    token = g.pop("tenant_token", None)
    if token is not None:
        reset_current_agency(token)


def init_auth(app: Flask) -> None:
    login_manager.login_view = "users.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # our own server-side sessions replace it
    app.before_request(check_access)

    @app.template_global()
    def my_memberships() -> list:
        from app.users.services import active_memberships

        if not current_user.is_authenticated:
            return []
        if "my_memberships" not in g:
            g.my_memberships = active_memberships(current_user._get_current_object())
        return g.my_memberships

    app.teardown_request(_reset_tenant)
