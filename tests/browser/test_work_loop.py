"""The whole delegation loop in a real browser, through the pages people use:

owner creates an item from an SOP on a client -> the VA finds it in "My work", completes
the checklist with evidence (a link, a note, a file upload; ticks without page reloads)
and submits -> QA finds it in the queue and requests changes with reasons -> the VA fixes
it and resubmits -> QA approves with scores -> the client contact approves, which delivers
it at once. The item ends `delivered`, its history shows every step, and the
board and the quality figures count it. Along the way the VA times the work (a timer started
on the item and stopped in the top bar, and an hour and a half entered by hand) and submits
the week; the owner approves the timesheet and bills the approved time on a new invoice at
the client's rate. Once in English, once with everyone reading Arabic.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from app.core.tenancy import all_tenants
from app.extensions import db
from app.invoices.models import Invoice, InvoiceLine
from app.rates.models import FROM_THE_START, BillRate, bill_scope
from app.time.models import TimeEntry
from app.work.models import WorkItem
from tests.browser.conftest import LiveServer
from tests.factories import (
    PASSWORD,
    AgencyFactory,
    AssignmentFactory,
    ClientFactory,
    MembershipFactory,
    UserFactory,
)
from tests.work_screens.support import make_sop

# The smallest PNG there is (1x1, transparent): evidence files are checked by content.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)
DEFINITION = {
    "slug": "weekly-status",
    "title": "Weekly client status report",
    "version": "1",
    "description": "Tell the client where things stand, every week.",
    "roles": ["va"],
    "client_approval": True,
    "stages": [
        {
            "key": "prepare",
            "title": "Prepare",
            "due_offset_days": 1,
            "items": [
                {"key": "numbers", "text": "Collect the week's numbers", "required": True,
                 "evidence": "link", "estimate_minutes": 20},
                {"key": "summary", "text": "Write the summary", "required": True,
                 "evidence": "note", "estimate_minutes": 30},
            ],
        },
        {
            "key": "send",
            "title": "Send",
            "due_offset_days": 2,
            "items": [
                {"key": "report", "text": "Attach the report", "required": True,
                 "evidence": "file", "estimate_minutes": 10},
                {"key": "calendar", "text": "Book next week's call", "required": False,
                 "evidence": "none", "estimate_minutes": 5},
            ],
        },
    ],
    "rubric": [
        {"key": "accurate", "text": "The numbers are right", "kind": "pass_fail",
         "pass_mark": None},
        {"key": "clear", "text": "Clear for the client", "kind": "score", "pass_mark": 3},
    ],
}  # fmt: skip


HOURLY_MINOR = 6000  # the client's bill rate: 60.00 an hour


@dataclass
class Cast:
    slug: str
    client_id: int
    client_name: str
    sop_version_id: int
    emails: dict[str, str]
    members: dict[str, int]


def _cast(locale: str = "en") -> Cast:
    """An agency with an owner, a VA on the client, a QA reviewer and the client's portal
    login, all reading `locale`, and the SOP; committed for real."""
    agency = AgencyFactory(name="Loop Agency", slug="loop-agency")
    client = ClientFactory(agency=agency, name="Harbour Bakery", time_zone="America/New_York")
    people = {
        "owner": MembershipFactory(
            agency=agency, role="owner", user=UserFactory(name="Olivia Owner", locale=locale)
        ),
        "va": MembershipFactory(
            agency=agency, role="va", user=UserFactory(name="Vera VA", locale=locale)
        ),
        "qa": MembershipFactory(
            agency=agency, role="qa", user=UserFactory(name="Quinn QA", locale=locale)
        ),
        "client": MembershipFactory(
            agency=agency, role="client", client_id=client.id,
            user=UserFactory(name="Carla Client", locale=locale),
        ),
    }  # fmt: skip
    AssignmentFactory(client=client, membership=people["va"])
    db.session.add(
        BillRate(
            agency_id=agency.id, level="client", scope=bill_scope("client", client_id=client.id),
            client_id=client.id, rate_minor=HOURLY_MINOR, currency=client.currency,
            effective_from=FROM_THE_START,
        )
    )  # fmt: skip
    version = make_sop(agency.id, DEFINITION["title"], DEFINITION)
    cast = Cast(
        slug=agency.slug,
        client_id=client.id,
        client_name=client.name,
        sop_version_id=version.id,
        emails={role: m.user.email for role, m in people.items()},
        members={role: m.id for role, m in people.items()},
    )
    db.session.commit()
    return cast


class Person:
    """One signed-in browser (its own context: cookies are not shared)."""

    def __init__(self, browser, server: LiveServer, email: str) -> None:
        self.server = server
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.page.goto(f"{server.url}/login")
        self.page.fill("#f-email", email)
        self.page.fill("#f-password", PASSWORD)
        self.page.click("main button[type=submit]")  # not the language menu's
        self.page.wait_for_load_state()
        assert "/login" not in self.page.url, self.page.content()[:2000]

    def go(self, path: str) -> None:
        self.page.goto(f"{self.server.url}{path}")

    def state(self) -> str:
        return self.page.locator("[data-testid=state]").get_attribute("data-state")

    def act(self, action: str) -> None:
        """Press a transition button (a full form post) and wait for the next page."""
        with self.page.expect_navigation():
            self.page.click(f"[data-action={action}]")
        refusal = self.page.locator("[data-testid=refusal]")
        assert refusal.count() == 0, refusal.inner_text()

    def check_row(self, key: str):
        return self.page.locator(f"li[data-check-key={key}]")

    def add_evidence(self, key: str, *, link: str | None = None, note: str | None = None,
                     file: tuple[str, bytes] | None = None) -> None:  # fmt: skip
        """Fill the item's evidence form and send it (htmx swaps the row in place)."""
        row = self.check_row(key)
        if link is not None:
            row.locator("input[name=link]").fill(link)
        if note is not None:
            row.locator("textarea[name=note]").fill(note)
        if file is not None:
            name, data = file
            row.locator("input[name=file]").set_input_files(
                {"name": name, "mimeType": "image/png", "buffer": data}
            )
        with self.page.expect_response(lambda r: "/evidence" in r.url) as response:
            row.locator("form.evidence-form button[type=submit]").click()
        assert response.value.status == 200, response.value.text()[:500]
        row = f"li[data-check-key={key}]"
        self.page.wait_for_selector(f"{row} .evidence a, {row} [data-testid=evidence-note]")

    def tick(self, key: str) -> None:
        with self.page.expect_response(lambda r: r.url.endswith("/tick")) as response:
            self.check_row(key).locator("input[name=done]").check()
        assert response.value.status == 200, response.value.text()[:500]
        self.page.wait_for_selector(f"li[data-check-key={key}][data-done=true]")

    def history(self) -> list[str]:
        return [
            re.sub(r"\s+", " ", t).strip()
            for t in self.page.locator("[data-testid=history] li").all_inner_texts()
        ]


