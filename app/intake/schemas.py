"""Schemas of intake questionnaires and answers (HTML forms and JSON API)."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from app.core.schemas import BaseSchema, Id, Name
from app.core.translation import gettext as _
from app.intake.models import CHOICE_KINDS, NAME_MAX, QUESTION_KINDS

MAX_QUESTIONS = 100
MAX_OPTIONS = 50


class QuestionIn(BaseSchema):
    key = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^q[0-9]{1,4}$"),
        metadata={"description": "Keep a question's key when editing (new questions: none)."},
    )
    position = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1, max=1000),
        metadata={"description": "Order of the question (default: its place in the list)."},
    )
    label = fields.String(required=True, validate=validate.Length(min=1, max=300))
    help = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))
    kind = fields.String(required=True, validate=validate.OneOf(QUESTION_KINDS))
    required = fields.Boolean(load_default=False)
    options = fields.List(
        fields.String(validate=validate.Length(min=1, max=200)),
        load_default=list,
        validate=validate.Length(max=MAX_OPTIONS),
        metadata={"description": "The choices of a single or multiple choice question."},
    )

    @validates_schema(skip_on_field_errors=True)
    def _options(self, data: dict, **kwargs: Any) -> None:
        options = [o.strip() for o in data.get("options") or []]
        if data["kind"] in CHOICE_KINDS:
            if len(options) < 2:
                raise ValidationError(_("Give at least two choices."), "options")
            if len(set(options)) != len(options):
                raise ValidationError(_("Each choice must be different."), "options")
        elif options:
            raise ValidationError(_("Only choice questions have choices."), "options")


class QuestionnaireIn(BaseSchema):
    name = Name(required=True, max=NAME_MAX)
    questions = fields.List(
        fields.Nested(QuestionIn),
        required=True,
        validate=validate.Length(min=1, max=MAX_QUESTIONS),
    )


class QuestionOut(BaseSchema):
    key = fields.String(dump_only=True)
    label = fields.String(dump_only=True)
    help = fields.String(dump_only=True, allow_none=True)
    kind = fields.String(dump_only=True)
    required = fields.Boolean(dump_only=True)
    options = fields.List(fields.String(), dump_only=True)


class VersionOut(BaseSchema):
    id = fields.Integer(dump_only=True)
    number = fields.Integer(dump_only=True)
    questions = fields.List(fields.Nested(QuestionOut), dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)


class QuestionnaireOut(BaseSchema):
    id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)
    archived_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    latest = fields.Nested(VersionOut, dump_only=True, allow_none=True)
    created_at = fields.AwareDateTime(dump_only=True)


class IntakePageMetaOut(BaseSchema):
    page = fields.Integer(dump_only=True)
    per_page = fields.Integer(dump_only=True)
    total = fields.Integer(dump_only=True)
    pages = fields.Integer(dump_only=True)


class QuestionnairePageOut(BaseSchema):
    items = fields.List(fields.Nested(QuestionnaireOut), dump_only=True)
    meta = fields.Nested(IntakePageMetaOut, dump_only=True)


class SendIn(BaseSchema):
    questionnaire_id = Id(required=True)


class AnswerSetOut(BaseSchema):
    number = fields.Integer(dump_only=True)
    answers = fields.Dict(
        dump_only=True,
        metadata={
            "description": "Question key -> answer; a tool login holds the vault entry's id, "
            "name, URL and user name, never the password."
        },
    )
    submitted_at = fields.AwareDateTime(dump_only=True)


class IntakeRequestOut(BaseSchema):
    id = fields.Integer(dump_only=True)
    client_id = fields.Integer(dump_only=True)
    questionnaire_id = fields.Integer(dump_only=True)
    questionnaire_name = fields.Function(lambda r: r.questionnaire.name, dump_only=True)
    version = fields.Nested(VersionOut, dump_only=True)
    sent_at = fields.AwareDateTime(dump_only=True)
    answers = fields.List(fields.Nested(AnswerSetOut), dump_only=True)


class IntakeRequestPageOut(BaseSchema):
    items = fields.List(fields.Nested(IntakeRequestOut), dump_only=True)
    meta = fields.Nested(IntakePageMetaOut, dump_only=True)


class AnswersIn(BaseSchema):
    answers = fields.Dict(
        keys=fields.String(validate=validate.Length(max=10)),
        required=True,
        metadata={
            "description": "Question key -> answer: text, a date (YYYY-MM-DD), a URL, a "
            "choice, a list of choices, or for a tool login {tool, url, username, password}. "
            "Files are uploaded from the portal page."
        },
    )
