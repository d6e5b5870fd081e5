"""The pages and calls that price time run a fixed number of SQL statements, however many
entries, people and rates there are: the invoice editor with its time card, the billable
time of the API, billing it, a client's rates and a person's costs."""

from __future__ import annotations

import datetime as dt

from app.core.tenancy import all_tenants
from app.extensions import db
from app.invoices.models import Invoice
from app.work.models import WorkItem
from tests.clients.support import api, web
from tests.factories import InvoiceFactory, MembershipFactory, WorkItemFactory
from tests.rates.support import YESTERDAY, bill_rate, cost_rate, entry
from tests.time.support import NOW, make_time_team


def _fill(size: int) -> dict:
    """A team whose client has `size` approved entries by `size` people over `size` work
    items (each through QA, each with its own rate) and a dated rate per person."""
    tt = make_time_team()
    a = tt.agency.id
    with all_tenants():
        people = [MembershipFactory(agency=tt.agency, role="va") for _ in range(size)]
        items = [WorkItemFactory(client=tt.team.client, checklist=False) for _ in range(size)]
        for i, (person, item) in enumerate(zip(people, items, strict=True)):
            db.session.get(WorkItem, item.id).approved_at = NOW
            bill_rate(a, "work_item", 5000 + i, work_item_id=item.id)
            bill_rate(
                a,
                "client_member",
                4000,
                client_id=tt.client_id,
                membership_id=person.id,
                day=YESTERDAY,
            )
            cost_rate(a, person.id, 1000 + i)
            entry(
                a,
                person.id,
                tt.client_id,
                work_item_id=item.id,
                day=YESTERDAY - dt.timedelta(days=i % 5),
            )
        invoice_id = InvoiceFactory(
            client=tt.team.client,
            status="draft",
            number=None,
            issued_at=None,
            total_minor=0,
            subtotal_minor=0,
        ).id
    db.session.commit()
    return {"tt": tt, "invoice_id": invoice_id, "people": [p.id for p in people]}


def _count(count_queries, call) -> int:
    call()  # warm per-process caches (templates, compiled SQL)
    with count_queries() as statements:
        resp = call()
    assert resp.status_code in (200, 201), resp.get_data(as_text=True)[:2000]
    return len(statements)


def _measure(app, count_queries, world: dict) -> dict:
    tt, invoice_id = world["tt"], world["invoice_id"]
    owner = web(app, tt.owner)
    owner_api = api(app, tt.owner)
    return {
        "invoice editor": _count(
            count_queries, lambda: owner.get(f"/{tt.slug}/invoices/{invoice_id}")
        ),
        "billable time": _count(
            count_queries, lambda: owner_api.get(f"/invoices/{invoice_id}/billable-time")
        ),
        "client rates": _count(
            count_queries, lambda: owner.get(f"/{tt.slug}/clients/{tt.client_id}/rates")
        ),
        "person's costs": _count(
            count_queries, lambda: owner.get(f"/{tt.slug}/team/{world['people'][0]}/rates")
        ),
        "rates": _count(count_queries, lambda: owner.get(f"/{tt.slug}/rates")),
    }


def test_statement_counts_do_not_grow_with_entries_and_rates(app, count_queries, frozen):
    small, large = _fill(2), _fill(25)
    small_counts = _measure(app, count_queries, small)
    large_counts = _measure(app, count_queries, large)
    assert small_counts == large_counts
    for label, n in large_counts.items():
        assert n <= 30, f"{label}: {n} statements"


def test_billing_many_entries_is_a_statement_per_line_not_per_entry(app, count_queries, frozen):
    """Billing takes a fixed number of statements plus one claim per line written."""

    def bill(size: int, group_by: str) -> tuple[int, int]:
        world = _fill(size)
        tt = world["tt"]
        with all_tenants():
            ids = [c.id for c in _candidates(world["invoice_id"])]
        with count_queries() as statements:
            resp = api(app, tt.owner).post(
                f"/invoices/{world['invoice_id']}/lines/import",
                json={"source": "time", "ids": ids, "group_by": group_by},
            )
        assert resp.status_code == 201, resp.json
        return len(statements), len(resp.json["lines"])

    small, small_lines = bill(2, "person")
    large, large_lines = bill(25, "person")
    assert (small_lines, large_lines) == (2, 25)
    assert large - small == large_lines - small_lines


def _candidates(invoice_id: int) -> list:
    from app.core.tenancy import tenant
    from app.invoices.line_sources import get_line_source

    invoice = db.session.get(Invoice, invoice_id)
    with tenant(invoice.agency_id):
        return get_line_source("time").candidates(invoice, limit=200)