def _due_tomorrow_9am(zone: str) -> str:
    local = dt.datetime.now(zoneinfo.ZoneInfo(zone)) + dt.timedelta(days=1)
    return local.replace(hour=9, minute=0).strftime("%Y-%m-%dT%H:%M")


def _words(app, locale: str):
    """The pages' words in `locale`, as the catalogues have them: tr("Review")."""
    from flask_babel import force_locale, gettext

    from app.work.blueprint import state_label

    def tr(text: str, **values) -> str:
        with app.test_request_context(), force_locale(locale):
            return gettext(text, **values)

    def label(state: str) -> str:
        with app.test_request_context(), force_locale(locale):
            return str(state_label(state))

    return tr, label


@pytest.mark.no_db
@pytest.mark.parametrize("locale", ["en", "ar"])
def test_owner_va_qa_client_loop_to_delivered(live_server, browser, locale):
    """The loop in English, and with an Arabic-speaking owner, VA, QA reviewer and client
    contact (every page right to left)."""
    cast = _cast(locale)
    slug = cast.slug
    tr, label = _words(live_server.app, locale)

    # 1. The owner creates the item from the SOP on the client.
    owner = Person(browser, live_server, cast.emails["owner"])
    owner.go(f"/{slug}/clients/{cast.client_id}")
    with owner.page.expect_navigation():
        owner.page.click("[data-testid=new-work-item]")
    page = owner.page
    page.fill("#f-title", "Weekly status for Harbour Bakery")
    page.fill("#f-description", "Numbers, a short summary and the PDF, as every Monday.")
    page.select_option("#f-sop_version_id", str(cast.sop_version_id))
    page.select_option("#f-assignee_id", str(cast.members["va"]))
    page.select_option("#f-reviewer_id", str(cast.members["qa"]))
    page.fill("#f-due_at", _due_tomorrow_9am("America/New_York"))
    page.check("#f-urgent")
    with page.expect_navigation():
        page.get_by_role("button", name=tr("Create work item")).click()
    match = re.search(r"/work/(\d+)$", page.url)
    assert match, (page.url, page.content()[:3000])
    item_id = int(match.group(1))
    item_path = f"/{slug}/work/{item_id}"
    assert owner.state() == "todo"
    assert owner.page.evaluate("document.documentElement.dir") == (
        "rtl" if locale == "ar" else "ltr"
    )

    # 2. The VA finds it in "My work" (urgent and important: do now) and opens it.
    va = Person(browser, live_server, cast.emails["va"])
    va.go(f"/{slug}/my-work")
    do_now = va.page.locator('section[data-quadrant="do"]')
    assert do_now.locator(f'[data-item-id="{item_id}"]').count() == 1
    assert "Harbour Bakery" in do_now.inner_text()
    with va.page.expect_navigation():
        do_now.locator(f'[data-item-id="{item_id}"] a').first.click()
    assert va.page.url.endswith(item_path)
    va.act("start")
    assert va.state() == "in_progress"
    # ... and starts a timer on it (the top bar shows it running on every page).
    with va.page.expect_navigation():
        va.page.click("[data-testid=time-here] [data-testid=timer-start-here]")
    assert va.page.url.endswith(item_path)
    assert va.page.locator("#timer-bar [data-testid=timer-running]").count() == 1
    # The hand-made entry and the week submitted below are pinned to the timer's day, so a
    # run that crosses midnight (or a Monday) still bills one week's two entries.
    with all_tenants():
        timer_day = db.session.scalar(
            sa.select(TimeEntry.entry_date).where(TimeEntry.work_item_id == item_id)
        )

    # 3. ... completes the checklist with evidence, without reloading the page ...
    marker = va.page.evaluate("() => (window.__sameDocument = Math.random())")
    va.add_evidence("numbers", link="https://docs.example.test/harbour/week-48")
    va.tick("numbers")
    va.add_evidence("summary", note="Sales up 4%; two orders late; <b>call</b> on Thursday.")
    va.tick("summary")
    va.add_evidence("report", file=("weekly-report.png", PNG))
    va.tick("report")
    va.tick("calendar")
    assert va.page.evaluate("() => window.__sameDocument") == marker  # no full reload
    assert va.page.locator("#submit-gate").get_attribute("data-open") == "0"
    assert va.check_row("report").locator("[data-testid=evidence-file]").inner_text() == (
        "weekly-report.png"
    )
    # The VA stops the timer in the top bar and enters an hour and a half spent earlier.
    with va.page.expect_navigation():
        va.page.click("#timer-bar [data-testid=timer-stop]")
    assert va.page.locator("#timer-bar [data-testid=timer-running]").count() == 0
    va.go(f"/{slug}/time/new")
    va.page.select_option("#f-client_id", str(cast.client_id))
    va.page.select_option("#f-work_item_id", str(item_id))
    va.page.fill("#f-date", timer_day.isoformat())
    va.page.fill("#f-duration", "1:30")
    with va.page.expect_navigation():
        va.page.click("main form button[type=submit]")
    assert va.page.locator("[data-testid=form-errors]").count() == 0, va.page.content()[:3000]
    va.go(item_path)

    # 4. ... and submits it.
    va.act("submit")
    assert va.state() == "submitted"

    # 5. QA finds it in the queue, takes it and requests changes with reasons.
    qa = Person(browser, live_server, cast.emails["qa"])
    qa.go(f"/{slug}/qa")
    row = qa.page.locator(f'tr[data-item-id="{item_id}"]')
    assert tr("Round %(round)s", round=1) in row.inner_text()
    with qa.page.expect_navigation():
        row.locator("a").first.click()
    qa.act("take")
    assert qa.state() == "in_review"
    qa.page.select_option('select[name="scores.accurate"]', "fail")
    qa.page.fill('input[name="reasons.accurate"]', "Week 48 sales are last week's figures.")
    qa.page.select_option('select[name="scores.clear"]', "2")
    qa.page.fill('input[name="reasons.clear"]', "Lead with the late orders.")
    qa.act("request_changes")
    assert qa.state() == "changes_requested"

    # 6. The VA fixes the link and resubmits.
    va.go(item_path)
    assert va.state() == "changes_requested"
    assert "Week 48 sales are last week" in va.page.content()
    va.act("start")
    assert va.state() == "in_progress"
    va.add_evidence("numbers", link="https://docs.example.test/harbour/week-48-corrected")
    if va.check_row("numbers").get_attribute("data-done") != "true":
        va.tick("numbers")
    va.act("submit")
    assert va.state() == "submitted"

    # 7. QA sees round 2 and approves with scores.
    qa.go(f"/{slug}/qa")
    row = qa.page.locator(f'tr[data-item-id="{item_id}"]')
    assert tr("Round %(round)s · rework", round=2) in row.inner_text()
    qa.go(item_path)
    qa.act("take")
    qa.page.select_option('select[name="scores.accurate"]', "pass")
    qa.page.select_option('select[name="scores.clear"]', "4")
    qa.page.fill("#f-review-comment", "Good now.")
    qa.act("approve")
    assert qa.state() == "awaiting_client"

    # 8. The client's contact signs in to their portal, finds the item waiting for their
    # approval and approves it from its page.
    client = Person(browser, live_server, cast.emails["client"])
    assert client.page.url.endswith(f"/{slug}/portal")
    waiting = client.page.locator("[data-testid=portal-waiting] li[data-item-id]")
    assert waiting.count() == 1
    with client.page.expect_navigation():
        waiting.locator("a", has_text=tr("Review")).click()
    assert client.page.url.endswith(item_path)
    assert client.state() == "awaiting_client"
    assert "Lead with the late orders" not in client.page.content()  # QA detail is internal
    client.page.fill("#f-approve-comment", "Looks great, thanks!")
    client.act("client_approve")
    # 9. The client's approval is the last gate: the item is delivered at once.
    assert client.state() == "delivered"
    owner.go(item_path)
    assert owner.state() == "delivered"
    assert owner.page.locator('[data-action="deliver"]').count() == 0

    # 10. The VA submits the week's timesheet from My time; the owner approves it in Team
    # timesheets and bills the approved time on a new invoice of the client.
    va.go(f"/{slug}/time?week={timer_day.isoformat()}")
    with va.page.expect_navigation():
        va.page.click("[data-testid=submit-week]")
    assert va.page.locator("[data-testid=timesheet-state]").get_attribute("data-state") == (
        "submitted"
    )
    owner.go(f"/{slug}/timesheets")
    sheet = owner.page.locator("[data-testid=timesheet-row]", has_text="Vera VA")
    assert sheet.count() == 1
    with owner.page.expect_navigation():
        sheet.locator("[data-testid=approve]").click()
    owner.go(f"/{slug}/invoices/new")
    owner.page.select_option("#f-client_id", str(cast.client_id))
    with owner.page.expect_navigation():
        owner.page.click("[data-testid=new-invoice-form] button[type=submit]")
    invoice_id = int(re.search(r"/invoices/(\d+)", owner.page.url).group(1))
    source = owner.page.locator("[data-testid=source-time]")
    assert source.locator("[data-testid=time-candidates] input[name=ids]").count() == 2
    source.locator("button[type=submit]").click()  # htmx swaps the editor in place
    owner.page.locator("#invoice-editor [data-testid=no-time]").wait_for()
    owner.go(item_path)

    # The history (oldest first) shows each step, in order, with who took it.
    history = owner.history()
    path = ["todo", "in_progress", "submitted", "in_review", "changes_requested",
            "in_progress", "submitted", "in_review", "approved", "awaiting_client",
            "client_approved", "delivered"]  # fmt: skip
    steps = [(None, tr("%(who)s created the item", who="Olivia Owner"))] + [
        (None, f"{label(a)} → {label(b)}") for a, b in zip(path, path[1:], strict=False)
    ]
    at = -1
    for who, text in steps:
        at = next(
            (i for i in range(at + 1, len(history)) if text.lower() in history[i].lower()), None
        )
        assert at is not None, f"{text!r} missing or out of order in:\n" + "\n".join(history)
        assert who is None or who in history[at]
    assert any("Vera VA" in h and label("submitted") in h for h in history)
    assert any("Quinn QA" in h and label("changes_requested") in h for h in history)
    assert any("Carla Client" in h and label("client_approved") in h for h in history)
    assert any("Carla Client" in h and label("delivered") in h for h in history)

    # The screens agree: on the board's Delivered column, and in the quality figures
    # (approved in its second round: first-pass yield 0 %, one rework round).
    owner.go(f"/{slug}/board?client={cast.client_id}")
    delivered = owner.page.locator('section[data-column="delivered"]')
    assert delivered.locator(f'[data-item-id="{item_id}"]').count() == 1
    owner.go(f"/{slug}/quality")
    fpy = owner.page.locator("[data-testid=overall-fpy]").inner_text().strip()
    rework = owner.page.locator("[data-testid=overall-rework]").inner_text().strip()
    if locale == "en":
        assert (fpy, rework) == ("0%", "1.00")
    else:  # the same figures, written as the language writes numbers
        assert re.sub(r"\D", "", fpy) == "0" and re.sub(r"\D", "", rework) == "100"

    with all_tenants():
        final = db.session.scalar(
            sa.select(WorkItem)
            .where(WorkItem.id == item_id)
            .execution_options(populate_existing=True)
        )
        assert final.state == "delivered" and final.rework_rounds == 1
        assert final.delivered_at is not None
        # Both entries billed, once, on one line of the work item at the client's rate: an
        # hour and a half, plus the timer's few seconds (a minute at most, rounded).
        billed = db.session.scalars(
            sa.select(TimeEntry.invoice_id).where(TimeEntry.work_item_id == item_id)
        ).all()
        assert billed == [invoice_id, invoice_id]
        lines = db.session.scalars(
            sa.select(InvoiceLine).where(InvoiceLine.invoice_id == invoice_id)
        ).all()
        assert [(ln.source_type, ln.unit_price_minor) for ln in lines] == [("time", HOURLY_MINOR)]
        invoice = db.session.get(Invoice, invoice_id)
        assert invoice.subtotal_minor in (9000, 9100), invoice.subtotal_minor
