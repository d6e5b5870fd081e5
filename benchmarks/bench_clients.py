"""Clients list and client detail through the WSGI app, at two data sizes.

For each size it generates the data set (benchmarks/generate.py), signs in as the large
agency's owner and requests each page N times, measuring server time (median, p95) and the
SQL statements each request runs. The baseline in the same run is /healthz (one SELECT 1
through the same app), so the ratio column is comparable across noisy machines.

    python -m benchmarks.bench_clients --scales 0.1 1 --requests 60
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

import sqlalchemy as sa

from benchmarks.generate import BENCH_PASSWORD, fill, migrate, recreate_database, shape_for

RESULTS = Path(__file__).resolve().parent / "results"


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def add_ratios(pages: dict[str, dict]) -> None:
    """Each page's median as a multiple of the same run's /healthz median: the figure to
    compare across machines and runs (times alone move with the machine's load)."""
    base = pages["baseline /healthz"]["median_ms"]
    for page in pages.values():
        page["ratio_to_baseline"] = round(page["median_ms"] / base, 1) if base else None


def bench_size(scale: float, requests: int) -> dict:
    url = recreate_database(f"baton_bench_{str(scale).replace('.', '_')}")
    migrate(url)
    info = fill(url, shape_for(scale))
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
    client = app.test_client()
    resp = client.post("/login", data={"email": info["owner_email"], "password": BENCH_PASSWORD})
    assert resp.status_code == 302, resp.status_code
    slug = info["slug"]
    with app.app_context():
        from app.clients.models import Client
        from app.core.tenancy import all_tenants

        with all_tenants():
            agency_id = db.session.scalar(
                sa.text("SELECT id FROM agencies WHERE slug = :s"), {"s": slug}
            )
            total = db.session.scalar(
                sa.select(sa.func.count()).select_from(Client).where(Client.agency_id == agency_id)
            )
            mid_id = db.session.scalar(
                sa.select(Client.id).where(Client.agency_id == agency_id).order_by(Client.id)
                .offset(total // 2).limit(1)
            )  # fmt: skip
    deep_page = max(1, (total // 25) - 5)
    urls = {
        "baseline /healthz": "/healthz",
        "clients page 1": f"/{slug}/clients",
        f"clients page {deep_page}": f"/{slug}/clients?page={deep_page}",
        "clients search": f"/{slug}/clients?q=harbour&status=active",
        "client detail": f"/{slug}/clients/{mid_id}",
    }
    statements: list[int] = []

    def count(*_a: object) -> None:
        statements.append(1)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    out: dict = {"scale": scale, "counts": info["counts"], "pages": {}}
    try:
        for label, path in urls.items():
            for _ in range(5):  # warm-up
                client.get(path)
            times, per_request = [], []
            for _ in range(requests):
                statements.clear()
                t0 = time.perf_counter()
                r = client.get(path)
                times.append((time.perf_counter() - t0) * 1000)
                per_request.append(len(statements))
                assert r.status_code == 200, (path, r.status_code)
            out["pages"][label] = {
                "median_ms": round(statistics.median(times), 2),
                "p95_ms": round(p95(times), 2),
                "statements": max(per_request),
            }
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
    args = parser.parse_args()
    machine = f"{platform.node()} {platform.machine()} python {platform.python_version()}"
    results = [bench_size(s, args.requests) for s in args.scales]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "clients.json").write_text(
        json.dumps({"machine": machine, "runs": results}, indent=2)
    )
    print(f"machine: {machine}; {args.requests} requests per page after 5 warm-up requests")
    for run in results:
        c = run["counts"]
        print(
            f"\nscale {run['scale']}: large agency {shape_for(run['scale']).clients} clients; "
            f"all agencies {c['clients']} clients, {c['members']} members, "
            f"{c['assignments']} assignments"
        )
        print(f"{'page':<24}{'median ms':>10}{'p95 ms':>9}{'x base':>8}{'SQL':>5}")
        for label, r in run["pages"].items():
            print(
                f"{label:<24}{r['median_ms']:>10.1f}{r['p95_ms']:>9.1f}"
                f"{r['ratio_to_baseline']:>8}{r['statements']:>5}"
            )


if __name__ == "__main__":
    main()
