"""JSON API of intake: questionnaires (owners and managers), sending one to a client, and
reading the answers (owners, managers, the client's VAs and its own contacts). A client
contact submits answers with POST /portal/intake-requests/<id>/answers (files only from the
portal page). Routes with an id load the object first, so another agency's id is a 404."""

from __future__ import annotations

from flask import current_app, g
from flask.views import MethodView
from flask_smorest import Blueprint

from app.clients.models import Client
from app.clients.queries import get_client_or_404
from app.core.errors import ValidationFailed
from app.core.pagination import paginate
from app.core.permissions import MANAGERS, authorize, loads, roles
from app.core.schemas import PageArgs
from app.core.uow import commit
from app.intake import policy
from app.intake.models import IntakeRequest, Questionnaire
from app.intake.queries import (
    client_intake_requests,
    get_intake_request_or_404,
    get_questionnaire_or_404,
    visible_questionnaires,
)
from app.intake.schemas import (
    AnswersIn,
    IntakeRequestOut,
    IntakeRequestPageOut,
    QuestionnaireIn,
    QuestionnaireOut,
    QuestionnairePageOut,
    SendIn,
)
from app.intake.services import (
    archive_questionnaire,
    create_questionnaire,
    send_questionnaire,
    submit_answers,
    update_questionnaire,
)
from app.work.uploads import DEFAULT_MAX_BYTES

blp = Blueprint(
    "intake_api",
    __name__,
    url_prefix="/api/v1/<agency_slug>",
    description="Intake questionnaires, sending them to clients, and the clients' answers",
)


@blp.route("/questionnaires")
class Questionnaires(MethodView):
    @roles(*MANAGERS)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, QuestionnairePageOut)
    def get(self, args: dict, agency_slug: str) -> dict:
        """The agency's questionnaires with their latest version (archived last)."""
        authorize(policy.can_manage_questionnaires(g.actor))
        page = paginate(visible_questionnaires(g.actor), args["page"], args["per_page"])
        return {"items": page.items, "meta": page.meta()}

    @roles(*MANAGERS)
    @blp.arguments(QuestionnaireIn)
    @blp.response(201, QuestionnaireOut)
    def post(self, data: dict, agency_slug: str) -> Questionnaire:
        """Create a questionnaire (version 1)."""
        authorize(policy.can_manage_questionnaires(g.actor))
        questionnaire = create_questionnaire(g.actor, data)
        commit()
        return questionnaire


@blp.route("/questionnaires/<int:questionnaire_id>")
class QuestionnaireResource(MethodView):
    @roles(*MANAGERS)
    @loads(get_questionnaire_or_404, "questionnaire_id", "questionnaire")
    @blp.response(200, QuestionnaireOut)
    def get(self, agency_slug: str, questionnaire: Questionnaire) -> Questionnaire:
        """One questionnaire with its latest version."""
        authorize(policy.can_manage_questionnaires(g.actor))
        return questionnaire

    @roles(*MANAGERS)
    @loads(get_questionnaire_or_404, "questionnaire_id", "questionnaire")
    @blp.arguments(QuestionnaireIn)
    @blp.response(200, QuestionnaireOut)
    def put(self, data: dict, agency_slug: str, questionnaire: Questionnaire) -> Questionnaire:
        """Replace the name and questions. Send each question's `key` back to keep it; a
        version that has answers is kept and a new version is made."""
        authorize(policy.can_manage_questionnaires(g.actor))
        update_questionnaire(g.actor, questionnaire, data)
        commit()
        return questionnaire

    @roles(*MANAGERS)
    @loads(get_questionnaire_or_404, "questionnaire_id", "questionnaire")
    @blp.response(200, QuestionnaireOut)
    def delete(self, agency_slug: str, questionnaire: Questionnaire) -> Questionnaire:
        """Archive a questionnaire: no longer sent; its answers stay (409 if archived)."""
        authorize(policy.can_manage_questionnaires(g.actor))
        archive_questionnaire(g.actor, questionnaire)
        commit()
        return questionnaire


@blp.route("/clients/<int:client_id>/intake-requests")
class ClientIntakeRequests(MethodView):
    @roles(*MANAGERS, "va")
    @loads(get_client_or_404, "client_id", "client")
    @blp.response(200, IntakeRequestPageOut)
    def get(self, agency_slug: str, client: Client) -> dict:
        """The questionnaires sent to a client, with every answer set (newest last)."""
        authorize(policy.can_see_intake_answers(g.actor))
        items = client_intake_requests(g.actor, client.id)
        meta = {"page": 1, "per_page": len(items), "total": len(items), "pages": 1}
        return {"items": items, "meta": meta}

    @roles(*MANAGERS)
    @loads(get_client_or_404, "client_id", "client")
    @blp.arguments(SendIn)
    @blp.response(201, IntakeRequestOut)
    def post(self, data: dict, agency_slug: str, client: Client) -> IntakeRequest:
        """Send a questionnaire's latest version to the client; its contacts are emailed
        once. Sending the same version again returns the existing request."""
        authorize(policy.can_send_questionnaire(g.actor, client))
        intake_request, _created = send_questionnaire(g.actor, client, data["questionnaire_id"])
        commit()
        return intake_request


@blp.route("/intake-requests/<int:intake_request_id>")
class IntakeRequestResource(MethodView):
    @roles(*MANAGERS, "va", "client")
    @loads(get_intake_request_or_404, "intake_request_id", "intake_request")
    @blp.response(200, IntakeRequestOut)
    def get(self, agency_slug: str, intake_request: IntakeRequest) -> IntakeRequest:
        """One questionnaire sent to a client, its questions and every answer set."""
        allowed = policy.can_see_intake_answers(g.actor) or policy.can_answer_intake(
            g.actor, intake_request
        )
        authorize(allowed)
        return intake_request


@blp.route("/portal/intake-requests/<int:intake_request_id>/answers")
class IntakeAnswers(MethodView):
    @roles("client")
    @loads(get_intake_request_or_404, "intake_request_id", "intake_request")
    @blp.arguments(AnswersIn)
    @blp.response(201, IntakeRequestOut)
    def post(self, data: dict, agency_slug: str, intake_request: IntakeRequest) -> IntakeRequest:
        """Submit a new answer set (the client's own contacts). A tool login is {tool, url,
        username, password}: the password goes to the vault, never into the answers."""
        authorize(policy.can_answer_intake(g.actor, intake_request))
        limit = int(current_app.config.get("EVIDENCE_MAX_BYTES") or DEFAULT_MAX_BYTES)
        try:
            submit_answers(g.actor, intake_request, data["answers"], {}, max_bytes=limit)
        except ValidationFailed as exc:
            raise ValidationFailed({"answers": exc.errors}) from exc
        commit()
        return intake_request
