"""The demo agency's work items: a few weeks of Northwind Assist's work on its clients, told
through the real services (`app.work.services`, `.transitions`, `.checklist`), each step
done by the person who would do it, so every rule of the work loop holds.

The services stamp every change with the current time; the demo's history happened over
the last weeks. So each step of an item's story runs at "now" and then has the rows it
wrote (history, reviews, checklist ticks, evidence, the item's own stamps) dated to when
the story says it happened. Only those timestamps are changed: never a state, a rule or
an audit record (the audit trail keeps when the seed really ran).
"""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app

from app.clients.models import Client
from app.core.clock import today_in, utcnow
from app.core.permissions import Actor
from app.extensions import db
from app.sops.models import Sop, SopVersion
from app.users.models import Membership, User
from app.work import checklist, transitions
from app.work.models import EvidenceFile, Review, WorkEvent, WorkItem, WorkSeries
from app.work.queries import checklist_of
from app.work.series import add_cadence
from app.work.services import create_work_item
from app.work.stage_dates import last_stage_due_at
from app.work.uploads import read_upload

AMIRA, JONAS = "amira@northwind.example", "jonas@northwind.example"
PRIYA, MATEO = "priya@northwind.example", "mateo@northwind.example"
KEIKO, OLIVIA = "keiko@northwind.example", "olivia@harbourbakery.example"
HB, LD, AL, NC, SS, PC = (
    "Harbour Bakery", "Lumen Dental", "Atlas Logistics", "Nile Crafts", "Sakura Studio",
    "Pampas Coffee Co.",
)  # fmt: skip
# The shipped SOPs (sops/*.yaml) by slug.
SOCIAL, INBOX = "monthly-social-media", "daily-inbox-management"
WEEKLY, BOOKS = "weekly-client-status-report", "month-end-bookkeeping-close"
ONBOARD = "client-onboarding"
DO, SCHEDULE, DELEGATE, ELIMINATE = (True, True), (False, True), (True, False), (False, False)


@dataclass
class Spec:
    """One work item: client, SOP, title ({last}, {this}, {next}: month names; {week}: the
    Monday of the week it was created in), assignee, reviewer, (urgent, important), due in
    days from today (the client's calendar, 17:00 there), and its story: (step, days ago,
    ...) from its creation on."""

    client: str
    sop: str
    title: str
    assignee: str
    reviewer: str
    flags: tuple[bool, bool]
    due_days: int
    story: list[tuple] = field(default_factory=list)


def _done(created: float, reviewer_days: float = 0.2, deliver: bool = True) -> list[tuple]:
    """The story of work approved first time (and delivered), starting `created` days ago."""
    t = created
    steps = [("create", t), ("start", t - 0.6), ("work", t - 0.8), ("submit", t - 1)]
    steps += [("take", t - 1 - reviewer_days), ("approve", t - 1.1 - reviewer_days)]
    return steps + ([("deliver", t - 1.3 - reviewer_days)] if deliver else [])


# QA's reasons for the changes they asked for: {criterion: (score or pass, reason)}.
ON_BRAND = {
    "on_brand": (3, "Two captions still use last season's slogan; see page 3 of the brand guide.")
}
HOURS_OFF = {"accurate": (False, "Tuesday shows 5 h in the report but 3 h in the time log.")}
RECALL = {
    "sensitive_held": (
        False,
        "Two replies about billing disputes went out without Dr Reyes' approval; "
        "they must be drafts for her.",
    ),
    "reply_quality": (3, "Several replies skip the patient's name and the clinic's sign-off."),
}
TOO_LONG = {
    "clear": (3, "Too long to act on; keep it to five bullet points."),
    "on_time": (False, "Sent on Friday, outside the client's business week (Sunday to Thursday)."),
}
STILL_LONG = {
    "clear": (3, "Still reads like a log; open with the two decisions you need from them.")
}

