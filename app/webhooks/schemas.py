"""Schemas of webhooks (HTML forms and JSON API). Only the answers of registering and of
rotating carry a secret, once."""

from __future__ import annotations

from marshmallow import fields, validate

from app.core.schemas import BaseSchema
from app.core.translation import lazy_gettext
from app.webhooks.events import EVENT_NAMES
from app.webhooks.models import DESCRIPTION_MAX, URL_MAX


class EndpointIn(BaseSchema):
    url = fields.String(
        required=True,
        validate=[
            validate.Length(max=URL_MAX),
            validate.Regexp(
                r"^https?://[^\s/?#]+\S*$",
                error=lazy_gettext("Enter an http:// or https:// address."),
            ),
        ],
    )
    description = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=DESCRIPTION_MAX)
    )
    events = fields.List(
        fields.String(validate=validate.OneOf(EVENT_NAMES)),
        required=True,
        validate=validate.Length(min=1, error=lazy_gettext("Choose at least one event.")),
    )


class EndpointPatchIn(EndpointIn):
    pass


class EnabledIn(BaseSchema):
    enabled = fields.Boolean(required=True)


class EndpointOut(BaseSchema):
    id = fields.Integer()
    url = fields.String()
    description = fields.String(allow_none=True)
    events = fields.List(fields.String())
    enabled = fields.Boolean()
    disabled_reason = fields.String(allow_none=True)
    consecutive_failures = fields.Integer()
    previous_secret_expires_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class EndpointWithSecretOut(EndpointOut):
    secret = fields.String(metadata={"description": "The signing secret; shown only now."})


class EndpointListOut(BaseSchema):
    items = fields.List(fields.Nested(EndpointOut))


class DeliveryOut(BaseSchema):
    id = fields.Integer()
    message_id = fields.String()
    event_type = fields.String()
    payload = fields.Dict()
    object_kind = fields.String()
    object_id = fields.Integer()
    status = fields.String()
    attempts = fields.Integer()
    response_code = fields.Integer(allow_none=True)
    response_body = fields.String(allow_none=True)
    error = fields.String(allow_none=True)
    duration_ms = fields.Integer(allow_none=True)
    next_attempt_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)


class DeliveryListOut(BaseSchema):
    items = fields.List(fields.Nested(DeliveryOut))
