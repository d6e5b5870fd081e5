"""Read side of intake: the questionnaires of the agency and the intake requests each actor
may see (by the same client visibility as the client pages)."""

from __future__ import annotations

import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from app.clients.models import Client
from app.clients.queries import visible_clients
from app.core.permissions import MANAGERS, Actor
from app.extensions import db
from app.intake.models import IntakeAnswer, IntakeRequest, Questionnaire


def visible_questionnaires(actor: Actor) -> sa.Select:
    """Owners and managers see the agency's questionnaires (archived last); nobody else."""
    stmt = sa.select(Questionnaire).order_by(
        Questionnaire.archived_at.is_not(None), Questionnaire.name, Questionnaire.id
    )
    return stmt if actor.role in MANAGERS else stmt.where(sa.false())


def get_questionnaire_or_404(actor: Actor, questionnaire_id: int) -> Questionnaire:
    found = db.session.scalar(
        visible_questionnaires(actor).where(Questionnaire.id == questionnaire_id)
    )
    if found is None:
        raise NotFound()
    return found


def visible_intake_requests(actor: Actor) -> sa.Select:
    """Owners and managers: every request; a VA: their current clients'; a client contact:
    their own client's; QA: none."""
    stmt = sa.select(IntakeRequest).order_by(IntakeRequest.sent_at.desc(), IntakeRequest.id.desc())
    if actor.role not in (*MANAGERS, "va", "client"):
        return stmt.where(sa.false())
    clients = visible_clients(actor).with_only_columns(Client.id)
    return stmt.where(IntakeRequest.client_id.in_(clients))


def get_intake_request_or_404(actor: Actor, request_id: int) -> IntakeRequest:
    found = db.session.scalar(visible_intake_requests(actor).where(IntakeRequest.id == request_id))
    if found is None:
        raise NotFound()
    return found


def client_intake_requests(actor: Actor, client_id: int) -> list[IntakeRequest]:
    """The visible requests of one client, newest first, answers loaded (one statement each
    for the requests and their answers, however many there are)."""
    return list(
        db.session.scalars(
            visible_intake_requests(actor).where(IntakeRequest.client_id == client_id)
        ).unique()
    )


def answer_number(intake_request: IntakeRequest, number: int | None) -> IntakeAnswer | None:
    """Answer set `number` of the request (None: the latest)."""
    if number is None:
        return intake_request.latest_answer
    return next((a for a in intake_request.answers if a.number == number), None)


def changed_keys(intake_request: IntakeRequest, answer: IntakeAnswer) -> set[str]:
    """The questions whose answer differs from the answer set just before `answer`."""
    before = next((a for a in intake_request.answers if a.number == answer.number - 1), None)
    if before is None:
        return set()
    keys = set(before.answers) | set(answer.answers)
    return {k for k in keys if before.answers.get(k) != answer.answers.get(k)}
