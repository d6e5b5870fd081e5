"""The pages and the API of payouts: who sees what (owners all, managers when the agency
lets them see costs, a person only their own reviewed and paid statements, QA and client
contacts nothing), bad input answered 422 naming the field, a locked statement 409, the
CSV formula-safe, and the list page's statements constant for 2 vs 20 people."""

from __future__ import annotations

import datetime as dt

import pytest

from app.core.tenancy import tenant
from app.extensions import db
from app.payouts.services import review_statement
from tests.clients.support import api, web
from tests.factories import ClientFactory, MembershipFactory
from tests.payouts.support import MAR, actor_of, cost_rate, entry, generate, statements
from tests.time.support import make_time_team


def _statement(tt, *, reviewed: bool = False, member=None):
    member = member or tt.va
    with tenant(tt.agency.id):
        cost_rate(tt.agency.id, member.id, 1000)
        entry(tt.agency.id, member.id, tt.client_id, day=dt.date(2026, 3, 2), seconds=3600)
        made = [s for s in generate(tt, MAR) if s.membership_id == member.id]
        if reviewed:
            review_statement(actor_of(tt.owner), made[0])
        db.session.commit()
        return made[0].id


@pytest.mark.usefixtures("frozen")
def test_owner_pages_list_show_adjust_and_pay(app, tt):
    sid = _statement(tt)
    owner = web(app, tt.owner)
    page = owner.get(f"/{tt.slug}/payouts?period=2026-03-15")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count('data-testid="statement-row"') == 1 and tt.va.user.name in html

    bad = owner.post(f"/{tt.slug}/payouts/{sid}/adjustments", data={"kind": "bonus", "amount": "x"})
    assert bad.status_code == 422
    assert 'data-field-error="amount"' in bad.get_data(as_text=True)
    assert 'data-field-error="reason"' in bad.get_data(as_text=True)

    ok = owner.post(
        f"/{tt.slug}/payouts/{sid}/adjustments",
        data={"kind": "bonus", "amount": "2.50", "reason": "=HYPERLINK(1)"},
    )
    assert ok.status_code == 303
    assert owner.post(f"/{tt.slug}/payouts/{sid}/review").status_code == 303
    wrong = owner.post(
        f"/{tt.slug}/payouts/{sid}/paid",
        data={"amount_paid": "1.00", "paid_on": "2026-03-10", "method": "wise"},
    )
    assert wrong.status_code == 422 and 'data-field-error="amount_paid"' in wrong.get_data(
        as_text=True
    )
    paid = owner.post(
        f"/{tt.slug}/payouts/{sid}/paid",
        data={"amount_paid": "12.50", "paid_on": "2026-03-10", "method": "wise", "reference": "W1"},
    )
    assert paid.status_code == 303
    (s,) = statements(tt.va.id)
    assert (s.state, s.total_minor, s.paid_reference) == ("paid", 1250, "W1")
    shown = owner.get(f"/{tt.slug}/payouts/{sid}").get_data(as_text=True)
    assert 'data-testid="paid-facts"' in shown and 'data-testid="adjustment-form"' not in shown

    csv = owner.get(f"/{tt.slug}/payouts/{sid}/csv")
    text = csv.get_data(as_text=True)
    assert csv.mimetype == "text/csv" and "'=HYPERLINK(1)" in text and "10.00" in text
    period_csv = owner.get(f"/{tt.slug}/payouts/period.csv?period=2026-03-01")
    assert period_csv.status_code == 200 and "2.50" in period_csv.get_data(as_text=True)


@pytest.mark.usefixtures("frozen")
def test_settings_page_validates_the_fortnight_anchor(app, tt):
    owner = web(app, tt.owner)
    assert owner.get(f"/{tt.slug}/payouts/settings").status_code == 200
    bad = owner.post(f"/{tt.slug}/payouts/settings", data={"period": "fortnightly"})
    assert bad.status_code == 422 and 'data-field-error="fortnight_anchor"' in bad.get_data(
        as_text=True
    )
    ok = owner.post(
        f"/{tt.slug}/payouts/settings",
        data={"period": "weekly", "week_start": "sunday"},
    )
    assert ok.status_code == 303
    page = owner.get(f"/{tt.slug}/payouts?period=2026-03-11").get_data(as_text=True)
    assert "8 Mar 2026" in page and "14 Mar 2026" in page  # Sunday to Saturday


@pytest.mark.usefixtures("frozen")
def test_a_va_sees_only_their_own_reviewed_statements(app, tt):
    draft_id = _statement(tt)
    other = MembershipFactory(agency=tt.agency, role="va")
    db.session.commit()
    other_id = _statement(tt, member=other, reviewed=True)
    va = web(app, tt.va)
    assert va.get(f"/{tt.slug}/payouts/{draft_id}").status_code == 404  # a draft
    assert va.get(f"/{tt.slug}/payouts/{other_id}").status_code == 404  # someone else's
    assert va.get(f"/{tt.slug}/payouts").status_code == 403
    with tenant(tt.agency.id):
        review_statement(actor_of(tt.owner), statements(tt.va.id)[0])
        db.session.commit()
    assert va.get(f"/{tt.slug}/payouts/{draft_id}").status_code == 200
    mine = va.get(f"/{tt.slug}/my/payouts").get_data(as_text=True)
    assert mine.count('data-testid="my-statement"') == 1
    listed = api(app, tt.va).get("/payouts").get_json()
    assert [s["id"] for s in listed["items"]] == [draft_id]
    assert api(app, tt.va).get(f"/payouts/{other_id}").status_code == 404
    for role in (tt.qa, tt.contact):
        assert web(app, role).get(f"/{tt.slug}/my/payouts").status_code == 403
        assert api(app, role).get("/payouts").status_code == 403


