"""A password-reset request does the same work whether or not the account exists (so its
answer time tells nothing): the request queues one job either way, with the same SQL
statements; a real worker then emails the link to a known address and nobody otherwise."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from tests.factories import AgencyFactory, MembershipFactory
from tests.workers.conftest import wait_for

pytestmark = pytest.mark.no_db


def _statements(count_queries, client, email: str) -> tuple[int, list[str]]:
    with count_queries() as statements:
        resp = client.post("/forgot-password", data={"email": email})
    # Bound values never appear in the statements; numbered placeholders are normalised.
    return resp.status_code, [re.sub(r"%\(\w+?_\d+\)s", "%(p)s", s) for s in statements]


def test_known_and_unknown_emails_do_the_same_statements(rq_app, smtp, workers, count_queries):
    handler, _ = smtp
    owner = MembershipFactory(agency=AgencyFactory(), role="owner")
    known = owner.user.email
    db.session.commit()
    client = rq_app.test_client()

    known_answer = _statements(count_queries, client, known)
    unknown_answer = _statements(count_queries, client, "nobody@nowhere.test")
    assert known_answer[0] == unknown_answer[0] == 200
    assert known_answer[1] == unknown_answer[1]
    assert not any("password_resets" in s or "outbound_emails" in s for s in known_answer[1])

    workers.burst()
    wait_for(lambda: len(handler.messages) == 1)
    [message] = handler.messages
    assert f"To: {known}".encode() in message and b"/reset-password/" in message
