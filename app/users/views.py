"""HTML pages of the users domain: sign-up, sign-in (with the 2FA step), password reset,
invitations, the profile (password, two-factor, sessions, API tokens) and the team."""

from __future__ import annotations

import decimal
import time
from urllib.parse import urlparse

import segno
from babel.numbers import format_currency, get_currency_precision
from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user

from app.agencies.models import Agency
from app.core.errors import Conflict, ValidationFailed
from app.core.pagination import paginate
from app.core.permissions import login_only, public, roles
from app.core.schemas import load_form
from app.core.uow import commit
from app.extensions import db, limiter
from app.users import policy, queries, services
from app.users.auth import end_session, start_session
from app.users.models import ROLES, User
from app.users.schemas import (
    ROLE_LABELS,
    AcceptInvitationIn,
    ApiTokenIn,
    InvitationIn,
    LoginIn,
    MemberDetailsIn,
    MemberRoleIn,
    PasswordChangeIn,
    PasswordResetIn,
    PasswordResetRequestIn,
    ProfileIn,
    SignupIn,
    TotpCodeIn,
)

bp = Blueprint("users", __name__, template_folder="templates")

LOGIN_FAILED = "Email or password is incorrect."
TOO_MANY_LOGINS = "Too many sign-in attempts. Please wait a minute, then try again."
TOO_MANY_RESETS = "Too many reset requests. Please wait a while, then try again."
RESET_SENT = (
    "If an account exists for that email, we have sent it a link to reset the password. "
    "The link works once and expires soon."
)
WRONG_CODE = "That code is not right. Check your authenticator app and try again."
PENDING_2FA_SECONDS = 5 * 60
_PENDING_KEYS = ("pending_2fa_user", "pending_2fa_email", "pending_2fa_at", "pending_next")
MEMBERS_PER_PAGE = 50


# --- helpers ---------------------------------------------------------------------------


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _absolute_url(endpoint: str, **values: str) -> str:
    """A link for an email: the configured site address, never the request's Host header."""
    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint, **values)


def _sign_in(user: User) -> None:
    start_session(user, ip=request.remote_addr, user_agent=request.user_agent.string)


def _login_account_key() -> str:
    return "login-account:" + services.normalize_email(request.form.get("email", ""))[:254]


def _pending_account_key() -> str:
    # The 2FA step counts against the same per-account bucket as the password step.
    return "login-account:" + (session.get("pending_2fa_email") or "")


def _no_pending_2fa() -> bool:
    return not session.get("pending_2fa_user")


def _reset_account_key() -> str:
    return "reset-account:" + services.normalize_email(request.form.get("email", ""))[:254]


def _begin_2fa_step(user: User, next_url: str | None) -> None:
    session.clear()
    session["pending_2fa_user"] = user.id
    session["pending_2fa_email"] = user.email
    session["pending_2fa_at"] = int(time.time())
    session["pending_next"] = next_url


def _pending_2fa_user() -> User | None:
    user_id, started = session.get("pending_2fa_user"), session.get("pending_2fa_at")
    if not user_id or not started or time.time() - started > PENDING_2FA_SECONDS:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.has_2fa:
        return None
    return user


@bp.app_template_filter("minor_money")
def minor_money(amount_minor: int | None, currency: str | None) -> str:
    """An amount in minor units shown in its currency, e.g. 1250 USD -> $12.50."""
    if amount_minor is None or not currency:
        return ""
    amount = decimal.Decimal(amount_minor).scaleb(-get_currency_precision(currency))
    return format_currency(amount, currency, locale="en")


@bp.app_template_filter("device_label")
def device_label(user_agent: str | None) -> str:
    """A readable 'Browser on System' from a User-Agent string (best effort)."""
    ua = user_agent or ""
    browser = next(
        (
            name
            for key, name in (
                ("Edg/", "Edge"),
                ("OPR/", "Opera"),
                ("Firefox/", "Firefox"),
                ("Chrome/", "Chrome"),
                ("Safari/", "Safari"),
            )
            if key in ua
        ),
        None,
    )
    system = next(
        (
            name
            for key, name in (
                ("iPhone", "iPhone"),
                ("iPad", "iPad"),
                ("Android", "Android"),
                ("Windows", "Windows"),
                ("Mac OS X", "macOS"),
                ("CrOS", "ChromeOS"),
                ("Linux", "Linux"),
            )
            if key in ua
        ),
        None,
    )
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or (ua[:60] if ua else "Unknown device")


