"""The demo agency (`baton demo`) is a living agency: after seeding, every screen a newcomer
opens has something on it, the figures add up, the rules of the work loop and of money
hold for the seeded rows, and seeding again changes nothing."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
import sqlalchemy as sa
import time_machine

from app.agencies.models import Agency
from app.core.clock import utcnow
from app.core.jobs import OutboxJob
from app.core.mail import OutboundEmail
from app.core.tenancy import all_tenants, tenant
from app.demo import DEMO_SLUG, seed_demo_agency
from app.documents.models import InvoiceDocument
from app.extensions import db
from app.invoices.models import Invoice
from app.payments.models import Payment
from app.payouts.models import PayoutStatement
from app.reminders.models import ReminderSend
from app.retainers.hours import agency_month, bank_for
from app.retainers.models import RetainerPlan
from app.users.models import Membership, User
from app.work.models import ChecklistState, Review, WorkEvent, WorkItem
from tests.clients.support import api
from tests.work.support import web

OWNER, VA, QA = "amira@northwind.example", "priya@northwind.example", "keiko@northwind.example"
CONTACT = "olivia@harbourbakery.example"
SEED_TIMES: list[float] = []


@pytest.fixture
def demo(app):
    started = time.perf_counter()
    assert seed_demo_agency() is True
    SEED_TIMES.append(time.perf_counter() - started)
    print(f"\nseeding the demo agency took {SEED_TIMES[-1]:.2f} s")
    return db.session.scalar(sa.select(Agency).where(Agency.slug == DEMO_SLUG))


def member(agency, email: str) -> Membership:
    with tenant(agency.id):
        return db.session.scalar(
            sa.select(Membership)
            .join(User, User.id == Membership.user_id)
            .where(User.email == email)
        )


def page(app, agency, email: str, path: str) -> str:
    resp = web(app, member(agency, email)).get(f"/{DEMO_SLUG}{path}")
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    return resp.get_data(as_text=True)


def counts(attr: str, html: str) -> dict[str, int]:
    """{name: count} of the sections carrying `data-<attr>="name" data-count="n"`."""
    pairs = re.findall(rf'data-{attr}="([a-z_]+)" data-count="(\d+)"', html)
    return {name: int(n) for name, n in pairs}


def test_every_screen_of_the_work_loop_has_something_on_it(app, demo):
    quadrants = counts("quadrant", page(app, demo, VA, "/my-work"))
    assert len([q for q, n in quadrants.items() if n]) >= 3, quadrants

    queue = page(app, demo, QA, "/qa")
    assert 'data-testid="qa-queue-empty"' not in queue
    assert len(re.findall(r'<tr data-item-id="\d+"', queue)) >= 2

    columns = counts("column", page(app, demo, OWNER, "/board"))
    assert len([c for c, n in columns.items() if n]) >= 6, columns

    quality = page(app, demo, OWNER, "/quality")
    fpy = re.search(r'data-testid="overall-fpy">([^<]*)<', quality).group(1)
    assert re.fullmatch(r"\d+%", fpy), fpy
    assert 0 < int(fpy.rstrip("%")) < 100  # some work passed first time, some came back

    # The client contact sees the deliverable waiting for their approval, and can approve.
    contact = api(app, member(demo, CONTACT))
    waiting = contact.get("/work-items?state=awaiting_client").json["items"]
    assert len(waiting) == 1 and waiting[0]["client"]["name"] == "Harbour Bakery"
    item_page = page(app, demo, CONTACT, f"/work/{waiting[0]['id']}")
    assert 'data-action="client_approve"' in item_page


def test_the_invoices_have_every_status_and_exact_balances(app, demo):
    listing = page(app, demo, OWNER, "/invoices")
    for status in ("paid", "overdue", "partially_paid", "sent", "draft"):
        assert f'data-status="{status}"' in listing, status

    owner = api(app, member(demo, OWNER))
    items = owner.get("/invoices?per_page=50").json["items"]
    assert 6 <= len(items) <= 10
    by = {}
    for inv in items:
        by.setdefault(inv["display_status"], []).append(inv)
        assert (
            inv["balance_minor"] == inv["total_minor"] - inv["paid_minor"] - inv["credited_minor"]
        )
    assert {"paid", "overdue", "partially_paid", "sent", "draft"} <= set(by), sorted(by)
    assert len(by["draft"]) >= 2
    (paid,) = by["paid"]
    assert paid["balance_minor"] == 0 and paid["paid_minor"] == paid["total_minor"] > 0
    (partly,) = by["partially_paid"]
    assert 0 < partly["paid_minor"] < partly["total_minor"]
    (overdue,) = by["overdue"]
    assert overdue["balance_minor"] == overdue["total_minor"] > 0
    assert overdue["due_date"] < utcnow().date().isoformat()
    assert {"USD", "AUD", "EGP", "EUR"} <= {inv["currency"] for inv in items}

    with tenant(demo.id):
        # Numbers are gap-free and follow the issue dates.
        issued = db.session.scalars(
            sa.select(Invoice).where(Invoice.number.is_not(None)).order_by(Invoice.number)
        ).all()
        assert [int(i.number[-5:]) for i in issued] == list(range(1, len(issued) + 1))
        assert [i.issue_date for i in issued] == sorted(i.issue_date for i in issued)
        # Every issued invoice was rendered and emailed (so it is marked sent).
        assert all(i.sent_at is not None and i.sent_at >= i.issued_at for i in issued)
        docs = db.session.scalars(sa.select(InvoiceDocument.invoice_id)).all()
        assert set(docs) == {i.id for i in issued}
        total_paid = db.session.scalar(sa.select(sa.func.sum(Payment.amount_minor)))
        assert total_paid == sum(i.paid_minor for i in issued)
        # A draft bills delivered work items, one bills a package; a retainer drafted its month.
        kinds = {line.kind for i in items if i["status"] == "draft" for line in _lines(i["id"])}
        assert {"work_item", "package"} <= kinds
        assert db.session.scalar(sa.select(RetainerPlan.last_generated_month)) is not None
    # The retainer has used about 85 % of this month's hours (approved time of its client).
    with tenant(demo.id):
        plan = db.session.scalar(sa.select(RetainerPlan))
        bank = bank_for(plan, agency_month(demo.time_zone))
        assert bank.available == 20 * 60 and 84 <= bank.percent <= 86
        # The overdue invoice climbed the reminder ladder: sent at each step, none twice.
        sends = db.session.scalars(
            sa.select(ReminderSend).where(ReminderSend.invoice_id == overdue["id"])
        ).all()
        assert len(sends) >= 2 and {s.status for s in sends} == {"sent"}
        assert len({s.step_id for s in sends}) == len(sends)


def _lines(invoice_id: int):
    with all_tenants():
        return db.session.get(Invoice, invoice_id).lines


def test_the_seeded_history_keeps_the_rules_and_seeding_again_changes_nothing(app, demo):
    now = utcnow()
    with tenant(demo.id):
        items = db.session.scalars(sa.select(WorkItem)).all()
        assert 15 <= len(items) <= 25
        # Atlas Logistics is onboarding: its run made the SOP's item and its welcome packet.
        from app.onboarding.models import OnboardingRun

        (run,) = db.session.scalars(sa.select(OnboardingRun)).all()
        assert run.work_item_id in {i.id for i in items} and run.packet_key
        states = {i.state for i in items}
        assert {"todo", "in_progress", "submitted", "in_review", "changes_requested"} <= states
        assert {"approved", "awaiting_client", "delivered", "cancelled"} <= states
        assert len({(i.urgent, i.important) for i in items}) == 4
        open_ = [i for i in items if i.state not in ("delivered", "cancelled")]
        assert len([i for i in open_ if i.due_at < now]) == 2  # a couple overdue
        for item in items:
            reviews = db.session.scalars(
                sa.select(Review).where(Review.work_item_id == item.id).order_by(Review.id)
            ).all()
            qa_rounds = [r for r in reviews if r.outcome == "changes_requested"]
            assert item.rework_rounds == len(qa_rounds), item.title
            stamps = [item.created_at, item.started_at, item.submitted_at, item.approved_at,
                      item.delivered_at]  # fmt: skip
            known = [s for s in stamps if s is not None]
            assert known == sorted(known) and known[-1] <= now, item.title
            history = db.session.scalars(
                sa.select(WorkEvent.at)
                .where(WorkEvent.work_item_id == item.id)
                .order_by(WorkEvent.id)
            ).all()
            assert list(history) == sorted(history), item.title
            assert [r.created_at for r in reviews] == sorted(r.created_at for r in reviews)
            doers = set(
                db.session.scalars(
                    sa.select(ChecklistState.done_by_id).where(
                        ChecklistState.work_item_id == item.id,
                        ChecklistState.done_by_id.is_not(None),
                    )
                )
            )
            for review in reviews:
                assert review.reviewer.user_id not in doers  # nobody reviews their own work
                assert review.waited_seconds is not None and review.waited_seconds > 0
            if item.submitted_at is not None:
                required = db.session.scalars(
                    sa.select(ChecklistState).where(
                        ChecklistState.work_item_id == item.id, ChecklistState.required
                    )
                ).all()
                assert all(c.done and c.has_evidence for c in required), item.title
        # QA turned work around in hours, with some rework: the quality page has figures.
        assert db.session.scalar(
            sa.select(sa.func.count()).where(Review.outcome == "changes_requested")
        )
    with all_tenants():
        jobs = db.session.scalars(sa.select(OutboxJob.status).where(OutboxJob.agency_id == demo.id))
        assert set(jobs) == {"succeeded"}
        emails = db.session.scalars(
            sa.select(OutboundEmail.status).where(OutboundEmail.agency_id == demo.id)
        ).all()
        assert emails and set(emails) == {"sent"}

    before = _row_counts()
    assert seed_demo_agency() is False
    assert _row_counts() == before
    print(f"seed times: {', '.join(f'{t:.2f} s' for t in SEED_TIMES)}")


def _row_counts() -> dict[str, int]:
    with all_tenants():
        return {
            model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (
                Agency,
                User,
                Membership,
                WorkItem,
                WorkEvent,
                Review,
                Invoice,
                Payment,
                ReminderSend,
                OutboxJob,
                OutboundEmail,
            )  # fmt: skip
        }


@pytest.mark.parametrize(
    "today",
    [
        dt.datetime(2027, 1, 4, 9, 30, tzinfo=dt.UTC),  # a Monday just after New Year
        dt.datetime(2026, 7, 18, 22, 0, tzinfo=dt.UTC),  # a Saturday night in summer
    ],
)
def test_demo_dates_are_consistent_on_any_day(app, today):
    """Seeded relative to the clock: on any day, every stage of an item is due by the item's
    due time, the checklist was ticked over the time the VA worked (not all at one
    instant), between the start and the submission, and nothing happened in the future."""
    from app.clients.models import Client
    from app.demo_work import ITEMS
    from app.work.stage_dates import work_item_stages

    with time_machine.travel(today, tick=False):
        assert seed_demo_agency() is True
        agency = db.session.scalar(sa.select(Agency).where(Agency.slug == DEMO_SLUG))
        now = utcnow()
        with tenant(agency.id):
            every = db.session.scalars(sa.select(WorkItem)).all()
            # The low survey scores of the demo opened follow-up items for the owner.
            follow_ups = [i for i in every if i.title.startswith("Client follow-up:")]
            assert len(follow_ups) == 2
            items = [i for i in every if i not in follow_ups]
            assert len(items) == len(ITEMS) + 1  # and Atlas Logistics' onboarding item
            open_ = [i for i in items if i.state not in ("delivered", "cancelled")]
            assert len([i for i in open_ if i.due_at < now]) == 2  # the overdue ones stay
            for item in items:
                checks = db.session.scalars(
                    sa.select(ChecklistState).where(ChecklistState.work_item_id == item.id)
                ).all()
                for stage in work_item_stages(item, checks, now):
                    assert stage.due_at <= item.due_at, (item.title, stage.title)
                ticks = sorted(c.done_at for c in checks if c.done)
                if len(ticks) > 1:
                    assert len(set(ticks)) == len(ticks), item.title  # one time per tick
                    assert ticks[-1] - ticks[0] >= dt.timedelta(hours=1), item.title
                for tick in ticks:
                    assert item.started_at <= tick <= now, item.title
                    if item.submitted_at is not None:
                        assert tick <= item.submitted_at, item.title
            # Every client's package is priced in the client's currency (it can be billed).
            for client in db.session.scalars(sa.select(Client)):
                if client.service_package is not None:
                    assert client.service_package.currency == client.currency, client.name


def test_the_demo_has_an_approved_and_a_submitted_week(app, demo):
    """Priya's week before last is approved (every entry of it locked), her last full week
    waits in Team timesheets, and Mateo's missing week is late on the dashboard."""
    from app.time.models import TimeEntry
    from app.timesheets.models import Timesheet

    priya = member(demo, VA)
    with tenant(demo.id):
        sheets = db.session.scalars(
            sa.select(Timesheet)
            .where(Timesheet.membership_id == priya.id)
            .order_by(Timesheet.week_start)
        ).all()
        assert [s.state for s in sheets] == ["approved", "submitted"]
        assert sheets[1].week_start - sheets[0].week_start == dt.timedelta(days=7)
        approved_week = db.session.scalars(
            sa.select(TimeEntry).where(
                TimeEntry.membership_id == priya.id,
                TimeEntry.entry_date.between(sheets[0].week_start, sheets[0].week_end),
            )
        ).all()
        assert approved_week and all(e.approved_at is not None for e in approved_week)
    queue = page(app, demo, OWNER, "/timesheets")
    assert queue.count('data-testid="timesheet-row"') == 1
    dashboard = page(app, demo, OWNER, "/")
    assert "Mateo" in dashboard.split('data-testid="late-timesheets"')[1].split("</ul>")[0]


