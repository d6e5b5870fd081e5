"""Two processes bill the same approved time onto two drafts at the same moment, on
committed PostgreSQL data: in every round one draft gets the lines and every entry, the
other gets nothing (409 "time_taken", or the entries already gone when it looked), and no
entry is on two invoices."""

from __future__ import annotations

import multiprocessing
import queue

import pytest
import sqlalchemy as sa

from app.core.permissions import Actor
from app.core.tenancy import all_tenants, tenant
from app.extensions import db
from app.invoices.models import Invoice, InvoiceLine
from app.invoices.services import create_invoice
from app.time.models import TimeEntry
from tests.factories import AgencyFactory, ClientFactory, MembershipFactory
from tests.helpers import committed_app
from tests.rates.race import bill_rounds
from tests.rates.support import YESTERDAY, entry

ROUNDS = 4
ENTRIES = 6


@pytest.fixture
def committed(app, database_url):
    with committed_app(database_url) as real:
        yield real


def _setup() -> tuple[int, int, list]:
    agency = AgencyFactory()
    client = ClientFactory(agency=agency, bill_rate_minor=6000)
    owner = MembershipFactory(agency=agency, role="owner")
    va = MembershipFactory(agency=agency, role="va")
    rounds = []
    with tenant(agency.id):
        actor = Actor(user=owner.user, agency=agency, membership=owner)
        for _ in range(ROUNDS):
            ids = [
                entry(agency.id, va.id, client.id, day=YESTERDAY, seconds=900 * (i + 1)).id
                for i in range(ENTRIES)
            ]
            drafts = [create_invoice(actor, {"client_id": client.id}).id for _ in range(2)]
            rounds.append((drafts, ids))
        db.session.commit()
        return agency.id, owner.id, rounds


@pytest.mark.no_db
def test_two_processes_billing_the_same_time_bill_it_once(committed, database_url):
    agency_id, owner_id, rounds = _setup()
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(2), ctx.Queue()
    url = database_url
    workers = [
        ctx.Process(
            target=bill_rounds,
            args=(
                url,
                agency_id,
                owner_id,
                [(drafts[side], ids) for drafts, ids in rounds],
                barrier,
                out,
            ),
        )
        for side in (0, 1)
    ]
    for w in workers:
        w.start()
    outcomes = []
    try:
        for _ in range(2 * ROUNDS):
            outcomes.append(out.get(timeout=180))
    except queue.Empty:
        pytest.fail(f"a worker did not answer; got {outcomes}")
    finally:
        for w in workers:
            w.join(timeout=60)
    assert all(w.exitcode == 0 for w in workers)
    by_invoice = {invoice_id: (kind, detail) for invoice_id, kind, detail in outcomes}
    with tenant(agency_id):
        for drafts, ids in rounds:
            results = [by_invoice[i] for i in drafts]
            assert sorted(kind for kind, _ in results) in (
                ["Conflict", "billed"],
                ["ValidationFailed", "billed"],  # it looked after the winner committed
            ), results
            winner = drafts[[kind for kind, _ in results].index("billed")]
            loser = drafts[1 - drafts.index(winner)]
            lines = {
                inv: list(
                    db.session.scalars(sa.select(InvoiceLine).where(InvoiceLine.invoice_id == inv))
                )
                for inv in drafts
            }
            assert len(lines[winner]) == 1 and lines[loser] == []
            taken = db.session.execute(
                sa.select(TimeEntry.invoice_id, TimeEntry.invoice_line_id).where(
                    TimeEntry.id.in_(ids)
                )
            ).all()
            assert len(taken) == ENTRIES
            assert set(taken) == {(winner, lines[winner][0].id)}
            assert db.session.get(Invoice, loser).total_minor == 0
        # Across the rounds: one line per round, every entry claimed exactly once.
        with all_tenants():
            assert db.session.scalar(sa.select(sa.func.count()).select_from(InvoiceLine)) == ROUNDS
            claimed = db.session.scalar(
                sa.select(sa.func.count())
                .select_from(TimeEntry)
                .where(TimeEntry.invoice_id.is_not(None))
            )
            assert claimed == ROUNDS * ENTRIES
    # The claim's conditional UPDATE decided at least one round (both processes had read
    # the entries as free), and said so with its code.
    conflicts = [detail for _, kind, detail in outcomes if kind == "Conflict"]
    assert conflicts and all(code == "time_taken" for code in conflicts), outcomes