def _major(amount_minor: int | None, currency: str | None) -> str:
    """Minor units as the plain number a person types (1250 USD -> 12.50)."""
    if amount_minor is None or not currency:
        return ""
    places = get_currency_precision(currency)
    return str(
        decimal.Decimal(amount_minor).scaleb(-places).quantize(decimal.Decimal(1).scaleb(-places))
    )


# --- sign-up, sign-in, sign-out ----------------------------------------------------------


@bp.route("/signup", methods=["GET", "POST"])
@public
@limiter.limit("10 per hour", methods=["POST"])
def signup():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("agencies.home"))
    values, errors = {}, {}
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            data = load_form(SignupIn(), request.form)
            user, agency, _ = services.signup(data, ip=request.remote_addr)
            _sign_in(user)
            commit()
            flash(f"Welcome to Baton. {agency.name} is ready.", "success")
            return redirect(url_for("agencies.dashboard", agency_slug=agency.slug))
        except ValidationFailed as exc:
            db.session.rollback()
            errors = exc.errors
    values.pop("password", None)
    return render_template("users/signup.html", values=values, errors=errors), (
        422 if errors else 200
    )


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.shared_limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT_IP"],
    scope="login-ip",
    methods=["POST"],
    error_message=TOO_MANY_LOGINS,
)
@limiter.shared_limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT_ACCOUNT"],
    scope="login-account",
    key_func=_login_account_key,
    methods=["POST"],
    error_message=TOO_MANY_LOGINS,
)
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_safe_next(request.args.get("next")) or url_for("agencies.home"))
    values, errors, message = {"next": request.args.get("next", "")}, {}, None
    if request.method == "POST":
        values = {"email": request.form.get("email", ""), "next": request.form.get("next", "")}
        try:
            data = load_form(LoginIn(), request.form)
        except ValidationFailed as exc:
            errors = exc.errors
        else:
            user = services.authenticate(data["email"], data["password"])
            if user is None:
                message = LOGIN_FAILED
            elif user.has_2fa:
                _begin_2fa_step(user, _safe_next(data.get("next")))
                db.session.commit()
                return redirect(url_for("users.login_2fa"))
            else:
                _sign_in(user)
                commit()
                return redirect(_safe_next(data.get("next")) or url_for("agencies.home"))
    status = 422 if errors else (401 if message else 200)
    return render_template(
        "users/login.html", values=values, errors=errors, message=message
    ), status


@bp.route("/login/2fa", methods=["GET", "POST"])
@public
@limiter.shared_limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT_IP"],
    scope="login-ip",
    methods=["POST"],
    error_message=TOO_MANY_LOGINS,
)
@limiter.shared_limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT_ACCOUNT"],
    scope="login-account",
    key_func=_pending_account_key,
    exempt_when=_no_pending_2fa,
    methods=["POST"],
    error_message=TOO_MANY_LOGINS,
)
def login_2fa():
    """The second step for people with two-factor on: a code from their authenticator app."""
    user = _pending_2fa_user()
    if user is None:
        for key in _PENDING_KEYS:
            session.pop(key, None)
        flash("Please sign in (again): the sign-in took longer than 5 minutes.", "warning")
        return redirect(url_for("users.login"))
    errors: dict = {}
    if request.method == "POST":
        try:
            data = load_form(TotpCodeIn(), request.form)
        except ValidationFailed as exc:
            errors = exc.errors
        else:
            if services.verify_totp(user, data["code"]) and services.may_sign_in(user):
                next_url = _safe_next(session.get("pending_next"))
                _sign_in(user)
                commit()
                return redirect(next_url or url_for("agencies.home"))
            errors = {"code": [WRONG_CODE]}
    return render_template("users/login_2fa.html", errors=errors, email=user.email), (
        422 if errors else 200
    )


@bp.post("/logout")
@login_only
def logout():
    end_session()
    flash("You are signed out.", "info")
    return redirect(url_for("users.login"))


# --- password reset ----------------------------------------------------------------------


@bp.route("/forgot-password", methods=["GET", "POST"])
@public
@limiter.limit(
    lambda: current_app.config.get("PASSWORD_RESET_RATE_LIMIT_IP", "10 per hour"),
    methods=["POST"],
    error_message=TOO_MANY_RESETS,
)
@limiter.limit(
    lambda: current_app.config.get("PASSWORD_RESET_RATE_LIMIT_ACCOUNT", "3 per hour"),
    key_func=_reset_account_key,
    methods=["POST"],
    error_message=TOO_MANY_RESETS,
)
def forgot_password():
    """Ask for a reset link. The answer is the same whether or not the account exists."""
    values, errors, sent = {}, {}, False
    if request.method == "POST":
        values = {"email": request.form.get("email", "")}
        try:
            data = load_form(PasswordResetRequestIn(), request.form)
        except ValidationFailed as exc:
            errors = exc.errors
        else:
            services.request_password_reset(
                data["email"],
                link=lambda raw: _absolute_url("users.reset_password", token=raw),
            )
            commit()
            sent = True
    return render_template(
        "users/forgot_password.html", values=values, errors=errors, sent=sent, message=RESET_SENT
    ), (422 if errors else 200)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@public
