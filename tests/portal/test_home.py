"""The client portal's home: a client contact sees what waits for their approval, what the
agency works on and delivered for them (only items that passed QA, only their client), and
what they owe per currency; staff have no portal and a contact's dashboard leads there."""

from __future__ import annotations

import datetime as dt

from app.core.clock import utcnow
from app.core.tenancy import all_tenants
from app.extensions import db
from app.work.models import WorkItem
from tests.clients.support import make_team, web
from tests.factories import ClientFactory, InvoiceFactory
from tests.work_screens.support import make_item, make_sop

D = dt.timedelta(days=1)


def _passed_qa(*items: WorkItem, delivered: bool = False) -> None:
    with all_tenants():
        for item in items:
            row = db.session.get(WorkItem, item.id)
            row.approved_at = utcnow() - 2 * D
            if delivered:
                row.delivered_at = utcnow() - D
        db.session.commit()


def test_the_home_shows_approvals_work_deliveries_and_what_is_owed(app):
    team = make_team()
    client = team.client
    version = make_sop(team.agency.id, "Monthly social media")
    waiting = make_item(version, client.id, state="awaiting_client", title="December calendar")
    rework = make_item(version, client.id, state="in_progress", title="Brand refresh, round 2")
    shipped = make_item(version, client.id, state="delivered", title="November calendar")
    unseen = make_item(version, client.id, state="submitted", title="Never passed QA")
    other_client = ClientFactory(agency=team.agency, name="Lumen Dental")
    elsewhere = make_item(version, other_client.id, state="awaiting_client", title="Not yours")
    _passed_qa(waiting, rework, elsewhere)
    _passed_qa(shipped, delivered=True)
    today = dt.date.today()
    with all_tenants():
        late = InvoiceFactory(client=client, issue_date=today - 40 * D, total_minor=50000)
        InvoiceFactory(client=client, issue_date=today, total_minor=120000, paid_minor=20000,
                       status="partially_paid")  # fmt: skip
        InvoiceFactory(client=client, status="draft", number=None, issued_at=None)
        InvoiceFactory(client=other_client, total_minor=999900)
        db.session.commit()

    browser = web(app, team.contact)
    home = browser.get(f"/{team.slug}/").headers["Location"]
    assert home.endswith(f"/{team.slug}/portal")
    html = browser.get(home).get_data(as_text=True)

    waiting_box = html[html.index('data-testid="portal-waiting"') :].split("</section>")[0]
    assert f'data-item-id="{waiting.id}"' in waiting_box and "December calendar" in waiting_box
    assert f"/work/{waiting.id}" in waiting_box and 'data-testid="waiting-count">1<' in waiting_box
    progress = html[html.index('data-testid="portal-in-progress"') :].split("</section>")[0]
    assert "Brand refresh, round 2" in progress and "Being reworked" in progress
    delivered = html[html.index('data-testid="portal-delivered"') :].split("</section>")[0]
    assert "November calendar" in delivered and "1 in all" in delivered
    for hidden in ("Never passed QA", "Not yours", unseen.title, elsewhere.title):
        assert hidden not in html
    owed = html[html.index('data-testid="portal-owed"') :].split("</section>")[0]
    # 500.00 overdue + 1,000.00 still open on the partly paid one (client currency).
    assert "2 open invoices" in owed and "overdue" in owed
    invoices = html[html.index('data-testid="portal-invoices"') :].split("</section>")[0]
    assert late.number in invoices and 'data-status="overdue"' in invoices
    assert invoices.count("data-invoice-id=") == 2  # not the draft, not another client's


def test_nothing_to_do_reads_as_such(app):
    team = make_team()
    html = web(app, team.contact).get(f"/{team.slug}/portal").get_data(as_text=True)
    assert 'data-testid="nothing-waiting"' in html and 'data-testid="nothing-owed"' in html


def test_staff_have_no_portal_and_keep_their_dashboard(app):
    team = make_team()
    for member in (team.owner, team.manager, team.va, team.qa):
        browser = web(app, member)
        assert browser.get(f"/{team.slug}/portal").status_code == 403
        assert browser.get(f"/{team.slug}/").status_code == 200


def test_the_portal_reads_a_fixed_number_of_statements(app, count_queries):
    def measure(items: int) -> int:
        team = make_team()
        version = make_sop(team.agency.id)
        made = [make_item(version, team.client.id, state=("awaiting_client", "delivered",
                "in_progress")[i % 3]) for i in range(items)]  # fmt: skip
        _passed_qa(*made, delivered=True)
        with all_tenants():
            for _ in range(items // 3):
                InvoiceFactory(client=team.client)
            db.session.commit()
        browser = web(app, team.contact)
        browser.get(f"/{team.slug}/portal")
        with count_queries() as statements:
            assert browser.get(f"/{team.slug}/portal").status_code == 200
        return len(statements)

    assert measure(3) == measure(30)
