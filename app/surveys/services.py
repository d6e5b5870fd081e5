"""Answers and settings: a client's answer to a survey (from the emailed link or the
portal), the follow-up work a low score opens, and the agency's CSAT interval.

An answer may be changed for 24 hours after it was first given (a slip of the finger on a
phone is common with one-click scores); after that it is final and a new one is refused.
A CSAT of 1-2 or an NPS of 0-6 opens one follow-up work item for an owner, whatever the
number of answers (`follow_up_item_id` is set once, under the survey's row lock).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import force_locale
from markupsafe import escape

from app.agencies.models import Agency
from app.audit.services import record
from app.clients.models import Client
from app.core.clock import utcnow
from app.core.errors import Conflict, ValidationFailed
from app.core.i18n import speaking_locale
from app.core.permissions import Actor
from app.core.translation import gettext
from app.extensions import db
from app.sops.file_format import parse_sop
from app.sops.models import Sop, SopVersion
from app.sops.queries import find_sop_by_slug
from app.sops.services import LIBRARY_DIR, sync_library_file
from app.surveys.models import CHANGE_HOURS, LOW_SCORES, SCALES, Survey, SurveySettings
from app.users.models import Membership
from app.work.models import WorkItem
from app.work.richtext import sanitize_html
from app.work.services import place_work_item

FOLLOW_UP_SOP = "client-follow-up"
COMMENT_MAX = 2000


def survey_state(survey: Survey, now: dt.datetime) -> str:
    """`open` (may be answered), `changeable` (answered, may still be changed), `final`
    (answered for good) or `expired` (never answered, link too old)."""
    if survey.first_answered_at is None:
        return "open" if now < survey.expires_at else "expired"
    if now - survey.first_answered_at < dt.timedelta(hours=CHANGE_HOURS):
        return "changeable"
    return "final"


def answer_survey(
    actor: Actor, survey: Survey, data: dict, *, by: Membership | None = None
) -> Survey:
    """Record (or, within 24 hours of the first answer, change) the client's answer. The
    caller loaded `survey` with a row lock. `actor` is the contact signed in to the portal,
    or the agency acting for an emailed link (no user)."""
    now = utcnow()
    state = survey_state(survey, now)
    if state == "expired":
        raise Conflict(gettext("This survey has expired."))
    if state == "final":
        raise Conflict(gettext("This survey was answered more than 24 hours ago."))
    low, high = SCALES[survey.kind]
    score = data["score"]
    if not low <= score <= high:
        raise ValidationFailed(
            {"score": [gettext("Choose a score from %(low)d to %(high)d.", low=low, high=high)]}
        )
    before = {"score": survey.score}
    survey.score = score
    comment = (data.get("comment") or "").strip()
    survey.comment = comment[:COMMENT_MAX] or None
    survey.answered_at = now
    survey.first_answered_at = survey.first_answered_at or now
    if by is not None:
        survey.answered_by_id = by.id
    db.session.flush()
    record(
        actor,
        "survey.answered",
        survey,
        summary=f"{survey.kind.upper()} answered: {score}",
        before=before,
        after={"score": score},
    )
    if score <= LOW_SCORES[survey.kind] and survey.follow_up_item_id is None:
        open_follow_up(survey)
    return survey


def _follow_up_version(actor: Actor) -> SopVersion:
    """The agency's client follow-up SOP, installed from sops/ the first time it is needed."""
    sop = find_sop_by_slug(FOLLOW_UP_SOP)
    if sop is None or sop.current_version_id is None:
        path = LIBRARY_DIR / f"{FOLLOW_UP_SOP}.yaml"
        parsed = parse_sop(path.read_text(encoding="utf-8"), source=f"sops/{path.name}")
        sync_library_file(actor, parsed)
        db.session.flush()
        sop = db.session.scalar(sa.select(Sop).where(Sop.slug == FOLLOW_UP_SOP))
    return db.session.get(SopVersion, sop.current_version_id)


def _first_member(roles: tuple[str, ...], *, besides: int | None = None) -> Membership | None:
    stmt = (
        sa.select(Membership)
        .where(Membership.role.in_(roles), Membership.status == "active")
        .order_by(sa.case({role: n for n, role in enumerate(roles)}, value=Membership.role))
        .order_by(Membership.id)
    )
    if besides is not None:
        stmt = stmt.where(Membership.id != besides)
    return db.session.scalars(stmt.limit(1)).first()


def open_follow_up(survey: Survey) -> WorkItem | None:
    """A follow-up work item for the agency's first owner (reviewed by a QA reviewer,
    manager or another owner when there is one), with the score and the comment."""
    agency = db.session.get(Agency, survey.agency_id)
    owner = _first_member(("owner",))
    if owner is None:
        return None
    actor = Actor(user=None, agency=agency, via="system")
    client = db.session.get(Client, survey.client_id)
    reviewer = _first_member(("qa", "manager", "owner"), besides=owner.id)
    with force_locale(speaking_locale(agency.locale)):
        if survey.kind == "csat":
            title = gettext(
                "Client follow-up: %(client)s rated %(title)s %(score)d of 5",
                client=client.name,
                title=survey.work_item.title if survey.work_item else "",
                score=survey.score,
            )
        else:
            title = gettext(
                "Client follow-up: %(client)s would recommend us %(score)d of 10",
                client=client.name,
                score=survey.score,
            )
        said = gettext("Their comment: %(comment)s", comment=survey.comment or "—")
    description = sanitize_html(f"<p>{escape(title)}</p><p>{escape(said)}</p>")
    item = place_work_item(
        actor,
        client,
        _follow_up_version(actor),
        owner,
        reviewer,
        {"title": title[:200], "description": description, "urgent": True},
    )
    survey.follow_up_item_id = item.id
    db.session.flush()
    return item


def update_settings(actor: Actor, data: dict) -> SurveySettings:
    """Change the agency's CSAT interval (at most one CSAT per client in N days)."""
    settings = db.session.scalar(sa.select(SurveySettings))
    before = {"csat_interval_days": settings.csat_interval_days if settings else None}
    if settings is None:
        settings = SurveySettings(agency_id=actor.agency_id)
        db.session.add(settings)
    settings.csat_interval_days = data["csat_interval_days"]
    db.session.flush()
    record(
        actor,
        "survey_settings.updated",
        settings,
        summary=f"CSAT at most every {settings.csat_interval_days} days per client",
        before=before,
        after={"csat_interval_days": settings.csat_interval_days},
    )
    return settings