@limiter.limit("20 per hour", methods=["POST"])
def reset_password(token: str):
    reset = queries.find_password_reset(token, lock=request.method == "POST")
    if not services.password_reset_usable(reset):
        return _link_problem(
            "This reset link can't be used",
            "It has expired or was already used. Ask for a new one below.",
            404 if reset is None else 410,
            action=("Ask for a new link", url_for("users.forgot_password")),
        )
    errors: dict = {}
    if request.method == "POST":
        try:
            data = load_form(PasswordResetIn(), request.form)
        except ValidationFailed as exc:
            errors = exc.errors
        else:
            user = services.reset_password(reset, data["password"])
            if user.has_2fa:
                # A reset link proves the email, not the second factor.
                _begin_2fa_step(user, None)
                commit()
                flash("Your password is changed. Enter your code to finish signing in.", "success")
                return redirect(url_for("users.login_2fa"))
            if not services.may_sign_in(user):
                session.clear()
                commit()
                flash("Your password is changed.", "success")
                return redirect(url_for("users.login"))
            _sign_in(user)
            commit()
            flash("Your password is changed and you are signed in.", "success")
            return redirect(url_for("agencies.home"))
    return render_template("users/reset_password.html", errors=errors), (422 if errors else 200)


def _link_problem(title: str, message: str, status: int, action: tuple[str, str] | None = None):
    return render_template(
        "users/link_problem.html", title=title, message=message, action=action
    ), status


# --- invitations (the invited person's side) ---------------------------------------------


@bp.route("/invite/<token>", methods=["GET", "POST"])
@public
@limiter.limit("30 per hour", methods=["POST"])
def accept_invitation(token: str):
    """The link in an invitation email: a new person creates their account, an existing one
    signs in as the invited email and accepts."""
    invitation = queries.find_invitation_by_token(token, lock=request.method == "POST")
    if invitation is None:
        return _link_problem(
            "This invitation link is not valid",
            "Check that you opened the whole link from the email, or ask the agency for a new one.",
            404,
        )
    state = invitation.state
    if state != "pending":
        return _link_problem(
            {
                "accepted": "This invitation was already used",
                "revoked": "This invitation was withdrawn",
                "expired": "This invitation has expired",
            }[state],
            services.INVITATION_UNUSABLE[state],
            410,
            action=("Sign in", url_for("users.login")) if state == "accepted" else None,
        )
    agency = db.session.get(Agency, invitation.agency_id)
    existing = services.find_user_by_email(invitation.email)
    me = current_user._get_current_object() if current_user.is_authenticated else None
    is_invitee = me is not None and existing is not None and me.id == existing.id
    values: dict = {"time_zone": agency.time_zone}
    errors: dict = {}
    status = 200
    if request.method == "POST":
        if existing is not None:
            if not is_invitee:
                status = 403
            else:
                services.accept_invitation_as_user(invitation, me, ip=request.remote_addr)
                commit()
                flash(f"You joined {agency.name}.", "success")
                return redirect(url_for("agencies.dashboard", agency_slug=agency.slug))
        else:
            values = request.form.to_dict()
            values.pop("password", None)
            try:
                data = load_form(AcceptInvitationIn(), request.form)
                user, _ = services.accept_invitation_as_new_user(
                    invitation, data, ip=request.remote_addr
                )
                _sign_in(user)
                commit()
                flash(f"Welcome to Baton. You joined {agency.name}.", "success")
                return redirect(url_for("agencies.dashboard", agency_slug=agency.slug))
            except ValidationFailed as exc:
                db.session.rollback()
                errors = exc.errors
                status = 422
    return render_template(
        "users/accept_invitation.html",
        invitation=invitation,
        # Not `agency`: base.html sets that name from the actor (None on public pages).
        inviting_agency=agency,
        role_label=ROLE_LABELS.get(invitation.role, invitation.role),
        existing=existing,
        me=me,
        is_invitee=is_invitee,
        values=values,
        errors=errors,
        token=token,
    ), status


