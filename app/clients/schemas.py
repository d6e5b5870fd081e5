"""Schemas of clients, contacts, assignments and service packages (HTML forms and JSON API).

Field-level hiding lives in the Out schemas, so every response that serialises a client
(today the API, later anything nesting one) drops rates and notes for viewers who may not
see them; the viewer is the request's actor, and with no actor the fields are dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import g, has_app_context
from marshmallow import ValidationError, fields, post_dump, validate, validates_schema

from app.clients.models import (
    ASSIGNMENT_KINDS,
    CHANNELS,
    CLIENT_STATUSES,
    CONFIDENTIALITY_CLAUSES,
    MESSAGE_KINDS,
    PRICINGS,
)
from app.clients.policy import can_see_client_notes, can_see_client_rates
from app.clients.queries import agency_today
from app.core.catalogues import N_
from app.core.permissions import Actor
from app.core.schemas import (
    BaseSchema,
    CountryField,
    CurrencyField,
    Id,
    LocaleField,
    MoneyField,
    Name,
    PageArgs,
    TimeZoneField,
)
from app.core.translation import gettext as _
from app.core.translation import lazy_gettext

MAX_MINOR = 10**12


def _viewer() -> Actor | None:
    return g.get("actor") if has_app_context() else None


class ChannelsField(fields.Dict):
    """{kind of message: channel}, e.g. {"urgent": "phone", "routine": "email"}."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(keys=fields.String(), values=fields.String(), **kw)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> dict:
        if not isinstance(value, Mapping):
            raise self.make_error("invalid")
        out: dict[str, str] = {}
        errors: dict[str, list[str]] = {}
        for kind, channel in value.items():
            if kind not in MESSAGE_KINDS:
                errors[str(kind)] = [
                    _(
                        "Not a kind of message; use one of: %(kinds)s.",
                        kinds=", ".join(MESSAGE_KINDS),
                    )
                ]
            elif channel not in CHANNELS:
                errors[str(kind)] = [
                    _("Not a channel; use one of: %(channels)s.", channels=", ".join(CHANNELS))
                ]
            else:
                out[kind] = channel
        if errors:
            raise ValidationError(errors)
        return out


# --- clients -------------------------------------------------------------------------------


class ClientIn(BaseSchema):
    name = Name(required=True, max=160)
    time_zone = TimeZoneField(required=True)
    currency = CurrencyField(required=True)
    locale = LocaleField(load_default="en")
    country = CountryField(load_default=None, allow_none=True)
    status = fields.String(load_default="prospect", validate=validate.OneOf(CLIENT_STATUSES))
    channels = ChannelsField(load_default=dict)
    deposit_percent = fields.Integer(load_default=0, validate=validate.Range(min=0, max=100))
    net_days = fields.Integer(load_default=15, validate=validate.Range(min=0, max=120))
    response_time_hours = fields.Integer(
        load_default=24,
        validate=validate.Range(min=1, max=720),
        metadata={"description": "Response-time promise, in the client's business hours."},
    )
    service_package_id = Id(load_default=None, allow_none=True)
    bill_rate_minor = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=0, max=MAX_MINOR),
        metadata={"description": "Hourly bill rate in the currency's minor units."},
    )
    # What the form types (major units, "45.00"); the API may send either, not both.
    bill_rate = MoneyField(label=N_("Bill rate"), allow_none=True, load_only=True)
    notes = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=10_000))
    # Contract terms: no defaults, so a form or body without them leaves them as they are.
    scope = fields.String(
        allow_none=True,
        validate=validate.Length(max=20_000),
        metadata={"description": "Scope of the work and the deliverables."},
    )
    confidentiality = fields.String(validate=validate.OneOf(CONFIDENTIALITY_CLAUSES))
    confidentiality_notes = fields.String(allow_none=True, validate=validate.Length(max=5000))
    termination_notice_days = fields.Integer(
        allow_none=True, validate=validate.Range(min=0, max=365)
    )
    contract_starts_on = fields.Date(allow_none=True)


