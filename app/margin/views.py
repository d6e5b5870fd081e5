"""The margin page and its CSV: per client, person or SOP for a month, with the last twelve
months in a chart. Owners; managers when the agency lets them see costs."""

from __future__ import annotations

import itertools

from flask import Response, g, render_template, request, stream_with_context, url_for
from flask.typing import ResponseReturnValue
from marshmallow import ValidationError

from app.core.clock import today_in
from app.core.formatting import format_day, month_label, reader_locale
from app.core.permissions import MANAGERS, roles
from app.core.permissions import authorize as _authorize
from app.core.tenancy import tenant
from app.core.translation import gettext as _
from app.margin import policy
from app.margin.blueprint import bp
from app.margin.presenters import margin_csv
from app.margin.schemas import MarginArgs
from app.margin.services import add_months, margin_report, parse_month
from app.margin.summary import margin_chart


def _args() -> tuple[dict, dict]:
    try:
        return MarginArgs().load(request.args.to_dict()), {}
    except ValidationError as exc:
        errors = {
            k: [str(m) for m in v] if isinstance(v, list) else [str(v)]
            for k, v in exc.messages.items()
        }  # type: ignore[union-attr]
        return {"month": None, "by": "client", "losing": False}, errors


def _month(args: dict):
    if args.get("month"):
        return parse_month(args["month"])
    return today_in(g.actor.agency.time_zone).replace(day=1)


@bp.get("/<agency_slug>/margin")
@roles(*MANAGERS)
def report(agency_slug: str) -> ResponseReturnValue:
    """Billed, cost and margin of the month by client, person or SOP."""
    _authorize(policy.can_see_margin(g.actor))
    args, errors = _args()
    month = _month(args)
    data = margin_report(month, args["by"], losing_only=args["losing"], chart_months=1)
    lang = reader_locale()
    return render_template(
        "margin/report.html",
        data=data,
        rows=data.rows[:200],
        more=max(0, len(data.rows) - 200),
        month=month,
        month_text=f"{month:%Y-%m}",
        previous=f"{add_months(month, -1):%Y-%m}",
        following=f"{add_months(month, 1):%Y-%m}",
        month_name=month_label(f"{month:%Y-%m}", lang),
        by=args["by"],
        losing=args["losing"],
        errors=errors,
        chart_url=url_for("margin.chart", agency_slug=agency_slug, month=f"{month:%Y-%m}"),
        format_day=format_day,
    ), (422 if errors else 200)


@bp.get("/<agency_slug>/margin/chart.json")
@roles(*MANAGERS)
def chart(agency_slug: str) -> ResponseReturnValue:
    """The last twelve months of the whole agency for the page's chart, fetched after the
    page (twelve months of an agency's time take longer than a month's table)."""
    _authorize(policy.can_see_margin(g.actor))
    args, errors = _args()
    if errors:
        return {"errors": errors}, 422
    month = _month(args)
    points = margin_chart(month, agency=g.actor.agency)
    lang = reader_locale()
    base = g.actor.agency.base_currency

    def series(key: str, label: str) -> dict:
        values = [_major(getattr(p, f"{key}_base"), base) for p in points]
        return {"key": key, "label": label, "values": values}

    return {
        "labels": [month_label(f"{p.month:%Y-%m}", lang) for p in points],
        "currency": base,
        "series": [
            series("billed", _("Billed")),
            series("cost", _("Cost")),
            series("margin", _("Margin")),
        ],
    }


def _major(minor: int | None, currency: str) -> float | None:
    from app.core.money import from_minor

    return None if minor is None else float(from_minor(minor, currency))


def _as_tenant(agency_id: int, chunks):
    with tenant(agency_id):
        yield from chunks


@bp.get("/<agency_slug>/margin.csv")
@roles(*MANAGERS)
def report_csv(agency_slug: str) -> ResponseReturnValue:
    """The month's margin as CSV (formula-safe, streamed)."""
    _authorize(policy.can_see_margin(g.actor))
    args, errors = _args()
    if errors:
        return Response(
            "\n".join(f"{k}: {' '.join(v)}" for k, v in errors.items()),
            status=422,
            mimetype="text/plain",
        )
    month = _month(args)
    data = margin_report(month, args["by"], losing_only=args["losing"], chart_months=1)
    chunks = margin_csv(data)
    header = next(chunks)
    name = f"margin-{g.actor.agency.slug}-{month:%Y-%m}-{args['by']}.csv"
    return Response(
        itertools.chain([header], stream_with_context(_as_tenant(g.actor.agency_id, chunks))),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
        },
    )
