"""Time through the WSGI app, at two data sizes: My time (a VA's week), the Time page of a
client, the month's time report (by client, and a VA's own), estimates against
actual time and the SOP library with its actual times, the approved-time source of one
client's invoice, and the CSV of about 100,000 time entries (first byte and memory).

For each size it generates the data set (benchmarks/generate_time.py), signs in as the
large agency's busiest VA and its owner, and requests each page N times, measuring server
time (median, p95) and the SQL statements each request runs. The baseline in the same run
is /healthz (one SELECT 1 through the same app), so the ratio column is comparable across
machines. Pages whose feature the app does not have are left out of the run (and say so).

    python -m benchmarks.bench_time --scales 0.1 1 --requests 60 [--reuse]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import statistics
import time
import tracemalloc
from pathlib import Path

import sqlalchemy as sa

from benchmarks.bench_clients import add_ratios, p95
from benchmarks.bench_work import _planner_costs
from benchmarks.generate import BENCH_PASSWORD, migrate
from benchmarks.generate_time import generate, time_shape_for

RESULTS = Path(__file__).resolve().parent / "results"
CSV_ROWS = 100_000


def _subjects(url: str) -> dict:
    """The VA with most entries in the last week, the client with most approved entries."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        aid = conn.scalar(sa.text("SELECT id FROM agencies WHERE slug = 'bench-large'"))
        newest = conn.scalar(
            sa.text("SELECT max(entry_date) FROM time_entries WHERE agency_id = :a"), {"a": aid}
        )
        va = conn.execute(
            sa.text(
                "SELECT m.id, u.email, count(*) AS n FROM time_entries t "
                "JOIN memberships m ON m.id = t.membership_id JOIN users u ON u.id = m.user_id "
                "WHERE t.agency_id = :a AND t.entry_date > :since "
                "GROUP BY m.id, u.email ORDER BY n DESC LIMIT 1"
            ),
            {"a": aid, "since": newest - dt.timedelta(days=7)},
        ).one()
        client = conn.execute(
            sa.text(
                "SELECT client_id, count(*) AS n FROM time_entries WHERE agency_id = :a "
                "AND approved_at IS NOT NULL AND invoice_id IS NULL AND billable "
                "GROUP BY client_id ORDER BY n DESC LIMIT 1"
            ),
            {"a": aid},
        ).one()
        total = conn.scalar(
            sa.text("SELECT count(*) FROM time_entries WHERE agency_id = :a"), {"a": aid}
        )
    engine.dispose()
    return {"va": va, "client": client, "newest": newest, "entries": total}


