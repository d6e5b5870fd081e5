"""HTML pages of a client's intake: staff send a questionnaire and read the answers (latest
first, with what changed since the previous answer set, and any older set); a client
contact answers in the portal. Routes are added to the intake blueprint (app.intake.views).
"""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import NotFound

from app.clients.queries import get_client_or_404
from app.core.errors import DomainError
from app.core.permissions import MANAGERS, authorize, roles
from app.core.schemas import load_form
from app.core.translation import gettext as _
from app.core.uow import commit
from app.extensions import db
from app.intake import policy
from app.intake.answers import Upload
from app.intake.queries import (
    answer_number,
    changed_keys,
    client_intake_requests,
    get_intake_request_or_404,
    visible_questionnaires,
)
from app.intake.schemas import SendIn
from app.intake.services import send_questionnaire, submit_answers
from app.intake.views import bp
from app.work.uploads import DEFAULT_MAX_BYTES

LOGIN_PARTS = ("tool", "url", "username", "password")


def _render_client(client: Any, errors: dict, values: dict, status: int) -> ResponseReturnValue:
    actor = g.actor
    can_send = policy.can_send_questionnaire(actor, client)
    questionnaires = []
    if can_send:
        questionnaires = [
            (q.id, q.name)
            for q in db.session.scalars(visible_questionnaires(actor))
            if q.archived_at is None
        ]
    return render_template(
        "intake/client.html",
        client=client,
        requests=client_intake_requests(actor, client.id),
        changed_keys=changed_keys,
        can_send=can_send,
        questionnaires=questionnaires,
        values=values,
        errors=errors,
    ), status


@bp.get("/<agency_slug>/clients/<int:client_id>/intake")
@roles(*MANAGERS, "va")
def client_intake(agency_slug: str, client_id: int) -> ResponseReturnValue:
    """A client's questionnaires and their latest answers (owners, managers, its VAs)."""
    client = get_client_or_404(g.actor, client_id)
    authorize(policy.can_see_intake_answers(g.actor))
    return _render_client(client, {}, {}, 200)


@bp.post("/<agency_slug>/clients/<int:client_id>/intake")
@roles(*MANAGERS)
def send(agency_slug: str, client_id: int) -> ResponseReturnValue:
    """Send a questionnaire's latest version to the client (once per version)."""
    client = get_client_or_404(g.actor, client_id)
    authorize(policy.can_send_questionnaire(g.actor, client))
    try:
        data = load_form(SendIn(), request.form)
        intake_request, created = send_questionnaire(g.actor, client, data["questionnaire_id"])
        commit()
    except DomainError as exc:
        db.session.rollback()
        errors = exc.errors or {"_schema": [exc.message]}
        return _render_client(client, errors, request.form.to_dict(), exc.status)
    if created:
        flash(_("Questionnaire sent; the client's contacts are emailed."), "success")
    else:
        flash(_("This version was already sent to this client."), "info")
    return redirect(url_for("intake.client_intake", agency_slug=agency_slug, client_id=client_id))


@bp.get("/<agency_slug>/intake/<int:intake_request_id>")
@roles(*MANAGERS, "va")
def view_answers(agency_slug: str, intake_request_id: int) -> ResponseReturnValue:
    """One questionnaire's answers, the latest set or `?answer=<number>`, with the questions
    whose answer changed since the set before it marked."""
    intake_request = get_intake_request_or_404(g.actor, intake_request_id)
    authorize(policy.can_see_intake_answers(g.actor))
    number = request.args.get("answer", type=int)
    answer = answer_number(intake_request, number)
    if number is not None and answer is None:
        raise NotFound()
    return render_template(
        "intake/answers.html",
        intake_request=intake_request,
        answer=answer,
        changed=changed_keys(intake_request, answer) if answer else set(),
    )


# --- the portal ----------------------------------------------------------------------------


