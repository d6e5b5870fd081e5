"""The work screens through the WSGI app, at two data sizes: "My work", the QA queue and the
owner's board (across clients and for one client).

For each size it generates the data set (benchmarks/generate.py plus
benchmarks/generate_work.py), signs in as the large agency's busiest VA, its busiest QA
reviewer and its owner, and requests each page N times, measuring server time (median,
p95) and the SQL statements each request runs. The baseline in the same run is /healthz
(one SELECT 1 through the same app), so the ratio column is comparable across machines.

    python -m benchmarks.bench_work --scales 0.1 1 --requests 60 [--reuse]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

import sqlalchemy as sa

from benchmarks.bench_clients import add_ratios, p95
from benchmarks.generate import BENCH_PASSWORD, migrate, shape_for
from benchmarks.generate_work import generate, work_shape_for

RESULTS = Path(__file__).resolve().parent / "results"


def _busiest(url: str) -> dict:
    """Who and what to measure: the VA with most open items, the QA reviewer with the
    longest queue, the client with most items (and their sign-in emails)."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        aid = conn.scalar(sa.text("SELECT id FROM agencies WHERE slug = 'bench-large'"))
        va = conn.execute(
            sa.text(
                "SELECT m.id, u.email, count(*) AS n FROM work_items w "
                "JOIN memberships m ON m.id = w.assignee_id JOIN users u ON u.id = m.user_id "
                "WHERE w.agency_id = :a AND w.state NOT IN ('delivered', 'cancelled') "
                "GROUP BY m.id, u.email ORDER BY n DESC LIMIT 1"
            ),
            {"a": aid},
        ).one()
        qa = conn.execute(
            sa.text(
                "SELECT m.id, u.email, count(*) AS n FROM work_items w "
                "JOIN memberships m ON m.id = w.reviewer_id JOIN users u ON u.id = m.user_id "
                "WHERE w.agency_id = :a AND w.state IN ('submitted', 'in_review') "
                "GROUP BY m.id, u.email ORDER BY n DESC LIMIT 1"
            ),
            {"a": aid},
        ).one()
        client = conn.execute(
            sa.text(
                "SELECT client_id, count(*) AS n FROM work_items WHERE agency_id = :a "
                "GROUP BY client_id ORDER BY n DESC LIMIT 1"
            ),
            {"a": aid},
        ).one()
        sop_id = conn.scalar(sa.text("SELECT min(id) FROM sops WHERE agency_id = :a"), {"a": aid})
        queue_all = conn.scalar(
            sa.text(
                "SELECT count(*) FROM work_items WHERE agency_id = :a "
                "AND state IN ('submitted', 'in_review')"
            ),
            {"a": aid},
        )
    engine.dispose()
    return {
        "va": va,
        "qa": qa,
        "client": client,
        "queue_all": queue_all,
        "sop_id": sop_id,
    }


def _existing(database: str, scale: float) -> tuple[str, dict] | None:
    """(url, info) of an already generated data set of this scale, or None."""
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}"
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            counts = {
                name: conn.scalar(sa.text(f"SELECT count(*) FROM {name}"))  # noqa: S608
                for name in ("agencies", "clients", "memberships", "assignments",
                             "work_items", "checklist_states", "reviews", "sop_versions")
            }  # fmt: skip
    except sa.exc.SQLAlchemyError:
        return None
    finally:
        engine.dispose()
    if counts["work_items"] != work_shape_for(scale).items:
        return None
    counts["members"] = counts.pop("memberships")
    return url, {"slug": "bench-large", "owner_email": "m0@bench-large.bench", "counts": counts}


def _planner_costs(database: str, random_page_cost: float) -> None:
    """The production setting of docker/compose.yaml (README, "Running in production") on
    the benchmark database; new connections pick it up."""
    import psycopg

    from benchmarks.generate import ADMIN_URL

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"ALTER DATABASE {database} SET random_page_cost = {float(random_page_cost)}")


