"""The cockpit on the owner's dashboard: deadlines of the agency's week (and how many are
late), first-pass yield of the last 30 days, overdue invoices; each tile links to its report,
only owners and managers see it, and it reads a fixed number of statements."""

from __future__ import annotations

import datetime as dt
import re

import time_machine

from app.core.tenancy import all_tenants
from app.extensions import db
from tests.clients.support import make_team, web
from tests.factories import InvoiceFactory
from tests.work_screens.support import make_item, make_review, make_sop

# Wednesday 9 June 2027, 12:00 UTC. The agency is in London (UTC+1 in June): its week runs
# from Monday 7 June 00:00 to Sunday 13 June 24:00 London time.
NOW = dt.datetime(2027, 6, 9, 12, 0, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)


def _tile(html: str, key: str) -> str:
    match = re.search(rf'<a [^>]*data-testid="tile-{key}".*?</a>', html, re.S)
    assert match, key
    return match.group(0)


def _value(tile: str) -> str:
    return re.search(r'data-testid="tile-value"><bdi>(.*?)</bdi>', tile).group(1)


def test_the_owner_sees_this_weeks_deadlines_quality_and_late_invoices(app):
    with time_machine.travel(NOW, tick=False):
        team = make_team()
        version = make_sop(team.agency.id)
        client = team.client.id
        make_item(version, client, due_in=-30 * H)  # Tuesday: this week, late
        make_item(version, client, due_in=2 * D)  # Friday
        make_item(version, client, due_in=4 * D + 10 * H)  # Sunday 23:00 in London
        make_item(version, client, due_in=4 * D + 11 * H)  # Sunday 23:00 UTC: Monday in London
        make_item(version, client, due_in=5 * D)  # next Monday
        make_item(version, client, due_in=-3 * D)  # last week: late, not this week's
        make_item(version, client, state="delivered", due_in=D)  # done
        for rework in (0, 0, 0, 1):
            item = make_item(version, client, state="approved", rework_rounds=rework, due_in=None)
            if rework:
                make_review(item, "changes_requested", reviewer_id=team.qa.id, ago=3 * D)
            make_review(item, "approved", reviewer_id=team.qa.id, round=1 + rework)
        with all_tenants():
            InvoiceFactory(client=team.client, issue_date=NOW.date() - 40 * D, total_minor=50_000)
            InvoiceFactory(client=team.client, total_minor=9_000)  # not due yet
            db.session.commit()

        html = web(app, team.owner).get(f"/{team.slug}/").get_data(as_text=True)

    deadlines = _tile(html, "deadlines")
    assert _value(deadlines) == "3", deadlines
    assert "1 already late" in deadlines and "border-danger" in deadlines
    assert f'href="/{team.slug}/calendar?view=week"' in deadlines
    quality = _tile(html, "quality")
    assert _value(quality) == "75%" and "4 items approved" in quality
    assert 'aria-valuenow="75"' in quality and "border-warning" in quality
    assert f'href="/{team.slug}/quality?days=30"' in quality
    receivables = _tile(html, "receivables")
    assert _value(receivables) == "1 invoice" and "500" in receivables
    assert f'href="/{team.slug}/receivables"' in receivables


def test_a_week_without_late_work_or_invoices_says_so(app):
    with time_machine.travel(NOW, tick=False):
        team = make_team()
        version = make_sop(team.agency.id)
        make_item(version, team.client.id, due_in=D)
        html = web(app, team.owner).get(f"/{team.slug}/").get_data(as_text=True)
    assert _value(_tile(html, "deadlines")) == "1" and "None late" in html
    assert _value(_tile(html, "quality")) == "—"
    assert _value(_tile(html, "receivables")) == "0 invoices"


def test_only_owners_and_managers_see_the_cockpit(app):
    team = make_team()
    for who, sees in ((team.owner, True), (team.va, False), (team.qa, False)):
        html = web(app, who).get(f"/{team.slug}/").get_data(as_text=True)
        assert ('data-testid="cockpit"' in html) is sees, who.role


def test_the_cockpit_reads_a_fixed_number_of_statements(app, count_queries):
    def measure(items: int) -> int:
        team = make_team()
        version = make_sop(team.agency.id)
        for i in range(items):
            item = make_item(version, team.client.id, state="approved", due_in=(i - items // 2) * H)
            make_review(item, "approved", reviewer_id=team.qa.id)
        with all_tenants():
            for _ in range(items // 3):
                InvoiceFactory(client=team.client)
            db.session.commit()
        browser = web(app, team.owner)
        browser.get(f"/{team.slug}/")
        with count_queries() as statements:
            html = browser.get(f"/{team.slug}/").get_data(as_text=True)
        assert 'data-testid="tile-quality"' in html
        return len(statements)

    assert measure(3) == measure(30)