ITEMS = [
    Spec(HB, SOCIAL, "{next} social media calendar", PRIYA, KEIKO, SCHEDULE, 4, [
        ("create", 14), ("start", 13), ("work", 10), ("submit", 6), ("take", 5.8),
        ("changes", 5.5, ON_BRAND, "Lovely photos; just the slogan to fix."), ("start", 5),
        ("submit", 3), ("take", 2.9), ("approve", 2.7),
    ]),
    Spec(HB, SOCIAL, "{this} social media calendar", PRIYA, KEIKO, SCHEDULE, -20, [
        ("create", 25), ("start", 24.5), ("work", 23), ("submit", 22.5), ("take", 22.3),
        ("approve", 22.2), ("client_ok", 21.5, "Perfect, the sourdough reel is my favourite."),
    ]),  # the client's approval delivers it
    Spec(HB, BOOKS, "{last} bookkeeping close", PRIYA, JONAS, DO, -8, [
        ("create", 16), ("start", 15), ("work", 12), ("submit", 11), ("take", 10.9),
        ("approve", 10.8), ("client_ok", 10, "Thanks, the notes on flour costs help a lot."),
    ]),
    Spec(HB, BOOKS, "Bookkeeping clean-up before the tax return", PRIYA, KEIKO, DO, -2, [
        ("create", 6), ("start", 4), ("work", 3, 5),
    ]),
    Spec(HB, WEEKLY, "Weekly update, week of {week}", PRIYA, KEIKO, DELEGATE, 1, [
        ("create", 2), ("start", 1.5), ("work", 1.2), ("submit", 0.8),
    ]),
    Spec(HB, INBOX, "Inbox: wholesale order backlog", PRIYA, KEIKO, DELEGATE, 1, [
        ("create", 1), ("start", 0.3), ("work", 0.2, 4),
    ]),
    Spec(HB, INBOX, "Inbox: catering enquiries", PRIYA, KEIKO, SCHEDULE, -3, _done(5, 0.05)),
    Spec(LD, WEEKLY, "Weekly update, week of {week}", MATEO, KEIKO, SCHEDULE, -19, _done(21, 0.4)),
    Spec(LD, WEEKLY, "Weekly update, week of {week}", MATEO, KEIKO, SCHEDULE, -12, [
        ("create", 14), ("start", 13.5), ("work", 13), ("submit", 12.6), ("take", 12.4),
        ("changes", 12.3, HOURS_OFF), ("start", 12), ("submit", 11.8), ("take", 11.6),
        ("approve", 11.5), ("deliver", 11.4),
    ]),
    Spec(LD, WEEKLY, "Weekly update, week of {week}", MATEO, KEIKO, SCHEDULE, 1,
         _done(2, 0.1, deliver=False)),  # approved, goes out tomorrow
    Spec(LD, INBOX, "Inbox: patient recall replies", MATEO, KEIKO, DO, -1, [
        ("create", 4), ("start", 3), ("work", 2.8), ("submit", 2.5), ("take", 2),
        ("changes", 1.9, RECALL, "Please redo the two billing replies as drafts."),
    ]),
    Spec(LD, INBOX, "Inbox: conference follow-ups", MATEO, KEIKO, SCHEDULE, 2, [
        ("create", 3), ("start", 2), ("work", 1.5), ("submit", 1), ("take", 0.2),
    ]),
    Spec(NC, SOCIAL, "New collection launch posts", MATEO, KEIKO, DO, 6, [
        ("create", 5), ("start", 4), ("work", 2, 6),
    ]),
    Spec(NC, WEEKLY, "Weekly update, week of {week}", MATEO, JONAS, SCHEDULE, -13, [
        ("create", 17), ("start", 16.5), ("work", 16), ("submit", 15.5), ("take", 15.2),
        ("changes", 15, TOO_LONG), ("start", 14.7), ("submit", 14.4), ("take", 14.2),
        ("changes", 14, STILL_LONG), ("start", 13.8), ("submit", 13.5), ("take", 13.3),
        ("approve", 13.2), ("deliver", 13),
    ]),
    Spec(NC, BOOKS, "{last} bookkeeping close", MATEO, KEIKO, SCHEDULE, 5, [("create", 1)]),
    Spec(NC, WEEKLY, "Weekly update, week of {week}", MATEO, KEIKO, SCHEDULE, 1, [
        ("create", 3), ("start", 2.5), ("work", 2.2), ("submit", 1.9),
    ]),
    Spec(AL, ONBOARD, "Onboarding Atlas Logistics", PRIYA, KEIKO, DO, 3, [
        ("create", 9), ("start", 8), ("work", 7, 3),
    ]),
    Spec(AL, INBOX, "Inbox: carrier claims", PRIYA, KEIKO, SCHEDULE, -6, _done(8, 0.15)),
    Spec(AL, WEEKLY, "Weekly update, week of {week}", PRIYA, KEIKO, DELEGATE, 1, [
        ("create", 0.1),
    ]),
    Spec(SS, ONBOARD, "Discovery call with Sakura Studio", PRIYA, KEIKO, SCHEDULE, 7, [
        ("create", 2),
    ]),
    Spec(SS, INBOX, "Tidy the shared inbox archive", PRIYA, KEIKO, ELIMINATE, 12, [("create", 2)]),
    Spec(PC, SOCIAL, "Holiday promo posts", MATEO, KEIKO, SCHEDULE, 9, [
        ("create", 10), ("start", 9),
        ("cancel", 6, "Pampas Coffee paused the account for the off-season."),
    ]),
]  # fmt: skip

