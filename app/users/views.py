"""HTML pages of the users domain for getting in: sign-up, sign-in (with the 2FA step),
sign-out, password reset and accepting an invitation. The routes go on the blueprint of
app.users.blueprint; the profile pages are in profile_views, the team pages in team_views."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlparse

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user

from app.agencies.models import Agency
from app.core.clock import timestamp
from app.core.errors import Conflict, ValidationFailed
from app.core.formatting import role_label
from app.core.permissions import login_only, public
from app.core.schemas import load_form
from app.core.translation import gettext as _
from app.core.translation import lazy_gettext
from app.core.uow import commit
from app.extensions import db, limiter
from app.users import queries, services, team_services, two_factor
from app.users.auth import end_session, start_session
from app.users.blueprint import bp
from app.users.models import User
from app.users.schemas import (
    AcceptInvitationIn,
    LoginIn,
    PasswordResetIn,
    PasswordResetRequestIn,
    SignupIn,
    TotpCodeIn,
)

LOGIN_FAILED = lazy_gettext("Email or password is incorrect.")
# When to try again is added by the 429 answer (app.core.errors), in the same language.
TOO_MANY_LOGINS = lazy_gettext("Too many sign-in attempts.")
TOO_MANY_RESETS = lazy_gettext("Too many reset requests.")
RESET_SENT = lazy_gettext(
    "If an account exists for that email, we have sent it a link to reset the password. "
    "The link works once and expires soon."
)
WRONG_CODE = lazy_gettext("That code is not right. Check your authenticator app and try again.")
PENDING_2FA_SECONDS = 5 * 60
_PENDING_KEYS = ("pending_2fa_user", "pending_2fa_email", "pending_2fa_at", "pending_next")


# --- helpers ---------------------------------------------------------------------------


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _sign_in(user: User) -> None:
    start_session(user, ip=request.remote_addr, user_agent=request.user_agent.string)


def _enter_agency(agency: Agency, welcome: str):
    """Commit the new account or membership, then greet the person on the agency's dashboard."""
    commit()
    flash(welcome, "success")
    return redirect(url_for("agencies.dashboard", agency_slug=agency.slug))


def _account_key(scope: str) -> str:
    """The rate-limit bucket of the account named in the submitted form."""
    return f"{scope}:" + services.normalize_email(request.form.get("email", ""))[:254]


def _login_account_key() -> str:
    return _account_key("login-account")


def _pending_account_key() -> str:
    # The 2FA step counts against the same per-account bucket as the password step.
    return "login-account:" + (session.get("pending_2fa_email") or "")


def _no_pending_2fa() -> bool:
    return not session.get("pending_2fa_user")


def _reset_account_key() -> str:
    return _account_key("reset-account")


def _begin_2fa_step(user: User, next_url: str | None) -> None:
    session.clear()
    session["pending_2fa_user"] = user.id
    session["pending_2fa_email"] = user.email
    session["pending_2fa_at"] = timestamp()
    session["pending_next"] = next_url


def _pending_2fa_user() -> User | None:
    user_id, started = session.get("pending_2fa_user"), session.get("pending_2fa_at")
    if not user_id or not started or timestamp() - started > PENDING_2FA_SECONDS:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.has_2fa:
        return None
    return user


def _link_problem(title: str, message: str, status: int, action: tuple[str, str] | None = None):
    return render_template(
        "users/link_problem.html", title=title, message=message, action=action
    ), status


# Both sign-in steps (password, then the 2FA code) count against the same two buckets.
_login_ip_limit = limiter.shared_limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT_IP"],
    scope="login-ip",
    methods=["POST"],
    error_message=lambda: str(TOO_MANY_LOGINS),
)