class ContractIn(BaseSchema):
    """The client page's contract form: scope, payment, response time, confidentiality,
    termination notice and start date."""

    scope = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=20_000))
    deposit_percent = fields.Integer(required=True, validate=validate.Range(min=0, max=100))
    net_days = fields.Integer(required=True, validate=validate.Range(min=0, max=120))
    response_time_hours = fields.Integer(required=True, validate=validate.Range(min=1, max=720))
    confidentiality = fields.String(
        load_default="standard", validate=validate.OneOf(CONFIDENTIALITY_CLAUSES)
    )
    confidentiality_notes = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=5000)
    )
    termination_notice_days = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=0, max=365)
    )
    contract_starts_on = fields.Date(load_default=None, allow_none=True)


class ClientPatchIn(ClientIn):
    """PATCH body of a client: any subset of ClientIn's fields (load with partial=True)."""


class PackageRefOut(BaseSchema):
    id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)


class ClientOut(BaseSchema):
    id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)
    time_zone = fields.String(dump_only=True)
    currency = fields.String(dump_only=True)
    locale = fields.String(dump_only=True)
    country = fields.String(dump_only=True, allow_none=True)
    status = fields.String(dump_only=True)
    channels = fields.Dict(dump_only=True)
    deposit_percent = fields.Integer(dump_only=True)
    net_days = fields.Integer(dump_only=True)
    response_time_hours = fields.Integer(dump_only=True)
    service_package_id = fields.Integer(dump_only=True, allow_none=True)
    service_package = fields.Nested(PackageRefOut, dump_only=True, allow_none=True)
    bill_rate_minor = fields.Integer(
        dump_only=True, allow_none=True, metadata={"description": "Owners and managers only."}
    )
    notes = fields.String(
        dump_only=True, allow_none=True, metadata={"description": "Never sent to client contacts."}
    )
    scope = fields.String(dump_only=True, allow_none=True)
    confidentiality = fields.String(dump_only=True)
    confidentiality_notes = fields.String(dump_only=True, allow_none=True)
    termination_notice_days = fields.Integer(dump_only=True, allow_none=True)
    contract_starts_on = fields.Date(dump_only=True, allow_none=True)
    archived = fields.Boolean(dump_only=True, attribute="is_archived")
    archived_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)

    @post_dump
    def _hide_fields(self, data: dict, **kwargs: Any) -> dict:
        viewer = _viewer()
        if not can_see_client_rates(viewer):
            data.pop("bill_rate_minor", None)
        if not can_see_client_notes(viewer):
            data.pop("notes", None)
        return data


class ClientsPageMetaOut(BaseSchema):
    page = fields.Integer(dump_only=True)
    per_page = fields.Integer(dump_only=True)
    total = fields.Integer(dump_only=True)
    pages = fields.Integer(dump_only=True)


class ClientPageOut(BaseSchema):
    items = fields.List(fields.Nested(ClientOut), dump_only=True)
    meta = fields.Nested(ClientsPageMetaOut, dump_only=True)


class ClientFilterArgs(PageArgs):
    """Filters of the clients list (page and API)."""

    q = fields.String(
        validate=validate.Length(max=200),
        metadata={"description": "Part of the client's name or of a contact's email."},
    )
    status = fields.String(validate=validate.OneOf(CLIENT_STATUSES))
    time_zone = TimeZoneField()
    va = Id(
        metadata={"description": "Membership id of a VA; clients they are currently on."},
    )
    include_archived = fields.Boolean(load_default=False)


# --- contacts ------------------------------------------------------------------------------


class ContactIn(BaseSchema):
    name = Name(required=True)
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254))
    phone = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(
            r"^\+?[0-9 ().\-]{3,40}$", error=lazy_gettext("Use digits, spaces and + ( ) - . only.")
        ),
    )
    role = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=80))
    preferred_channel = fields.String(load_default="email", validate=validate.OneOf(CHANNELS))
    is_billing = fields.Boolean(load_default=False)


class ContactPatchIn(ContactIn):
    """PATCH body of a contact: any subset of ContactIn's fields (load with partial=True)."""


class ContactOut(BaseSchema):
    id = fields.Integer(dump_only=True)
    client_id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)
    email = fields.String(dump_only=True, allow_none=True)
    phone = fields.String(dump_only=True, allow_none=True)
    role = fields.String(dump_only=True, allow_none=True)
    preferred_channel = fields.String(dump_only=True)
    is_billing = fields.Boolean(dump_only=True)
    has_login = fields.Method("_has_login", dump_only=True)

    def _has_login(self, contact: Any) -> bool:
        return contact.membership_id is not None


