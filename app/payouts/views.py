"""HTML pages of payouts: a period's statements (owners, and managers who see costs), a
statement (lines, adjustments, review, mark paid, PDF and CSV), My payouts (a person's own
reviewed and paid statements) and the payout period setting.

Each view: load (404 when not visible) -> authorize (403) -> parse the form with the
domain schema (422 with messages beside the fields) -> service -> commit once -> redirect.
"""

from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa
from flask import Response, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import NotFound

from app.core import storage
from app.core.clock import today_in
from app.core.errors import Conflict, ValidationFailed
from app.core.money import input_value
from app.core.permissions import authorize, roles
from app.core.schemas import load_form
from app.core.translation import gettext as _
from app.core.translation import ngettext
from app.core.uow import commit
from app.extensions import db
from app.payouts.blueprint import WEEK_START_LABELS, bp
from app.payouts.csv_export import csv_download
from app.payouts.documents import pdf_filename
from app.payouts.models import PayoutStatement
from app.payouts.policy import (
    PAYEES,
    can_manage_settings,
    can_mark_paid,
    can_prepare,
    can_see_all_payouts,
)
from app.payouts.presenting import adjustment_rows, hours, line_rows
from app.payouts.queries import (
    get_statement_or_404,
    own_statements,
    payout_settings,
    period_of,
    period_statements,
    statement_with_details,
    totals_by_state,
    visible_statements,
)
from app.payouts.schemas import (
    PayoutAdjustmentIn,
    PayoutGenerateIn,
    PayoutPaidIn,
    PayoutPeriodArgs,
    PayoutSettingsIn,
)
from app.payouts.services import (
    accept_unpriced,
    add_adjustment,
    enqueue_render,
    generate_period,
    mark_paid,
    regenerate_statement,
    reopen_statement,
    review_statement,
    update_settings,
)

log = logging.getLogger("baton.payouts")
MANAGING = ("owner", "manager")


def _form() -> MultiDict:
    return MultiDict([(k, v) for k, v in request.form.items(multi=True) if k != "next"])


def _today() -> dt.date:
    return today_in(g.actor.agency.time_zone)


def _statement_url(statement: PayoutStatement) -> str:
    return url_for("payouts.statement", agency_slug=g.actor.agency.slug, statement_id=statement.id)


@bp.get("/<agency_slug>/payouts")
@roles(*MANAGING)
def index(agency_slug: str) -> ResponseReturnValue:
    """A period's statements with totals per state, the generate button, CSV. A manager
    who does not see costs has their own statements only: My payouts."""
    if not can_see_all_payouts(g.actor):
        return redirect(url_for("payouts.mine", agency_slug=agency_slug)), 303
    try:
        args = load_form(PayoutPeriodArgs(), MultiDict(request.args.items()))
    except ValidationFailed:
        args = {}
    settings = payout_settings()
    period = period_of(args.get("period") or _today(), settings)
    statements = period_statements(g.actor, period)
    return render_template(
        "payouts/index.html",
        period=period,
        previous=period.start - dt.timedelta(days=1),
        following=period.end,
        settings=settings,
        statements=statements,
        totals=totals_by_state(statements),
        can_prepare=can_prepare(g.actor),
        can_settings=can_manage_settings(g.actor),
        hours=hours,
    )


@bp.post("/<agency_slug>/payouts/generate")
@roles(*MANAGING)
def generate(agency_slug: str) -> ResponseReturnValue:
    authorize(can_prepare(g.actor))
    try:
        data = load_form(PayoutGenerateIn(), _form())
    except ValidationFailed as exc:
        for messages in exc.errors.values():
            for message in messages:
                flash(str(message), "warning")
        return redirect(url_for("payouts.index", agency_slug=agency_slug)), 303
    period = period_of(data["period"])
    made = generate_period(g.actor, period)
    commit()
    flash(
        ngettext(
            "%(num)d statement made or refreshed.",
            "%(num)d statements made or refreshed.",
            len(made),
        ),
        "success",
    )
    return redirect(url_for("payouts.index", agency_slug=agency_slug, period=period.start))


