"""Schemas of the users domain: sign-up, login, members, invitations, profile, API tokens."""

from __future__ import annotations

import decimal
from typing import Any

from babel.numbers import get_currency_precision
from marshmallow import ValidationError, fields, post_load, validate, validates, validates_schema

from app.core.formatting import ROLE_LABELS as FORMATTING_ROLE_LABELS
from app.core.schemas import (
    BaseSchema,
    CurrencyField,
    Id,
    LocaleField,
    Name,
    PageArgs,
    TimeZoneField,
)
from app.core.security import MIN_PASSWORD_LENGTH
from app.core.translation import gettext as _
from app.core.translation import lazy_gettext
from app.users.models import ROLES

# Role names as people read them come from one mapping (app.core.formatting).
ROLE_LABELS = FORMATTING_ROLE_LABELS


class PasswordField(fields.String):
    def __init__(self, **kw):
        super().__init__(
            validate=validate.Length(
                min=MIN_PASSWORD_LENGTH,
                max=256,
                error=lazy_gettext("Use at least %(num)d characters.", num=MIN_PASSWORD_LENGTH),
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
            raise ValidationError(_("Not a valid email address."))


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
    """PATCH of a membership (API): every field optional, only the given ones change."""

    role = fields.String(validate=validate.OneOf(ROLES))
    title = fields.String(allow_none=True, validate=validate.Length(max=120))
    capacity_hours_week = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=80))
    cost_rate_minor = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=10**9))
    cost_currency = CurrencyField(allow_none=True)


class MemberRoleIn(BaseSchema):
    """The role form of the team pages."""

    role = fields.String(required=True, validate=validate.OneOf(ROLES))


class MemberDetailsIn(BaseSchema):
    """The details form of the team pages: the cost rate is typed in the currency's units
    (e.g. 12.50) and turned into minor units, the shape the service and the API use."""

    title = fields.String(allow_none=True, validate=validate.Length(max=120))
    capacity_hours_week = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=80))
    cost_rate = fields.Decimal(
        allow_none=True, places=None, validate=validate.Range(min=0, max=10_000_000)
    )
    cost_currency = CurrencyField(allow_none=True)

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def _rate_fits_currency(self, data: dict, original: Any, **kw: Any) -> None:
        rate, currency = data.get("cost_rate"), data.get("cost_currency")
        if rate is None:
            return
        if currency is None:
            if isinstance(original, dict) and original.get("cost_currency"):
                return  # an unknown currency already has its own error
            raise ValidationError(_("Choose the currency of the rate."), field_name="cost_currency")
        places = get_currency_precision(currency)
        if rate != rate.quantize(decimal.Decimal(1).scaleb(-places)):
            raise ValidationError(
                _(
                    "%(currency)s takes at most %(places)d decimal places.",
                    currency=currency,
                    places=places,
                ),
                field_name="cost_rate",
            )

    @post_load
    def _to_minor(self, data: dict, **kw: Any) -> dict:
        if "cost_rate" in data:
            rate = data.pop("cost_rate")
            if rate is None:
                data["cost_rate_minor"] = None
            else:
                places = get_currency_precision(data["cost_currency"])
                data["cost_rate_minor"] = int(rate.scaleb(places))
        return data


class InvitationIn(BaseSchema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    client_id = Id(load_default=None, allow_none=True)

    @validates_schema
    def _client_goes_with_client_role(self, data: dict, **kw: Any) -> None:
        if data.get("role") == "client" and data.get("client_id") is None:
            raise ValidationError(
                _("Choose the client this person logs in for."), field_name="client_id"
            )
        if data.get("role") not in (None, "client") and data.get("client_id") is not None:
            raise ValidationError(
                _("Only invitations with the client role link a client."), field_name="client_id"
            )


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
        required=True,
        validate=validate.Regexp(r"^\d{6}$", error=lazy_gettext("Enter the 6-digit code.")),
    )


class ReauthIn(BaseSchema):
    """Confirming who you are again: the password, or a two-factor code when it is on."""

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


class ApiTokenIn(BaseSchema):
    name = Name(required=True, max=80)
    agency_id = Id(required=True)


class ApiTokenOut(BaseSchema):
    id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)
    prefix = fields.String(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    last_used_at = fields.AwareDateTime(dump_only=True, allow_none=True)


class MemberListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(("active", "disabled")))
    role = fields.String(validate=validate.OneOf(ROLES))


class InvitationListArgs(PageArgs):
    state = fields.String(validate=validate.OneOf(("pending", "expired", "accepted", "revoked")))


class PageMetaOut(BaseSchema):
    page = fields.Integer(dump_only=True)
    per_page = fields.Integer(dump_only=True)
    total = fields.Integer(dump_only=True)
    pages = fields.Integer(dump_only=True)


class MemberPageOut(BaseSchema):
    items = fields.List(fields.Nested(MemberOut), dump_only=True)
    meta = fields.Nested(PageMetaOut, dump_only=True)


class InvitationPageOut(BaseSchema):
    items = fields.List(fields.Nested(InvitationOut), dump_only=True)
    meta = fields.Nested(PageMetaOut, dump_only=True)
