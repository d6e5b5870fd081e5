"""Sent mail in the embedded default: the owner reads the emails Baton wrote for the agency
(an invitation, say) with clickable links; nobody else does, no other agency's mail shows,
password resets never show, and with a real mail server the page does not exist."""

from __future__ import annotations

import re

import pytest

from app.core.mail import OutboundEmail
from app.core.tenancy import all_tenants
from app.extensions import db
from tests.clients.support import make_team, web


def _email(agency_id: int | None, key: str, body: str, subject: str = "Hello") -> OutboundEmail:
    with all_tenants():
        row = OutboundEmail(
            agency_id=agency_id,
            idempotency_key=key,
            to_addr="someone@example.test",
            subject=subject,
            text_body=body,
            status="sent",
        )
        db.session.add(row)
        db.session.flush()
    return row


def test_the_owner_reads_an_invitation_and_follows_its_link(app, team):
    browser = web(app, team.owner)
    home = browser.get(f"/{team.slug}/").get_data(as_text=True)
    assert f"/{team.slug}/sent-mail" in home  # in the menu
    resp = browser.post(f"/{team.slug}/team/invite", data={"email": "new@va.test", "role": "va"})
    assert resp.status_code == 302
    listing = browser.get(f"/{team.slug}/sent-mail").get_data(as_text=True)
    assert "new@va.test" in listing and "invited you" in listing
    email_id = re.search(r'data-email-id="(\d+)"', listing).group(1)
    page = browser.get(f"/{team.slug}/sent-mail/{email_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    link = re.search(r'<a href="(http[^"]+/invite/[^"]+)"', html).group(1)
    # The link is the invitation's: a newcomer opens it and sees the join form.
    path = "/" + link.split("/", 3)[3]
    joined = app.test_client().get(path)
    assert joined.status_code == 200 and b"Join" in joined.data


def test_only_the_agencys_own_mail_and_never_a_password_reset(app, team, other):
    mine = _email(team.agency.id, "notice:mine", "For us")
    theirs = _email(other.agency.id, "notice:theirs", "For them", subject="Theirs")
    reset = _email(team.agency.id, "password-reset:1", "https://x.test/reset/secret", "Reset")
    browser = web(app, team.owner)
    listing = browser.get(f"/{team.slug}/sent-mail").get_data(as_text=True)
    assert f'data-email-id="{mine.id}"' in listing
    assert f'data-email-id="{theirs.id}"' not in listing and "Theirs" not in listing
    assert f'data-email-id="{reset.id}"' not in listing
    assert browser.get(f"/{team.slug}/sent-mail/{theirs.id}").status_code == 404
    assert browser.get(f"/{team.slug}/sent-mail/{reset.id}").status_code == 404
    for member in (team.manager, team.va, team.qa, team.contact):
        assert web(app, member).get(f"/{team.slug}/sent-mail/{mine.id}").status_code == 403


def test_the_text_is_escaped_and_only_links_become_links(app, team):
    row = _email(
        team.agency.id,
        "notice:html",
        "<script>alert(1)</script> See https://baton.example.test/a?b=1&c=2. Thanks",
    )
    html = web(app, team.owner).get(f"/{team.slug}/sent-mail/{row.id}").get_data(as_text=True)
    text = html.split('data-testid="email-text">', 1)[1].split("</div>", 1)[0]
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert '<a href="https://baton.example.test/a?b=1&amp;c=2" rel="noreferrer">' in text
    assert "</a>. Thanks" in text  # the full stop is the sentence's


def test_with_a_mail_server_there_is_no_sent_mail_page(app, team, monkeypatch):
    row = _email(team.agency.id, "notice:smtp", "Hello")
    monkeypatch.setitem(app.config, "SMTP_URL", "smtp://mail.example.test:25")
    browser = web(app, team.owner)
    assert "sent-mail" not in browser.get(f"/{team.slug}/").get_data(as_text=True)
    assert browser.get(f"/{team.slug}/sent-mail").status_code == 404
    assert browser.get(f"/{team.slug}/sent-mail/{row.id}").status_code == 404


@pytest.fixture
def team():
    return make_team()


@pytest.fixture
def other():
    return make_team()
