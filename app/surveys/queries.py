"""Read side of surveys: owners and managers see every survey of the agency, a client contact
their own client's, nobody else any (`visible_surveys`); the public answer page finds a
survey by its link's token, in the agency of the link only."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import NotFound

from app.core.permissions import MANAGERS, Actor
from app.core.security import token_hash
from app.extensions import db
from app.surveys.models import KINDS, Survey

RECENT_SHOWN = 20


def visible_surveys(actor: Actor) -> sa.Select:
    """Surveys the actor may see (lists and details use the same rule), newest first."""
    stmt = sa.select(Survey).order_by(Survey.sent_at.desc(), Survey.id.desc())
    if actor.role in MANAGERS:
        return stmt
    client_id = getattr(actor.membership, "client_id", None)
    if actor.role == "client" and client_id is not None:
        return stmt.where(Survey.client_id == client_id)
    return stmt.where(sa.false())


def filtered_surveys(actor: Actor, kind: str | None = None) -> sa.Select:
    stmt = visible_surveys(actor).options(joinedload(Survey.client), joinedload(Survey.work_item))
    if kind in KINDS:
        stmt = stmt.where(Survey.kind == kind)
    return stmt


def get_survey_or_404(actor: Actor, survey_id: int, *, lock: bool = False) -> Survey:
    """A survey the actor may see, or 404 (another agency's id is simply not found)."""
    stmt = visible_surveys(actor).where(Survey.id == survey_id)
    if lock:
        stmt = stmt.with_for_update(of=Survey)
    found = db.session.scalar(stmt)
    if found is None:
        raise NotFound()
    return found


def find_survey_by_token(raw: str, *, lock: bool = False) -> Survey | None:
    """The current agency's survey whose link carries `raw` (only hashes are stored)."""
    stmt = sa.select(Survey).where(Survey.token_hash == token_hash(raw))
    if lock:
        stmt = stmt.with_for_update()
    return db.session.scalar(stmt)


def recent_answers(actor: Actor) -> list[Survey]:
    """The latest answers, with their client and work item (three statements at most)."""
    stmt = (
        filtered_surveys(actor)
        .where(Survey.answered_at.is_not(None))
        .order_by(None)
        .order_by(Survey.answered_at.desc(), Survey.id.desc())
        .limit(RECENT_SHOWN)
    )
    return list(db.session.scalars(stmt).unique())
