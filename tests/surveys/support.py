"""Helpers of the survey tests: a desk (app.work's test agency), items ready to deliver,
surveys made directly with known scores, and what was sent."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.core.mail import OutboundEmail
from app.core.permissions import Actor
from app.core.security import new_token, token_hash
from app.core.tenancy import all_tenants, tenant
from app.extensions import db
from app.surveys.models import Survey
from app.work.models import WorkItem
from app.work.transitions import deliver_work_item
from tests.factories import WorkItemFactory
from tests.work.support import Desk, make_desk, web

__all__ = ["Desk", "make_desk", "web"]


def actor_of(member) -> Actor:
    return Actor(user=member.user, agency=member.agency, membership=member)


def approved_item(desk: Desk, **kw) -> WorkItem:
    """An item of the desk's client that passed QA (ready to deliver)."""
    with tenant(desk.agency.id):  # the desk's objects may have been expired by a commit
        return WorkItemFactory(
            client=desk.client,
            sop_version=desk.sop_version,
            state="approved",
            assignee_id=desk.va.id,
            reviewer_id=desk.qa.id,
            **kw,
        )


def deliver(desk: Desk, item: WorkItem) -> WorkItem:
    with tenant(desk.agency.id):
        deliver_work_item(actor_of(desk.owner), item)
        db.session.flush()
    return item


def surveys(agency_id: int | None = None) -> list[Survey]:
    with all_tenants():
        stmt = sa.select(Survey).order_by(Survey.id).execution_options(populate_existing=True)
        if agency_id is not None:
            stmt = stmt.where(Survey.agency_id == agency_id)
        return list(db.session.scalars(stmt))


def survey_emails() -> list[OutboundEmail]:
    with all_tenants():
        return list(
            db.session.scalars(
                sa.select(OutboundEmail)
                .where(OutboundEmail.idempotency_key.like("survey:%"))
                .order_by(OutboundEmail.id)
            )
        )


def make_survey(
    desk: Desk,
    kind: str = "csat",
    *,
    score: int | None = None,
    item: WorkItem | None = None,
    period: str | None = None,
    sent_at: dt.datetime | None = None,
    answered_at: dt.datetime | None = None,
    client_id: int | None = None,
) -> tuple[int, str]:
    """A survey of the desk's client (answered when `score` is given); returns its id and
    its raw link token."""
    raw = new_token("srv_")
    sent = sent_at or dt.datetime.now(dt.UTC)
    answered = (answered_at or sent) if score is not None else None
    with tenant(desk.agency.id):  # the desk's objects may have been expired by a commit
        survey = Survey(
            agency_id=desk.agency.id,
            kind=kind,
            client_id=client_id or desk.client.id,
            work_item_id=item.id if item else None,
            period=period,
            recipients=["hana@example.com"],
            recipient_source="contacts",
            token_hash=token_hash(raw),
            sent_at=sent,
            expires_at=sent + dt.timedelta(days=30),
            score=score,
            answered_at=answered,
            first_answered_at=answered,
        )
        db.session.add(survey)
        db.session.flush()
        # Into the test's outer transaction (still rolled back at the end), so a view that
        # rolls back a refused answer does not take the survey with it.
        survey_id = survey.id
        db.session.commit()
    return survey_id, raw