def bench_size(
    scale: float, requests: int, reuse: bool = False, random_page_cost: float = 1.1
) -> dict:
    database = f"baton_bench_work_{str(scale).replace('.', '_')}"
    found = _existing(database, scale) if reuse else None
    if found:
        migrate(found[0])  # the data stays; the schema follows the code (new indexes)
    _planner_costs(database, random_page_cost)
    url, info = found or generate(database, scale)
    who = _busiest(url)
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

    def signed_in(email: str):
        client = app.test_client()
        resp = client.post("/login", data={"email": email, "password": BENCH_PASSWORD})
        assert resp.status_code == 302, (email, resp.status_code)
        return client

    owner = signed_in(info["owner_email"])
    va = signed_in(who["va"].email)
    qa = signed_in(who["qa"].email)
    slug = info["slug"]
    pages = {
        "baseline /healthz": (owner, "/healthz"),
        "my work (VA)": (va, f"/{slug}/my-work"),
        "QA queue (QA)": (qa, f"/{slug}/qa"),
        "QA queue (owner, all)": (owner, f"/{slug}/qa"),
        "board, all clients": (owner, f"/{slug}/board"),
        "board, one client": (owner, f"/{slug}/board?client={who['client'].client_id}"),
        "board, one VA": (owner, f"/{slug}/board?assignee={who['va'].id}"),
        "board, one SOP": (owner, f"/{slug}/board?sop={who['sop_id']}"),
        "all work, open (owner)": (owner, f"/{slug}/work"),
        "all work, title search": (owner, f"/{slug}/work?q=report&state=all"),
        "all work (VA)": (va, f"/{slug}/work"),
    }
    statements: list[int] = []

    def count(*_a: object) -> None:
        statements.append(1)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    out: dict = {
        "scale": scale,
        "counts": info["counts"],
        "subjects": {
            "va_open_items": who["va"].n,
            "qa_queue_items": who["qa"].n,
            "queue_all_items": who["queue_all"],
            "client_items": who["client"].n,
        },
        "pages": {},
    }
    try:
        for label, (client, path) in pages.items():
            for _ in range(5):  # warm-up
                client.get(path)
            times, cpu, per_request = [], [], []
            for _ in range(requests):
                statements.clear()
                t0, c0 = time.perf_counter(), time.process_time()
                r = client.get(path)
                times.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.process_time() - c0) * 1000)
                per_request.append(len(statements))
                assert r.status_code == 200, (path, r.status_code)
            out["pages"][label] = {
                "median_ms": round(statistics.median(times), 2),
                "p95_ms": round(p95(times), 2),
                # The app's own CPU per request (not PostgreSQL's): a figure that a busy
                # machine inflates far less than wall-clock time.
                "cpu_median_ms": round(statistics.median(cpu), 2),
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
    parser.add_argument(
        "--reuse", action="store_true", help="measure an existing data set of the same scale"
    )
    parser.add_argument(
        "--random-page-cost",
        type=float,
        default=1.1,
        help="PostgreSQL planner setting for the data set (4 is PostgreSQL's default)",
    )
    args = parser.parse_args()
    machine = f"{platform.node()} {platform.machine()} python {platform.python_version()}"
    results = [bench_size(s, args.requests, args.reuse, args.random_page_cost) for s in args.scales]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "work.json").write_text(
        json.dumps({"machine": machine, "load": os.getloadavg(), "runs": results}, indent=2)
    )
    print(f"machine: {machine}; {args.requests} requests per page after 5 warm-up requests")
    for run in results:
        c, s = run["counts"], run["subjects"]
        print(
            f"\nscale {run['scale']}: large agency {shape_for(run['scale']).clients} clients, "
            f"{work_shape_for(run['scale']).items} work items, {c['checklist_states']} "
            f"checklist states, {c['reviews']} reviews; all agencies {c['clients']} clients, "
            f"{c['members']} members, {c['assignments']} assignments"
        )
        print(
            f"measured: VA with {s['va_open_items']} open items, QA with {s['qa_queue_items']} "
            f"waiting ({s['queue_all_items']} in all), client with {s['client_items']} items"
        )
        print(f"{'page':<26}{'median ms':>10}{'p95 ms':>9}{'x base':>8}{'cpu ms':>8}{'SQL':>5}")
        for label, r in run["pages"].items():
            print(
                f"{label:<26}{r['median_ms']:>10.1f}{r['p95_ms']:>9.1f}"
                f"{r['ratio_to_baseline']:>8}{r['cpu_median_ms']:>8.1f}{r['statements']:>5}"
            )
    load = os.getloadavg()
    print(f"\nload average at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")


if __name__ == "__main__":
    main()
