"""Survey pages: the public answer page behind an emailed link, the client contact's
"Surveys" in the portal, and the owners' and managers' Satisfaction page.

The emailed link opens a page with the score preselected; only the page's button (a POST
with its CSRF token) records it, because mail scanners open every link in a message. The
link is outside any agency's address (public pages never are inside one): its token names
one survey, and the page then acts in that survey's agency only.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask import flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app.agencies.models import Agency
from app.core.clock import utcnow
from app.core.errors import DomainError
from app.core.permissions import MANAGERS, Actor, authorize, public, roles
from app.core.schemas import load_form
from app.core.security import token_hash
from app.core.tenancy import all_tenants, tenant
from app.core.translation import gettext as _
from app.core.uow import commit
from app.extensions import db, limiter
from app.surveys import policy
from app.surveys.blueprint import bp
from app.surveys.figures import satisfaction_report
from app.surveys.models import SCALES, Survey
from app.surveys.queries import (
    filtered_surveys,
    find_survey_by_token,
    get_survey_or_404,
    recent_answers,
)
from app.surveys.schemas import AnswerIn, SettingsIn
from app.surveys.sending import csat_interval_days
from app.surveys.services import answer_survey, survey_state, update_settings


def _link_problem(title: str, message: str, status: int) -> ResponseReturnValue:
    return render_template("surveys/link_problem.html", title=title, message=message), status


def _preselected(survey: Survey) -> int | None:
    low, high = SCALES[survey.kind]
    raw = request.args.get("score", "")
    return int(raw) if raw.isdigit() and low <= int(raw) <= high else None


def _answer_page(
    agency: Agency, survey: Survey, token: str, *, values: dict, errors: dict, status: int = 200
) -> ResponseReturnValue:
    return render_template(
        "surveys/answer.html",
        agency=agency,
        survey=survey,
        token=token,
        state=survey_state(survey, utcnow()),
        scale=range(SCALES[survey.kind][0], SCALES[survey.kind][1] + 1),
        values=values,
        errors=errors,
    ), status


@bp.route("/survey/<token>", methods=["GET", "POST"])
@public
@limiter.limit("30 per hour", methods=["POST"])
def answer(token: str) -> ResponseReturnValue:
    """The emailed link: the question with the score preselected (?score=) and a comment
    box. A GET changes nothing; the button records the answer. The token names one survey
    of one agency, and the page acts in that agency only."""
    with all_tenants():  # explicitly cross-tenant: the token is the only key we are given
        agency_id = db.session.scalar(
            sa.select(Survey.agency_id).where(Survey.token_hash == token_hash(token))
        )
    if agency_id is None:
        return _link_problem(
            _("This link can't be used"), _("Check that you copied the whole link."), 404
        )
    agency = db.session.get(Agency, agency_id)
    with tenant(agency_id):
        survey = find_survey_by_token(token, lock=request.method == "POST")
        if survey_state(survey, utcnow()) == "expired":
            return _link_problem(
                _("This survey has expired"),
                _("Thank you all the same: %(agency)s will ask again.", agency=agency.name),
                410,
            )
        if request.method == "GET":
            return _answer_page(
                agency, survey, token, values={"score": _preselected(survey)}, errors={}
            )
        actor = Actor(user=None, agency=agency, ip=request.remote_addr, via="survey")
        try:
            data = load_form(AnswerIn(), request.form)
            answer_survey(actor, survey, data)
            commit()
        except DomainError as exc:
            db.session.rollback()
            survey = find_survey_by_token(token)
            errors = exc.errors or {"_schema": [exc.message]}
            return _answer_page(
                agency, survey, token, values=request.form.to_dict(), errors=errors,
                status=exc.status,
            )  # fmt: skip
        return render_template("surveys/thanks.html", agency=agency, survey=survey)


# --- the portal -----------------------------------------------------------------------------


def _portal_page(errors: dict | None = None, failed_id: int | None = None, status: int = 200):
    surveys = list(db.session.scalars(filtered_surveys(g.actor).limit(50)).unique())
    now = utcnow()
    return render_template(
        "surveys/portal.html",
        surveys=surveys,
        states={s.id: survey_state(s, now) for s in surveys},
        scales={k: range(low, high + 1) for k, (low, high) in SCALES.items()},
        errors=errors or {},
        failed_id=failed_id,
        values=request.form.to_dict() if failed_id else {},
    ), status


@bp.get("/<agency_slug>/portal/surveys")
@roles("client")
def portal_surveys(agency_slug: str) -> ResponseReturnValue:
    """The client contact's surveys: those waiting for an answer first, then the answered."""
    return _portal_page()


@bp.post("/<agency_slug>/portal/surveys/<int:survey_id>")
@roles("client")
def answer_in_portal(agency_slug: str, survey_id: int) -> ResponseReturnValue:
    """Answer (or, within 24 hours, change the answer to) one of the client's surveys."""
    survey = get_survey_or_404(g.actor, survey_id, lock=True)
    authorize(policy.can_answer_survey(g.actor, survey))
    try:
        data = load_form(AnswerIn(), request.form)
        answer_survey(g.actor, survey, data, by=g.actor.membership)
        commit()
    except DomainError as exc:
        db.session.rollback()
        errors = exc.errors or {"_schema": [exc.message]}
        return _portal_page(errors, survey_id, exc.status)
    flash(_("Thank you for your answer."), "success")
    return redirect(url_for("surveys.portal_surveys", agency_slug=agency_slug))


# --- the Satisfaction page --------------------------------------------------------------------


def _satisfaction_page(values: dict, errors: dict, status: int = 200) -> ResponseReturnValue:
    report = satisfaction_report(g.actor.agency.time_zone)
    chart = {
        "labels": [m.label for m in report.months],
        "currency": "",
        "series": [
            {"key": "csat", "label": _("CSAT average"), "values": [m.csat for m in report.months]}
        ],
    }
    return render_template(
        "surveys/satisfaction.html",
        report=report,
        recent=recent_answers(g.actor),
        chart_json=json.dumps(chart),
        interval_days=csat_interval_days(),
        values=values,
        errors=errors,
    ), status


@bp.get("/<agency_slug>/satisfaction")
@roles(*MANAGERS)
def satisfaction(agency_slug: str) -> ResponseReturnValue:
    """CSAT and NPS: per client, per VA, per SOP, per month and NPS per quarter."""
    authorize(policy.can_view_satisfaction(g.actor))
    return _satisfaction_page({}, {})


@bp.post("/<agency_slug>/satisfaction/settings")
@roles(*MANAGERS)
def update_survey_settings(agency_slug: str) -> ResponseReturnValue:
    """At most one CSAT per client in N days."""
    authorize(policy.can_change_survey_settings(g.actor))
    try:
        data = load_form(SettingsIn(), request.form)
        update_settings(g.actor, data)
        commit()
    except DomainError as exc:
        db.session.rollback()
        return _satisfaction_page(request.form.to_dict(), exc.errors or {}, exc.status)
    flash(_("Survey settings saved."), "success")
    return redirect(url_for("surveys.satisfaction", agency_slug=agency_slug))