class ContactPageOut(BaseSchema):
    items = fields.List(fields.Nested(ContactOut), dump_only=True)
    meta = fields.Nested(ClientsPageMetaOut, dump_only=True)


# --- assignments ---------------------------------------------------------------------------


class AssignmentIn(BaseSchema):
    membership_id = Id(
        required=True, metadata={"description": "Membership id of an active VA of the agency."}
    )
    kind = fields.String(load_default="primary", validate=validate.OneOf(ASSIGNMENT_KINDS))
    starts_on = fields.Date(
        load_default=None, allow_none=True, metadata={"description": "Default: today."}
    )
    ends_on = fields.Date(
        load_default=None,
        allow_none=True,
        metadata={"description": "The first day the VA is no longer on the client."},
    )

    @validates_schema(skip_on_field_errors=False)
    def _order(self, data: dict, **kwargs: Any) -> None:
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            raise ValidationError(_("Must not be before the start date."), "ends_on")


class AssignmentEndIn(BaseSchema):
    ends_on = fields.Date(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "The first day the VA is no longer on the client (default today)."
        },
    )


class AssignmentOut(BaseSchema):
    id = fields.Integer(dump_only=True)
    client_id = fields.Integer(dump_only=True)
    membership_id = fields.Integer(dump_only=True)
    va_name = fields.Function(lambda a: a.membership.user.name, dump_only=True)
    kind = fields.String(dump_only=True)
    starts_on = fields.Date(dump_only=True)
    ends_on = fields.Date(dump_only=True, allow_none=True)
    current = fields.Method("_current", dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)

    def _current(self, assignment: Any) -> bool:
        viewer = _viewer()
        if viewer is None:
            return False
        return assignment.is_current(agency_today(viewer))


class AssignmentPageOut(BaseSchema):
    items = fields.List(fields.Nested(AssignmentOut), dump_only=True)
    meta = fields.Nested(ClientsPageMetaOut, dump_only=True)


class AssignmentFilterArgs(PageArgs):
    current = fields.Boolean(
        metadata={"description": "true: only current assignments; false: only past/future ones."}
    )


# --- service packages ----------------------------------------------------------------------


class PackageIn(BaseSchema):
    name = Name(required=True)
    description = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=5000)
    )
    pricing = fields.String(load_default="fixed", validate=validate.OneOf(PRICINGS))
    price_minor = fields.Integer(
        validate=validate.Range(min=0, max=MAX_MINOR),
        metadata={
            "description": "Price (fixed), hourly rate or monthly fee, in minor units "
            "(required unless `price` is given)."
        },
    )
    # What the form types (major units, "900.00"); the API may send either, not both.
    price = MoneyField(label=N_("Price"), load_only=True)
    currency = CurrencyField(
        load_default=None, allow_none=True, metadata={"description": "Default: agency currency."}
    )
    active = fields.Boolean(load_default=True)
    onboarding_sop_id = Id(
        load_default=None,
        allow_none=True,
        metadata={"description": "The SOP clients on this package are onboarded with "
                  "(none: the agency's `client-onboarding` SOP)."},
    )  # fmt: skip

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def _has_a_price(self, data: dict, original: Any, partial: Any = False, **kw: Any) -> None:
        given = original if isinstance(original, Mapping) else {}
        if partial or given.get("price") not in (None, "") or "price_minor" in given:
            return  # a price was sent (its own field says if it is wrong)
        # Named as the API always named it; the form shows it beside the price input.
        raise ValidationError(_("Price: enter an amount like 900.00."), field_name="price_minor")


class PackagePatchIn(PackageIn):
    """PATCH body of a package: any subset of PackageIn's fields (load with partial=True)."""


class PackageOut(BaseSchema):
    id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)
    description = fields.String(dump_only=True, allow_none=True)
    pricing = fields.String(dump_only=True)
    price_minor = fields.Integer(dump_only=True, allow_none=True)
    currency = fields.String(dump_only=True)
    active = fields.Boolean(dump_only=True)
    onboarding_sop_id = fields.Integer(dump_only=True, allow_none=True)


class PackagePageOut(BaseSchema):
    items = fields.List(fields.Nested(PackageOut), dump_only=True)
    meta = fields.Nested(ClientsPageMetaOut, dump_only=True)