@bp.get("/<agency_slug>/payouts/period.csv")
@roles(*MANAGING)
def period_csv(agency_slug: str) -> ResponseReturnValue:
    """Every statement of the period the actor may see (a manager who does not see costs:
    their own reviewed and paid ones)."""
    try:
        args = load_form(PayoutPeriodArgs(), MultiDict(request.args.items()))
    except ValidationFailed:
        args = {}
    period = period_of(args.get("period") or _today())
    ids = (
        visible_statements(g.actor)
        .where(PayoutStatement.period_start == period.start)
        .with_only_columns(PayoutStatement.id)
    )
    return csv_download(
        g.actor.agency_id, ids, f"payouts-{agency_slug}-{period.start.isoformat()}.csv"
    )


def _statement_page(statement: PayoutStatement, errors: dict | None = None,
                    values: dict | None = None, form: str | None = None):  # fmt: skip
    statement = statement_with_details(statement.id)
    values = values or {}
    if form != "paid":
        values.setdefault("amount_paid", input_value(statement.total_minor, statement.currency))
        values.setdefault("paid_on", _today().isoformat())
    return render_template(
        "payouts/statement.html",
        s=statement,
        rows=line_rows(statement),
        adjustments=adjustment_rows(statement),
        can_prepare=can_prepare(g.actor),
        can_mark_paid=can_mark_paid(g.actor),
        errors=errors or {},
        values=values,
        failed_form=form,
        hours=hours,
    ), (422 if errors else 200)


@bp.get("/<agency_slug>/payouts/<int:statement_id>")
@roles(*PAYEES)
def statement(agency_slug: str, statement_id: int) -> ResponseReturnValue:
    return _statement_page(get_statement_or_404(g.actor, statement_id))


def _act(statement_id: int, action, success: str, *, owner_only: bool = False):
    row = get_statement_or_404(g.actor, statement_id)
    authorize(can_mark_paid(g.actor) if owner_only else can_prepare(g.actor))
    try:
        action(g.actor, row)
        commit()
    except Conflict as exc:
        db.session.rollback()
        flash(exc.message, "warning")
        return redirect(_statement_url(row)), 303
    flash(success, "success")
    return redirect(_statement_url(row)), 303


@bp.post("/<agency_slug>/payouts/<int:statement_id>/regenerate")
@roles(*MANAGING)
def regenerate(agency_slug: str, statement_id: int) -> ResponseReturnValue:
    return _act(statement_id, regenerate_statement, _("Statement regenerated from the costs."))


@bp.post("/<agency_slug>/payouts/<int:statement_id>/review")
@roles(*MANAGING)
def review(agency_slug: str, statement_id: int) -> ResponseReturnValue:
    return _act(statement_id, review_statement, _("Statement reviewed: the person can see it."))


@bp.post("/<agency_slug>/payouts/<int:statement_id>/reopen")
@roles(*MANAGING)
def reopen(agency_slug: str, statement_id: int) -> ResponseReturnValue:
    return _act(statement_id, reopen_statement, _("Statement back to draft."))


@bp.post("/<agency_slug>/payouts/<int:statement_id>/accept-unpriced")
@roles(*MANAGING)
def accept(agency_slug: str, statement_id: int) -> ResponseReturnValue:
    return _act(statement_id, accept_unpriced, _("Unpriced time accepted for this statement."))


@bp.post("/<agency_slug>/payouts/<int:statement_id>/adjustments")
@roles(*MANAGING)
def adjust(agency_slug: str, statement_id: int) -> ResponseReturnValue:
    row = get_statement_or_404(g.actor, statement_id)
    authorize(can_prepare(g.actor))
    form = _form()
    try:
        add_adjustment(g.actor, row, load_form(PayoutAdjustmentIn(), form))
        commit()
    except ValidationFailed as exc:
        db.session.rollback()
        return _statement_page(row, exc.errors, form.to_dict(), "adjustment")
    except Conflict as exc:
        db.session.rollback()
        flash(exc.message, "warning")
        return redirect(_statement_url(row)), 303
    flash(_("Adjustment added."), "success")
    return redirect(_statement_url(row)), 303


