"""The forecast page and its CSV: owners and managers."""

from __future__ import annotations

import itertools
import json

from flask import Response, g, render_template, stream_with_context
from flask.typing import ResponseReturnValue

from app.core.formatting import format_day, month_label, reader_locale
from app.core.money import from_minor
from app.core.permissions import MANAGERS, roles
from app.core.permissions import authorize as _authorize
from app.core.tenancy import tenant
from app.core.translation import gettext as _
from app.forecast import policy
from app.forecast.blueprint import bp
from app.forecast.presenters import forecast_csv
from app.forecast.services import client_names, forecast

SLOW_PAYERS = 10  # clients listed with their days to pay, the slowest first


def _major(minor: int | None, currency: str) -> float | None:
    return None if minor is None else float(from_minor(minor, currency))


@bp.get("/<agency_slug>/forecast")
@roles(*MANAGERS)
def report(agency_slug: str) -> ResponseReturnValue:
    """Revenue and cash expected over the next 3, 6 and 12 months, beside last year's
    payments."""
    _authorize(policy.can_see_forecast(g.actor))
    f = forecast()
    slow = sorted(f.days_to_pay.items(), key=lambda kv: (-kv[1], kv[0]))[:SLOW_PAYERS]
    lang = reader_locale()
    base = f.base_currency
    past, ahead = len(f.actuals), len(f.months)
    chart = {
        "labels": [month_label(f"{a.month:%Y-%m}", lang) for a in f.actuals]
        + [month_label(f"{m.month:%Y-%m}", lang) for m in f.months[1:]],
        "currency": base,
        "series": [
            {
                "key": "received",
                "label": _("Received"),
                "values": [_major(a.received_base, base) for a in f.actuals] + [None] * (ahead - 1),
            },
            {
                "key": "cash",
                "label": _("Cash expected"),
                "values": [None] * (past - 1) + [_major(m.cash_base, base) for m in f.months],
            },
            {
                "key": "revenue",
                "label": _("Revenue forecast"),
                "values": [None] * (past - 1) + [_major(m.revenue_base, base) for m in f.months],
            },
        ],
    }
    return render_template(
        "forecast/report.html",
        f=f,
        chart_json=json.dumps(chart),
        month_name=lambda d: month_label(f"{d:%Y-%m}", lang),
        format_day=format_day,
        slow=slow,
        names=client_names([c for c, _days in slow]),
    )


def _as_tenant(agency_id: int, chunks):
    with tenant(agency_id):
        yield from chunks


@bp.get("/<agency_slug>/forecast.csv")
@roles(*MANAGERS)
def report_csv(agency_slug: str) -> ResponseReturnValue:
    """The forecast as CSV (formula-safe, streamed)."""
    _authorize(policy.can_see_forecast(g.actor))
    f = forecast()
    chunks = forecast_csv(f)
    header = next(chunks)
    name = f"forecast-{g.actor.agency.slug}-{f.today:%Y-%m}.csv"
    return Response(
        itertools.chain([header], stream_with_context(_as_tenant(g.actor.agency_id, chunks))),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
        },
    )
