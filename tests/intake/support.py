"""Intake test helpers: a questionnaire with one question of every kind, made through the
API as an owner would, and sent to the desk's client."""

from __future__ import annotations

import sqlalchemy as sa

from app.core.tenancy import all_tenants
from app.extensions import db
from app.intake.models import IntakeAnswer, IntakeRequest, Questionnaire
from tests.work.support import api

QUESTIONS = [
    {"label": "Business name", "kind": "text", "required": True},
    {"label": "About you", "kind": "long_text"},
    {"label": "Plan", "kind": "single_choice", "options": ["Basic", "Pro"]},
    {"label": "Channels", "kind": "multiple_choice", "options": ["Email", "Phone", "Chat"]},
    {"label": "Launch day", "kind": "date"},
    {"label": "Logo", "kind": "file"},
    {"label": "Website", "kind": "url"},
    {"label": "Mailbox login", "kind": "tool_login"},
]


def make_questionnaire(app, desk, name: str = "Onboarding") -> dict:
    resp = api(app, desk.owner).post("/questionnaires", json={"name": name, "questions": QUESTIONS})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def keys(questionnaire: dict) -> dict[str, str]:
    """Question label -> key."""
    return {q["label"]: q["key"] for q in questionnaire["latest"]["questions"]}


def send(app, desk, questionnaire_id: int) -> dict:
    resp = api(app, desk.owner).post(
        f"/clients/{desk.client.id}/intake-requests", json={"questionnaire_id": questionnaire_id}
    )
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def rows(model, **where) -> list:
    with all_tenants():
        stmt = sa.select(model).execution_options(populate_existing=True)
        for name, value in where.items():
            stmt = stmt.where(getattr(model, name) == value)
        return list(db.session.scalars(stmt.order_by(model.id)))


__all__ = [
    "QUESTIONS",
    "IntakeAnswer",
    "IntakeRequest",
    "Questionnaire",
    "keys",
    "make_questionnaire",
    "rows",
    "send",
]
