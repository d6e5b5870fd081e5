"""JSON API of rates: bill rates, cost rates, the time-billing settings, what one entry bills
at, and the approved time an invoice can bill. The same rules and roles as the pages: bill
rates for owners and managers; costs for those who see them (and each person their own);
the settings for owners; 422 with field errors.

Routes with an id load the object first (`loads`), before the body or query string is
parsed, so another agency's id is a 404 whatever the body holds.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from app.core.permissions import MANAGERS, authorize, loads, roles
from app.core.uow import commit
from app.extensions import db
from app.invoices.queries import get_invoice_or_404
from app.rates import policy
from app.rates.billing import billable_entries, problem_message
from app.rates.models import BillRate, CostRate
from app.rates.pricing import cost_entries, price_entries
from app.rates.queries import (
    billing_settings,
    get_bill_rate_or_404,
    get_cost_rate_or_404,
    visible_cost_rates,
)
from app.rates.schemas import (
    BillableEntryOut,
    BillRateFilterArgs,
    BillRateIn,
    BillRateOut,
    CostRateFilterArgs,
    CostRateIn,
    CostRateOut,
    EntryRateOut,
    TimeBillingSettingsIn,
    TimeBillingSettingsOut,
)
from app.rates.services import (
    add_bill_rate,
    add_cost_rate,
    delete_bill_rate,
    delete_cost_rate,
    update_time_billing_settings,
)
from app.time.queries import get_entry_or_404

blp = Blueprint(
    "rates_api",
    __name__,
    url_prefix="/api/v1/<agency_slug>",
    description="Bill rates, cost rates and the time-billing settings",
)
COST_ROLES = ("owner", "manager", "va")
LIMIT = 500


def _settings_out() -> dict:
    row = billing_settings()
    return {
        "rounding_increment": row.rounding_increment,
        "rounding_direction": row.rounding_direction,
        "bill_only_qa_approved": row.bill_only_qa_approved,
        "managers_see_costs": g.actor.agency.managers_see_costs,
    }


@blp.route("/time-billing-settings")
class SettingsResource(MethodView):
    @roles(*MANAGERS)
    @blp.response(200, TimeBillingSettingsOut)
    def get(self, agency_slug: str) -> dict:
        """How entries are rounded, whether only QA-approved work is billed, and whether
        managers see costs."""
        return _settings_out()

    @roles("owner")
    @blp.arguments(TimeBillingSettingsIn)
    @blp.response(200, TimeBillingSettingsOut)
    def patch(self, data: dict, agency_slug: str) -> dict:
        """Change any of the settings (owners)."""
        authorize(policy.can_manage_time_billing(g.actor))
        update_time_billing_settings(g.actor, data)
        commit()
        return _settings_out()


@blp.route("/bill-rates")
class BillRatesResource(MethodView):
    @roles(*MANAGERS)
    @blp.arguments(BillRateFilterArgs, location="query")
    @blp.response(200, BillRateOut(many=True))
    def get(self, args: dict, agency_slug: str) -> list:
        """Dated bill rates (newest day first), by level, client, work item or package.
        The client's own rate (`bill_rate_minor` of the client) and an hourly package's
        price apply before any of their rows."""
        stmt = sa.select(BillRate)
        for key in ("level", "client_id", "work_item_id", "service_package_id"):
            if args.get(key) is not None:
                stmt = stmt.where(getattr(BillRate, key) == args[key])
        stmt = stmt.order_by(BillRate.effective_from.desc(), BillRate.id.desc()).limit(LIMIT)
        return list(db.session.scalars(stmt))

    @roles(*MANAGERS)
    @blp.arguments(BillRateIn)
    @blp.response(201, BillRateOut)
    def post(self, data: dict, agency_slug: str) -> BillRate:
        """A bill rate from `effective_from` on (null: from the start) at one level. Time
        already billed keeps its amounts; time not billed yet follows the rates."""
        authorize(policy.can_manage_bill_rates(g.actor))
        rate = add_bill_rate(g.actor, data)
        commit()
        return rate


@blp.route("/bill-rates/<int:rate_id>")
class BillRateResource(MethodView):
    @roles(*MANAGERS)
    @loads(get_bill_rate_or_404, "rate_id", "rate")
    @blp.response(200, BillRateOut)
    def get(self, agency_slug: str, rate: BillRate) -> BillRate:
        """One bill rate."""
        return rate

    @roles(*MANAGERS)
    @loads(get_bill_rate_or_404, "rate_id", "rate")
    @blp.response(204)
    def delete(self, agency_slug: str, rate: BillRate) -> None:
        """Remove a bill rate (a mistake): time not billed yet follows the rates left."""
        authorize(policy.can_manage_bill_rates(g.actor))
        delete_bill_rate(g.actor, rate)
        commit()


@blp.route("/cost-rates")
class CostRatesResource(MethodView):
    @roles(*COST_ROLES)
    @blp.arguments(CostRateFilterArgs, location="query")
    @blp.response(200, CostRateOut(many=True))
    def get(self, args: dict, agency_slug: str) -> list:
        """Cost rates, newest day first: everyone's for owners (and managers when the
        agency lets them see costs); otherwise your own."""
        stmt = visible_cost_rates(g.actor)
        if args.get("membership_id") is not None:
            stmt = stmt.where(CostRate.membership_id == args["membership_id"])
        stmt = stmt.order_by(CostRate.effective_from.desc(), CostRate.id.desc()).limit(LIMIT)
        return list(db.session.scalars(stmt))

    @roles(*MANAGERS)
    @blp.arguments(CostRateIn)
    @blp.response(201, CostRateOut)
    def post(self, data: dict, agency_slug: str) -> CostRate:
        """What the agency pays a person (`membership_id`) from `effective_from` on:
        `hourly`, or `per_item` for each work item of the SOP `sop_id`. Owners, and
        managers when the agency lets them see costs (403 otherwise)."""
        authorize(policy.can_manage_costs(g.actor))
        rate = add_cost_rate(g.actor, None, data)
        commit()
        return rate


@blp.route("/cost-rates/<int:cost_rate_id>")
class CostRateResource(MethodView):
    @roles(*MANAGERS)
    @loads(get_cost_rate_or_404, "cost_rate_id", "rate")
    @blp.response(204)
    def delete(self, agency_slug: str, rate: CostRate) -> None:
        """Remove a cost rate."""
        authorize(policy.can_manage_costs(g.actor))
        delete_cost_rate(g.actor, rate)
        commit()


@blp.route("/time-entries/<int:entry_id>/rate")
class EntryRateResource(MethodView):
    @roles(*MANAGERS)
    @loads(get_entry_or_404, "entry_id", "entry")
    @blp.response(200, EntryRateOut)
    def get(self, agency_slug: str, entry: object) -> dict:
        """What the entry bills at: its rate and the level it came from (`work_item`,
        `client_member`, `client`, `package`, `agency`; null when none applies), its minutes
        after the agency's rounding and their amount; its cost only for those who see it."""
        authorize(policy.can_price_entries(g.actor))
        (priced,) = price_entries([entry])  # type: ignore[list-item]
        out = {
            "entry_id": priced.entry.id,
            "rate_minor": priced.rate.minor if priced.rate else None,
            "currency": priced.rate.currency if priced.rate else None,
            "level": priced.rate.level if priced.rate else None,
            "billed_minutes": priced.minutes,
            "amount_minor": priced.amount_minor,
        }
        if policy.can_see_costs_of(g.actor, priced.entry.member):
            cost = cost_entries([priced.entry])[priced.entry.id]
            out["cost_rate_minor"] = cost.minor if cost else None
            out["cost_currency"] = cost.currency if cost else None
            out["cost_kind"] = cost.level if cost else None
        return out