def _values_from_form(questions: list[dict], form: Any) -> tuple[dict, dict]:
    """The form's answers keyed by question (choices as lists, logins as their four parts),
    and any field that is not one of the questions' (refused as unknown)."""
    values: dict[str, Any] = {}
    known = {"csrf_token", "form_token"}
    for q in questions:
        key = q["key"]
        if q["kind"] == "tool_login":
            names = [f"{key}.{part}" for part in LOGIN_PARTS]
            known.update(names)
            values[key] = {part: form.get(f"{key}.{part}", "") for part in LOGIN_PARTS}
        elif q["kind"] == "multiple_choice":
            known.add(key)
            values[key] = [v for v in form.getlist(key) if v]
        elif q["kind"] != "file":
            known.add(key)
            values[key] = form.get(key, "")
    unknown = {k: [_("Unknown field.")] for k in form if k not in known}
    return values, unknown


def _field_names(questions: list[dict]) -> list[str]:
    names: list[str] = []
    for q in questions:
        if q["kind"] == "tool_login":
            names.extend(f"{q['key']}.{part}" for part in LOGIN_PARTS)
        names.append(q["key"])
    return names


def _render_portal(
    intake_request: Any, values: dict, errors: dict, status: int = 200
) -> ResponseReturnValue:
    return render_template(
        "intake/answer_form.html",
        intake_request=intake_request,
        previous=intake_request.latest_answer,
        values=values,
        errors=errors,
        known=_field_names(intake_request.version.questions),
    ), status


def _previous_values(intake_request: Any) -> dict:
    answer = intake_request.latest_answer
    values: dict[str, Any] = {}
    for q in intake_request.version.questions:
        value = answer.answers.get(q["key"]) if answer else None
        if value is None or q["kind"] == "file":
            continue
        if q["kind"] == "tool_login":
            for part in ("tool", "url", "username"):
                values[f"{q['key']}.{part}"] = value.get(part) or ""
        else:
            values[q["key"]] = value
    return values


@bp.route("/<agency_slug>/portal/intake/<int:intake_request_id>", methods=["GET", "POST"])
@roles("client")
def answer_questionnaire(agency_slug: str, intake_request_id: int) -> ResponseReturnValue:
    """A client contact answers (or updates their answers): each submit is a new set."""
    intake_request = get_intake_request_or_404(g.actor, intake_request_id)
    authorize(policy.can_answer_intake(g.actor, intake_request))
    if request.method == "GET":
        return _render_portal(intake_request, _previous_values(intake_request), {})
    questions = intake_request.version.questions
    values, unknown = _values_from_form(questions, request.form)
    uploads = {
        q["key"]: Upload(stream=f.stream, filename=f.filename)
        for q in questions
        if q["kind"] == "file" and (f := request.files.get(q["key"])) and f.filename
    }
    form_values = request.form.to_dict()
    for key in list(form_values):
        if key.endswith(".password"):
            form_values[key] = ""  # never echoed back into the page
    if unknown:
        return _render_portal(intake_request, form_values, unknown, 422)
    limit = int(current_app.config.get("EVIDENCE_MAX_BYTES") or DEFAULT_MAX_BYTES)
    try:
        submit_answers(g.actor, intake_request, values, uploads, max_bytes=limit)
        commit()
    except DomainError as exc:
        db.session.rollback()
        errors = _login_errors(questions, exc.errors or {"_schema": [exc.message]})
        return _render_portal(intake_request, form_values, errors, exc.status)
    flash(_("Thank you: your answers are saved."), "success")
    return redirect(url_for("portal.home", agency_slug=agency_slug))


def _login_errors(questions: list[dict], errors: dict) -> dict:
    """A login question's message is shown beside each of its inputs."""
    out = dict(errors)
    for q in questions:
        if q["kind"] == "tool_login" and q["key"] in errors:
            for part in LOGIN_PARTS:
                out[f"{q['key']}.{part}"] = errors[q["key"]]
    return out
