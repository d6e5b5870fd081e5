"""HTML pages of intake: the questionnaires settings page (owners and managers), a client's
intake page (send a questionnaire, read the answers and older answer sets) and the portal
page where a client contact answers.

Each view: load (404 when not visible) -> authorize (403) -> check the form -> service ->
commit once -> redirect; bad input renders the form again (422) naming each field.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import ValidationError

from app.core.errors import DomainError, ValidationFailed, in_reader_language
from app.core.permissions import MANAGERS, authorize, roles
from app.core.translation import gettext as _
from app.core.translation import lazy_gettext
from app.core.uow import commit
from app.extensions import db
from app.intake import policy
from app.intake.models import CHOICE_KINDS, QUESTION_KINDS
from app.intake.queries import (
    changed_keys,
    client_intake_requests,
    get_questionnaire_or_404,
    visible_questionnaires,
)
from app.intake.schemas import QuestionnaireIn
from app.intake.services import archive_questionnaire, create_questionnaire, update_questionnaire

bp = Blueprint("intake", __name__, template_folder="templates")

KIND_LABELS = {
    "text": lazy_gettext("Short text"),
    "long_text": lazy_gettext("Long text"),
    "single_choice": lazy_gettext("One choice"),
    "multiple_choice": lazy_gettext("Several choices"),
    "date": lazy_gettext("Date"),
    "file": lazy_gettext("File"),
    "url": lazy_gettext("Web address"),
    "tool_login": lazy_gettext("Tool login"),
}
BLANK_ROWS = 3
ROW_FIELDS = ("key", "position", "label", "help", "kind", "required", "options")


@bp.context_processor
def _helpers() -> dict:
    return {
        "KIND_LABELS": KIND_LABELS,
        "kind_options": [(k, KIND_LABELS[k]) for k in QUESTION_KINDS],
        "CHOICE_KINDS": CHOICE_KINDS,
    }


@bp.app_context_processor
def _client_card() -> dict:
    """For the client page (app.clients): the client's intake, for those who may read it."""

    def intake_for_client(client_id: int) -> list | None:
        actor = g.get("actor")
        if actor is None or not policy.can_see_intake_answers(actor):
            return None
        return client_intake_requests(actor, client_id)

    def intake_for_portal() -> list:
        """The questionnaires sent to the client contact's own client."""
        actor = g.get("actor")
        client_id = getattr(getattr(actor, "membership", None), "client_id", None)
        if actor is None or actor.role != "client" or client_id is None:
            return []
        return client_intake_requests(actor, client_id)

    return {
        "intake_for_client": intake_for_client,
        "intake_for_portal": intake_for_portal,
        "intake_changed_keys": changed_keys,
    }


# --- questionnaires (settings) -------------------------------------------------------------


@bp.get("/<agency_slug>/settings/intake")
@roles(*MANAGERS)
def list_questionnaires(agency_slug: str) -> ResponseReturnValue:
    authorize(policy.can_manage_questionnaires(g.actor))
    questionnaires = db.session.scalars(visible_questionnaires(g.actor)).all()
    return render_template("intake/questionnaires.html", questionnaires=questionnaires)


def _rows_from_form(form: Any) -> tuple[dict, list[int]]:
    """The form's question rows as QuestionnaireIn data (rows left blank are skipped; the
    service orders the rest by position) and, for each question, the row it came from."""
    rows: list[tuple[int, dict]] = []
    indexes = sorted(
        {
            int(parts[1])
            for key in form
            if len(parts := key.split(".")) == 3 and parts[0] == "questions" and parts[1].isdigit()
        }
    )
    for i in indexes:
        get = lambda name, i=i: (form.get(f"questions.{i}.{name}") or "").strip()  # noqa: E731
        if not get("label") and not get("options") and not get("help"):
            continue
        item: dict[str, Any] = {
            "label": get("label"),
            "kind": get("kind"),
            "required": get("required") in ("on", "true", "1", "yes"),
            "options": [o.strip() for o in get("options").splitlines() if o.strip()],
        }
        for name in ("help", "key", "position"):
            if get(name):
                item[name] = get(name)
        rows.append((i, item))
    data: dict[str, Any] = {"questions": [r[1] for r in rows]}
    if form.get("name", "").strip():
        data["name"] = form["name"]
    known = {"name", "csrf_token", "form_token"}
    for key in form:
        parts = key.split(".")
        is_row = len(parts) == 3 and parts[0] == "questions" and parts[2] in ROW_FIELDS
        if key not in known and not (is_row and parts[1].isdigit()):
            data[key] = form.get(key)
    return data, [r[0] for r in rows]