@pytest.mark.usefixtures("frozen")
def test_managers_see_payouts_only_when_the_agency_lets_them_see_costs(app, tt):
    sid = _statement(tt)
    assert web(app, tt.manager).get(f"/{tt.slug}/payouts").status_code == 303  # My payouts
    assert api(app, tt.manager).get(f"/payouts/{sid}").status_code == 404
    tt.agency.managers_see_costs = True
    db.session.commit()
    assert web(app, tt.manager).get(f"/{tt.slug}/payouts").status_code == 200
    assert api(app, tt.manager).post(f"/payouts/{sid}/review").status_code == 200
    paid = api(app, tt.manager).post(
        f"/payouts/{sid}/paid", json={"amount": "10.00", "paid_on": "2026-03-10", "method": "cash"}
    )
    assert paid.status_code == 403  # only an owner pays


@pytest.mark.usefixtures("frozen")
def test_api_generate_filter_adjust_pay_and_conflict_when_locked(app, tt):
    with tenant(tt.agency.id):
        cost_rate(tt.agency.id, tt.va.id, 1000)
        entry(tt.agency.id, tt.va.id, tt.client_id, day=dt.date(2026, 3, 2), seconds=3600)
        db.session.commit()
    owner = api(app, tt.owner)
    assert owner.post("/payouts/generate", json={"period": "2026-13-01"}).status_code == 422
    made = owner.post("/payouts/generate", json={"period": "2026-03-20"})
    assert made.status_code == 200
    again = owner.post("/payouts/generate", json={"period": "2026-03-20"})
    assert again.status_code == 200
    listed = owner.get("/payouts?period=2026-03-05&state=draft").get_json()["items"]
    assert len(listed) == 1
    sid = listed[0]["id"]
    assert owner.get("/payouts?state=nope").status_code == 422
    assert owner.get("/payouts?member_id=abc").status_code == 422

    bad = owner.post(f"/payouts/{sid}/adjustments", json={"kind": "bonus", "amount": "1"})
    assert bad.status_code == 422 and "reason" in bad.get_json()["errors"]
    ok = owner.post(
        f"/payouts/{sid}/adjustments", json={"kind": "deduction", "amount": "1", "reason": "Loan"}
    )
    assert ok.status_code == 201 and ok.get_json()["total_minor"] == 900
    assert owner.post(f"/payouts/{sid}/review").status_code == 200
    body = {"amount": "9.00", "paid_on": "2026-03-10", "method": "bank_transfer"}
    assert owner.post(f"/payouts/{sid}/paid", json={**body, "method": "gold"}).status_code == 422
    assert owner.post(f"/payouts/{sid}/paid", json=body).status_code == 200
    assert owner.post(f"/payouts/{sid}/paid", json=body).status_code == 409
    late = owner.post(
        f"/payouts/{sid}/adjustments", json={"kind": "bonus", "amount": "1", "reason": "x"}
    )
    assert late.status_code == 409
    detail = owner.get(f"/payouts/{sid}").get_json()
    assert detail["state"] == "paid" and len(detail["lines"]) == 1
    assert detail["csv_url"].endswith(f"/payouts/{sid}/csv")


MAX_STATEMENTS = 14


def _fill(tt, people: int) -> None:
    with tenant(tt.agency.id):
        for i in range(people):
            va = MembershipFactory(agency=tt.agency, role="va")
            client = ClientFactory(agency=tt.agency, name=f"Alder {i:03d}")
            cost_rate(tt.agency.id, va.id, 1000 + i)
            entry(tt.agency.id, va.id, client.id, day=dt.date(2026, 3, 2), seconds=3600)
        generate(tt, MAR)
        db.session.commit()


def _count(app, count_queries, tt) -> tuple[int, str]:
    browser = web(app, tt.owner)
    url = f"/{tt.slug}/payouts?period=2026-03-01"
    browser.get(url)
    with count_queries() as statements_run:
        resp = browser.get(url)
    assert resp.status_code == 200
    return len(statements_run), resp.get_data(as_text=True)


@pytest.mark.usefixtures("frozen")
def test_the_list_page_runs_as_many_statements_for_2_as_for_20_people(app, count_queries):
    small, large = make_time_team(), make_time_team()
    db.session.commit()
    _fill(small, 2)
    _fill(large, 20)
    small_n, small_html = _count(app, count_queries, small)
    large_n, large_html = _count(app, count_queries, large)
    assert small_html.count('data-testid="statement-row"') == 2
    assert large_html.count('data-testid="statement-row"') == 20
    assert small_n == large_n <= MAX_STATEMENTS, (small_n, large_n)
