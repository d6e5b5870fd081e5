"""HTML pages of the reports: the time report (and its CSV download) and estimates against
actual time; plus the actual time per SOP version that the SOP library shows.

Each view: parse the query string with the domain schema (a bad value re-renders the page
at 422 with the message beside its field) -> load through app.reports.queries /
app.reports.estimates -> render.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Blueprint, g, render_template, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from app.core.clock import today_in, utcnow
from app.core.errors import ValidationFailed
from app.core.permissions import MANAGERS, roles
from app.core.permissions import authorize as _authorize
from app.core.schemas import load_form
from app.reports.downloads import time_csv_download
from app.reports.estimates import Spread, estimate_report, sop_version_spreads
from app.reports.policy import can_see_estimates, can_see_time_report, sees_everyones_time
from app.reports.queries import (
    CHART_TITLES,
    GROUP_LABELS,
    PERIOD_LABELS,
    STATE_LABELS,
    report_options,
    time_report,
)
from app.reports.schemas import ESTIMATE_DAYS, EstimateArgs, TimeReportArgs
from app.time.policy import TRACKERS
from app.time.queries import person_zone

bp = Blueprint("reports", __name__, template_folder="templates")

CHART_BARS = 40


def bdi(value: object) -> Markup:
    """Isolate a value that may be written left to right (a date, a name) inside a sentence
    that may be right to left."""
    return Markup("<bdi>{}</bdi>").format(value)


@bp.context_processor
def _helpers() -> dict:
    return {"bdi": bdi}


def _args(schema: Any) -> tuple[dict, dict, dict]:
    """(the query string as given, its loaded values, field errors). Parameters the schema
    does not know are left out, as the API leaves them (a bookmark may carry others)."""
    known = {f.data_key or name for name, f in schema.fields.items()}
    raw = MultiDict([(k, v) for k, v in request.args.items(multi=True) if k in known])
    try:
        return raw.to_dict(), load_form(schema, raw), {}
    except ValidationFailed as exc:
        return raw.to_dict(), {}, exc.errors


@bp.get("/<agency_slug>/reports/time")
@roles(*TRACKERS)
def time_report_page(agency_slug: str) -> ResponseReturnValue:
    """Time by client, person, SOP, activity, billable, state, day, week or month, with the
    filters of each; a VA reads their own time only."""
    actor = g.actor
    _authorize(can_see_time_report(actor))
    values, args, errors = _args(TimeReportArgs())
    report = None
    options = report_options(actor)
    if not errors:
        today = today_in(person_zone(actor.membership))
        report = time_report(actor, args, today=today, now=utcnow())
        # The lists show what the report is of, defaults included.
        values = {"period": report.period.name, "group": report.group, **values}
    return render_template(
        "reports/time.html",
        report=report,
        values=values,
        errors=errors,
        options=options,
        group_options=[(name, GROUP_LABELS[name]) for name in options.groups],
        everyone=sees_everyones_time(actor),
        period_labels=PERIOD_LABELS,
        group_labels=GROUP_LABELS,
        chart_titles=CHART_TITLES,
        state_labels=STATE_LABELS,
        chart_bars=CHART_BARS,
        csv_url=url_for("reports.time_csv", agency_slug=agency_slug, **values),
    ), (422 if errors else 200)


@bp.get("/<agency_slug>/reports/time.csv")
@roles(*TRACKERS)
def time_csv(agency_slug: str) -> ResponseReturnValue:
    """The report's time entries as CSV, one row per entry (for accountants)."""
    _authorize(can_see_time_report(g.actor))
    _, args, errors = _args(TimeReportArgs())
    if errors:
        raise ValidationFailed(errors)
    return time_csv_download(g.actor, args)


@bp.get("/<agency_slug>/reports/estimates")
@roles(*MANAGERS)
def estimates_page(agency_slug: str) -> ResponseReturnValue:
    """Estimate accuracy per VA and per SOP over the items delivered lately."""
    _authorize(can_see_estimates(g.actor))
    values, args, errors = _args(EstimateArgs())
    report = estimate_report(g.actor, days=args.get("days") or 90)
    return render_template(
        "reports/estimates.html",
        report=report,
        values=values,
        errors=errors,
        periods=ESTIMATE_DAYS,
    ), (422 if errors else 200)


@bp.app_template_global()
def sop_time_spreads(version_ids: Iterable[int | None]) -> dict[int, Spread]:
    """Actual time of delivered work per SOP version, for the SOP pages (owners and
    managers; empty for everyone else)."""
    actor = g.get("actor")
    if actor is None or actor.agency is None or not can_see_estimates(actor):
        return {}
    return sop_version_spreads(actor, [v for v in version_ids if v is not None])
