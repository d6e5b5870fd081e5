"""Schemas of agency settings."""

from __future__ import annotations

from marshmallow import fields, validate

from app.core.schemas import BaseSchema, CurrencyField, LocaleField, Name, TimeZoneField


class AgencySettingsIn(BaseSchema):
    name = Name()
    time_zone = TimeZoneField()
    base_currency = CurrencyField()
    locale = LocaleField()
    reply_to_email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    require_owner_2fa = fields.Boolean()


class AgencyOut(BaseSchema):
    id = fields.Integer(dump_only=True)
    slug = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    time_zone = fields.String(dump_only=True)
    base_currency = fields.String(dump_only=True)
    locale = fields.String(dump_only=True)
    reply_to_email = fields.String(dump_only=True, allow_none=True)
    require_owner_2fa = fields.Boolean(dump_only=True)
