"""Benchmark data for time: two years of time entries on top of benchmarks/generate.py and
benchmarks/generate_work.py.

Full scale (the default) gives the large agency (200 members, 20,000 clients, 200,000 work
items) 2,000,000 time entries over the last two years: each by one of its VAs for a client
they are assigned to, 15 minutes to 3 hours, on working hours of a day, a third of them on
a work item of that client, 85 % billable. Entries older than two weeks are approved;
nothing is billed yet (the worst case for the approved-time source: every approved entry is
a candidate). `--scale 0.1` makes a tenth of everything. Rows are written with COPY from a
generator (memory stays flat), then VACUUM ANALYZE.

    python -m benchmarks.generate_time --database baton_bench_time --scale 1
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg

from app.time.logged import RECOUNT_SQL
from benchmarks.generate import fill, migrate, recreate_database, shape_for
from benchmarks.generate_work import fill_work, work_shape_for

DAYS = 730
NOTES = ["Inbox triage", "Call with the client", "Weekly report", "Invoices chased", "", ""]


@dataclass
class TimeShape:
    entries: int


def time_shape_for(scale: float) -> TimeShape:
    return TimeShape(entries=max(2_000, int(2_000_000 * scale)))


def _copy_rows(cur: psycopg.Cursor, table: str, columns: tuple[str, ...], rows: Iterator) -> int:
    n = 0
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def fill_time(url: str, shape: TimeShape, seed: int = 13) -> dict:
    """Add time entries (and nothing else) to the large agency; returns counts."""
    rnd = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    today = now.date()
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain) as conn, conn.cursor() as cur:
        aid, owner_user = cur.execute(
            "SELECT a.id, u.id FROM agencies a JOIN memberships m ON m.agency_id = a.id "
            "AND m.role = 'owner' JOIN users u ON u.id = m.user_id WHERE a.slug = 'bench-large'"
        ).fetchone()
        pairs = cur.execute(
            "SELECT membership_id, client_id FROM assignments WHERE agency_id = %s "
            "AND ends_on IS NULL ORDER BY id",
            (aid,),
        ).fetchall()
        items: dict[int, list[int]] = {}
        for item_id, client_id in cur.execute(
            "SELECT id, client_id FROM work_items WHERE agency_id = %s", (aid,)
        ):
            items.setdefault(client_id, []).append(item_id)
        # COPY skipped the hook that gives a new agency its default activities.
        from app.time.models import DEFAULT_ACTIVITIES

        for name in DEFAULT_ACTIVITIES:
            cur.execute(
                "INSERT INTO time_activities (agency_id, name, active, created_at) "
                "VALUES (%s, %s, true, %s) ON CONFLICT DO NOTHING",
                (aid, name, now),
            )
        activity_ids = [
            r[0]
            for r in cur.execute(
                "SELECT id FROM time_activities WHERE agency_id = %s ORDER BY id", (aid,)
            )
        ]
        approved_before = today - dt.timedelta(days=14)

        def rows() -> Iterator[tuple]:
            for _ in range(shape.entries):
                member, client = pairs[rnd.randrange(len(pairs))]
                day = today - dt.timedelta(days=1 + rnd.randrange(DAYS))
                start = dt.datetime.combine(day, dt.time(8), tzinfo=dt.UTC) + dt.timedelta(
                    minutes=15 * rnd.randrange(40)
                )
                minutes = 15 * (1 + rnd.randrange(12))
                end = start + dt.timedelta(minutes=minutes)
                work = items.get(client)
                work_item = work[rnd.randrange(len(work))] if work and rnd.random() < 0.33 else None
                yield (
                    aid, member, client, work_item, activity_ids[rnd.randrange(len(activity_ids))],
                    rnd.random() < 0.85, NOTES[rnd.randrange(len(NOTES))] or None, day, start,
                    end, minutes * 60, "UTC", owner_user, start, end,
                    end if day < approved_before else None,
                    owner_user if day < approved_before else None,
                )  # fmt: skip

        n = _copy_rows(
            cur,
            "time_entries",
            ("agency_id", "membership_id", "client_id", "work_item_id", "activity_id",
             "billable", "notes", "entry_date", "started_at", "ended_at", "duration_seconds",
             "zone", "created_by_id", "created_at", "updated_at", "approved_at",
             "approved_by_id"),
            rows(),
        )  # fmt: skip
        cur.execute(RECOUNT_SQL)  # the app keeps it on ORM writes
        conn.commit()
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE time_entries")
    return {"time_entries": n}


def generate(database: str, scale: float) -> tuple[str, dict]:
    """Foundation, work items and time entries at `scale`; returns (url, info)."""
    url = recreate_database(database)
    migrate(url)
    info = fill(url, shape_for(scale))
    info["counts"].update(fill_work(url, work_shape_for(scale)))
    info["counts"].update(fill_time(url, time_shape_for(scale)))
    return url, info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", default="baton_bench_time")
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    t0 = time.perf_counter()
    _, info = generate(args.database, args.scale)
    print(json.dumps(info, indent=2), f"\n{time.perf_counter() - t0:.1f}s")


if __name__ == "__main__":
    main()
