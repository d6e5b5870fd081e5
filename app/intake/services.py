"""Write side of intake: questionnaires and their versions, sending one to a client, and
the client's answers (files to storage, tool-login passwords to the vault).

Services take the actor, flush but never commit, and audit every change. Editing a
questionnaire whose latest version has answers makes a new version, so answers always
point at the questions they answered.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from flask import current_app

from app.agencies.models import Agency
from app.audit.services import record
from app.clients.models import Client
from app.core import storage
from app.core.clock import utcnow
from app.core.errors import Conflict, Forbidden, ValidationFailed
from app.core.mail import queue_email, recipient_locale
from app.core.permissions import Actor
from app.core.translation import gettext as _
from app.core.translation import lazy_gettext
from app.extensions import db
from app.intake import policy
from app.intake.answers import CheckedAnswers, Upload, check_answers
from app.intake.models import (
    IntakeAnswer,
    IntakeRequest,
    Questionnaire,
    QuestionnaireVersion,
)
from app.users.models import Membership
from app.vault.models import VaultEntry
from app.vault.services import store_secret


def _link(endpoint: str, **values: object) -> str:
    """An absolute address on the configured site (never a Host header)."""
    adapter = current_app.url_map.bind("baton.invalid")
    return current_app.config["BASE_URL"].rstrip("/") + adapter.build(endpoint, values)


# --- questionnaires ---------------------------------------------------------------------


def _questions(data: list[dict], previous: list[dict] | None) -> list[dict]:
    """The stored questions: each keeps its key (sent back by the form or API) when it
    names a question of the previous version; new ones get the next free key."""
    known = {q["key"] for q in previous or []}
    taken = {q.get("key") for q in data if q.get("key") in known}
    numbers = [int(k[1:]) for k in known | taken if k] or [0]
    next_number = max(numbers) + 1
    out: list[dict] = []
    # Stable sort: questions without a position keep their place in the list.
    ordered = sorted(
        enumerate(data), key=lambda pair: (pair[1].get("position") or pair[0] + 1, pair[0])
    )
    for _index, item in ordered:
        key = item.get("key") if item.get("key") in known else None
        if key is None or key in {q["key"] for q in out}:
            key = f"q{next_number}"
            next_number += 1
        out.append(
            {
                "key": key,
                "label": item["label"],
                "help": item.get("help") or None,
                "kind": item["kind"],
                "required": bool(item.get("required")),
                "options": [o.strip() for o in item.get("options") or []],
            }
        )
    return out


def create_questionnaire(actor: Actor, data: dict) -> Questionnaire:
    questionnaire = Questionnaire(name=data["name"])
    db.session.add(questionnaire)
    db.session.flush()
    version = QuestionnaireVersion(
        questionnaire_id=questionnaire.id,
        number=1,
        questions=_questions(data["questions"], None),
        created_by_id=actor.user_id,
    )
    db.session.add(version)
    db.session.flush()
    db.session.expire(questionnaire, ["versions"])
    record(
        actor,
        "intake_questionnaire.created",
        questionnaire,
        summary=f"Questionnaire {questionnaire.name} created",
        after={"name": questionnaire.name, "questions": len(version.questions)},
    )
    return questionnaire


def version_has_answers(version: QuestionnaireVersion) -> bool:
    return (
        db.session.scalar(
            sa.select(sa.func.count(IntakeAnswer.id))
            .join(IntakeRequest, IntakeRequest.id == IntakeAnswer.request_id)
            .where(IntakeRequest.version_id == version.id)
        )
        > 0
    )


def update_questionnaire(actor: Actor, questionnaire: Questionnaire, data: dict) -> Questionnaire:
    """Rename and change the questions. A latest version with answers stays as it is and a
    new version takes the new questions; otherwise the latest version is edited in place."""
    latest = questionnaire.latest
    questions = _questions(data["questions"], latest.questions if latest else None)
    before = {"name": questionnaire.name, "version": latest.number if latest else None}
    questionnaire.name = data["name"]
    if latest is not None and latest.questions == questions:
        version = latest
    elif latest is None or version_has_answers(latest):
        version = QuestionnaireVersion(
            questionnaire_id=questionnaire.id,
            number=(latest.number if latest else 0) + 1,
            questions=questions,
            created_by_id=actor.user_id,
        )
        db.session.add(version)
    else:
        version = latest
        version.questions = questions
    db.session.flush()
    db.session.expire(questionnaire, ["versions"])
    record(
        actor,
        "intake_questionnaire.updated",
        questionnaire,
        summary=f"Questionnaire {questionnaire.name} changed (version {version.number})",
        before=before,
        after={"name": questionnaire.name, "version": version.number},
    )
    return questionnaire


def archive_questionnaire(actor: Actor, questionnaire: Questionnaire) -> Questionnaire:
    if questionnaire.archived_at is not None:
        raise Conflict(_("This questionnaire is already archived."))
    questionnaire.archived_at = utcnow()
    db.session.flush()
    record(
        actor,
        "intake_questionnaire.archived",
        questionnaire,
        summary=f"Questionnaire {questionnaire.name} archived",
    )
    return questionnaire


# --- sending to a client -------------------------------------------------------------------


def send_questionnaire(
    actor: Actor, client: Client, questionnaire_id: int
) -> tuple[IntakeRequest, bool]:
    """Send the latest version of a questionnaire to a client: its contacts see it in the
    portal and are emailed once. Sending the same version again changes nothing and
    returns (the request, False)."""
    if not policy.can_send_questionnaire(actor, client):
        raise Forbidden(_("Only owners and managers send questionnaires."))
    questionnaire = db.session.scalar(
        sa.select(Questionnaire).where(Questionnaire.id == questionnaire_id)
    )
    if questionnaire is None or questionnaire.archived_at is not None:
        raise ValidationFailed({"questionnaire_id": [_("Does not exist.")]})
    if client.archived_at is not None:
        raise Conflict(_("Restore this client to send it a questionnaire."))
    version = questionnaire.latest
    existing = db.session.scalar(
        sa.select(IntakeRequest).where(
            IntakeRequest.client_id == client.id, IntakeRequest.version_id == version.id
        )
    )
    if existing is not None:
        return existing, False
    intake_request = IntakeRequest(
        client_id=client.id,
        questionnaire_id=questionnaire.id,
        version_id=version.id,
        sent_by_id=actor.user_id,
    )
    db.session.add(intake_request)
    db.session.flush()
    record(
        actor,
        "intake_request.sent",
        intake_request,
        summary=f"Questionnaire {questionnaire.name} v{version.number} sent to {client.name}",
        after={"questionnaire_id": questionnaire.id, "version": version.number},
    )
    _invite_contacts(actor, client, intake_request, questionnaire, version)
    return intake_request, True


def _invite_contacts(
    actor: Actor,
    client: Client,
    intake_request: IntakeRequest,
    questionnaire: Questionnaire,
    version: QuestionnaireVersion,
) -> None:
    agency = db.session.get(Agency, actor.agency_id)
    contacts = db.session.scalars(
        sa.select(Membership)
        .where(
            Membership.role == "client",
            Membership.client_id == client.id,
            Membership.status == "active",
        )
        .order_by(Membership.id)
    ).all()
    link = _link(
        "intake.answer_questionnaire",
        agency_slug=agency.slug,
        intake_request_id=intake_request.id,
    )
    for member in contacts:
        if not member.user.email:
            continue
        queue_email(
            db.session,
            # Once per client, questionnaire version and contact, whoever sends it.
            key=f"intake:{client.id}:{version.id}:{member.id}",
            to=member.user.email,
            locale=recipient_locale(member.user.locale, client.locale),
            subject=lazy_gettext(
                "%(agency)s asks you a few questions: %(name)s",
                agency=agency.name,
                name=questionnaire.name,
            ),
            template="notice",
            context={
                "agency_name": agency.name,
                "heading": lazy_gettext("A questionnaire for %(client)s", client=client.name),
                "body": lazy_gettext(
                    "%(agency)s sent you the questionnaire “%(name)s”. Your answers help us "
                    "start the work for %(client)s well.",
                    agency=agency.name,
                    name=questionnaire.name,
                    client=client.name,
                ),
                "link": link,
            },
            agency_id=agency.id,
            notice="waiting_for_you",
        )


# --- answers -------------------------------------------------------------------------------


def submit_answers(
    actor: Actor,
    intake_request: IntakeRequest,
    values: dict,
    uploads: dict[str, Upload],
    *,
    max_bytes: int,
) -> IntakeAnswer:
    """Check and store a new answer set (the next number) of the request. Files go to
    storage; a tool login's password is sealed in a new vault entry of the client and the
    answer keeps only the entry's id, name, URL and user name."""
    if not policy.can_answer_intake(actor, intake_request):
        raise Forbidden(_("Only the client's contacts answer its questionnaires."))
    previous = intake_request.latest_answer
    checked = check_answers(
        intake_request.version.questions,
        values,
        uploads,
        previous.answers if previous else None,
        max_bytes=max_bytes,
    )
    answers = _seal(actor, intake_request, checked)
    number = (previous.number if previous else 0) + 1
    answer = IntakeAnswer(
        request_id=intake_request.id,
        number=number,
        answers=answers,
        submitted_by_id=actor.user_id,
    )
    db.session.add(answer)
    db.session.flush()
    db.session.expire(intake_request, ["answers"])
    record(
        actor,
        "intake_answer.submitted",
        answer,
        summary=f"Answers {number} to {intake_request.questionnaire.name}",
        after={"request_id": intake_request.id, "number": number, "keys": sorted(answers)},
    )
    return answer


def _seal(actor: Actor, intake_request: IntakeRequest, checked: CheckedAnswers) -> dict:
    answers = dict(checked.values)
    for key, detected in checked.files.items():
        stored = storage.put(
            storage.make_key(
                "intake", actor.agency_id, intake_request.id, f"{secrets.token_hex(8)}-{key}"
            ),
            detected.data,
        )
        answers[key] = {
            "filename": detected.filename,
            "content_type": detected.content_type,
            "size": stored.size,
            "key": stored.key,
            "sha256": stored.sha256,
        }
    for key, login in checked.logins.items():
        entry = VaultEntry(
            agency_id=actor.agency_id,
            client_id=intake_request.client_id,
            name=login.tool,
            url=login.url,
            username=login.username,
            created_by_id=actor.user_id,
        )
        store_secret(entry, login.password)
        db.session.add(entry)
        db.session.flush()
        answers[key] = {
            "tool": login.tool,
            "url": login.url,
            "username": login.username,
            "vault_entry_id": entry.id,
            "vault_entry_name": entry.name,
        }
    return answers