def _login_account_limit(key_func: Callable[[], str], *, exempt_when=None):
    return limiter.shared_limit(
        lambda: current_app.config["LOGIN_RATE_LIMIT_ACCOUNT"],
        scope="login-account",
        key_func=key_func,
        exempt_when=exempt_when,
        methods=["POST"],
        error_message=lambda: str(TOO_MANY_LOGINS),
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
        except ValidationFailed as exc:
            errors = exc.errors
        else:
            # The same answer whether or not the email has an account: the email decides.
            services.request_signup(data, ip=request.remote_addr)
            commit()
            return render_template("users/signup_sent.html", email=data["email"])
    values.pop("password", None)
    return render_template("users/signup.html", values=values, errors=errors), (
        422 if errors else 200
    )


@bp.route("/signup/confirm/<token>", methods=["GET", "POST"])
@public
@limiter.limit("20 per hour", methods=["POST"])
def confirm_signup(token: str):
    """The link from the sign-up email: a button creates the agency (a GET changes nothing,
    so a mail scanner opening the link does not use it)."""
    row = services.find_signup_request(token, lock=request.method == "POST")
    if not services.signup_request_usable(row):
        return _link_problem(
            _("This link can't be used"),
            _("It has expired or was already used. Start again."),
            404 if row is None else 410,
            action=(_("Start an agency"), url_for("users.signup")),
        )
    if request.method == "POST":
        try:
            user, agency, _membership = services.confirm_signup(row)
        except Conflict as exc:
            db.session.rollback()
            return _link_problem(
                _("This email already has an account"),
                exc.message,
                409,
                action=(_("Sign in"), url_for("users.login")),
            )
        _sign_in(user)
        return _enter_agency(
            agency, _("Welcome to Baton. %(agency)s is ready.", agency=agency.name)
        )
    return render_template("users/signup_confirm.html", signup=row, token=token)


@bp.route("/login", methods=["GET", "POST"])
@public
@_login_ip_limit
@_login_account_limit(_login_account_key)
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
                message = str(LOGIN_FAILED)
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
@_login_ip_limit
@_login_account_limit(_pending_account_key, exempt_when=_no_pending_2fa)
def login_2fa():
    """The second step for people with two-factor on: a code from their authenticator app."""
    user = _pending_2fa_user()
    if user is None:
        for key in _PENDING_KEYS:
            session.pop(key, None)
        flash(_("Please sign in (again): the sign-in took longer than 5 minutes."), "warning")
        return redirect(url_for("users.login"))
    errors: dict = {}
    if request.method == "POST":
        try:
            data = load_form(TotpCodeIn(), request.form)
        except ValidationFailed as exc:
            errors = exc.errors
        else:
            if two_factor.verify_totp(user, data["code"]) and services.may_sign_in(user):
                next_url = _safe_next(session.get("pending_next"))
                _sign_in(user)
                commit()
                return redirect(next_url or url_for("agencies.home"))
            errors = {"code": [str(WRONG_CODE)]}
    return render_template("users/login_2fa.html", errors=errors, email=user.email), (
        422 if errors else 200
    )


@bp.post("/logout")
@login_only
def logout():
    end_session()
    flash(_("You are signed out."), "info")
    return redirect(url_for("users.login"))


# --- password reset ----------------------------------------------------------------------


@bp.route("/forgot-password", methods=["GET", "POST"])
@public
@limiter.limit(
    lambda: current_app.config.get("PASSWORD_RESET_RATE_LIMIT_IP", "10 per hour"),
    methods=["POST"],
    error_message=lambda: str(TOO_MANY_RESETS),
)
@limiter.limit(
    lambda: current_app.config.get("PASSWORD_RESET_RATE_LIMIT_ACCOUNT", "3 per hour"),
    key_func=_reset_account_key,
    methods=["POST"],
    error_message=lambda: str(TOO_MANY_RESETS),
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
            services.request_password_reset(data["email"])
            commit()
            sent = True
    return render_template(
        "users/forgot_password.html",
        values=values,
        errors=errors,
        sent=sent,
        message=str(RESET_SENT),
    ), (422 if errors else 200)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@public
@limiter.limit("20 per hour", methods=["POST"])
def reset_password(token: str):
    reset = queries.find_password_reset(token, lock=request.method == "POST")
    if not services.password_reset_usable(reset):
        return _link_problem(
            _("This reset link can't be used"),
            _("It has expired or was already used. Ask for a new one below."),
            404 if reset is None else 410,
            action=(_("Ask for a new link"), url_for("users.forgot_password")),
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
                flash(
                    _("Your password is changed. Enter your code to finish signing in."),
                    "success",
                )
                return redirect(url_for("users.login_2fa"))
            if not services.may_sign_in(user):
                session.clear()
                commit()
                flash(_("Your password is changed."), "success")
                return redirect(url_for("users.login"))
            _sign_in(user)
            commit()
            flash(_("Your password is changed and you are signed in."), "success")
            return redirect(url_for("agencies.home"))
    return render_template("users/reset_password.html", errors=errors), (422 if errors else 200)


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
            _("This invitation link is not valid"),
            _(
                "Check that you opened the whole link from the email, "
                "or ask the agency for a new one."
            ),
            404,
        )
    state = invitation.state
    if state != "pending":
        return _link_problem(
            {
                "accepted": _("This invitation was already used"),
                "revoked": _("This invitation was withdrawn"),
                "expired": _("This invitation has expired"),
            }[state],
            str(team_services.INVITATION_UNUSABLE[state]),
            410,
            action=(_("Sign in"), url_for("users.login")) if state == "accepted" else None,
        )
    agency = db.session.get(Agency, invitation.agency_id)
    existing = services.find_user_by_email(invitation.email)
    me = current_user._get_current_object() if current_user.is_authenticated else None
    is_invitee = me is not None and existing is not None and me.id == existing.id
    values: dict = {"time_zone": team_services.invitee_defaults(invitation)["time_zone"]}
    errors: dict = {}
    status = 200
    if request.method == "POST":
        if existing is not None:
            if not is_invitee:
                status = 403
            else:
                team_services.accept_invitation_as_user(invitation, me, ip=request.remote_addr)
                return _enter_agency(agency, _("You joined %(agency)s.", agency=agency.name))
        else:
            values = request.form.to_dict()
            values.pop("password", None)
            try:
                data = load_form(AcceptInvitationIn(), request.form)
                user, _membership = team_services.accept_invitation_as_new_user(
                    invitation, data, ip=request.remote_addr
                )
                _sign_in(user)
                return _enter_agency(
                    agency, _("Welcome to Baton. You joined %(agency)s.", agency=agency.name)
                )
            except ValidationFailed as exc:
                db.session.rollback()
                errors = exc.errors
                status = 422
    return render_template(
        "users/accept_invitation.html",
        invitation=invitation,
        # Not `agency`: base.html sets that name from the actor (None on public pages).
        inviting_agency=agency,
        role_label=role_label(invitation.role),
        existing=existing,
        me=me,
        is_invitee=is_invitee,
        values=values,
        errors=errors,
        token=token,
    ), status
