"""Ranking the VAs who could take a client or a work item; the owner still decides.

Each eligible VA (active VAs of the agency; for a work item, those on the client today)
gets four figures and a score out of 100:

- **skills** (40 points): the share of the wanted tags (the SOP's and the client's, as one
  set) the VA carries; no wanted tags gives nobody points;
- **free capacity** (25 points): working minutes less planned minutes (app.capacity's
  workload, per week, never below zero) from today to the due date (14 days when there is
  none); a week partly inside that window counts for the share of the VA's scheduled hours
  that fall on its days inside; points relative to the candidate with the most free hours;
- **overlap** (20 points): hours a day the VA's working hours overlap the client's
  business hours (app.capacity), as a share of the client's business hours a day;
- **first-pass yield** (15 points): items approved by QA in the last 90 days that passed
  the first time, on this SOP (all SOPs when none is given); no approved items gives half
  the points, so a VA new to the work is neither rewarded nor sunk.

Ties (equal scores, rounded to a tenth) go by name, then membership id. Eleven statements
whatever the number of VAs: candidates, three tag reads, capacity and planned work
(app.capacity.workload), profiles for the overlap, the client's hours, and approvals.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from app.boards.quality import approval_cells
from app.capacity.intervals import day_minutes, weekly_minutes
from app.capacity.queries import Profile, client_profile, overlap_of_profiles, profiles
from app.capacity.workload import workload
from app.clients.models import Client
from app.clients.queries import agency_today
from app.core.clock import utcnow
from app.core.permissions import Actor
from app.sops.models import Sop
from app.suggestions.queries import eligible_vas, tags_for

WEIGHTS = {"skills": 40, "capacity": 25, "overlap": 20, "quality": 15}
DEFAULT_HORIZON_DAYS = 14
QUALITY_DAYS = 90
MAX_HORIZON_DAYS = 26 * 7


@dataclass
class Suggestion:
    membership_id: int
    name: str
    assigned: bool  # on the client today
    matched_tags: list[str] = field(default_factory=list)
    wanted_tags: int = 0
    free_minutes: int = 0
    capacity_minutes: int = 0
    window_end: dt.date | None = None  # last day counted for free capacity
    overlap_hours: float = 0.0
    client_hours: float = 0.0  # the client's business hours a day
    approved: int = 0  # items approved by QA in the period (on the SOP when given)
    first_pass: int = 0
    score: float = 0.0
    rank: int = 0
    points: dict[str, float] = field(default_factory=dict)

    @property
    def free_hours(self) -> float:
        return round(self.free_minutes / 60, 1)

    @property
    def capacity_hours(self) -> float:
        return round(self.capacity_minutes / 60, 1)

    @property
    def first_pass_yield(self) -> float | None:
        return self.first_pass / self.approved if self.approved else None

    @property
    def fpy_percent(self) -> int | None:
        fpy = self.first_pass_yield
        return None if fpy is None else round(100 * fpy)


def _window(today: dt.date, due: dt.date | None) -> tuple[dt.date, dt.date, int]:
    """(first Monday, last day, weeks) of the free-capacity window."""
    last = due if due is not None else today + dt.timedelta(days=DEFAULT_HORIZON_DAYS - 1)
    last = min(max(last, today), today + dt.timedelta(days=MAX_HORIZON_DAYS))
    monday = today - dt.timedelta(days=today.weekday())
    weeks = (last - monday).days // 7 + 1
    return monday, last, weeks


def free_minutes(
    cells: dict,
    prof: Profile | None,
    monday: dt.date,
    weeks: int,
    today: dt.date,
    last: dt.date,
) -> tuple[int, int]:
    """(free, capacity) minutes of a member between `today` and `last` (both included):
    each week's free minutes (capacity - planned, at least 0) times the share of the
    member's scheduled minutes of that week falling on its days inside the window."""
    if prof is None:
        return 0, 0
    free = capacity = 0.0
    for w in range(weeks):
        start = monday + dt.timedelta(days=7 * w)
        cell = cells.get((prof.membership_id, start))
        if cell is None:
            continue
        days = [start + dt.timedelta(days=d) for d in range(7)]
        minutes = [day_minutes(prof.schedule, prof.zone, day) for day in days]
        week_total = sum(minutes)
        if not week_total:
            continue
        inside = sum(m for day, m in zip(days, minutes, strict=True) if today <= day <= last)
        share = inside / week_total
        free += max(0, cell.capacity - cell.planned) * share
        capacity += cell.capacity * share
    return round(free), round(capacity)


def score(s: Suggestion, best_free: int) -> dict[str, float]:
    """Points of one candidate per criterion (see the module docstring)."""
    skills = len(s.matched_tags) / s.wanted_tags if s.wanted_tags else 0.0
    capacity = s.free_minutes / best_free if best_free > 0 else 0.0
    overlap = min(1.0, s.overlap_hours / s.client_hours) if s.client_hours else 0.0
    fpy = s.first_pass_yield
    quality = 0.5 if fpy is None else fpy
    shares = {"skills": skills, "capacity": capacity, "overlap": overlap, "quality": quality}
    return {key: round(WEIGHTS[key] * shares[key], 1) for key in WEIGHTS}


def rank_candidates(
    actor: Actor,
    *,
    client: Client,
    sop: Sop | None = None,
    due: dt.date | None = None,
    assigned_only: bool = False,
    now: dt.datetime | None = None,
) -> list[Suggestion]:
    """The eligible VAs for `client` (and `sop`, due on `due`), best first."""
    now = now or utcnow()
    today = agency_today(actor)
    candidates = eligible_vas(actor, client.id, assigned_only=assigned_only)
    if not candidates:
        return []
    ids = [mid for mid, _name, _on in candidates]
    member_tags = tags_for("member", ids)
    wanted = set(tags_for("client", [client.id]).get(client.id, []))
    if sop is not None:
        wanted |= set(tags_for("sop", [sop.id]).get(sop.id, []))
    monday, last, weeks = _window(today, due)
    cells = workload(ids, monday, weeks)
    profs = profiles(ids)
    cprof = client_profile(client.id)
    business_days = sum(1 for day in cprof.schedule if day) or 1
    client_hours = round(weekly_minutes(cprof.schedule) / 60 / business_days, 2)
    quality: dict[int, list[int]] = {}
    for cell in approval_cells(actor, now - dt.timedelta(days=QUALITY_DAYS)):
        if cell.assignee_id is None or (sop is not None and cell.sop_id != sop.id):
            continue
        got = quality.setdefault(cell.assignee_id, [0, 0])
        got[0] += cell.approved
        got[1] += cell.first_pass
    out: list[Suggestion] = []
    for mid, name, on_client in candidates:
        prof = profs.get(mid)
        free, capacity = free_minutes(cells, prof, monday, weeks, today, last)
        approved, first_pass = quality.get(mid, (0, 0))
        out.append(
            Suggestion(
                membership_id=mid,
                name=name,
                assigned=on_client,
                matched_tags=sorted(wanted.intersection(member_tags.get(mid, []))),
                wanted_tags=len(wanted),
                free_minutes=free,
                capacity_minutes=capacity,
                window_end=last,
                overlap_hours=overlap_of_profiles(prof, cprof, today) if prof else 0.0,
                client_hours=client_hours,
                approved=approved,
                first_pass=first_pass,
            )
        )
    best_free = max(s.free_minutes for s in out)
    for s in out:
        s.points = score(s, best_free)
        s.score = round(sum(s.points.values()), 1)
    out.sort(key=lambda s: (-s.score, s.name.casefold(), s.membership_id))
    for position, s in enumerate(out, start=1):
        s.rank = position
    return out