# --- profile -----------------------------------------------------------------------------


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
        agency_choices=[(m.agency_id, f"{m.agency.name} ({m.role})") for m in memberships],
        tokens=tokens,
        sessions=sessions,
        current_session_id=g.get("user_session_id"),
        required_by=services.agencies_requiring_2fa(user),
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
        flash("Profile saved.", "success")
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
    flash(
        "Password changed." + (f" {ended} other session(s) were signed out." if ended else ""),
        "success",
    )
    return redirect(url_for("users.profile", _anchor="password"))


@bp.route("/profile/2fa/setup", methods=["GET", "POST"])
@login_only
@limiter.limit("20 per hour", key_func=lambda: f"totp:{current_user.get_id()}", methods=["POST"])
def setup_2fa():
    """Turn on two-factor: scan the QR code (or type the key), then confirm with a code."""
    user = g.actor.user
    if user.has_2fa:
        flash("Two-factor authentication is already on.", "info")
        return redirect(url_for("users.profile", _anchor="two-factor"))
    secret = services.begin_totp_setup(g.actor)
    commit()
    errors: dict = {}
    if request.method == "POST":
        try:
            data = load_form(TotpCodeIn(), request.form)
            services.confirm_totp(g.actor, data["code"])
            commit()
        except ValidationFailed as exc:
            db.session.rollback()
            errors = exc.errors
        else:
            flash("Two-factor authentication is on.", "success")
            return redirect(url_for("users.profile", _anchor="two-factor"))
    uri = services.totp_uri(user, secret)
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
        services.disable_totp(g.actor, data["code"])
        commit()
    except ValidationFailed as exc:
        db.session.rollback()
        return _render_profile(422, twofa_errors=exc.errors)
    except Conflict as exc:
        db.session.rollback()
        return _render_profile(409, twofa_message=exc.message)
    flash("Two-factor authentication is off.", "info")
    return redirect(url_for("users.profile", _anchor="two-factor"))


@bp.post("/profile/sessions/revoke-others")
@login_only
def revoke_other_sessions():
    ended = services.revoke_sessions(g.actor.user_id, keep_session_id=g.get("user_session_id"))
    commit()
    flash(f"Signed out {ended} other session(s).", "success")
    return redirect(url_for("users.profile", _anchor="sessions"))


@bp.post("/profile/tokens")
@login_only
def create_api_token():
    """Create a personal API token; the full token is shown on this answer only."""
    try:
        data = load_form(ApiTokenIn(), request.form)
        token, raw = services.create_api_token(g.actor, data)
        commit()
    except ValidationFailed as exc:
        db.session.rollback()
        return _render_profile(422, token_values=request.form.to_dict(), token_errors=exc.errors)
    return _render_profile(201, new_token=raw, new_token_name=token.name)


@bp.post("/profile/tokens/<int:token_id>/revoke")
@login_only
def revoke_api_token(token_id: int):
    token = queries.get_my_api_token_or_404(g.actor, token_id)
    services.revoke_api_token(g.actor, token)
    commit()
    flash(f"API token {token.name} revoked.", "success")
    return redirect(url_for("users.profile", _anchor="api-tokens"))


# --- the team (owners and managers) -------------------------------------------------------


def _invitable_roles() -> list[tuple[str, str]]:
    return [(r, ROLE_LABELS[r]) for r in ROLES if policy.can_invite_role(g.actor, r)]


def _render_team(status: int = 200, *, invite_values=None, invite_errors=None, message=None):
    actor = g.actor
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 100_000))
    members = paginate(queries.visible_members(actor), page, MEMBERS_PER_PAGE)
    invitations = list(
        db.session.scalars(queries.visible_invitations(actor, states=("pending", "expired")))
    )
    return render_template(
        "users/team.html",
        members=members,
        invitations=invitations,
        counts=queries.team_counts(),
        roles=_invitable_roles(),
        role_labels=ROLE_LABELS,
        clients=queries.clients_for_invitations(),
        invite_values=invite_values or {"role": "va"},
        invite_errors=invite_errors or {},
        message=message,
        ttl_hours=current_app.config["INVITATION_TTL_HOURS"],
    ), status


def _render_member(member, status: int = 200, *, values=None, errors=None, message=None):
    actor = g.actor
    currency = member.cost_currency or actor.agency.base_currency
    values = values or {
        "role": member.role,
        "title": member.title,
        "capacity_hours_week": member.capacity_hours_week,
        "cost_rate": _major(member.cost_rate_minor, currency),
        "cost_currency": currency,
    }
    role_choices = [
        (r, ROLE_LABELS[r])
        for r in ROLES
        if r == member.role or policy.can_change_member_role(actor, member, r, active_owners=2)
    ]
    return render_template(
        "users/member.html",
        member=member,
        values=values,
        errors=errors or {},
        message=message,
        role_labels=ROLE_LABELS,
        role_choices=role_choices,
        can_update=policy.can_update_member(actor, member),
        can_disable=policy.can_disable_member(actor, member, active_owners=2),
        can_enable=policy.can_enable_member(actor, member),
    ), status


