"""The audit log in a real browser: 25 entries of everyday changes (clients and invoices
created with all their fields, edits) fit in a few screens, not the 5,900 px they took
when every recorded column had a table row of its own."""

from __future__ import annotations

import datetime as dt

import pytest

from app.audit.models import AuditEvent
from app.core.tenancy import all_tenants
from app.extensions import db
from tests.browser.test_work_loop import Person
from tests.factories import AgencyFactory, ClientFactory, MembershipFactory, UserFactory

CLIENT_AFTER = {
    "name": "Atlas Logistics", "time_zone": "Europe/Berlin", "currency": "EUR",
    "locale": "de_DE", "country": "DE", "status": "onboarding",
    "channels": {"urgent": "phone", "routine": "email", "approvals": "portal"},
    "deposit_percent": 50, "net_days": 14, "response_time_hours": 24,
    "service_package_id": None, "bill_rate_minor": 4500,
    "notes": "Prefers short weekly summaries; the operations lead approves every post. " * 3,
}  # fmt: skip
INVOICE_AFTER = {
    "client_id": None, "kind": "invoice", "number": None, "status": "draft",
    "currency": "EUR", "locale": "de_DE", "client_time_zone": "Europe/Berlin",
    "rounding": "per_line", "period_label": "March 2026", "issue_date": None,
    "due_date": None, "net_days": 14, "is_deposit": False, "deposit_invoice_id": None,
    "subtotal_minor": 90000, "tax_minor": 17100, "total_minor": 107100, "paid_minor": 0,
}  # fmt: skip


@pytest.mark.no_db
def test_25_entries_of_the_audit_log_fit_in_a_few_screens(live_server, browser):
    agency = AgencyFactory(name="Height Agency", slug="height-agency")
    owner = MembershipFactory(agency=agency, role="owner", user=UserFactory(name="Olivia"))
    client = ClientFactory(agency=agency, name="Atlas Logistics", currency="EUR")
    start = dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)
    kinds = [
        ("client.created", "clients", None, CLIENT_AFTER),
        ("invoice.created", "invoices", None, {**INVOICE_AFTER, "client_id": client.id}),
        ("client.updated", "clients", {"net_days": 14}, {"net_days": 30}),
        (
            "invoice.updated",
            "invoices",
            {"subtotal_minor": 90000, "total_minor": 107100},
            {"subtotal_minor": 100000, "total_minor": 119000},
        ),
        ("contact.created", "contacts", None, {"name": "Hana", "email": "hana@atlas.test"}),
    ]
    with all_tenants():
        for n in range(25):
            action, entity, before, after = kinds[n % len(kinds)]
            db.session.add(
                AuditEvent(
                    agency_id=agency.id, at=start + dt.timedelta(minutes=n),
                    actor_user_id=owner.user_id, actor_label=f"Olivia <{owner.user.email}>",
                    action=action, entity_type=entity, entity_id=client.id,
                    summary=f"{action} {n}", before=before, after=after, ip="203.0.113.7",
                )
            )  # fmt: skip
        db.session.commit()
    person = Person(browser, live_server, owner.user.email)
    person.go(f"/{agency.slug}/audit")
    height = person.page.evaluate(
        "document.querySelector('[data-testid=audit-table]').getBoundingClientRect().height"
    )
    print(f"\n25 audit entries at 1280 px wide: {height:.0f} px")
    assert person.page.locator("[data-event-id]").count() == 25
    assert height < 2600, height  # 4,900 px before (one table row per column)
