"""Intake questionnaires, their versions, the copies sent to clients and the answers.

A questionnaire's questions live in versions: editing one that was answered makes a new
version, so every answer keeps pointing at the exact questions it answered. An intake
request is one version sent to one client; each submission by the client's contacts is a
new numbered answer set (earlier ones are kept, to show what changed).

Answers never hold a secret: a "tool login" answer keeps only the vault entry's id, name,
URL and user name (the password is sealed in app.vault).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.clock import utcnow
from app.core.db import UTCDateTime
from app.core.tenancy import TenantScoped
from app.extensions import db

QUESTION_KINDS = (
    "text",
    "long_text",
    "single_choice",
    "multiple_choice",
    "date",
    "file",
    "url",
    "tool_login",
)
CHOICE_KINDS = ("single_choice", "multiple_choice")
NAME_MAX = 160


class Questionnaire(TenantScoped, db.Model):
    """A questionnaire of the agency; its questions are in its latest version."""

    __tablename__ = "intake_questionnaires"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    archived_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    versions: Mapped[list[QuestionnaireVersion]] = relationship(
        order_by="QuestionnaireVersion.number",
        lazy="selectin",
        back_populates="questionnaire",
    )

    @property
    def latest(self) -> QuestionnaireVersion | None:
        return self.versions[-1] if self.versions else None


class QuestionnaireVersion(TenantScoped, db.Model):
    """The questions of one version, in order: a list of {key, label, help, kind, required,
    options}. A version that has answers is never changed again."""

    __tablename__ = "intake_questionnaire_versions"
    __table_args__ = (sa.UniqueConstraint("questionnaire_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        sa.ForeignKey("intake_questionnaires.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(sa.Integer)
    questions: Mapped[list] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="versions")


class IntakeRequest(TenantScoped, db.Model):
    """One questionnaire version sent to one client (once: the unique key makes sending
    again a no-op, and the invitation email is keyed on it too)."""

    __tablename__ = "intake_requests"
    __table_args__ = (sa.UniqueConstraint("client_id", "version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(
        sa.ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    questionnaire_id: Mapped[int] = mapped_column(
        sa.ForeignKey("intake_questionnaires.id", ondelete="CASCADE"), index=True
    )
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("intake_questionnaire_versions.id", ondelete="CASCADE"), index=True
    )
    sent_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    questionnaire: Mapped[Questionnaire] = relationship(lazy="joined", innerjoin=True)
    version: Mapped[QuestionnaireVersion] = relationship(lazy="joined", innerjoin=True)
    answers: Mapped[list[IntakeAnswer]] = relationship(
        order_by="IntakeAnswer.number", lazy="selectin", back_populates="request"
    )

    @property
    def latest_answer(self) -> IntakeAnswer | None:
        return self.answers[-1] if self.answers else None


class IntakeAnswer(TenantScoped, db.Model):
    """Submission `number` of a request: {question key: answer value}."""

    __tablename__ = "intake_answers"
    __table_args__ = (sa.UniqueConstraint("request_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("intake_requests.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(sa.Integer)
    answers: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    submitted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    request: Mapped[IntakeRequest] = relationship(back_populates="answers")
