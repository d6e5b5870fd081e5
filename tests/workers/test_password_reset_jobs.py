"""Password reset and sign-up do the same work whether or not the account exists (so their
answer and its time tell nothing): the request runs the same SQL statements either way and
queues one job; a real worker then emails the right message (a reset link to a known
address and nothing otherwise; a confirmation link to a new address, a notice to a taken
one)."""

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


def test_sign_up_does_the_same_statements_for_new_and_taken_emails(
    rq_app, smtp, workers, count_queries
):
    handler, _ = smtp
    owner = MembershipFactory(agency=AgencyFactory(), role="owner")
    taken = owner.user.email
    db.session.commit()
    form = {"agency_name": "Quill Desk", "name": "Noor", "password": "a-long-password"}

    def sign_up(email: str) -> tuple[int, list[str]]:
        with count_queries() as statements:
            resp = rq_app.test_client().post("/signup", data={**form, "email": email})
        return resp.status_code, [re.sub(r"%\(\w+?_\d+\)s", "%(p)s", s) for s in statements]

    assert sign_up(taken) == sign_up("noor@quill.test")

    workers.burst()
    wait_for(lambda: len(handler.messages) == 2)
    by_recipient = {
        next(line for line in m.decode().splitlines() if line.startswith("To: ")): m.decode()
        for m in handler.messages
    }
    assert "already have an account" in by_recipient[f"To: {taken}"]
    assert "/signup/confirm/" in by_recipient["To: noor@quill.test"]
