"""Response clocks on real messages: a portal request (answered by its decision) and client
comments on a work item (held while the agency waits on the client, resumed by the client's
answer, stopped by the first staff comment the client sees; a second reply changes nothing).
"""

from __future__ import annotations

from types import SimpleNamespace

import time_machine

from app.core.tenancy import tenant
from app.work.services import add_comment
from tests.factories import WorkItemFactory
from tests.promises.support import HOUR, actor, clocks, paris, paris_desk
from tests.work.support import web


def test_a_portal_request_starts_a_clock_that_its_decline_answers(app):
    with time_machine.travel(paris(2026, 11, 16, 9), tick=False) as traveller:
        desk = paris_desk()
        browser = web(app, desk.contact)
        resp = browser.post(f"/{desk.slug}/portal/requests", data={"title": "Easter newsletter"})
        assert resp.status_code == 302
        (clock,) = clocks(desk.agency.id)
        assert (clock.state, clock.source_kind, clock.thread_kind) == (
            "running",
            "work_request",
            "work_request",
        )
        assert clock.received_at == paris(2026, 11, 16, 9)
        assert clock.due_at == paris(2026, 11, 16, 17)
        assert clock.warn_at == paris(2026, 11, 16, 15)
        assert clock.va_membership_id == desk.va.id
        traveller.move_to(paris(2026, 11, 16, 11, 30))
        resp = web(app, desk.manager).post(
            f"/{desk.slug}/requests/{clock.source_id}/decline", data={"reason": "Out of scope"}
        )
        assert resp.status_code in (302, 303), resp.get_data(as_text=True)[:500]
        (clock,) = clocks(desk.agency.id)
        assert clock.state == "answered"
        assert clock.business_seconds == 2 * HOUR + 1800
        assert clock.answered_at == paris(2026, 11, 16, 11, 30)
        assert clock.answered_by_id == desk.manager.user_id


def test_client_comments_pause_resume_and_stop_at_the_first_staff_reply(app):
    with time_machine.travel(paris(2026, 11, 16, 9), tick=False) as traveller:
        desk = paris_desk()
        with tenant(desk.agency.id):
            item = WorkItemFactory(client=desk.client, sop_version=desk.sop_version)
            add_comment(actor(desk.contact), item, {"body": "Can you add the logo?"})
            (clock,) = clocks(desk.agency.id)
            assert (clock.state, clock.thread_kind, clock.thread_id) == (
                "running",
                "work_item",
                item.id,
            )
            assert clock.due_at == paris(2026, 11, 16, 17)

            # 10:00: the VA's comment asks the client something: the agency waits on them.
            traveller.move_to(paris(2026, 11, 16, 10))
            body = {"body": "Colour or mono logo?", "asks_client": True}
            add_comment(actor(desk.va), item, body)
            (clock,) = clocks(desk.agency.id)
            assert (clock.state, clock.business_seconds, clock.due_at) == ("paused", HOUR, None)

            # Tuesday 09:00: the client answers; the same clock runs on with 7 hours left.
            traveller.move_to(paris(2026, 11, 17, 9))
            add_comment(actor(desk.contact), item, {"body": "Here it is."})
            (clock,) = clocks(desk.agency.id)
            assert clock.state == "running"
            assert clock.due_at == paris(2026, 11, 17, 16)

            # An internal note is not an answer.
            traveller.move_to(paris(2026, 11, 17, 10))
            add_comment(actor(desk.va), item, {"body": "Looking", "internal": True})
            assert clocks(desk.agency.id)[0].state == "running"

            traveller.move_to(paris(2026, 11, 17, 11))
            add_comment(actor(desk.va), item, {"body": "Done, see the new version."})
            (clock,) = clocks(desk.agency.id)
            assert clock.state == "answered"
            assert clock.business_seconds == 3 * HOUR
            assert clock.answered_at == paris(2026, 11, 17, 11)
            assert clock.answered_by_id == desk.va.user_id

            # A second reply changes nothing.
            traveller.move_to(paris(2026, 11, 17, 15))
            add_comment(actor(desk.manager), item, {"body": "And thanks!"})
            (again,) = clocks(desk.agency.id)
            assert (again.answered_at, again.business_seconds, again.answered_by_id) == (
                paris(2026, 11, 17, 11),
                3 * HOUR,
                desk.va.user_id,
            )


def test_sending_an_item_for_approval_holds_and_the_clients_next_step_resumes(app):
    from app.promises.services import on_work_event

    with time_machine.travel(paris(2026, 11, 16, 9), tick=False) as traveller:
        desk = paris_desk()
        with tenant(desk.agency.id):
            item = WorkItemFactory(client=desk.client, sop_version=desk.sop_version)
            add_comment(actor(desk.contact), item, {"body": "Status?"})
            noon, two_pm = paris(2026, 11, 16, 12), paris(2026, 11, 16, 14)
            traveller.move_to(noon)

            # The history entry app.work.transitions._to_client writes, then the client's approval.
            sent = SimpleNamespace(kind="transition", to_state="awaiting_client", internal=False)
            on_work_event(actor(desk.va), item, SimpleNamespace(**vars(sent), at=noon))
            assert clocks(desk.agency.id)[0].state == "paused"

            approved = SimpleNamespace(
                kind="transition", to_state="client_approved", internal=False, at=two_pm
            )
            on_work_event(actor(desk.contact), item, approved)
            (clock,) = clocks(desk.agency.id)
            assert (clock.state, clock.business_seconds) == ("running", 3 * HOUR)
            # 5 hours left from Monday 14:00: three on Monday, two on Tuesday morning.
            assert clock.due_at == paris(2026, 11, 17, 11)


def test_a_client_without_a_promise_gets_no_clock(app):
    with time_machine.travel(paris(2026, 11, 16, 9), tick=False):
        desk = paris_desk()
        with tenant(desk.agency.id):
            desk.client.response_time_hours = 0
            item = WorkItemFactory(client=desk.client, sop_version=desk.sop_version)
            add_comment(actor(desk.contact), item, {"body": "Hello"})
        assert clocks(desk.agency.id) == []


def test_the_comment_form_asks_the_client_and_refuses_an_internal_question(app):
    with time_machine.travel(paris(2026, 11, 16, 9), tick=False) as traveller:
        desk = paris_desk()
        with tenant(desk.agency.id):
            item = WorkItemFactory(client=desk.client, sop_version=desk.sop_version)
            add_comment(actor(desk.contact), item, {"body": "Can you add the logo?"})
        traveller.move_to(paris(2026, 11, 16, 10))
        va = web(app, desk.va)
        url = f"/{desk.slug}/work/{item.id}/comments"
        page = va.get(f"/{desk.slug}/work/{item.id}").get_data(as_text=True)
        assert 'data-testid="asks-client"' in page
        bad = va.post(url, data={"body": "Note", "internal": "on", "asks_client": "on"})
        assert bad.status_code == 422 and 'href="#f-asks_client"' in bad.get_data(as_text=True)
        assert clocks(desk.agency.id)[0].state == "running"  # nothing changed
        ok = va.post(url, data={"body": "Colour or mono?", "asks_client": "on"})
        assert ok.status_code == 302
        assert clocks(desk.agency.id)[0].state == "paused"
        # A client cannot ask themselves (the box is not on their page, the API refuses it).
        client_page = web(app, desk.contact).get(f"/{desk.slug}/work/{item.id}")
        assert 'data-testid="asks-client"' not in client_page.get_data(as_text=True)
