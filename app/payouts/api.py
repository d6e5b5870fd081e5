"""JSON API of payouts: list statements (filters period, member, state), read one (lines
and adjustments), generate a period, add an adjustment, review, mark paid. The same rules
and roles as the pages: who sees costs handles every statement, an owner marks paid, a
person reads their own reviewed and paid statements. A paid statement is locked: changing
it answers 409. The CSV and PDF links are in each statement (`csv_url`, `pdf_url`).

Routes with an id load the object first (`loads`), so another agency's id is a 404
whatever the body holds.
"""

from __future__ import annotations

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from app.core.pagination import paginate
from app.core.permissions import authorize, loads, roles
from app.core.uow import commit
from app.payouts.models import PayoutStatement
from app.payouts.policy import PAYEES, can_mark_paid, can_prepare
from app.payouts.queries import (
    filtered_statements,
    get_statement_or_404,
    period_of,
    statement_with_details,
)
from app.payouts.schemas import (
    PayoutAdjustmentIn,
    PayoutGenerateIn,
    PayoutListArgs,
    PayoutPaidIn,
    PayoutStatementDetailOut,
    PayoutStatementOut,
    PayoutStatementPageOut,
)
from app.payouts.services import add_adjustment, generate_period, mark_paid, review_statement
from app.users.models import Membership, User

blp = Blueprint(
    "payouts_api",
    __name__,
    url_prefix="/api/v1/<agency_slug>",
    description="Subcontractor payout statements: generate, adjust, review, mark paid",
)
MANAGING = ("owner", "manager")


@blp.route("/payouts")
class StatementsResource(MethodView):
    @roles(*PAYEES)
    @blp.arguments(PayoutListArgs, location="query")
    @blp.response(200, PayoutStatementPageOut)
    def get(self, args: dict, agency_slug: str) -> dict:
        """Statements, newest period first: everyone's for who sees costs; otherwise one's
        own reviewed and paid ones. Filters: period (any day of it), member_id, state."""
        stmt = (
            filtered_statements(g.actor, args)
            .join(Membership, Membership.id == PayoutStatement.membership_id)
            .join(User, User.id == Membership.user_id)
            .order_by(PayoutStatement.period_start.desc(), User.name, PayoutStatement.id)
        )
        page = paginate(stmt, args["page"], args["per_page"])
        return {"items": page.items, "meta": page.meta()}


@blp.route("/payouts/generate")
class GenerateResource(MethodView):
    @roles(*MANAGING)
    @blp.arguments(PayoutGenerateIn)
    @blp.response(200, PayoutStatementPageOut)
    def post(self, data: dict, agency_slug: str) -> dict:
        """Make or refresh the drafts of the period `period` falls in (reviewed and paid
        statements are left as they are)."""
        authorize(can_prepare(g.actor))
        made = generate_period(g.actor, period_of(data["period"]))
        commit()
        return {"items": made, "meta": {"count": len(made)}}


@blp.route("/payouts/<int:statement_id>")
class StatementResource(MethodView):
    @roles(*PAYEES)
    @loads(get_statement_or_404, "statement_id", "statement")
    @blp.response(200, PayoutStatementDetailOut)
    def get(self, agency_slug: str, statement: PayoutStatement) -> PayoutStatement:
        """One statement with its lines and adjustments."""
        return statement_with_details(statement.id)


@blp.route("/payouts/<int:statement_id>/adjustments")
class AdjustmentsResource(MethodView):
    @roles(*MANAGING)
    @loads(get_statement_or_404, "statement_id", "statement")
    @blp.arguments(PayoutAdjustmentIn)
    @blp.response(201, PayoutStatementDetailOut)
    def post(self, data: dict, agency_slug: str, statement: PayoutStatement) -> PayoutStatement:
        """A bonus or a deduction: `kind`, `amount` (major units, as text), `reason`
        (required). 409 on a paid statement."""
        authorize(can_prepare(g.actor))
        add_adjustment(g.actor, statement, data)
        commit()
        return statement_with_details(statement.id)


@blp.route("/payouts/<int:statement_id>/review")
class ReviewResource(MethodView):
    @roles(*MANAGING)
    @loads(get_statement_or_404, "statement_id", "statement")
    @blp.response(200, PayoutStatementOut)
    def post(self, agency_slug: str, statement: PayoutStatement) -> PayoutStatement:
        """draft -> reviewed (the person sees it; its PDF is made)."""
        authorize(can_prepare(g.actor))
        review_statement(g.actor, statement)
        commit()
        return statement


@blp.route("/payouts/<int:statement_id>/paid")
class PaidResource(MethodView):
    @roles("owner")
    @loads(get_statement_or_404, "statement_id", "statement")
    @blp.arguments(PayoutPaidIn)
    @blp.response(200, PayoutStatementOut)
    def post(self, data: dict, agency_slug: str, statement: PayoutStatement) -> PayoutStatement:
        """reviewed -> paid, locked: `amount` (the total, as text), `paid_on`, `method`,
        `reference`. 409 when paid already, not reviewed, or unpriced time is not
        accepted; 422 naming `amount` when it is not the total."""
        authorize(can_mark_paid(g.actor))
        mark_paid(g.actor, statement, data)
        commit()
        return statement
