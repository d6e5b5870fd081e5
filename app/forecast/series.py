"""Recurring work in the forecast: the items active series will make within the months
ahead, each at its client's fixed package fee (the fee its "work_item" invoice line is
billed at), in the month it is due (the client's day). Items made already are not counted
here (they are billed when delivered, like any work); a client without a fixed-price
package has no known fee, so its series are not counted (listed as `unpriced`)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import sqlalchemy as sa

from app.clients.models import Client, ServicePackage
from app.extensions import db
from app.work.models import WorkSeries
from app.work.series import add_cadence

MAX_STEPS = 400  # a weekly series over a year is 53; a guard, not a limit that bites


def any_series() -> bool:
    """Whether the agency has ever set work to repeat."""
    return db.session.scalar(sa.select(WorkSeries.id).limit(1)) is not None


def series_revenue(first: dt.date, last: dt.date) -> tuple[dict[dt.date, dict[str, int]], int]:
    """{month: {currency: fees}} of the items active series will make in the months from
    `first` to `last` (first days), and how many active series have no known fee."""
    end = dt.date(last.year + (last.month == 12), last.month % 12 + 1, 1)
    out: dict[dt.date, dict[str, int]] = {}
    unpriced = 0
    rows = db.session.execute(
        sa.select(WorkSeries, Client.time_zone, ServicePackage)
        .join(Client, Client.id == WorkSeries.client_id)
        .outerjoin(ServicePackage, ServicePackage.id == Client.service_package_id)
        .where(WorkSeries.status == "active")
    ).all()
    for found, zone, package in rows:
        if package is None or package.pricing != "fixed" or package.price_minor is None:
            unpriced += 1
            continue
        due = found.next_due_at
        for _ in range(MAX_STEPS):
            day = due.astimezone(zoneinfo.ZoneInfo(zone or "UTC")).date()
            if day >= end:
                break
            month = day.replace(day=1)
            if month >= first:
                bucket = out.setdefault(month, {})
                bucket[package.currency] = bucket.get(package.currency, 0) + package.price_minor
            due = add_cadence(due, found.cadence, zone or "UTC")
    return out, unpriced
