"""Inviting the same email twice at once (real concurrent connections on committed data)
leaves one working invitation and sends one email: a unique index on live invitations per
agency and email decides, and the loser answers with the winner's invitation."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
import sqlalchemy as sa

from app.core.mail import OutboundEmail
from app.core.tenancy import all_tenants
from app.extensions import db
from app.users.models import Invitation
from tests.clients.support import FreshClient
from tests.factories import AgencyFactory
from tests.helpers import api_token, bearer, member

EMAIL = "twice.at.once@example.test"


def _setup(app) -> tuple[str, str]:
    agency = AgencyFactory()
    owner = member(agency, "owner")
    token = api_token(owner)
    slug = agency.slug
    db.session.commit()
    db.session.remove()
    return slug, token


def _invite(app, slug: str, token: str, answers: list, start: threading.Barrier | None = None):
    client = FreshClient(app, app.response_class, use_cookies=False)
    if start is not None:
        start.wait(timeout=30)
    resp = client.post(
        f"/api/v1/{slug}/invitations", json={"email": EMAIL, "role": "va"}, headers=bearer(token)
    )
    answers.append((resp.status_code, (resp.get_json() or {}).get("id")))


def _outcome() -> tuple[int, int]:
    with all_tenants():
        live = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Invitation)
            .where(
                Invitation.email == EMAIL,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
            )
        )
        emails = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(OutboundEmail)
            .where(OutboundEmail.to_addr == EMAIL)
        )
    db.session.remove()
    return live, emails


def _libpq(database_url: str) -> str:
    return database_url.replace("postgresql+psycopg://", "postgresql://")


@pytest.mark.no_db
def test_two_invitations_held_at_the_insert_leave_one_link_and_one_email(committed, database_url):
    slug, token = _setup(committed)
    answers: list = []
    dbname = database_url.rsplit("/", 1)[1]
    with (
        psycopg.connect(_libpq(database_url)) as holder,
        psycopg.connect(_libpq(database_url), autocommit=True) as watcher,
    ):
        # Both requests have looked for a pending invitation (none) and now wait to insert
        # theirs: the moment the race happens in.
        holder.execute("LOCK TABLE invitations IN SHARE ROW EXCLUSIVE MODE")
        threads = [
            threading.Thread(target=_invite, args=(committed, slug, token, answers))
            for _ in range(2)
        ]
        for t in threads:
            t.start()

        def waiting() -> int:
            return watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                "AND wait_event_type = 'Lock'",
                (dbname,),
            ).fetchone()[0]

        deadline = time.monotonic() + 30
        while waiting() < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert waiting() == 2
        holder.rollback()
    for t in threads:
        t.join(timeout=60)
    assert [status for status, _ in answers] == [201, 201]
    assert answers[0][1] == answers[1][1]  # the loser answers with the winner's invitation
    assert _outcome() == (1, 1)


@pytest.mark.no_db
def test_ten_invitations_at_once_leave_one_link_and_one_email(committed):
    slug, token = _setup(committed)
    answers: list = []
    start = threading.Barrier(10)
    threads = [
        threading.Thread(target=_invite, args=(committed, slug, token, answers, start))
        for _ in range(10)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert [status for status, _ in answers] == [201] * 10
    assert len({invitation_id for _, invitation_id in answers}) == 1
    assert _outcome() == (1, 1)
