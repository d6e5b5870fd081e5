"""HTML pages of a person's own settings: the profile, password change, two-factor setup,
sessions and personal API tokens. Routes on the blueprint of app.users.blueprint."""

from __future__ import annotations

import segno
from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from app.core.clock import utcnow
from app.core.errors import Conflict, ValidationFailed
from app.core.formatting import role_label
from app.core.permissions import login_only
from app.core.schemas import load_form
from app.core.translation import gettext as _
from app.core.translation import ngettext
from app.core.uow import commit
from app.extensions import db, limiter
from app.users import api_tokens, queries, reauth, services, two_factor
from app.users.blueprint import bp
from app.users.models import UserSession
from app.users.schemas import ApiTokenIn, PasswordChangeIn, ProfileIn, ReauthIn, TotpCodeIn

_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def _first_named(ua: str, names: tuple[tuple[str, str], ...]) -> str | None:
    # The first match wins: Edge's user agent also names Chrome (and Chrome's Safari), an
    # iPhone's also says "Mac OS X", Android's also "Linux".
    return next((name for key, name in names if key in ua), None)


@bp.app_template_filter("device_label")
def device_label(user_agent: str | None) -> str:
    """A readable 'Browser on System' from a User-Agent string (best effort)."""
    ua = user_agent or ""
    browser, system = _first_named(ua, _BROWSERS), _first_named(ua, _SYSTEMS)
    if browser and system:
        return _("%(browser)s on %(system)s", browser=browser, system=system)
    return browser or system or (ua[:60] if ua else _("Unknown device"))


def _render_profile(status: int = 200, **context):
    user = g.actor.user
    memberships = services.active_memberships(user)
    agency_names = {m.agency_id: m.agency.name for m in memberships}
    tokens = queries.my_api_tokens(user)
    sessions = queries.active_sessions(user)
    context.setdefault(
        "profile_values", {"name": user.name, "time_zone": user.time_zone, "locale": user.locale}
    )
    context.setdefault("profile_errors", {})
    context.setdefault("password_errors", {})
    context.setdefault("twofa_errors", {})
    context.setdefault("token_values", {})
    context.setdefault("token_errors", {})
    return render_template(
        "users/profile.html",
        user=user,
        memberships=memberships,
        agency_names=agency_names,
        agency_choices=[
            (m.agency_id, f"{m.agency.name} ({role_label(m.role)})") for m in memberships
        ],
        tokens=tokens,
        sessions=sessions,
        current_session_id=g.get("user_session_id"),
        required_by=two_factor.agencies_requiring_2fa(user),
        **context,
    ), status


@bp.route("/profile", methods=["GET", "POST"])
@login_only
def profile():
    if request.method == "POST":
        try:
            data = load_form(ProfileIn(), request.form)
            services.update_profile(g.actor, data)
            commit()
        except ValidationFailed as exc:
            db.session.rollback()
            return _render_profile(
                422, profile_values=request.form.to_dict(), profile_errors=exc.errors
            )
        flash(_("Profile saved."), "success")
        return redirect(url_for("users.profile"))
    return _render_profile()


@bp.post("/profile/password")
@login_only
@limiter.limit("10 per hour", key_func=lambda: f"password-change:{current_user.get_id()}")
def change_password():
    try:
        data = load_form(PasswordChangeIn(), request.form)
        ended = services.change_password(g.actor, data, keep_session_id=g.get("user_session_id"))
        commit()
    except ValidationFailed as exc:
        db.session.rollback()
        return _render_profile(422, password_errors=exc.errors)
    if ended:
        message = ngettext(
            "Password changed. %(num)d other session was signed out.",
            "Password changed. %(num)d other sessions were signed out.",
            ended,
        )
    else:
        message = _("Password changed.")
    flash(message, "success")
    return redirect(url_for("users.profile", _anchor="password"))


