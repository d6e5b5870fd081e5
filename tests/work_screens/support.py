"""Rows for the work-screen tests: SOPs with a version, work items with their checklist
states, and reviews, written directly (the screens only read them)."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json

from app.core.clock import utcnow
from app.core.tenancy import all_tenants
from app.extensions import db
from app.sops.models import Sop, SopVersion
from app.work.models import ChecklistState, Review, WorkItem

_seq = itertools.count(1)
DEFINITION = {
    "slug": "weekly-report",
    "title": "Weekly status report",
    "version": "1",
    "description": "Send the client a weekly status report.",
    "roles": ["va"],
    "client_approval": False,
    "stages": [
        {
            "key": "draft",
            "title": "Draft",
            "due_offset_days": 1,
            "items": [
                {"key": "collect", "text": "Collect the week's numbers", "required": True,
                 "evidence": "note", "estimate_minutes": 20},
                {"key": "write", "text": "Write the report", "required": True,
                 "evidence": "link", "estimate_minutes": 40},
                {"key": "check", "text": "Spell-check", "required": False,
                 "evidence": "none", "estimate_minutes": 5},
            ],
        }
    ],
    "rubric": [{"key": "accurate", "text": "Numbers are right", "kind": "pass_fail"}],
}  # fmt: skip


def make_sop(
    agency_id: int, title: str | None = None, definition: dict | None = None
) -> SopVersion:
    """An SOP of the agency with one version (of `definition`); returns the version."""
    n = next(_seq)
    title = title or f"SOP {n}"
    definition = {**(definition or DEFINITION), "slug": f"sop-{n}", "title": title}
    text = json.dumps(definition, sort_keys=True)
    with all_tenants():
        sop = Sop(agency_id=agency_id, slug=f"sop-{n}", title=title, source="app")
        db.session.add(sop)
        db.session.flush()
        version = SopVersion(
            agency_id=agency_id,
            sop_id=sop.id,
            number=1,
            content_hash=hashlib.sha256(text.encode()).hexdigest(),
            definition=definition,
            yaml_text=text,
        )
        db.session.add(version)
        db.session.flush()
        sop.current_version_id = version.id
        db.session.flush()
    return version


def make_item(
    version: SopVersion,
    client_id: int,
    *,
    assignee_id: int | None = None,
    reviewer_id: int | None = None,
    state: str = "todo",
    urgent: bool = False,
    important: bool = True,
    due_in: dt.timedelta | None = dt.timedelta(days=2),
    done: int = 0,
    checklist: int = 3,
    submitted_ago: dt.timedelta | None = None,
    rework_rounds: int = 0,
    title: str | None = None,
) -> WorkItem:
    """A work item with `checklist` checklist states, `done` of them ticked."""
    now = utcnow()
    with all_tenants():
        item = WorkItem(
            agency_id=version.agency_id,
            client_id=client_id,
            sop_version_id=version.id,
            title=title or f"Item {next(_seq)}",
            assignee_id=assignee_id,
            reviewer_id=reviewer_id,
            state=state,
            urgent=urgent,
            important=important,
            due_at=now + due_in if due_in is not None else None,
            submitted_at=now - submitted_ago if submitted_ago is not None else None,
            rework_rounds=rework_rounds,
        )
        db.session.add(item)
        db.session.flush()
        db.session.add_all(
            ChecklistState(
                agency_id=version.agency_id,
                work_item_id=item.id,
                position=i,
                stage_key="draft",
                item_key=f"step-{i}",
                text=f"Step {i}",
                required=True,
                evidence_kind="none",
                done=i < done,
                done_at=now if i < done else None,
            )
            for i in range(checklist)
        )
        db.session.flush()
    return item


def make_review(
    item: WorkItem,
    outcome: str,
    *,
    reviewer_id: int | None,
    round: int = 1,
    waited_seconds: int | None = 3600,
    ago: dt.timedelta = dt.timedelta(days=1),
) -> Review:
    with all_tenants():
        review = Review(
            agency_id=item.agency_id,
            work_item_id=item.id,
            reviewer_id=reviewer_id,
            round=round,
            outcome=outcome,
            scores={},
            waited_seconds=waited_seconds,
            created_at=utcnow() - ago,
        )
        db.session.add(review)
        db.session.flush()
    return review
