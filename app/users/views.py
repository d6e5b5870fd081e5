"""HTML pages of the users domain: sign-up, sign-in (with 2FA step), sign-out."""

from __future__ import annotations

from urllib.parse import urlparse

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user

from app.core.errors import ValidationFailed
from app.core.permissions import login_only, public, roles
from app.core.schemas import load_form
from app.core.uow import commit
from app.extensions import db, limiter
from app.users import services
from app.users.auth import end_session, start_session
from app.users.schemas import LoginIn, SignupIn

bp = Blueprint("users", __name__, template_folder="templates")

LOGIN_FAILED = "Email or password is incorrect."


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _login_account_key() -> str:
    return "login-account:" + services.normalize_email(request.form.get("email", ""))[:254]


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
            start_session(user, ip=request.remote_addr, user_agent=request.user_agent.string)
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
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT_IP"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT_ACCOUNT"],
    key_func=_login_account_key,
    methods=["POST"],
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
                session.clear()
                session["pending_2fa_user"] = user.id
                session["pending_next"] = _safe_next(data.get("next"))
                db.session.commit()
                return redirect(url_for("users.login_2fa"))
            else:
                start_session(user, ip=request.remote_addr, user_agent=request.user_agent.string)
                commit()
                return redirect(_safe_next(data.get("next")) or url_for("agencies.home"))
    status = 422 if errors else (401 if message else 200)
    return render_template(
        "users/login.html", values=values, errors=errors, message=message
    ), status


@bp.post("/logout")
@login_only
def logout():
    end_session()
    flash("You are signed out.", "info")
    return redirect(url_for("users.login"))


# --- Placeholders replaced by the accounts work (issue #2); each answers 501 until built.
@bp.route("/login/2fa", methods=["GET", "POST"])
@public
def login_2fa():
    return render_template("errors/error.html", code=501, title="Not built yet", message=""), 501


@bp.route("/forgot-password", methods=["GET", "POST"])
@public
def forgot_password():
    return render_template("errors/error.html", code=501, title="Not built yet", message=""), 501


@bp.route("/profile", methods=["GET", "POST"])
@login_only
def profile():
    return render_template("errors/error.html", code=501, title="Not built yet", message=""), 501


@bp.route("/<agency_slug>/team")
@roles("owner", "manager")
def team(agency_slug: str):
    return render_template("errors/error.html", code=501, title="Not built yet", message=""), 501