@bp.get("/<agency_slug>/team")
@roles("owner", "manager")
def team(agency_slug: str):
    return _render_team()


@bp.post("/<agency_slug>/team/invite")
@roles("owner", "manager")
def invite_member(agency_slug: str):
    try:
        data = load_form(InvitationIn(), request.form)
        invitation = services.invite_member(
            g.actor, data, link=lambda raw: _absolute_url("users.accept_invitation", token=raw)
        )
        commit()
    except ValidationFailed as exc:
        db.session.rollback()
        return _render_team(422, invite_values=request.form.to_dict(), invite_errors=exc.errors)
    flash(f"Invitation sent to {invitation.email}.", "success")
    return redirect(url_for("users.team", agency_slug=agency_slug))


@bp.post("/<agency_slug>/team/invitations/<int:invitation_id>/revoke")
@roles("owner", "manager")
def revoke_invitation(agency_slug: str, invitation_id: int):
    invitation = queries.get_invitation_or_404(g.actor, invitation_id)
    try:
        services.revoke_invitation(g.actor, invitation)
        commit()
    except Conflict as exc:
        db.session.rollback()
        return _render_team(409, message=exc.message)
    flash(f"Invitation to {invitation.email} revoked.", "success")
    return redirect(url_for("users.team", agency_slug=agency_slug))


@bp.get("/<agency_slug>/team/<int:member_id>")
@roles("owner", "manager")
def team_member(agency_slug: str, member_id: int):
    return _render_member(queries.get_member_or_404(g.actor, member_id))


@bp.post("/<agency_slug>/team/<int:member_id>/role")
@roles("owner", "manager")
def change_member_role(agency_slug: str, member_id: int):
    member = queries.get_member_or_404(g.actor, member_id)
    try:
        data = load_form(MemberRoleIn(), request.form)
        services.change_member_role(g.actor, member, data["role"])
        commit()
    except ValidationFailed as exc:
        db.session.rollback()
        return _render_member(member, 422, errors=exc.errors)
    except Conflict as exc:
        db.session.rollback()
        return _render_member(member, 409, message=exc.message)
    flash(f"{member.user.name} is now {ROLE_LABELS[member.role].lower()}.", "success")
    return redirect(url_for("users.team_member", agency_slug=agency_slug, member_id=member.id))


@bp.post("/<agency_slug>/team/<int:member_id>/details")
@roles("owner", "manager")
def update_member(agency_slug: str, member_id: int):
    member = queries.get_member_or_404(g.actor, member_id)
    try:
        data = load_form(MemberDetailsIn(), request.form)
        services.update_member(g.actor, member, data)
        commit()
    except ValidationFailed as exc:
        db.session.rollback()
        values = {**request.form.to_dict(), "role": member.role}
        return _render_member(member, 422, values=values, errors=exc.errors)
    except Conflict as exc:
        db.session.rollback()
        return _render_member(member, 409, message=exc.message)
    flash(f"{member.user.name}'s details saved.", "success")
    return redirect(url_for("users.team_member", agency_slug=agency_slug, member_id=member.id))


@bp.post("/<agency_slug>/team/<int:member_id>/disable")
@roles("owner", "manager")
def disable_member(agency_slug: str, member_id: int):
    member = queries.get_member_or_404(g.actor, member_id)
    try:
        services.disable_member(g.actor, member)
        commit()
    except Conflict as exc:
        db.session.rollback()
        return _render_member(member, 409, message=exc.message)
    flash(f"{member.user.name} is disabled and signed out everywhere.", "success")
    return redirect(url_for("users.team", agency_slug=agency_slug))


@bp.post("/<agency_slug>/team/<int:member_id>/enable")
@roles("owner", "manager")
def enable_member(agency_slug: str, member_id: int):
    member = queries.get_member_or_404(g.actor, member_id)
    try:
        services.enable_member(g.actor, member)
        commit()
    except Conflict as exc:
        db.session.rollback()
        return _render_member(member, 409, message=exc.message)
    flash(f"{member.user.name} is active again.", "success")
    return redirect(url_for("users.team", agency_slug=agency_slug))