@bp.route("/profile/2fa/setup", methods=["GET", "POST"])
@login_only
@limiter.limit("20 per hour", key_func=lambda: f"totp:{current_user.get_id()}", methods=["POST"])
def setup_2fa():
    """Turn on two-factor: scan the QR code (or type the key), then confirm with a code."""
    user = g.actor.user
    if user.has_2fa:
        flash(_("Two-factor authentication is already on."), "info")
        return redirect(url_for("users.profile", _anchor="two-factor"))
    secret = two_factor.begin_totp_setup(g.actor)
    commit()
    errors: dict = {}
    if request.method == "POST":
        try:
            data = load_form(TotpCodeIn(), request.form)
            two_factor.confirm_totp(g.actor, data["code"])
            commit()
        except ValidationFailed as exc:
            db.session.rollback()
            errors = exc.errors
        else:
            flash(_("Two-factor authentication is on."), "success")
            return redirect(url_for("users.profile", _anchor="two-factor"))
    uri = two_factor.totp_uri(user, secret)
    qr_svg = segno.make(uri, error="m").svg_inline(scale=4, omitsize=True)
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return render_template("users/setup_2fa.html", qr_svg=qr_svg, secret=grouped, errors=errors), (
        422 if errors else 200
    )


@bp.post("/profile/2fa/disable")
@login_only
@limiter.limit("10 per hour", key_func=lambda: f"totp:{current_user.get_id()}")
def disable_2fa():
    try:
        data = load_form(TotpCodeIn(), request.form)
        two_factor.disable_totp(g.actor, data["code"])
        commit()
    except ValidationFailed as exc:
        db.session.rollback()
        return _render_profile(422, twofa_errors=exc.errors)
    except Conflict as exc:
        db.session.rollback()
        return _render_profile(409, twofa_message=exc.message)
    flash(_("Two-factor authentication is off."), "info")
    return redirect(url_for("users.profile", _anchor="two-factor"))


@bp.post("/profile/sessions/revoke-others")
@login_only
def revoke_other_sessions():
    ended = services.revoke_sessions(g.actor.user_id, keep_session_id=g.get("user_session_id"))
    commit()
    flash(
        ngettext("Signed out %(num)d other session.", "Signed out %(num)d other sessions.", ended),
        "success",
    )
    return redirect(url_for("users.profile", _anchor="sessions"))


@bp.post("/profile/tokens")
@login_only
def create_api_token():
    """Create a personal API token; the full token is shown on this answer only."""
    try:
        data = load_form(ApiTokenIn(), request.form)
        token, raw = api_tokens.create_api_token(g.actor, data)
        commit()
    except ValidationFailed as exc:
        db.session.rollback()
        return _render_profile(422, token_values=request.form.to_dict(), token_errors=exc.errors)
    return _render_profile(201, new_token=raw, new_token_name=token.name)


@bp.post("/profile/tokens/<int:token_id>/revoke")
@login_only
def revoke_api_token(token_id: int):
    token = queries.get_my_api_token_or_404(g.actor, token_id)
    api_tokens.revoke_api_token(g.actor, token)
    commit()
    flash(_("API token %(name)s revoked.", name=token.name), "success")
    return redirect(url_for("users.profile", _anchor="api-tokens"))


def _safe_next(target: str | None) -> str:
    # Only a path on this site: "//host" or "https://..." would make this an open redirect.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("users.profile")


@bp.route("/confirm-identity", methods=["GET", "POST"])
@login_only
@limiter.limit("10 per hour", key_func=lambda: f"reauth:{current_user.get_id()}", methods=["POST"])
def confirm_identity():
    """Confirm who you are again (password, or two-factor code) before a sensitive step;
    remembered on this login session for ten minutes."""
    user = g.actor.user
    target = _safe_next(request.args.get("next"))
    errors: dict = {}
    if request.method == "POST":
        try:
            data = load_form(ReauthIn(), request.form)
            if not reauth.confirm_identity(user, data["password"], data["code"]):
                field = "code" if data["code"] and not data["password"] else "password"
                raise ValidationFailed({field: [_("That is not right. Try again.")]})
            login_session = db.session.get(UserSession, g.get("user_session_id") or 0)
            if login_session is not None:
                reauth.mark_confirmed(login_session, utcnow())
            commit()
        except ValidationFailed as exc:
            # The spent two-factor step stays spent even when the password was wrong.
            commit()
            errors = exc.errors
        else:
            flash(_("Thank you. You can go on for the next ten minutes."), "success")
            return redirect(target)
    return render_template(
        "users/confirm_identity.html", user=user, errors=errors, next_url=target
    ), (422 if errors else 200)
