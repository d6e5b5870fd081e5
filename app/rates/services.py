"""Write side of rates: bill rates, cost rates and the time-billing settings.

Services take the actor explicitly, flush but never commit, and record an audit event for
every change. A rate is never edited in place: a change is a new row from its day on (what
was billed keeps its amounts; what is not billed yet follows the rows), and a mistaken row
is removed.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.agencies.models import Agency
from app.audit.services import changed, record, snapshot
from app.clients.models import Client, ServicePackage
from app.clients.queries import visible_clients
from app.core.catalogues import N_
from app.core.errors import ValidationFailed
from app.core.permissions import Actor
from app.core.schemas import amount_to_minor
from app.core.translation import gettext as _
from app.extensions import db
from app.rates.models import FROM_THE_START, BillRate, CostRate, TimeBillingSettings, bill_scope
from app.rates.queries import SETTINGS_DEFAULTS
from app.rates.schemas import MAX_RATE_MINOR
from app.sops.models import Sop
from app.users.models import Membership
from app.work.models import WorkItem

DOES_NOT_EXIST = N_("Does not exist.")
RATE_FIELDS = (
    "level",
    "client_id",
    "membership_id",
    "work_item_id",
    "service_package_id",
    "rate_minor",
    "currency",
    "effective_from",
)
COST_FIELDS = ("membership_id", "kind", "sop_id", "rate_minor", "currency", "effective_from")
SETTINGS_FIELDS = tuple(SETTINGS_DEFAULTS)


def _missing(errors: dict, name: str) -> None:
    errors[name] = [_("Choose one.")]


def _day(data: dict, errors: dict) -> dt.date:
    day = data.get("effective_from")
    if day is None:
        return FROM_THE_START
    if day <= FROM_THE_START:
        errors["effective_from"] = [_("Give a day after 1900, or leave it empty: from the start.")]
    return day


def _amount(data: dict, currency: str, errors: dict) -> int | None:
    try:
        amount_to_minor(data, "rate", currency, label=N_("Rate"), maximum=MAX_RATE_MINOR)
    except ValidationFailed as exc:
        errors.update(exc.errors)
        return None
    if data.get("rate_minor") is None:
        errors.setdefault("rate", [_("Enter the rate.")])
        return None
    return int(data["rate_minor"])


# --- bill rates --------------------------------------------------------------------------------


def _references(actor: Actor, data: dict, errors: dict) -> dict:
    """Every id the input gives, resolved in the agency (another agency's id, like an
    unknown one, does not exist), whatever the level."""
    found: dict = {}
    lookups = {
        "client_id": lambda i: db.session.scalar(visible_clients(actor).where(Client.id == i)),
        "membership_id": lambda i: db.session.scalar(
            sa.select(Membership).where(
                Membership.id == i, Membership.role.in_(("owner", "manager", "va"))
            )
        ),
        "work_item_id": lambda i: db.session.scalar(sa.select(WorkItem).where(WorkItem.id == i)),
        "service_package_id": lambda i: db.session.scalar(
            sa.select(ServicePackage).where(ServicePackage.id == i)
        ),
    }
    for key, lookup in lookups.items():
        if data.get(key) is None:
            continue
        row = lookup(data[key])
        if row is None:
            errors[key] = [_(DOES_NOT_EXIST)]
        else:
            found[key] = row
    return found


# Which ids each level needs (and keeps).
LEVEL_REFS = {
    "agency": (),
    "package": ("service_package_id",),
    "client": ("client_id",),
    "client_member": ("client_id", "membership_id"),
    "work_item": ("work_item_id",),
}


def _bill_target(actor: Actor, data: dict, errors: dict) -> tuple[dict, str | None]:
    """The level's references, checked, and the currency the rate defaults to."""
    level = data["level"]
    found = _references(actor, data, errors)
    for key in LEVEL_REFS[level]:
        if data.get(key) is None:
            _missing(errors, key)
    refs = {key: found[key].id for key in LEVEL_REFS[level] if key in found}
    currency: str | None = actor.agency.base_currency
    if "client_id" in refs:
        currency = found["client_id"].currency
    elif "service_package_id" in refs:
        currency = found["service_package_id"].currency
    elif "work_item_id" in refs:
        item = found["work_item_id"]
        currency = item.client.currency
        client = found.get("client_id")
        if client is not None and client.id != item.client_id:
            errors["work_item_id"] = [
                _("This work item belongs to another client: choose one of this client's.")
            ]
    return refs, currency


def _taken(model: type, scope: str, day: dt.date, **where: object) -> bool:
    stmt = sa.select(model.id).where(model.scope == scope, model.effective_from == day)
    for key, value in where.items():
        stmt = stmt.where(getattr(model, key) == value)
    return db.session.scalar(stmt) is not None


def _day_taken(errors: dict, day: dt.date) -> None:
    if day <= FROM_THE_START:
        errors["effective_from"] = [
            _("This already has a rate from the start: remove it first, or give a day.")
        ]
    else:
        errors["effective_from"] = [
            _("This already has a rate from this day: remove it first, or give another day.")
        ]


