"""Schemas of the vault (HTML forms and JSON API).

No Out schema has a secret field except RevealOut, the answer of the reveal operation: a
list or an item never carries the secret, whoever asks.
"""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from app.core.schemas import BaseSchema, Name
from app.core.translation import gettext as _
from app.core.translation import lazy_gettext
from app.vault.models import NAME_MAX, URL_MAX, USERNAME_MAX

SECRET_MAX = 4000
NOTES_MAX = 4000


class VaultEntryIn(BaseSchema):
    name = Name(required=True, max=NAME_MAX)
    url = fields.String(
        load_default=None,
        allow_none=True,
        validate=[
            validate.Length(max=URL_MAX),
            validate.Regexp(
                r"^https?://\S+$",
                error=lazy_gettext("Enter an address starting with http:// or https://."),
            ),
        ],
    )
    username = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=USERNAME_MAX)
    )
    notes = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=NOTES_MAX)
    )
    secret = fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(min=1, max=SECRET_MAX),
        metadata={"description": "The password (or other secret); stored encrypted only."},
    )


class VaultEntryPatchIn(VaultEntryIn):
    """Changes to an entry; an empty or missing `secret` keeps the stored one."""

    secret = fields.String(
        load_default=None,
        allow_none=True,
        load_only=True,
        validate=validate.Length(max=SECRET_MAX),
        metadata={"description": "A new secret; leave it out (or empty) to keep the old one."},
    )


class VaultEntryOut(BaseSchema):
    uid = fields.String(dump_only=True)
    client_id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)
    url = fields.String(dump_only=True, allow_none=True)
    username = fields.String(dump_only=True, allow_none=True)
    notes = fields.String(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class VaultEntryListOut(BaseSchema):
    items = fields.List(fields.Nested(VaultEntryOut), dump_only=True)


class RevealIn(BaseSchema):
    """API tokens have no login session to remember a confirmation: each reveal carries the
    person's password, or a two-factor code when two-factor is on."""

    password = fields.String(
        load_default=None, allow_none=True, load_only=True, validate=validate.Length(max=1024)
    )
    code = fields.String(
        load_default=None,
        allow_none=True,
        load_only=True,
        validate=validate.Regexp(r"^\d{6}$", error=lazy_gettext("Enter the 6-digit code.")),
    )

    @validates_schema
    def _one_given(self, data: dict, **kwargs: Any) -> None:
        if not data.get("password") and not data.get("code"):
            raise ValidationError(
                _("Enter your password or a code from your authenticator app."), "password"
            )


class RevealOut(BaseSchema):
    uid = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    username = fields.String(dump_only=True, allow_none=True)
    secret = fields.String(dump_only=True)