def test_the_cockpit_has_a_va_over_capacity_a_losing_client_and_payouts(app, demo):
    html = page(app, demo, OWNER, "/")
    for key in ("workload", "deadlines", "quality", "receivables", "margin", "payouts", "forecast"):
        assert f'data-testid="tile-{key}"' in html, key
    workload = html[html.index('data-testid="tile-workload"') :].split("</a>")[0]
    assert "1 of " in workload or "2 of " in workload
    margin = html[html.index('data-testid="tile-margin"') :].split("</a>")[0]
    assert "losing money" in margin
    with tenant(demo.id):
        states = sorted(db.session.scalars(sa.select(PayoutStatement.state)).all())
    assert "paid" in states and any(s != "paid" for s in states), states


def test_assignment_suggestions_match_skills_in_the_demo(app, demo):
    """The demo's VAs, SOPs and clients carry skill tags: a bookkeeping client's suggestions
    put the VA with bookkeeping skills first, with the skill named beside them."""
    from app.clients.models import Client
    from app.suggestions.models import ClientSkillTag

    with tenant(demo.id):
        client_id = db.session.scalar(
            sa.select(ClientSkillTag.client_id).where(ClientSkillTag.tag == "bookkeeping")
        )
        assert client_id is not None
        assert db.session.get(Client, client_id) is not None
    html = page(app, demo, OWNER, f"/clients/{client_id}/suggestions")
    first = html.index("Priya")
    assert first < html.index("Mateo")
    assert "matching skill" in html[first : first + 3000]
    assert "bookkeeping" in html[first : first + 3000]