NOTES = {
    "brief_collected": "Goals: more weekday orders; two campaigns and their key dates.",
    "trends_noted": "Local food festival on the 14th; two awareness days worth a post.",
    "approval_recorded": "Drafts approved by the client on WhatsApp; final sign-off after QA.",
    "urgent_escalated": "One urgent supplier message sent to the client by phone at 10:05.",
    "summary_sent": "32 handled, 3 waiting on the client, 1 escalated, inbox at zero.",
    "report_drafted": "Done, in progress, next week, two requests with dates, hours used.",
    "receipts_requested": "Asked for 6 missing receipts (list in the shared sheet).",
    "questions_listed": "Two transfers without a reference; asked the client.",
    "receivables_reviewed": "One customer invoice 45 days overdue; flagged to the client.",
    "adjustments_posted": "Accrued last month's electricity bill.",
    "variance_notes": "Flour costs up 18 % on last month; sales up 9 %.",
    "call_summary": "Wants inbox and calendar care for the ops team; 40 emails a day.",
    "cultural_notes": "Direct, prefers short written updates over calls.",
}
FILES = {
    "bank_reconciled": ("bank-reconciliation.csv", "account,statement,ledger,difference\n"
                        "Operating,48210.55,48210.55,0.00\n"),
    "cards_reconciled": ("card-reconciliation.csv", "card,statement,ledger,difference\n"
                         "Business card,3120.40,3120.40,0.00\n"),
    "reports_exported": ("month-end-reports.txt", "Profit and loss, balance sheet and cash "
                         "flow for the month, exported from the accounting software.\n"),
    "report_written": ("monthly-report.txt", "Monthly social media report: reach, "
                       "engagement, best posts and next month's recommendations.\n"),
}  # fmt: skip


def demo_actor(agency, email: str) -> Actor:
    """The demo person with this email, acting in the demo agency (tenant already set)."""
    membership = db.session.scalar(
        sa.select(Membership).join(User, User.id == Membership.user_id).where(User.email == email)
    )
    return Actor(user=membership.user, agency=agency, membership=membership, via="demo")


def _due(client: Client, days: int) -> dt.datetime:
    """17:00 client time `days` from today, off the weekend (earlier for a past day, so
    what is overdue stays overdue; later for a coming one)."""
    zone = zoneinfo.ZoneInfo(client.time_zone)
    day = utcnow().astimezone(zone).date() + dt.timedelta(days=days)
    if day.weekday() >= 5:
        day += dt.timedelta(days=4 - day.weekday() if days < 0 else 7 - day.weekday())
    return dt.datetime.combine(day, dt.time(17, 0), tzinfo=zone)


