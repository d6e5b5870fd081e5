"""The owner's cockpit through the WSGI app, at two data sizes (10x apart): the dashboard
with its tiles, the workload heat map, the calendar's month, margin by client for a month
and the payout statements of a period.

Data: the time data set (benchmarks/generate_time.py; at scale 1 the large agency has 200
members, 20,000 clients, 200,000 work items and 2,000,000 time entries) plus the cockpit's
(benchmarks/generate_cockpit.py: cost rates, 24,000 issued invoices over 12 months with
payments and credit notes). Each page is requested N times as the agency owner, measuring
server time (median, p95), CPU and SQL statements; the baseline in the same run is /healthz,
so the ratio column compares across machines. A page whose feature the app does not have is
left out (and said so).

    python -m benchmarks.bench_cockpit --scales 0.1 1 --requests 60 [--reuse]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
from pathlib import Path

import sqlalchemy as sa

from benchmarks.bench_clients import add_ratios
from benchmarks.bench_time import _existing, _measure, _subjects
from benchmarks.bench_work import _planner_costs
from benchmarks.generate import BENCH_PASSWORD, migrate
from benchmarks.generate_cockpit import add_cockpit_data
from benchmarks.generate_time import generate

RESULTS = Path(__file__).resolve().parent / "results"

# label -> (endpoint, its arguments but the agency's slug); `{month}` and `{day}` are the
# data set's newest month and day. Generating payout statements is part of the setup.
PAGES = {
    "dashboard with the cockpit": ("agencies.dashboard", {}),
    "workload heat map, 8 weeks": ("capacity.team_workload", {}),
    "calendar month (owner)": ("calendar.calendar", {"view": "month", "date": "{day}"}),
    "margin by client, a month": ("margin.report", {"month": "{month}", "by": "client"}),
    "margin chart, 12 months (fetched)": ("margin.chart", {"month": "{month}"}),
    "payout statements of a period": ("payouts.index", {"period": "{period}"}),
}


def _prepare_payouts(app) -> str | None:  # noqa: ANN001 - the Flask app
    """Statements of the period that ended last, made once (the page lists them); returns
    a day of that period."""
    try:
        from app.payouts.generation import generate_due
        from app.payouts.queries import payout_settings, period_of, previous_period
    except ImportError:
        return None
    from app.agencies.models import Agency
    from app.core.clock import today_in
    from app.core.tenancy import tenant
    from app.extensions import db

    with app.app_context():
        with tenant(None), db.session.no_autoflush:
            agency_id = db.session.execute(
                sa.text("SELECT id FROM agencies WHERE slug = 'bench-large'")
            ).scalar_one()
        with tenant(agency_id):
            generate_due(agency_id)
            db.session.commit()
            agency = db.session.get(Agency, agency_id)
            settings = payout_settings()
            period = previous_period(period_of(today_in(agency.time_zone), settings), settings)
            return period.start.isoformat()


def bench_size(scale: float, requests: int, reuse: bool = False) -> dict:
    database = f"baton_bench_time_{str(scale).replace('.', '_')}"
    found = _existing(database, scale) if reuse else None
    if found:
        migrate(found[0])
    url, info = found or generate(database, scale)
    counts = add_cockpit_data(url)
    _planner_costs(database, 1.1)
    who = _subjects(url)
    from app import create_app
    from app.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "REDIS_URL": None,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    newest = who["newest"]
    period = _prepare_payouts(app) or newest.isoformat()
    owner = app.test_client()
    resp = owner.post("/login", data={"email": info["owner_email"], "password": BENCH_PASSWORD})
    assert resp.status_code == 302, resp.status_code
    slug = info["slug"]
    pages = {"baseline /healthz": (owner, "/healthz")}
    missing = []
    with app.test_request_context():
        from flask import url_for

        for label, (endpoint, args) in PAGES.items():
            if endpoint not in app.view_functions:
                missing.append(label)
                continue
            values = {
                k: v.format(month=newest.strftime("%Y-%m"), day=newest.isoformat(), period=period)
                for k, v in args.items()
            }
            pages[label] = (owner, url_for(endpoint, agency_slug=slug, **values))
    statements: list[int] = []

    def count(*_a: object) -> None:
        statements.append(1)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    out: dict = {
        "scale": scale,
        "entries": who["entries"],
        "data": counts,
        "pages": {},
        "not_measured": missing,
    }
    try:
        for label, (client, path) in pages.items():
            out["pages"][label] = {"path": path, **_measure(client, path, requests, statements)}
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
        with app.app_context():
            db.engine.dispose()
    add_ratios(out["pages"])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", type=float, nargs="+", default=[0.1, 1.0])
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    machine = f"{platform.node()} {platform.machine()} python {platform.python_version()}"
    results = [bench_size(s, args.requests, args.reuse) for s in args.scales]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "cockpit.json").write_text(
        json.dumps({"machine": machine, "load": os.getloadavg(), "runs": results}, indent=2)
    )
    print(f"machine: {machine}; {args.requests} requests per page after 5 warm-up requests")
    for run in results:
        print(f"\nscale {run['scale']}: {run['entries']} time entries; {run['data']}")
        print(f"{'page':<36}{'median ms':>10}{'p95 ms':>9}{'x base':>8}{'cpu ms':>8}{'SQL':>5}")
        for label, r in run["pages"].items():
            print(
                f"{label:<36}{r['median_ms']:>10.1f}{r['p95_ms']:>9.1f}"
                f"{r['ratio_to_baseline']:>8}{r['cpu_median_ms']:>8.1f}{r['statements']:>5}"
            )
        if run["not_measured"]:
            print("not measured (not built yet):", ", ".join(run["not_measured"]))
    load = os.getloadavg()
    print(f"\nload average at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")


if __name__ == "__main__":
    main()