@bp.post("/<agency_slug>/payouts/<int:statement_id>/paid")
@roles("owner")
def paid(agency_slug: str, statement_id: int) -> ResponseReturnValue:
    row = get_statement_or_404(g.actor, statement_id)
    authorize(can_mark_paid(g.actor))
    form = _form()
    data = form.to_dict()
    if "amount_paid" in data:  # the page's field name (the API's is `amount`)
        form = MultiDict(
            [("amount" if k == "amount_paid" else k, v) for k, v in form.items(multi=True)]
        )
    try:
        mark_paid(g.actor, row, load_form(PayoutPaidIn(), form))
        commit()
    except ValidationFailed as exc:
        db.session.rollback()
        errors = {("amount_paid" if k == "amount" else k): v for k, v in exc.errors.items()}
        return _statement_page(row, errors, data, "paid")
    except Conflict as exc:
        db.session.rollback()
        flash(exc.message, "warning")
        return redirect(_statement_url(row)), 303
    flash(_("Statement paid and locked; the person gets it by email."), "success")
    return redirect(_statement_url(row)), 303


@bp.post("/<agency_slug>/payouts/<int:statement_id>/pdf/render")
@roles(*MANAGING)
def render_again(agency_slug: str, statement_id: int) -> ResponseReturnValue:
    row = get_statement_or_404(g.actor, statement_id)
    authorize(can_prepare(g.actor))
    enqueue_render(row, email=False)
    commit()
    flash(_("The PDF is being made; it will be ready in a moment."), "success")
    return redirect(_statement_url(row)), 303


@bp.get("/<agency_slug>/payouts/<int:statement_id>/pdf")
@roles(*PAYEES)
def pdf(agency_slug: str, statement_id: int) -> ResponseReturnValue:
    row = get_statement_or_404(g.actor, statement_id)
    if not row.pdf_key:
        flash(_("The PDF of this statement is not ready yet."), "info")
        return redirect(_statement_url(row)), 303
    try:
        data = storage.get(row.pdf_key, row.pdf_sha256)
    except (ValueError, OSError) as exc:
        log.error("payout statement %s PDF unreadable: %s", row.id, exc)
        raise NotFound(_("No PDF has been made for this statement yet.")) from exc
    return Response(
        data,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{pdf_filename(row)}"',
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


@bp.get("/<agency_slug>/payouts/<int:statement_id>/csv")
@roles(*PAYEES)
def statement_csv(agency_slug: str, statement_id: int) -> ResponseReturnValue:
    row = get_statement_or_404(g.actor, statement_id)
    ids = sa.select(PayoutStatement.id).where(PayoutStatement.id == row.id)
    return csv_download(g.actor.agency_id, ids, pdf_filename(row).replace(".pdf", ".csv"))


@bp.get("/<agency_slug>/my/payouts")
@roles(*PAYEES)
def mine(agency_slug: str) -> ResponseReturnValue:
    """My payouts: one's own reviewed and paid statements."""
    return render_template("payouts/mine.html", statements=own_statements(g.actor))


@bp.route("/<agency_slug>/payouts/settings", methods=["GET", "POST"])
@roles("owner")
def settings(agency_slug: str) -> ResponseReturnValue:
    authorize(can_manage_settings(g.actor))
    row = payout_settings()
    values = {
        "period": row.period,
        "week_start": row.week_start,
        "fortnight_anchor": row.fortnight_anchor.isoformat() if row.fortnight_anchor else "",
    }
    errors: dict = {}
    if request.method == "POST":
        form = _form()
        try:
            update_settings(g.actor, load_form(PayoutSettingsIn(), form))
            commit()
            flash(_("Payout settings saved."), "success")
            return redirect(url_for("payouts.settings", agency_slug=agency_slug)), 303
        except ValidationFailed as exc:
            db.session.rollback()
            values, errors = form.to_dict(), exc.errors
    return render_template(
        "payouts/settings.html",
        values=values,
        errors=errors,
        week_starts=list(WEEK_START_LABELS.items()),
    ), (422 if errors else 200)