class _Story:
    """Runs an item's steps and dates what each one wrote to when it happened."""

    STAMPS = ("created_at", "started_at", "submitted_at", "approved_at", "delivered_at",
              "cancelled_at")  # fmt: skip

    def __init__(self, item: WorkItem) -> None:
        self.item = item
        self.event_floor = 0
        self.review_floor = 0
        self.file_floor = 0

    def at(self, when: dt.datetime, fn, *args) -> None:
        item = self.item
        stamps = {name: getattr(item, name) for name in self.STAMPS}
        ticked = {c.id for c in checklist_of(item) if c.done}
        fn(*args)
        # The services stamped "now"; this step happened at `when` (see the module docstring).
        for name, value in stamps.items():
            if getattr(item, name) != value:
                setattr(item, name, when)
        for check in checklist_of(item):
            if check.done and check.id not in ticked:
                check.done_at = when
        self.event_floor = self._restamp(WorkEvent, "at", self.event_floor, when)
        self.file_floor = self._restamp(EvidenceFile, "created_at", self.file_floor, when)
        for review in self._new(Review, self.review_floor):
            review.created_at = when
            # Time from submission to the decision, as the service measures it against now.
            review.waited_seconds = max(0, int((when - item.submitted_at).total_seconds()))
            self.review_floor = review.id
        db.session.flush()

    def _new(self, model, floor: int) -> list:
        return list(
            db.session.scalars(
                sa.select(model)
                .where(model.work_item_id == self.item.id, model.id > floor)
                .order_by(model.id)
            )
        )

    def _restamp(self, model, column: str, floor: int, when: dt.datetime) -> int:
        for row in self._new(model, floor):
            setattr(row, column, when)
            floor = row.id
        return floor


def _tick(actor: Actor, item: WorkItem, check) -> None:
    """Tick one checklist item, its evidence first."""
    slug = item.client.name.split()[0].lower()
    limit = current_app.config.get("EVIDENCE_MAX_BYTES") or 10 * 1024 * 1024
    kind = check.evidence_kind
    if kind == "link":
        link = f"https://drive.example.com/{slug}/{item.id}/{check.item_key.replace('_', '-')}"
        checklist.add_evidence(actor, item, check, {"link": link})
    elif kind == "note":
        note = NOTES.get(check.item_key, "Done; details in the client's shared folder.")
        checklist.add_evidence(actor, item, check, {"note": note})
    elif kind == "file":
        name, text = FILES[check.item_key]
        upload = read_upload(io.BytesIO(text.encode()), name, limit)
        checklist.attach_evidence_file(actor, item, check, upload)
    checklist.set_checklist_done(actor, item, check, True)


def _tick_times(start: dt.datetime, end: dt.datetime, checks: list) -> list[dt.datetime]:
    """When each of `checks` was ticked between `start` and `end`: in checklist order, with
    gaps that vary with the work (a longer item text took longer), the last one at `end`."""
    weights = [3 + len(c.text) % 7 for c in checks]
    total, done, times = sum(weights), 0, []
    for weight in weights:
        done += weight
        times.append(start + (end - start) * done / total)
    return times


def _story_shift(spec: Spec, client: Client, stages: list[dict], now: dt.datetime) -> int:
    """Days to move an item's whole story back so its SOP's stages (due in business days
    from when the work started) are all due by the item's own due time. Only the story
    moves: the due time, and so what is overdue, stays as the spec says."""
    start_days = next((s[1] for s in spec.story if s[0] == "start"), spec.story[0][1])
    due = _due(client, spec.due_days)
    shift = 0
    while True:
        start = now - dt.timedelta(days=start_days + shift)
        last = last_stage_due_at(start, client.time_zone, stages)
        if last is None or last <= due:
            return shift
        shift += 1


def _scores(item: WorkItem, failing: dict | None = None) -> dict:
    """Scores for every rubric criterion: passing ones, and `failing` {key: (value, why)}."""
    failing = failing or {}
    scores, reasons = {}, {}
    for n, criterion in enumerate(item.sop_version.definition.get("rubric") or []):
        key = str(criterion["key"])
        if key in failing:
            scores[key], reasons[key] = failing[key]
        elif criterion.get("kind") == "score":
            scores[key] = 5 if n % 2 else max(4, int(criterion.get("pass_mark") or 1))
        else:
            scores[key] = True
    return {"scores": scores, "reasons": reasons}


def _months(agency) -> dict[str, str]:
    """Last, this and next month's names in the agency's calendar, for the titles."""
    today = today_in(agency.time_zone).replace(day=1)
    last = (today - dt.timedelta(days=1)).replace(day=1)
    following = (today + dt.timedelta(days=32)).replace(day=1)
    return {k: f"{d:%B}" for k, d in (("last", last), ("this", today), ("next", following))}


def _sop_versions() -> dict[str, int]:
    rows = db.session.execute(sa.select(Sop.slug, Sop.current_version_id)).all()
    return {slug: version_id for slug, version_id in rows}


