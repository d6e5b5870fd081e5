"""Hours over a month's bank are billed once at the plan's overage rate: as a line of the
next monthly retainer draft, or as a top-up draft as soon as the month closes. Time drawn
from a bank is never also offered by the "Approved time" line source."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from app.extensions import db
from app.invoices.models import Invoice
from app.rates.billing import billable_time
from app.retainers.banks import sweep_hour_banks
from app.retainers.services import generate_retainer_drafts
from app.time.models import TimeEntry
from tests.invoices.support import fresh
from tests.retainers.support import NOW, plan_of, worked

FEB = dt.date(2026, 2, 16)


def _invoices(client_id: int) -> list[Invoice]:
    return list(
        db.session.scalars(
            sa.select(Invoice).where(Invoice.client_id == client_id).order_by(Invoice.id)
        )
    )


def _plan_over_in_february(team, owner, **data):
    plan = plan_of(owner, team.client, overage_rate_minor=5000, **data)
    plan.bank_from = "2026-02"
    worked(team, 12.5, FEB)  # 2.5 h over February's 10
    worked(team, 3)  # March, within the bank
    db.session.commit()
    return plan


def test_next_invoice_mode_adds_last_months_overage_to_the_draft_once(team, owner):
    plan = _plan_over_in_february(team, owner)
    assert generate_retainer_drafts(NOW) == {"created": 1}
    (invoice,) = _invoices(team.client.id)
    fee, over = sorted(invoice.lines, key=lambda ln: ln.position)
    assert fee.source_type == "retainer" and fee.unit_price_minor == 100000
    assert over.source_type == "retainer_overage" and over.source_id == plan.id
    assert (over.quantity, over.unit_price_minor) == (Decimal("2.5"), 5000)
    assert "February 2026" in over.description and "Inbox care" in over.description
    assert invoice.total_minor == 100000 + 12500
    assert fresh(type(plan), plan.id).overage_billed_through == "2026-02"
    # Again, and the sweep (top-ups only): nothing more.
    assert generate_retainer_drafts(NOW + dt.timedelta(days=3)) == {"created": 0}
    assert sweep_hour_banks(NOW)["top_ups"] == 0
    assert len(_invoices(team.client.id)) == 1


def test_top_up_mode_drafts_the_overage_at_once_and_only_once(team, owner):
    plan = _plan_over_in_february(team, owner, overage_mode="top_up")
    assert sweep_hour_banks(NOW)["top_ups"] == 1
    assert sweep_hour_banks(NOW + dt.timedelta(hours=1))["top_ups"] == 0
    (top_up,) = _invoices(team.client.id)
    assert top_up.status == "draft" and top_up.total_minor == 12500
    (line,) = top_up.lines
    assert line.source_type == "retainer_overage" and line.quantity == Decimal("2.5")
    # The monthly draft then carries the fee only.
    assert generate_retainer_drafts(NOW) == {"created": 1}
    monthly = _invoices(team.client.id)[-1]
    assert [ln.source_type for ln in monthly.lines] == ["retainer"]
    assert fresh(type(plan), plan.id).overage_billed_through == "2026-02"


def test_no_overage_without_a_rate_or_hours_over(team, owner):
    plan_of(owner, team.client, overage_mode="top_up")  # no rate
    worked(team, 30, FEB)
    db.session.commit()
    assert sweep_hour_banks(NOW)["top_ups"] == 0
    assert _invoices(team.client.id) == []


def test_time_drawn_from_a_bank_is_not_offered_at_the_hourly_rate(team, owner):
    inside = worked(team, 2)
    plan = plan_of(owner, team.client)
    ids = set(db.session.scalars(billable_time(team.client.id).with_only_columns(TimeEntry.id)))
    assert inside.id not in ids
    plan.bank_from = "2026-04"  # time before the bank began is billed by the hour
    assert inside.id in set(
        db.session.scalars(billable_time(team.client.id).with_only_columns(TimeEntry.id))
    )
    plan.bank_from = "2026-03"
    plan.active = False  # a paused retainer no longer takes the time
    db.session.flush()
    assert inside.id in set(
        db.session.scalars(billable_time(team.client.id).with_only_columns(TimeEntry.id))
    )


def test_banked_time_named_by_id_is_refused_with_the_reason(team, owner):
    from app.core.errors import ValidationFailed
    from app.invoices.lines import add_lines_from_source
    from tests.invoices.support import draft
    from tests.rates.support import bill_rate

    bill_rate(team.agency.id, "agency", 4000)
    banked = worked(team, 2)
    plan_of(owner, team.client)
    invoice = draft(owner, team.client)
    try:
        add_lines_from_source(owner, invoice, {"source": "time", "ids": [banked.id]})
    except ValidationFailed as exc:
        assert "retainer" in " ".join(exc.errors["ids"])
    else:
        raise AssertionError("banked time was billed at the hourly rate")
    assert fresh(TimeEntry, banked.id).invoice_id is None