def _load_questionnaire(form: Any) -> dict:
    data, origin = _rows_from_form(form)
    try:
        return QuestionnaireIn().load(data)
    except ValidationError as exc:
        errors: dict[str, Any] = {}
        for name, messages in exc.messages.items():
            if name == "questions" and isinstance(messages, dict):
                for index, inner in messages.items():
                    if isinstance(index, int) and isinstance(inner, dict):
                        for field, msgs in inner.items():
                            errors[f"questions.{origin[index]}.{field}"] = msgs
                    else:
                        errors["questions"] = inner if isinstance(inner, list) else [inner]
            else:
                errors[str(name)] = messages
        raise ValidationFailed(in_reader_language(errors)) from exc


def _form_values(questionnaire: Any) -> dict:
    values: dict[str, Any] = {"name": questionnaire.name if questionnaire else ""}
    questions = questionnaire.latest.questions if questionnaire and questionnaire.latest else []
    for i, q in enumerate(questions):
        prefix = f"questions.{i}."
        values.update(
            {
                prefix + "key": q["key"],
                prefix + "position": i + 1,
                prefix + "label": q["label"],
                prefix + "help": q.get("help") or "",
                prefix + "kind": q["kind"],
                prefix + "required": q.get("required"),
                prefix + "options": "\n".join(q.get("options") or []),
            }
        )
    return values


def _row_count(values: dict) -> int:
    used = [
        int(parts[1])
        for key in values
        if len(parts := key.split(".")) == 3 and parts[0] == "questions" and parts[1].isdigit()
    ]
    return (max(used) + 1 if used else 0) + BLANK_ROWS


def _render_form(questionnaire: Any, values: dict, errors: dict) -> ResponseReturnValue:
    return render_template(
        "intake/questionnaire_form.html",
        questionnaire=questionnaire,
        values=values,
        errors=errors,
        rows=min(_row_count(values), 100 + BLANK_ROWS),
    ), (422 if errors else 200)


@bp.route("/<agency_slug>/settings/intake/new", methods=["GET", "POST"])
@roles(*MANAGERS)
def new_questionnaire(agency_slug: str) -> ResponseReturnValue:
    authorize(policy.can_manage_questionnaires(g.actor))
    values: dict = {"name": ""}
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            questionnaire = create_questionnaire(g.actor, _load_questionnaire(request.form))
            commit()
        except ValidationFailed as exc:
            db.session.rollback()
            return _render_form(None, values, exc.errors)
        flash(_("Questionnaire %(name)s created.", name=questionnaire.name), "success")
        return redirect(url_for("intake.list_questionnaires", agency_slug=agency_slug))
    return _render_form(None, values, {})


@bp.route("/<agency_slug>/settings/intake/<int:questionnaire_id>", methods=["GET", "POST"])
@roles(*MANAGERS)
def edit_questionnaire(agency_slug: str, questionnaire_id: int) -> ResponseReturnValue:
    questionnaire = get_questionnaire_or_404(g.actor, questionnaire_id)
    authorize(policy.can_manage_questionnaires(g.actor))
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            update_questionnaire(g.actor, questionnaire, _load_questionnaire(request.form))
            commit()
        except ValidationFailed as exc:
            db.session.rollback()
            return _render_form(questionnaire, values, exc.errors)
        flash(_("Questionnaire saved."), "success")
        return redirect(url_for("intake.list_questionnaires", agency_slug=agency_slug))
    return _render_form(questionnaire, _form_values(questionnaire), {})


@bp.post("/<agency_slug>/settings/intake/<int:questionnaire_id>/archive")
@roles(*MANAGERS)
def archive(agency_slug: str, questionnaire_id: int) -> ResponseReturnValue:
    questionnaire = get_questionnaire_or_404(g.actor, questionnaire_id)
    authorize(policy.can_manage_questionnaires(g.actor))
    try:
        archive_questionnaire(g.actor, questionnaire)
        commit()
        flash(_("Questionnaire %(name)s archived.", name=questionnaire.name), "success")
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    return redirect(url_for("intake.list_questionnaires", agency_slug=agency_slug))