def _do(step: str, extra: list, item: WorkItem, people: dict, spec: Spec) -> None:
    """One step of an item's story, done by the person whose job it is."""
    va, reviewer = people[spec.assignee], people[spec.reviewer]
    if step == "start":
        transitions.start_work_item(va, item)
    elif step == "submit":
        transitions.submit_work_item(va, item)
    elif step == "take":
        transitions.take_for_review(reviewer, item)
    elif step == "approve":
        transitions.approve_work_item(reviewer, item, _scores(item))
    elif step == "changes":
        comment = extra[1] if len(extra) > 1 else None
        transitions.request_changes(reviewer, item, {**_scores(item, extra[0]), "comment": comment})
    elif step == "client_ok":
        transitions.client_approve(people[OLIVIA], item, {"comment": extra[0]})
    elif step == "deliver":
        transitions.deliver_work_item(va, item)
    elif step == "cancel":
        transitions.cancel_work_item(people[JONAS], item, {"reason": extra[0]})
    else:  # pragma: no cover - a typo in ITEMS
        raise ValueError(f"unknown demo step {step!r}")


def seed_demo_work(agency) -> list[WorkItem]:
    """Create the demo's work items (tenant of `agency` set); flushes, never commits."""
    people = {e: demo_actor(agency, e) for e in (AMIRA, JONAS, PRIYA, MATEO, KEIKO, OLIVIA)}
    clients = {c.name: c for c in db.session.scalars(sa.select(Client))}
    versions = _sop_versions()
    months = _months(agency)
    now = utcnow()
    items = []
    for spec in ITEMS:
        client = clients[spec.client]
        (_, created), *steps = spec.story
        stages = db.session.get(SopVersion, versions[spec.sop]).stages
        shift = _story_shift(spec, client, stages, now)
        when = now - dt.timedelta(days=created + shift)
        day = when.astimezone(zoneinfo.ZoneInfo(client.time_zone)).date()
        monday = day - dt.timedelta(days=day.weekday())
        data = {
            "title": spec.title.format(**months, week=f"{monday.day} {monday:%b}"),
            "sop_version_id": versions[spec.sop],
            "assignee_id": people[spec.assignee].membership.id,
            "reviewer_id": people[spec.reviewer].membership.id,
            "urgent": spec.flags[0],
            "important": spec.flags[1],
            "due_at": _due(client, spec.due_days),
        }
        item = create_work_item(people[AMIRA if spec.client == HB else JONAS], client, data)
        item.created_at = when  # created `created` days ago in the story (see the docstring)
        story = _Story(item)
        story.at(when, lambda: None)  # dates the "created" history entry
        previous = when
        for step, days_ago, *extra in steps:
            at = now - dt.timedelta(days=days_ago + shift)
            if step == "work":  # each tick at its own time since the previous step
                todo = [c for c in checklist_of(item)[: extra[0] if extra else None] if not c.done]
                for tick_at, check in zip(_tick_times(previous, at, todo), todo, strict=True):
                    story.at(tick_at, _tick, people[spec.assignee], item, check)
            else:
                story.at(at, _do, step, extra, item, people, spec)
            previous = at
        items.append(item)
    _weekly_series(ITEMS, items, people[AMIRA])
    return items


def _weekly_series(specs: list[Spec], items: list[WorkItem], owner: Actor) -> None:
    """Each client's "Weekly update" items become one weekly series, numbered in the order
    they were made; its next item is due a week after the last one."""
    by_client: dict[str, list[WorkItem]] = {}
    for spec, item in zip(specs, items, strict=True):
        if spec.sop == WEEKLY:
            by_client.setdefault(spec.client, []).append(item)
    for run in by_client.values():
        run.sort(key=lambda i: (i.created_at, i.id))
        last = run[-1]
        made = WorkSeries(
            client_id=last.client_id,
            sop_id=last.sop_id,
            title_pattern="Weekly update, week of {week}",
            cadence="weekly",
            assignee_id=last.assignee_id,
            reviewer_id=last.reviewer_id,
            next_due_at=add_cadence(last.due_at, "weekly", last.client.time_zone),
            status="active",
            created_by_id=owner.user_id,
            created_at=run[0].created_at,
        )
        db.session.add(made)
        db.session.flush()
        for n, item in enumerate(run, start=1):
            item.series_id, item.sequence = made.id, n
    db.session.flush()