def _csv_range(url: str, rows: int) -> str:
    """date_from and date_to of the latest days holding about `rows` entries (or all)."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        days = conn.execute(
            sa.text(
                "SELECT entry_date, count(*) FROM time_entries t JOIN agencies a "
                "ON a.id = t.agency_id WHERE a.slug = 'bench-large' "
                "GROUP BY entry_date ORDER BY entry_date DESC"
            )
        ).all()
    engine.dispose()
    total, first = 0, days[-1][0]
    for day, n in days:
        total += n
        if total >= rows:
            first = day
            break
    return f"date_from={first.isoformat()}&date_to={days[0][0].isoformat()}"


def _existing(database: str, scale: float) -> tuple[str, dict] | None:
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}"
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            n = conn.scalar(sa.text("SELECT count(*) FROM time_entries"))
    except sa.exc.SQLAlchemyError:
        return None
    finally:
        engine.dispose()
    if n != time_shape_for(scale).entries:
        return None
    return url, {"slug": "bench-large", "owner_email": "m0@bench-large.bench", "counts": {}}


def _draft_invoice(app, client_id: int) -> int:  # noqa: ANN001 - the Flask app
    """A draft invoice of the client (made once): its page lists the approved-time source's
    candidates, priced at the resolved rates."""
    from app.clients.models import Client
    from app.core.tenancy import tenant
    from app.extensions import db
    from app.invoices.models import Invoice
    from app.invoices.services import new_draft

    with app.app_context():
        with tenant(None), db.session.no_autoflush:
            agency_id = db.session.execute(
                sa.text("SELECT agency_id FROM clients WHERE id = :c"), {"c": client_id}
            ).scalar_one()
        with tenant(agency_id):
            found = db.session.scalar(
                sa.select(Invoice.id).where(
                    Invoice.client_id == client_id, Invoice.status == "draft"
                )
            )
            if found:
                return found
            invoice = new_draft(db.session.get(Client, client_id))
            db.session.commit()
            return invoice.id


def _measure(client, path: str, requests: int, statements: list[int]) -> dict:  # noqa: ANN001
    for _ in range(5):  # warm-up
        client.get(path)
    # What is alive now lives as long as the process: frozen out of the collector's full
    # passes, as the served web process does (app/wsgi.py).
    gc.freeze()
    times, cpu, per_request = [], [], []
    for _ in range(requests):
        statements.clear()
        t0, c0 = time.perf_counter(), time.process_time()
        r = client.get(path)
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        per_request.append(len(statements))
        assert r.status_code == 200, (path, r.status_code)
    return {
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(p95(times), 2),
        "cpu_median_ms": round(statistics.median(cpu), 2),
        "statements": max(per_request),
    }


def _csv(client, path: str, runs: int = 5) -> dict:  # noqa: ANN001
    """First byte and Python memory growth of a streamed CSV, reading it to the end."""
    first, rows, growth = [], 0, []
    for _ in range(runs):
        tracemalloc.start()
        t0 = time.perf_counter()
        resp = client.get(path, buffered=False)
        chunks = iter(resp.response)
        head = next(chunks)
        first.append((time.perf_counter() - t0) * 1000)
        rows = head.count(b"\n")
        for chunk in chunks:
            rows += chunk.count(b"\n")
        resp.close()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        growth.append(peak / 2**20)
    return {
        "first_byte_median_ms": round(statistics.median(first), 1),
        "first_byte_max_ms": round(max(first), 1),
        "rows": rows - 1,
        "peak_python_mb": round(max(growth), 1),
    }


def bench_size(
    scale: float, requests: int, reuse: bool = False, random_page_cost: float = 1.1
) -> dict:
    database = f"baton_bench_time_{str(scale).replace('.', '_')}"
    found = _existing(database, scale) if reuse else None
    if found:
        migrate(found[0])
    url, info = found or generate(database, scale)  # a new data set makes its database
    _planner_costs(database, random_page_cost)
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
    endpoints = {r.endpoint for r in app.url_map.iter_rules()}

    def signed_in(email: str):  # noqa: ANN202
        client = app.test_client()
        resp = client.post("/login", data={"email": email, "password": BENCH_PASSWORD})
        assert resp.status_code == 302, (email, resp.status_code)
        return client

    owner = signed_in(info["owner_email"])
    va = signed_in(who["va"].email)
    slug = info["slug"]
    week = who["newest"].isoformat()
    month_start = who["newest"].replace(day=1).isoformat()
    client_id = who["client"].client_id
    pages = {
        "baseline /healthz": (owner, "/healthz"),
        "My time, a week (VA)": (va, f"/{slug}/time?week={week}"),
        "My time, a VA's week (owner)": (owner, f"/{slug}/time?week={week}&member={who['va'].id}"),
        "a client's Time page": (owner, f"/{slug}/clients/{client_id}/time"),
    }
    missing = []
    if "reports.time_report_page" in endpoints:
        pages["time report, month by client"] = (
            owner,
            f"/{slug}/reports/time?date_from={month_start}&date_to={week}&group=client",
        )
        pages["time report, a VA's own month"] = (
            va,
            f"/{slug}/reports/time?date_from={month_start}&date_to={week}&group=client",
        )
    else:
        missing.append("time report")
    if "reports.estimates_page" in endpoints:
        pages["estimates, 90 days"] = (owner, f"/{slug}/reports/estimates")
        pages["SOP library with actual times"] = (owner, f"/{slug}/sops")
    else:
        missing.append("estimates")
    if "rates.time_settings" in endpoints or any(e.startswith("rates.") for e in endpoints):
        invoice_id = _draft_invoice(app, client_id)
        pages["draft invoice with the approved-time source"] = (
            owner,
            f"/{slug}/invoices/{invoice_id}",
        )
    else:
        missing.append("approved-time source")
    statements: list[int] = []

    def count(*_a: object) -> None:
        statements.append(1)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    out: dict = {
        "scale": scale,
        "entries": who["entries"],
        "subjects": {"va_week_entries": who["va"].n, "client_approved_entries": who["client"].n},
        "pages": {},
        "not_measured": missing,
    }
    try:
        for label, (client, path) in pages.items():
            out["pages"][label] = _measure(client, path, requests, statements)
        if "reports.time_csv" in endpoints:
            out["csv"] = _csv(owner, f"/{slug}/reports/time.csv?{_csv_range(url, CSV_ROWS)}")
        else:
            missing.append("CSV")
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
    parser.add_argument("--random-page-cost", type=float, default=1.1)
    args = parser.parse_args()
    machine = f"{platform.node()} {platform.machine()} python {platform.python_version()}"
    results = [bench_size(s, args.requests, args.reuse, args.random_page_cost) for s in args.scales]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "time.json").write_text(
        json.dumps({"machine": machine, "load": os.getloadavg(), "runs": results}, indent=2)
    )
    print(f"machine: {machine}; {args.requests} requests per page after 5 warm-up requests")
    for run in results:
        s = run["subjects"]
        print(
            f"\nscale {run['scale']}: {run['entries']} time entries; VA with "
            f"{s['va_week_entries']} entries in the week, client with "
            f"{s['client_approved_entries']} approved unbilled entries"
        )
        print(f"{'page':<36}{'median ms':>10}{'p95 ms':>9}{'x base':>8}{'cpu ms':>8}{'SQL':>5}")
        for label, r in run["pages"].items():
            print(
                f"{label:<36}{r['median_ms']:>10.1f}{r['p95_ms']:>9.1f}"
                f"{r['ratio_to_baseline']:>8}{r['cpu_median_ms']:>8.1f}{r['statements']:>5}"
            )
        if "csv" in run:
            print("CSV:", run["csv"])
        if run["not_measured"]:
            print("not measured (not built yet):", ", ".join(run["not_measured"]))
    load = os.getloadavg()
    print(f"\nload average at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")


if __name__ == "__main__":
    main()