def add_bill_rate(actor: Actor, data: dict) -> BillRate:
    """A bill rate from a day on (or from the start) at one level; see app.rates.models."""
    data = dict(data)
    errors: dict = {}
    refs, default_currency = _bill_target(actor, data, errors)
    currency = data.get("currency") or default_currency or actor.agency.base_currency
    amount = _amount(data, currency, errors)
    day = _day(data, errors)
    scope = bill_scope(data["level"], **refs)
    if not errors and _taken(BillRate, scope, day):
        _day_taken(errors, day)
    if errors:
        raise ValidationFailed(errors)
    rate = BillRate(
        level=data["level"],
        scope=scope,
        rate_minor=amount,
        currency=currency,
        effective_from=day,
        created_by_id=actor.user_id,
        **refs,
    )
    db.session.add(rate)
    db.session.flush()
    record(
        actor,
        "bill_rate.created",
        rate,
        summary=f"Bill rate {scope} from {_shown_day(day)}: {amount} {currency} (minor) an hour",
        after=snapshot(rate, RATE_FIELDS),
    )
    return rate


def delete_bill_rate(actor: Actor, rate: BillRate) -> None:
    """Remove a row: unbilled time on its days follows the rows left (billed time keeps its
    amounts)."""
    record(
        actor,
        "bill_rate.deleted",
        rate,
        summary=f"Bill rate {rate.scope} from {_shown_day(rate.effective_from)} removed",
        before=snapshot(rate, RATE_FIELDS),
    )
    db.session.delete(rate)
    db.session.flush()


def _shown_day(day: dt.date) -> str:
    return "the start" if day <= FROM_THE_START else day.isoformat()


# --- cost rates --------------------------------------------------------------------------------


def cost_member(membership_id: int | None, errors: dict) -> Membership | None:
    """A member who may be paid: anyone of the agency's staff (not a client contact)."""
    if membership_id is None:
        _missing(errors, "membership_id")
        return None
    member = db.session.scalar(
        sa.select(Membership).where(Membership.id == membership_id, Membership.role != "client")
    )
    if member is None:
        errors["membership_id"] = [_(DOES_NOT_EXIST)]
    return member


def add_cost_rate(actor: Actor, member: Membership | None, data: dict) -> CostRate:
    """What the agency pays `member` from a day on: hourly, or a fee per work item of an SOP."""
    data = dict(data)
    errors: dict = {}
    if member is None:
        member = cost_member(data.get("membership_id"), errors)
    elif member.role == "client":
        errors["membership_id"] = [_(DOES_NOT_EXIST)]
    kind = data.get("kind") or "hourly"
    sop_id = data.get("sop_id")
    scope = "hourly"
    if kind == "per_item":
        if sop_id is None:
            errors["sop_id"] = [_("Choose the SOP whose work items this fee is for.")]
        elif db.session.scalar(sa.select(Sop.id).where(Sop.id == sop_id)) is None:
            errors["sop_id"] = [_(DOES_NOT_EXIST)]
        scope = f"sop:{sop_id}"
    elif sop_id is not None:
        errors["sop_id"] = [_("An hourly cost is for every SOP: leave the SOP empty.")]
    currency = data.get("currency") or actor.agency.base_currency
    amount = _amount(data, currency, errors)
    day = _day(data, errors)
    if not errors and member is not None and _taken(CostRate, scope, day, membership_id=member.id):
        _day_taken(errors, day)
    if errors:
        raise ValidationFailed(errors)
    assert member is not None
    rate = CostRate(
        membership_id=member.id,
        kind=kind,
        scope=scope,
        sop_id=sop_id if kind == "per_item" else None,
        rate_minor=amount,
        currency=currency,
        effective_from=day,
        created_by_id=actor.user_id,
    )
    db.session.add(rate)
    db.session.flush()
    record(
        actor,
        "cost_rate.created",
        rate,
        summary=f"Cost rate of membership {member.id} ({scope}) from {_shown_day(day)}",
        after=snapshot(rate, COST_FIELDS),
    )
    return rate


def delete_cost_rate(actor: Actor, rate: CostRate) -> None:
    record(
        actor,
        "cost_rate.deleted",
        rate,
        summary=f"Cost rate of membership {rate.membership_id} ({rate.scope}) from "
        f"{_shown_day(rate.effective_from)} removed",
        before=snapshot(rate, COST_FIELDS),
    )
    db.session.delete(rate)
    db.session.flush()


# --- settings ----------------------------------------------------------------------------------


def update_time_billing_settings(actor: Actor, data: dict) -> TimeBillingSettings:
    """Rounding, billing QA-approved work only, and whether managers see costs (kept on the
    agency: the team pages read it too)."""
    row = db.session.scalar(sa.select(TimeBillingSettings).with_for_update())
    if row is None:
        row = TimeBillingSettings(**SETTINGS_DEFAULTS)
        db.session.add(row)
        before = {}
    else:
        before = snapshot(row, SETTINGS_FIELDS)
    agency = db.session.get(Agency, actor.agency_id)
    assert agency is not None
    before["managers_see_costs"] = agency.managers_see_costs
    for key in SETTINGS_FIELDS:
        if data.get(key) is not None:
            setattr(row, key, data[key])
    if data.get("managers_see_costs") is not None:
        agency.managers_see_costs = data["managers_see_costs"]
    db.session.flush()
    after = {**snapshot(row, SETTINGS_FIELDS), "managers_see_costs": agency.managers_see_costs}
    b, a = changed(before, after)
    if a:
        record(
            actor,
            "time_billing_settings.updated",
            row,
            summary=f"Time billing settings changed: {', '.join(a)}",
            before=b,
            after=a,
        )
    return row
