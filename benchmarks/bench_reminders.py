"""The reminder sweep's "find due (invoice, step)" among 1,000,000 invoices in 100 agencies.

Data (COPY after Alembic made the schema, then VACUUM ANALYZE): 100 agencies with the
default ladder (-3, 0, 7, 14, 30 days; two agencies have reminders off), 100 clients each
across eight time zones (1 % paused), and 10,000 invoices each with due dates spread over
the past year and the next 30 days. Older invoices are mostly paid: 95 % of those due more
than 60 days ago, 60 % of those due in the last 60 days, 10 % of future ones; 3 % drafts,
3 % void, 2 % credit notes; of the open ones 2 % disputed and 1 % paused. The reminder
history is what a running system has: every step of a chaseable invoice whose send time
passed before the previous sweep (15 minutes ago) is recorded (and the invoice's
`reminder_offset_done` says how far it got), and paid invoices carry the steps they got
before being paid.

Two situations are timed at "now" = 14:05 UTC on a weekday (09:05 in New York, so steps of
New York clients are due this minute):

- steady state: the last sweep ran 15 minutes ago;
- after an outage: nothing ran for 3 days (the history of those 3 days is deleted).

For each: median and p95 of `find_due(now)` (the one SQL query across tenants plus the
exact 09:00-local check in Python), of the query alone through SQLAlchemy and through the
raw driver; EXPLAIN (ANALYZE, BUFFERS) of the query as the app sends it; and, after the outage,
how many invoices per second the sweep then processes (lock, re-check, record, render,
queue the email and, on the embedded default, send it to the log).

    python -m benchmarks.bench_reminders                     # full size
    python -m benchmarks.bench_reminders --invoices 100000   # a tenth
    python -m benchmarks.bench_reminders --reuse             # measure the same data again
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import platform
import random
import statistics
import time
from pathlib import Path

import psycopg

from benchmarks.generate import ADMIN_URL, migrate, recreate_database

RESULTS = Path(__file__).resolve().parent / "results"
DB_NAME = "baton_bench_reminders"
ZONES = [
    ("America/New_York", "USD", "en_US"), ("Europe/Berlin", "EUR", "de_DE"),
    ("Asia/Dubai", "AED", "ar_AE"), ("Australia/Sydney", "AUD", "en_AU"),
    ("Africa/Cairo", "EGP", "ar_EG"), ("Asia/Tokyo", "JPY", "ja_JP"),
    ("Europe/London", "GBP", "en_GB"), ("America/Sao_Paulo", "BRL", "pt_BR"),
]  # fmt: skip
OPEN = ("sent",) * 6 + ("issued",) * 2 + ("partially_paid",) * 2


def copy_database(template: str, name: str) -> str:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        for db_name in (template, name):
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (db_name,),
            )
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{name}", autocommit=True) as c:
        c.execute("VACUUM ANALYZE")
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def bench_now() -> dt.datetime:
    """14:05 UTC on the latest weekday up to today (09:05 in New York)."""
    day = dt.datetime.now(dt.UTC).date()
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(14, 5), dt.UTC)


def _copy(cur: psycopg.Cursor, table: str, columns: tuple[str, ...], rows) -> int:
    n = 0
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def generate(url: str, agencies: int, invoices: int, now: dt.datetime, seed: int = 11) -> dict:
    from app.reminders.schedule import send_at
    from app.reminders.services import DEFAULT_LADDER

    rnd = random.Random(seed)
    today = now.date()
    per_agency = invoices // agencies
    last_sweep = now - dt.timedelta(minutes=15)
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    counts = {"agencies": agencies, "clients": 0, "invoices": 0, "chaseable": 0, "sends": 0}
    started = time.perf_counter()
    with psycopg.connect(plain) as conn, conn.cursor() as cur:
        _copy(cur, "agencies",
              ("slug", "name", "time_zone", "base_currency", "locale", "require_owner_2fa",
               "created_at"),
              [(f"rem-{i:03d}", f"Reminder Agency {i}", "Europe/London", "USD", "en", False, now)
               for i in range(agencies)])  # fmt: skip
        agency_ids = [r[0] for r in cur.execute("SELECT id FROM agencies ORDER BY id")]
        _copy(cur, "reminder_steps",
              ("agency_id", "offset_days", "subject_template", "body_template", "active"),
              [(a, o, s, b, True) for a in agency_ids for o, s, b in DEFAULT_LADDER])  # fmt: skip
        _copy(cur, "invoice_settings",
              ("agency_id", "invoice_number_format", "credit_note_number_format",
               "restart_yearly", "rounding", "recurring_day", "reminders_enabled"),
              [(a, "INV-{year}-{seq:05}", "CN-{year}-{seq:05}", True, "per_line", 1, i >= 2)
               for i, a in enumerate(agency_ids)])  # fmt: skip
        steps = {
            a: list(cur.execute(
                "SELECT id, offset_days FROM reminder_steps WHERE agency_id = %s "
                "ORDER BY offset_days", (a,)))
            for a in agency_ids
        }  # fmt: skip
        for a in agency_ids:
            _copy(cur, "clients",
                  ("agency_id", "name", "time_zone", "currency", "locale", "status", "channels",
                   "deposit_percent", "net_days", "response_time_hours", "created_at",
                   "updated_at", "reminders_paused"),
                  [(a, f"Client {a}-{c:03d}", *ZONES[c % len(ZONES)], "active", "{}", 0, 15, 24,
                    now, now, rnd.random() < 0.01) for c in range(100)])  # fmt: skip
        clients = {}
        for cid, aid, zone, currency, locale in cur.execute(
            "SELECT id, agency_id, time_zone, currency, locale FROM clients ORDER BY id"
        ):
            clients.setdefault(aid, []).append((cid, zone, currency, locale))
        counts["clients"] = sum(len(v) for v in clients.values())
        _copy(cur, "contacts",
              ("agency_id", "client_id", "name", "email", "preferred_channel", "is_billing"),
              [(a, cid, "Accounts", f"ap{cid}@client.bench", "email", True)
               for a, rows in clients.items() for cid, *_ in rows])  # fmt: skip

        rows, history = [], []
        for a in agency_ids:
            for n in range(per_agency):
                cid, zone, currency, locale = rnd.choice(clients[a])
                due = today + dt.timedelta(days=rnd.randint(-365, 30))
                age = (today - due).days
                r = rnd.random()
                kind, status, number = "invoice", None, f"INV-{n + 1:07d}"
                if r < 0.03:
                    status, number = "draft", None
                elif r < 0.06:
                    status = "void"
                elif r < 0.08:
                    kind, status, number = "credit_note", "issued", f"CN-{n + 1:07d}"
                else:
                    paid_share = 0.95 if age > 60 else 0.6 if age >= 0 else 0.1
                    status = "paid" if rnd.random() < paid_share else rnd.choice(OPEN)
                due_date = None if status == "draft" else due
                issue = due - dt.timedelta(days=15)
                disputed = status in OPEN and rnd.random() < 0.02
                paused = status in OPEN and rnd.random() < 0.01
                total = rnd.randint(5, 500) * 1000
                paid = (
                    total if status == "paid" else total // 2 if status == "partially_paid" else 0
                )
                issued_at = dt.datetime.combine(issue, dt.time(10), dt.UTC)
                if status == "draft":
                    issued_at = None
                # The reminders this invoice has had by the last sweep.
                chosen: list = []
                if kind == "invoice" and status == "paid":
                    cut = rnd.randint(-3, 40)  # paid after some reminders: they stay
                    chosen = [(s, o) for s, o in steps[a] if o <= min(cut, age)]
                elif kind == "invoice" and status in OPEN and not (disputed or paused):
                    counts["chaseable"] += 1
                    chosen = steps[a]
                sent = [(s, o, at) for s, o in chosen
                        if (at := send_at(due, o, zone)) <= last_sweep]  # fmt: skip
                history.append(sent)
                reached = max((o for _, o, _ in sent), default=None)
                rows.append((a, cid, kind, number, status, currency, locale, zone, "per_line",
                             None if status == "draft" else issue, due_date, 15, False, total, 0,
                             total, paid, 0, disputed, paused, now, now, issued_at, 1,
                             reached))  # fmt: skip
        counts["invoices"] = _copy(cur, "invoices",
              ("agency_id", "client_id", "kind", "number", "status", "currency", "locale",
               "client_time_zone", "rounding", "issue_date", "due_date", "net_days",
               "is_deposit", "subtotal_minor", "tax_minor", "total_minor", "paid_minor",
               "credited_minor", "disputed", "reminders_paused", "created_at", "updated_at",
               "issued_at", "lock_version", "reminder_offset_done"), rows)  # fmt: skip
        ids = [r[0] for r in cur.execute("SELECT id FROM invoices ORDER BY id")]
        agency_of = [row[0] for row in rows]
        del rows

        def sends():
            for invoice_id, a, sent in zip(ids, agency_of, history, strict=True):
                for step_id, _offset, at in sent:
                    counts["sends"] += 1
                    yield (a, invoice_id, step_id, at, "sent", at)

        _copy(cur, "reminder_sends",
              ("agency_id", "invoice_id", "step_id", "due_at", "status", "created_at"),
              sends())  # fmt: skip
        conn.commit()
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    counts["generate_seconds"] = round(time.perf_counter() - started, 1)
    return counts


def _timed(fn, runs: int) -> tuple[list[float], object]:
    out = None
    for _ in range(3):  # warm up (plans, caches)
        out = fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return times, out


def _stats(times: list[float]) -> dict:
    return {
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(p95(times), 1),
        "min_ms": round(min(times), 1),
        "runs": len(times),
    }


def measure(app, now: dt.datetime, runs: int) -> dict:
    import sqlalchemy as sa

    from app.core.tenancy import all_tenants
    from app.extensions import db
    from app.reminders.sweep import due_pairs_query, find_due

    with app.app_context():

        def find():
            found = find_due(now)
            db.session.commit()
            return found

        def sql_only():
            with all_tenants():
                rows = db.session.connection().execute(due_pairs_query(now)).all()
            db.session.commit()
            return rows

        t_find, found = _timed(find, runs)
        t_sql, rows = _timed(sql_only, runs)
        compiled = due_pairs_query(now).compile(dialect=db.engine.dialect)
        raw = db.engine.raw_connection()
        try:
            cur = raw.cursor()
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + str(compiled), compiled.params)
            plan = "\n".join(r[0] for r in cur.fetchall())
            t_db = []
            for _ in range(runs):
                t0 = time.perf_counter()
                cur.execute(str(compiled), compiled.params)
                cur.fetchall()
                t_db.append((time.perf_counter() - t0) * 1000)
        finally:
            raw.close()
        with all_tenants():
            window = db.session.scalar(
                sa.select(sa.func.count())
                .select_from(sa.text("invoices"))
                .where(sa.text("status IN ('issued', 'sent', 'partially_paid') "
                               "AND kind = 'invoice' AND NOT disputed AND NOT reminders_paused"))
            )  # fmt: skip
        db.session.commit()
    return {
        "find_due": _stats(t_find),
        "query_through_sqlalchemy": _stats(t_sql),
        "query_raw_driver": _stats(t_db),
        "candidate_pairs": len(rows),
        "due_invoices": len(found),
        "chaseable_invoices": window,
        "uses_partial_index": "ix_invoices_reminder_candidates" in plan,
        "explain": plan,
    }


def sweep_throughput(app, now: dt.datetime, seconds: float) -> dict:
    from app.extensions import db
    from app.reminders.sweep import run_reminder_sweep

    logging.getLogger("baton.mail").setLevel(logging.ERROR)
    with app.app_context():
        t0 = time.perf_counter()
        result = run_reminder_sweep(now, time_budget=seconds)
        elapsed = time.perf_counter() - t0
        db.session.remove()
    processed = sum(v for k, v in result.items() if k not in ("ladders_installed", "stopped_early"))
    return {
        "seconds": round(elapsed, 1),
        "invoices_processed": processed,
        "invoices_per_second": round(processed / elapsed, 1),
        "outcomes": result,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agencies", type=int, default=100)
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--sweep-seconds", type=float, default=30.0)
    parser.add_argument("--reuse", action="store_true", help="use the existing database")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    now = bench_now()
    load_at_start = list(os.getloadavg())  # a shared machine: say how busy it was
    counts: dict = {}
    if not args.reuse:
        template = recreate_database(DB_NAME)
        migrate(template)
        counts = generate(template, args.agencies, args.invoices, now)
        print("generated:", json.dumps(counts))
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "reminders-data.json").write_text(json.dumps(counts) + "\n")
    elif (RESULTS / "reminders-data.json").exists():
        counts = {**json.loads((RESULTS / "reminders-data.json").read_text()), "reused": True}
    # Each run works on a copy, so --reuse measures the same starting point again.
    url = copy_database(DB_NAME, f"{DB_NAME}_run")

    from app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None, "SMTP_URL": None})
    logging.getLogger().setLevel(logging.WARNING)
    steady = measure(app, now, args.runs)
    print_summary("steady state (last sweep 15 minutes ago)", steady)

    plain = url.replace("postgresql+psycopg://", "postgresql://")
    outage_from = now - dt.timedelta(days=3)
    with psycopg.connect(plain, autocommit=True) as conn:
        # Nothing ran for 3 days: those records never happened, so each invoice's position
        # on its ladder is what the remaining history says.
        conn.execute("CREATE TEMP TABLE gone AS SELECT DISTINCT invoice_id FROM reminder_sends "
                     "WHERE due_at > %s", (outage_from,))  # fmt: skip
        conn.execute("DELETE FROM reminder_sends WHERE due_at > %s", (outage_from,))
        conn.execute(
            "UPDATE invoices i SET reminder_offset_done = (SELECT max(s.offset_days) "
            "FROM reminder_sends r JOIN reminder_steps s ON s.id = r.step_id "
            "WHERE r.invoice_id = i.id) WHERE i.id IN (SELECT invoice_id FROM gone)"
        )
        conn.execute("VACUUM ANALYZE reminder_sends")
        conn.execute("VACUUM ANALYZE invoices")
    outage = measure(app, now, args.runs)
    print_summary("after a 3-day outage", outage)
    throughput = sweep_throughput(app, now, args.sweep_seconds)
    print("sweep after the outage:", json.dumps(throughput))

    with psycopg.connect(plain) as conn:
        server = conn.execute("SHOW server_version").fetchone()[0]
        buffers = conn.execute("SHOW shared_buffers").fetchone()[0]
    result = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "load_average_at_start_and_end": [load_at_start, list(os.getloadavg())],
        "now_used": now.isoformat(),
        "machine": {
            "cpus": os.cpu_count(),
            "cpu": _cpu_model(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "postgresql": server,
            "shared_buffers": buffers,
        },
        "data": counts or {"reused": True, "invoices": args.invoices},
        "steady_state": steady,
        "after_outage": outage,
        "sweep_after_outage": throughput,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "reminders.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {RESULTS / 'reminders.json'}")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def print_summary(title: str, m: dict) -> None:
    print(f"\n== {title}")
    for key in ("find_due", "query_through_sqlalchemy", "query_raw_driver"):
        s = m[key]
        print(f"  {key:22} median {s['median_ms']:7.1f} ms   p95 {s['p95_ms']:7.1f} ms")
    print(f"  candidate pairs {m['candidate_pairs']}, due invoices {m['due_invoices']}, "
          f"chaseable invoices {m['chaseable_invoices']}")  # fmt: skip
    print(f"  partial index used: {m['uses_partial_index']}")
    print("  " + m["explain"].replace("\n", "\n  "))


if __name__ == "__main__":
    main()
