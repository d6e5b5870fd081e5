"""Recurring work in the forecast: the items active series will make, at the client's fixed
package fee, in the month each is due; paused series and clients without a fixed fee are
not counted (the latter said); `recurring_work` turns true once a series exists."""

from __future__ import annotations

import datetime as dt

from app.clients.models import Client
from app.core.tenancy import all_tenants
from app.extensions import db
from app.forecast.services import forecast
from app.work.models import WorkSeries
from tests.factories import ClientFactory, ServicePackageFactory, SopFactory
from tests.time.support import TODAY


def _series(tt, client_id: int, due: dt.datetime, cadence="weekly", status="active") -> None:
    with all_tenants():
        db.session.add(
            WorkSeries(
                agency_id=tt.agency.id,
                client_id=client_id,
                sop_id=SopFactory(agency=tt.agency).id,
                title_pattern="Weekly update, week of {week}",
                cadence=cadence,
                next_due_at=due,
                status=status,
            )
        )
        db.session.flush()


def test_active_series_count_their_items_ahead_at_the_package_fee(app, in_agency):
    tt = in_agency
    assert forecast().recurring_work is False
    package = ServicePackageFactory(agency=tt.agency, price_minor=2500, currency="USD")
    with all_tenants():
        client = db.session.get(Client, tt.client_id)
        client.service_package_id, client.time_zone = package.id, "UTC"
        db.session.flush()
    monday = dt.datetime(2026, 3, 16, 12, tzinfo=dt.UTC)  # TODAY is 11 March 2026
    _series(tt, tt.client_id, monday)  # 16, 23, 30 March; 6, 13, 20, 27 April ...
    _series(tt, tt.client_id, monday, cadence="monthly", status="paused")
    unpriced = ClientFactory(agency=tt.agency)
    _series(tt, unpriced.id, monday, cadence="monthly")
    f = forecast()
    assert f.today == TODAY and f.recurring_work is True and f.unpriced_series == 1
    by_month = {p.month: p for p in f.months}
    assert by_month[dt.date(2026, 3, 1)].series == {"USD": 3 * 2500}
    assert by_month[dt.date(2026, 4, 1)].series == {"USD": 4 * 2500}
    assert by_month[dt.date(2026, 3, 1)].revenue.get("USD", 0) >= 7500
    year = sum(p.series.get("USD", 0) for p in f.months)
    assert year == 2500 * len(
        [
            d
            for d in range(0, 400, 7)
            if (monday + dt.timedelta(days=d)).date() < dt.date(2027, 3, 1)
        ]
    )