def test_the_client_relationship_has_a_story_to_show(app, demo):
    """An onboarding client whose contact filled the intake form (a tool login went to the
    vault), promises kept and broken, last week's digests, answered surveys; and the pages
    that show them have it on them."""
    from app.clients.models import Client
    from app.digests.models import ClientDigest
    from app.intake.models import IntakeAnswer
    from app.promises.models import ResponseClock
    from app.surveys.models import Survey
    from app.vault.models import VaultEntry

    with tenant(demo.id):
        atlas = db.session.scalar(sa.select(Client).where(Client.status == "onboarding"))
        [answer] = db.session.scalars(sa.select(IntakeAnswer)).all()
        login = next(v for v in answer.answers.values() if isinstance(v, dict) and "tool" in v)
        assert login["tool"] == "Xero" and "password" not in login
        logins = db.session.scalars(
            sa.select(VaultEntry.name).where(VaultEntry.client_id == atlas.id)
        ).all()
        assert sorted(logins) == ["Carrier claims portal", "Google Workspace admin", "Xero"]
        clocks = db.session.scalars(sa.select(ResponseClock)).all()
        answered = [c for c in clocks if c.state == "answered"]
        assert [c.breached_at is not None for c in answered].count(True) == 1
        assert [c.breached_at is None for c in answered].count(True) == 1
        assert any(c.state == "running" for c in clocks)
        last_week = db.session.scalars(sa.select(ClientDigest)).all()
        assert last_week and all(d.sent_at < utcnow() for d in last_week)
        answered_surveys = db.session.scalars(
            sa.select(Survey).where(Survey.score.is_not(None))
        ).all()
        assert {s.kind for s in answered_surveys} == {"csat", "nps"}
    owner_view = page(app, demo, OWNER, f"/clients/{atlas.id}/intake")
    assert "Xero" in owner_view and "demo-Xero-2026!" not in owner_view
    assert "Response times" in page(app, demo, OWNER, "/promises")
    assert 'data-testid="clock-row"' in page(app, demo, OWNER, "/promises")


