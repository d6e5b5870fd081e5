"""Schemas of the users domain: sign-up, login, members, invitations, profile, API tokens."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates

from app.core.schemas import BaseSchema, LocaleField, Name, TimeZoneField
from app.core.security import MIN_PASSWORD_LENGTH
from app.users.models import ROLES


class PasswordField(fields.String):
    def __init__(self, **kw):
        super().__init__(
            validate=validate.Length(
                min=MIN_PASSWORD_LENGTH,
                max=256,
                error=f"Use at least {MIN_PASSWORD_LENGTH} characters.",
            ),
            load_only=True,
            **kw,
        )


class SignupIn(BaseSchema):
    agency_name = Name(required=True)
    name = Name(required=True)
    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = PasswordField(required=True)
    time_zone = TimeZoneField(load_default="UTC")

    @validates("email")
    def _lower(self, value: str, **kw) -> None:
        if "\n" in value or "\r" in value:
            raise ValidationError("Not a valid email address.")


class LoginIn(BaseSchema):
    email = fields.String(required=True, validate=validate.Length(min=1, max=254))
    password = fields.String(
        required=True, load_only=True, validate=validate.Length(min=1, max=256)
    )
    next = fields.String(load_default=None, allow_none=True)


class UserOut(BaseSchema):
    id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)
    email = fields.Email(dump_only=True)
    time_zone = fields.String(dump_only=True)


class MemberOut(BaseSchema):
    id = fields.Integer(dump_only=True)
    user = fields.Nested(UserOut, dump_only=True)
    role = fields.String(dump_only=True)
    status = fields.String(dump_only=True)
    title = fields.String(dump_only=True, allow_none=True)
    client_id = fields.Integer(dump_only=True, allow_none=True)
    capacity_hours_week = fields.Integer(dump_only=True, allow_none=True)
    cost_rate_minor = fields.Integer(dump_only=True, allow_none=True)
    cost_currency = fields.String(dump_only=True, allow_none=True)
    joined_at = fields.AwareDateTime(dump_only=True)
    disabled_at = fields.AwareDateTime(dump_only=True, allow_none=True)


RATE_FIELDS_MEMBER = ("cost_rate_minor", "cost_currency")


class MemberUpdateIn(BaseSchema):
    role = fields.String(validate=validate.OneOf(ROLES))
    title = fields.String(allow_none=True, validate=validate.Length(max=120))
    capacity_hours_week = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=80))
    cost_rate_minor = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=10**9))
    cost_currency = fields.String(allow_none=True, validate=validate.Length(equal=3))


class InvitationIn(BaseSchema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    client_id = fields.Integer(load_default=None, allow_none=True)


class InvitationOut(BaseSchema):
    id = fields.Integer(dump_only=True)
    email = fields.Email(dump_only=True)
    role = fields.String(dump_only=True)
    client_id = fields.Integer(dump_only=True, allow_none=True)
    state = fields.String(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    expires_at = fields.AwareDateTime(dump_only=True)


class AcceptInvitationIn(BaseSchema):
    name = Name(required=True)
    password = PasswordField(required=True)
    time_zone = TimeZoneField(load_default="UTC")


class ProfileIn(BaseSchema):
    name = Name(required=True)
    time_zone = TimeZoneField(required=True)
    locale = LocaleField(load_default="en")


class PasswordChangeIn(BaseSchema):
    current_password = fields.String(required=True, load_only=True)
    new_password = PasswordField(required=True)


class PasswordResetRequestIn(BaseSchema):
    email = fields.String(required=True, validate=validate.Length(min=1, max=254))


class PasswordResetIn(BaseSchema):
    password = PasswordField(required=True)


class TotpCodeIn(BaseSchema):
    code = fields.String(
        required=True, validate=validate.Regexp(r"^\d{6}$", error="Enter the 6-digit code.")
    )


class ApiTokenIn(BaseSchema):
    name = Name(required=True, max=80)
    agency_id = fields.Integer(required=True)


class ApiTokenOut(BaseSchema):
    id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)
    prefix = fields.String(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    last_used_at = fields.AwareDateTime(dump_only=True, allow_none=True)