@blp.route("/invoices/<int:invoice_id>/billable-time")
class BillableTimeResource(MethodView):
    @roles(*MANAGERS)
    @loads(get_invoice_or_404, "invoice_id", "invoice")
    @blp.response(200, BillableEntryOut(many=True))
    def get(self, agency_slug: str, invoice: object) -> list:
        """The invoice's client's approved, unbilled time (oldest first, at most 200), each
        with its rate and `problem` (null: it can go on this invoice). Bill it with
        `POST /invoices/{invoice_id}/lines/import` and `{"source": "time", "ids": [...],
        "group_by": "work_item" | "activity" | "person"}`."""
        out = []
        for priced, problem in billable_entries(invoice):  # type: ignore[arg-type]
            e = priced.entry
            out.append(
                {
                    "entry_id": e.id,
                    "date": e.entry_date,
                    "membership_id": e.membership_id,
                    "member_name": e.member.user.name,
                    "work_item_id": e.work_item_id,
                    "work_item_title": e.work_item.title if e.work_item else None,
                    "activity_id": e.activity_id,
                    "seconds": e.seconds(),
                    "billed_minutes": priced.minutes,
                    "rate_minor": priced.rate.minor if priced.rate else None,
                    "currency": priced.rate.currency if priced.rate else None,
                    "level": priced.rate.level if priced.rate else None,
                    "problem": problem,
                    "message": problem_message(priced, problem, invoice) or None,  # type: ignore[arg-type]
                }
            )
        return out