def test_the_weekly_updates_are_weekly_series(app, demo):
    """Each client's "Weekly update" items are one weekly series, numbered in order, and the
    client page lists it with its next due time."""
    from app.work.models import WorkSeries

    with tenant(demo.id):
        runs = db.session.scalars(sa.select(WorkSeries).order_by(WorkSeries.id)).all()
        assert len(runs) == 4 and {s.cadence for s in runs} == {"weekly"}
        for run in runs:
            items = db.session.scalars(
                sa.select(WorkItem).where(WorkItem.series_id == run.id).order_by(WorkItem.sequence)
            ).all()
            assert [i.sequence for i in items] == list(range(1, len(items) + 1))
            assert all(i.title.startswith("Weekly update, week of ") for i in items)
            assert run.next_due_at > items[-1].due_at
        lumen = next(s for s in runs if len(db.session.scalars(
            sa.select(WorkItem.id).where(WorkItem.series_id == s.id)).all()) == 3)  # fmt: skip
        client_id = lumen.client_id
    html = page(app, demo, OWNER, f"/clients/{client_id}")
    assert 'data-testid="series-card"' in html


def test_the_manager_reads_some_notifications_in_a_daily_summary(app, demo):
    html = page(app, demo, "jonas@northwind.example", "/notifications")
    overdue = html[html.index('data-kind="overdue_work"') :].split("</fieldset>")[0]
    assert 'data-kind="overdue_work" data-channel="daily"' in html
    assert 'value="daily" autocomplete="off" checked' in overdue
    hours = html[html.index('data-kind="hour_bank"') :].split("</fieldset>")[0]
    assert 'value="off" autocomplete="off" checked' in hours
