"""Benchmark data for the work screens: SOPs and work items on top of benchmarks/generate.py.

Full scale (the default) adds to the large agency six SOPs (two versions each) and 200,000
work items with their checklist states (about 1.5 million rows) and QA/client reviews,
spread over its clients, their current VAs and its QA reviewers, across every state
(most of them finished, as in an agency that has run for a year). `--scale 0.1` makes a
tenth of everything, foundation included. Rows are written with COPY, then VACUUM ANALYZE.

    python -m benchmarks.generate_work --database baton_bench --scale 1
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
import time
from dataclasses import dataclass

import psycopg

from app.work.stage_index import backfill_sql
from benchmarks.generate import _copy, fill, migrate, recreate_database, shape_for

SOPS = [
    ("client-onboarding", "Client onboarding", ["Discovery call held", "Contract signed",
     "Intake questionnaire returned", "Tool access collected", "Welcome packet sent",
     "Kick-off notes shared"]),
    ("monthly-social-media", "Monthly social media", ["Brief agreed", "Ideas list drafted",
     "Posts created", "Client approved the posts", "Posts scheduled", "Performance tracked",
     "Monthly report sent", "Next month's ideas noted"]),
    ("daily-inbox", "Daily inbox management", ["Inbox triaged", "Urgent mail escalated",
     "Routine replies sent", "Newsletters filed", "Inbox at zero"]),
    ("month-end-close", "Month-end bookkeeping close", ["Bank feeds reconciled",
     "Receipts matched", "Invoices chased", "Payroll checked", "Accruals booked",
     "Reports exported", "Close notes sent"]),
    ("weekly-status", "Weekly client status report", ["Numbers collected", "Wins and blockers",
     "Report written", "Report sent"]),
    ("va-onboarding", "Onboarding a new subcontractor VA", ["Contract signed", "Accounts created",
     "SOP library walkthrough", "Shadowed a senior VA", "First item reviewed", "Feedback call"]),
]  # fmt: skip
EVIDENCE = ["none", "link", "note", "file", "none", "link"]
# State mix of an agency that has run for a year: most work finished, the rest in flight.
STATE_WEIGHTS = {
    "delivered": 52, "cancelled": 5, "todo": 10, "in_progress": 11, "submitted": 4,
    "in_review": 3, "changes_requested": 3, "approved": 3, "awaiting_client": 4,
    "client_approved": 2, "client_changes": 3,
}  # fmt: skip
PAST_REVIEW = {"changes_requested", "approved", "awaiting_client", "client_approved",
               "client_changes", "delivered"}  # fmt: skip
VERBS = ["Prepare", "Draft", "Review", "Update", "Send", "Plan", "Reconcile", "Post", "Collect"]
THINGS = ["newsletter", "invoice batch", "weekly report", "social calendar", "inbox",
          "onboarding pack", "client brief", "expense sheet", "meeting notes"]  # fmt: skip

LINK = "https://docs.example.test/evidence"
NOTE = "<p>Done, see the shared folder.</p>"


@dataclass
class WorkShape:
    items: int


def work_shape_for(scale: float) -> WorkShape:
    return WorkShape(items=max(500, int(200_000 * scale)))


def _definition(slug: str, title: str, steps: list[str], number: int) -> dict:
    items = [
        {
            "key": f"step-{i + 1}",
            "text": text if number == 1 else f"{text} (v{number})",
            "required": i % 4 != 3,
            "evidence": EVIDENCE[i % len(EVIDENCE)],
            "estimate_minutes": 15 + 5 * (i % 4),
        }
        for i, text in enumerate(steps)
    ]
    return {
        "slug": slug,
        "title": title,
        "version": str(number),
        "description": f"{title}, step by step.",
        "roles": ["va"],
        "client_approval": slug in ("monthly-social-media", "weekly-status"),
        "stages": [{"key": "work", "title": "Work", "due_offset_days": 2, "items": items}],
        "rubric": [
            {"key": "complete", "text": "Every step done", "kind": "pass_fail", "pass_mark": None},
            {"key": "quality", "text": "Quality of the result", "kind": "score", "pass_mark": 3},
        ],
    }


def fill_work(url: str, shape: WorkShape, seed: int = 11) -> dict:
    """Add SOPs, work items, checklist states and reviews to the large agency."""
    rnd = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain) as conn, conn.cursor() as cur:
        aid, owner_user = cur.execute(
            "SELECT a.id, u.id FROM agencies a JOIN memberships m ON m.agency_id = a.id "
            "AND m.role = 'owner' JOIN users u ON u.id = m.user_id WHERE a.slug = 'bench-large'"
        ).fetchone()
        qa_ids = [
            r[0]
            for r in cur.execute(
                "SELECT id FROM memberships WHERE agency_id = %s AND role = 'qa' ORDER BY id",
                (aid,),
            )
        ]
        # Every client with its current VAs (primary and backups): items go to one of them.
        team: dict[int, list[int]] = {}
        for client_id, membership_id in cur.execute(
            "SELECT client_id, membership_id FROM assignments WHERE agency_id = %s "
            "AND ends_on IS NULL ORDER BY client_id, kind DESC, id",
            (aid,),
        ):
            team.setdefault(client_id, []).append(membership_id)
        client_ids = sorted(team)

        # SOPs, two versions each (work started on either), the second one current.
        versions: list[tuple[int, int, list[dict]]] = []  # (version id, sop id, items)
        for slug, title, steps in SOPS:
            sop_id = cur.execute(
                "INSERT INTO sops (agency_id, slug, title, source, created_at) "
                "VALUES (%s, %s, %s, 'file', %s) RETURNING id",
                (aid, slug, title, now - dt.timedelta(days=400)),
            ).fetchone()[0]
            for number in (1, 2):
                definition = _definition(slug, title, steps, number)
                text = json.dumps(definition, sort_keys=True)
                version_id = cur.execute(
                    "INSERT INTO sop_versions (agency_id, sop_id, number, content_hash, "
                    "definition, yaml_text, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s) "
                    "RETURNING id",
                    (aid, sop_id, number, hashlib.sha256(text.encode()).hexdigest(), text,
                     text, now - dt.timedelta(days=400 - 200 * (number - 1))),
                ).fetchone()[0]  # fmt: skip
                versions.append((version_id, sop_id, definition["stages"][0]["items"]))
            cur.execute(
                "UPDATE sops SET current_version_id = %s WHERE id = %s", (version_id, sop_id)
            )

        first_id = cur.execute("SELECT coalesce(max(id), 0) + 1 FROM work_items").fetchone()[0]
        states = list(STATE_WEIGHTS)
        weights = list(STATE_WEIGHTS.values())
        items: list[tuple] = []
        checklists: list[tuple[int, int, str]] = []  # (item id, version index, state)
        reviews: list[tuple] = []
        for n in range(shape.items):
            item_id = first_id + n
            client_id = client_ids[rnd.randrange(len(client_ids))]
            assignee = rnd.choice(team[client_id])
            reviewer = qa_ids[rnd.randrange(len(qa_ids))]
            state = rnd.choices(states, weights)[0]
            v_index = rnd.randrange(len(versions))
            finished = state in ("delivered", "cancelled")
            # Finished work is spread over the past year; open work due from 10 days ago
            # (overdue) to 30 days ahead.
            if finished:
                due = now - dt.timedelta(minutes=rnd.randrange(60, 365 * 24 * 60))
            else:
                due = now + dt.timedelta(minutes=rnd.randrange(-10 * 24 * 60, 30 * 24 * 60))
            created = due - dt.timedelta(days=rnd.randrange(2, 15))
            rework = rnd.choices((0, 1, 2), (70, 22, 8))[0] if state in PAST_REVIEW else 0
            if state == "changes_requested":
                rework = max(rework, 1)
            started = created + dt.timedelta(hours=rnd.randrange(1, 48))
            submitted = None
            if state in ("submitted", "in_review"):
                submitted = now - dt.timedelta(minutes=rnd.randrange(5, 5 * 24 * 60))
            elif state in PAST_REVIEW:
                submitted = min(due, now) - dt.timedelta(hours=rnd.randrange(2, 72))
            approved = None
            if state in PAST_REVIEW - {"changes_requested"}:
                approved = submitted + dt.timedelta(minutes=rnd.randrange(10, 48 * 60))
            items.append(
                (item_id, aid, client_id, versions[v_index][0], versions[v_index][1],
                 f"{rnd.choice(VERBS)} {rnd.choice(THINGS)} #{n}", assignee, reviewer, state,
                 rnd.random() < 0.35, rnd.random() < 0.7, due, rnd.choice((30, 60, 90, 120)),
                 rework, owner_user, created, max(created, approved or created),
                 started if state != "todo" else None, submitted, approved,
                 due if state == "delivered" else None,
                 due if state == "cancelled" else None, 1)
            )  # fmt: skip
            checklists.append((item_id, v_index, state))
            if submitted is not None and state not in ("submitted", "in_review"):
                decided = submitted
                for r in range(rework):
                    waited = rnd.randrange(600, 36 * 3600)
                    decided = submitted - dt.timedelta(days=2 * (rework - r))
                    reviews.append((aid, item_id, reviewer, r + 1, "changes_requested", waited,
                                    decided))  # fmt: skip
                if approved is not None:
                    waited = int((approved - submitted).total_seconds())
                    reviews.append((aid, item_id, reviewer, rework + 1, "approved", waited,
                                    approved))  # fmt: skip

        _copy(
            cur,
            "work_items",
            ("id", "agency_id", "client_id", "sop_version_id", "sop_id", "title", "assignee_id",
             "reviewer_id", "state", "urgent", "important", "due_at", "estimate_minutes",
             "rework_rounds", "created_by_id", "created_at", "updated_at", "started_at",
             "submitted_at", "approved_at", "delivered_at", "cancelled_at", "lock_version"),
            items,
        )  # fmt: skip
        cur.execute(
            "SELECT setval(pg_get_serial_sequence('work_items', 'id'), %s)",
            (first_id + shape.items,),
        )
        # the stored stage due moments of the open items (the app keeps them on ORM writes)
        cur.execute(backfill_sql())

        def checklist_rows():
            for item_id, v_index, state in checklists:
                steps = versions[v_index][2]
                if state in ("todo",):
                    done_upto = 0
                elif state in ("in_progress", "changes_requested", "client_changes"):
                    done_upto = rnd.randrange(len(steps))
                else:
                    done_upto = len(steps)
                for pos, step in enumerate(steps):
                    done = pos < done_upto
                    kind = step["evidence"]
                    link = LINK if done and kind == "link" else None
                    note = NOTE if done and kind == "note" else None
                    done_at = now if done else None
                    yield (aid, item_id, pos, "work", step["key"], step["text"],
                           step["required"], kind, done, done_at, link, note)  # fmt: skip

        n_checklist = 0
        with cur.copy(
            "COPY checklist_states (agency_id, work_item_id, position, stage_key, item_key, "
            "text, required, evidence_kind, done, done_at, evidence_link, evidence_note) "
            "FROM STDIN"
        ) as copy:
            for row in checklist_rows():
                copy.write_row(row)
                n_checklist += 1
        _copy(
            cur,
            "reviews",
            ("agency_id", "work_item_id", "reviewer_id", "round", "outcome", "waited_seconds",
             "created_at"),
            reviews,
        )  # fmt: skip
        conn.commit()
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return {
        "work_items": shape.items,
        "checklist_states": n_checklist,
        "reviews": len(reviews),
        "sop_versions": len(versions),
    }


def generate(database: str, scale: float) -> tuple[str, dict]:
    """Foundation data set plus work items at `scale`; returns (url, info)."""
    url = recreate_database(database)
    migrate(url)
    info = fill(url, shape_for(scale))
    info["counts"].update(fill_work(url, work_shape_for(scale)))
    return url, info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", default="baton_bench")
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    t0 = time.perf_counter()
    _, info = generate(args.database, args.scale)
    print(json.dumps(info, indent=2), f"\n{time.perf_counter() - t0:.1f}s")


if __name__ == "__main__":
    main()
