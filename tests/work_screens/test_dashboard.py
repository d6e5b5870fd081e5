"""The dashboard's work and money figures: each role sees its own slice (the agency for
owners and managers, their items for a VA or QA reviewer, none for client contacts), each
tile links to the list behind it, and the page reads the same number of statements however
much data there is."""

from __future__ import annotations

import datetime as dt
import re

from app.core.tenancy import all_tenants
from app.extensions import db
from tests.clients.support import make_team, web
from tests.factories import AssignmentFactory, InvoiceFactory, MembershipFactory
from tests.work_screens.support import make_item, make_sop

H = dt.timedelta(hours=1)


def _count(html: str, testid: str) -> int:
    match = re.search(rf'data-testid="{testid}" data-count="(\d+)"', html)
    assert match, testid
    return int(match.group(1))


def test_owner_va_and_qa_each_see_their_slice(app):
    team = make_team()
    AssignmentFactory(client=team.client, membership=team.va)
    other_va = MembershipFactory(agency=team.agency, role="va")
    version = make_sop(team.agency.id)
    mine = {"assignee_id": team.va.id, "reviewer_id": team.qa.id}
    make_item(version, team.client.id, due_in=-2 * H, **mine)  # overdue, to do
    make_item(version, team.client.id, state="in_progress", **mine)
    make_item(version, team.client.id, state="submitted", **mine)
    make_item(version, team.client.id, state="awaiting_client", **mine)
    make_item(version, team.client.id, state="delivered", due_in=-48 * H, **mine)  # not late
    make_item(version, team.client.id, assignee_id=other_va.id, state="changes_requested",
              due_in=-H)  # fmt: skip

    owner = web(app, team.owner).get(f"/{team.slug}/").get_data(as_text=True)
    assert [_count(owner, t) for t in ("work-overdue", "work-with-va", "work-with-qa",
                                       "work-with-client")] == [2, 3, 1, 1]  # fmt: skip
    assert f'href="/{team.slug}/work?overdue=true"' in owner
    va = web(app, team.va).get(f"/{team.slug}/").get_data(as_text=True)
    assert [_count(va, t) for t in ("work-overdue", "work-with-va")] == [1, 2]
    assert 'data-testid="money-owed"' not in va and 'data-testid="open-requests"' not in va
    qa = web(app, team.qa).get(f"/{team.slug}/").get_data(as_text=True)
    assert _count(qa, "work-with-qa") == 1 and _count(qa, "work-overdue") == 1


def test_owners_see_what_clients_owe_per_currency(app):
    team = make_team()
    currency = team.client.currency
    today = dt.date.today()
    with all_tenants():
        InvoiceFactory(client=team.client, issue_date=today - dt.timedelta(days=40),
                       total_minor=50_000)  # fmt: skip
        InvoiceFactory(client=team.client, total_minor=120_000, paid_minor=20_000,
                       status="partially_paid")  # fmt: skip
        InvoiceFactory(client=team.client, total_minor=9_000, paid_minor=9_000, status="paid")
        db.session.commit()
    html = web(app, team.owner).get(f"/{team.slug}/").get_data(as_text=True)
    box = html[html.index('data-testid="money-owed"') :].split("</ul>")[0]
    assert f'data-currency="{currency}"' in box
    assert "on 2 invoices" in box and "overdue · 1" in box


def test_the_dashboard_reads_a_fixed_number_of_statements(app, count_queries):
    def measure(items: int) -> int:
        team = make_team()
        version = make_sop(team.agency.id)
        states = ("todo", "submitted", "awaiting_client")
        for i in range(items):
            make_item(version, team.client.id, state=states[i % 3], due_in=(i - items // 2) * H)
        with all_tenants():
            for _ in range(items // 3):
                InvoiceFactory(client=team.client)
            db.session.commit()
        browser = web(app, team.owner)
        browser.get(f"/{team.slug}/")
        with count_queries() as statements:
            assert browser.get(f"/{team.slug}/").status_code == 200
        return len(statements)

    assert measure(3) == measure(30)
