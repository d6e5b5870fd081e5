"""The time entries CSV for accountants: the report's filters, one row per entry with start
and end in the person's zone, decimal hours and the state; people's text that would start a
spreadsheet formula is neutralised; 100,000 entries stream in flat memory."""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
import tracemalloc

import sqlalchemy as sa

from app.extensions import db
from tests.clients.support import api, web
from tests.reports.support import TODAY, add_entry

HEADER = [
    "date", "person", "client", "work_item", "sop", "activity", "billable",
    "start", "end", "zone", "hours", "state", "notes",
]  # fmt: skip


def _rows(resp) -> list[dict]:
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    assert resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    reader = csv.reader(io.StringIO(resp.get_data(as_text=True)))
    assert next(reader) == HEADER
    return [dict(zip(HEADER, row, strict=True)) for row in reader]


def test_one_row_per_entry_with_local_times_hours_and_state(app, world):
    rows = _rows(web(app, world.manager).get(f"/{world.slug}/reports/time.csv"))
    assert [r["date"] for r in rows] == [
        "2026-03-02", "2026-03-03", "2026-03-09", "2026-03-10", "2026-03-10", "2026-03-11",
    ]  # fmt: skip
    first = rows[0]
    assert first == {
        "date": "2026-03-02",
        "person": world.va.user.name,
        "client": "Harbour Bakery",
        "work_item": "Weekly bookkeeping",
        "sop": first["sop"],
        "activity": "Admin",
        "billable": "yes",
        "start": "2026-03-02 09:00",
        "end": "2026-03-02 10:30",
        "zone": "UTC",
        "hours": "1.50",
        "state": "open",
        "notes": "",
    }
    assert first["sop"].startswith("SOP ")
    assert {r["state"] for r in rows} == {"open", "approved", "billed", "running"}
    running = next(r for r in rows if r["state"] == "running")
    assert (running["start"], running["end"], running["hours"]) == ("2026-03-11 14:30", "", "0.50")
    assert sum(float(r["hours"]) for r in rows) == 6.0  # the report's total
    only = _rows(web(app, world.manager).get(f"/{world.slug}/reports/time.csv?state=approved"))
    assert [r["hours"] for r in only] == ["1.00", "2.00"]


def test_start_and_end_are_in_the_person_s_zone(app, world):
    # 22:30-00:15 in New York on 9 March is 02:30-04:15 UTC on the 10th.
    start = dt.datetime(2026, 3, 10, 2, 30, tzinfo=dt.UTC)
    add_entry(
        world.va2, world.client_id, dt.date(2026, 3, 9), 105, start=start, zone="America/New_York"
    )
    rows = _rows(
        web(app, world.owner).get(
            f"/{world.slug}/reports/time.csv?member_id={world.va2.id}&date_from=2026-03-09&date_to=2026-03-09"
        )
    )
    assert [(r["start"], r["end"], r["zone"], r["hours"]) for r in rows] == [
        ("2026-03-09 22:30", "2026-03-10 00:15", "America/New_York", "1.75")
    ]


def test_formulas_in_people_s_text_are_neutralised(app, world):
    add_entry(world.va, world.client_id, TODAY, 10, notes='=HYPERLINK("http://x.test","pay")')
    add_entry(world.va, world.client_id, TODAY, 10, notes="+1 call, -2 emails, @home")
    rows = _rows(web(app, world.va).get(f"/{world.slug}/reports/time.csv?date_from={TODAY}"))
    notes = [r["notes"] for r in rows if r["notes"]]
    assert notes == ['\'=HYPERLINK("http://x.test","pay")', "'+1 call, -2 emails, @home"]
    assert all(r["person"] == world.va.user.name for r in rows)  # a VA's own rows only


def test_the_api_serves_the_same_csv(app, world):
    page = web(app, world.owner).get(f"/{world.slug}/reports/time.csv?client_id={world.client_id}")
    http = api(app, world.owner)
    same = http.get(f"/reports/time-entries.csv?client_id={world.client_id}")
    assert _rows(same) == _rows(page) and len(_rows(page)) == 3


def test_a_hundred_thousand_entries_stream_in_flat_memory(app, world, count_queries):
    """The CSV is written while it is read: the whole file (~11 MB) is never held, and the
    entries are fetched in batches by one statement."""
    rows = 100_000
    started = time.perf_counter()
    agency_id = world.agency.id
    # One INSERT ... SELECT: the database makes the rows, the test stays quick.
    db.session.execute(
        sa.text(
            """
            INSERT INTO time_entries (agency_id, membership_id, client_id, work_item_id,
                activity_id, billable, zone, entry_date, started_at, ended_at,
                duration_seconds, notes, created_at, updated_at)
            SELECT :agency, :member, :client, :item, :activity, true, 'Europe/Paris',
                DATE '2026-01-01' + (n % 10), :start + n * INTERVAL '1 minute',
                :start + n * INTERVAL '1 minute' + INTERVAL '5 minutes', 300,
                CASE WHEN n = 0 THEN '=1+1' ELSE 'task ' || n END, :start, :start
            FROM generate_series(0, :last) AS n
            """
        ),
        {
            "agency": agency_id,
            "member": world.va2.id,
            "client": world.client_id,
            "item": world.work_item_id,
            "activity": world.activity_id,
            "start": dt.datetime(2026, 1, 1, 8, 0, tzinfo=dt.UTC),
            "last": rows - 1,
        },
    )
    inserted = time.perf_counter()
    browser = web(app, world.owner)
    url = f"/{world.slug}/reports/time.csv?date_from=2026-01-01&date_to=2026-01-31"
    # Memory is traced over the first tenth of the file: a download built whole before its
    # first byte, or rows all fetched at once, would show here at full size.
    tracemalloc.start()
    try:
        with count_queries() as statements:
            resp = browser.get(url, buffered=False)
            count, size, neutralised, peak = -1, 0, False, None
            for chunk in resp.response:
                text = chunk.decode() if isinstance(chunk, bytes) else chunk
                size += len(text)
                count += text.count("\n")
                neutralised = neutralised or ",'=1+1\r\n" in text
                if peak is None and count >= rows // 10:
                    peak = tracemalloc.get_traced_memory()[1]
                    tracemalloc.stop()
            resp.close()
    finally:
        tracemalloc.stop()
    streamed = time.perf_counter()
    print(  # what a run measured (pytest -s): ~6 s each here, a peak of ~3 MB
        f"\n{rows} entries inserted in {inserted - started:.1f} s, {size / 1e6:.1f} MB "
        f"streamed in {streamed - inserted:.1f} s, peak {peak / 1e6:.1f} MB over the first tenth"
    )
    assert count == rows and neutralised
    assert size > 10_000_000
    assert peak is not None and peak < 8_000_000, (
        f"peak {peak / 1e6:.1f} MB while streaming {size / 1e6:.1f} MB"
    )
    reads = [s for s in statements if "FROM time_entries" in s]
    assert len(reads) == 1, reads  # one statement, read in batches (yield_per)
