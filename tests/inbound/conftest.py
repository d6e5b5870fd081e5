"""Fixtures of the requests-by-email tests: an app whose data is committed for real (the
receiver answers from its own threads), a desk with an intake address, and a real
receiver (aiosmtpd, LMTP unless asked for SMTP) on a free port."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from app.core.tenancy import tenant
from app.extensions import db
from app.inbound.addresses import address_of, intake_address_for
from app.inbound.receiver import make_controller
from tests.factories import ClientFactory, MembershipFactory
from tests.helpers import committed_app
from tests.work.support import Desk, api, make_desk, web
from tests.workers.conftest import free_port

DOMAIN = "mail.agency.test"
CONFIG = {
    "INBOUND_DOMAIN": DOMAIN,
    "INBOUND_MAX_BYTES": 200_000,
    "EVIDENCE_MAX_BYTES": 50_000,
    "MAIL_FROM": "desk@agency.test",
    "BASE_URL": "https://baton.agency.test",
}


@dataclass
class Intake:
    """Plain values of the desk (its objects expire as the tests read committed rows)."""

    desk: Desk
    address: str
    contact_email: str
    agency_id: int
    slug: str
    client_id: int
    contact_member_id: int
    staff_emails: list[str]
    owner_web: Any
    manager_web: Any
    va_web: Any
    contact_web: Any
    stranger_web: Any  # the contact of another client of the agency
    owner_api: Any
    va_api: Any
    contact_api: Any
    stranger_api: Any


@pytest.fixture
def inbound_app(app, database_url, storage_dir):
    with committed_app(database_url, STORAGE_DIR=storage_dir, **CONFIG) as real:
        yield real


@pytest.fixture
def intake(inbound_app) -> Intake:
    desk = make_desk()
    with tenant(desk.agency.id):
        address = address_of(intake_address_for(desk.client).token)
    other = ClientFactory(agency=desk.agency, name="Other Client")
    stranger = MembershipFactory(agency=desk.agency, role="client", client_id=other.id)
    values = Intake(
        desk=desk,
        address=address,
        contact_email=desk.contact.user.email,
        agency_id=desk.agency.id,
        slug=desk.slug,
        client_id=desk.client.id,
        contact_member_id=desk.contact.id,
        staff_emails=sorted([desk.owner.user.email, desk.manager.user.email]),
        owner_web=web(inbound_app, desk.owner),
        manager_web=web(inbound_app, desk.manager),
        va_web=web(inbound_app, desk.va),
        contact_web=web(inbound_app, desk.contact),
        stranger_web=web(inbound_app, stranger),
        owner_api=api(inbound_app, desk.owner),
        va_api=api(inbound_app, desk.va),
        contact_api=api(inbound_app, desk.contact),
        stranger_api=api(inbound_app, stranger),
    )
    db.session.commit()
    return values


@pytest.fixture
def receiver(inbound_app) -> Iterator[int]:
    """A LMTP receiver in this process; yields its port."""
    port = free_port()
    controller = make_controller(inbound_app, "127.0.0.1", port, lmtp=True)
    controller.start()
    yield port
    controller.stop()


@pytest.fixture
def smtp_receiver(inbound_app) -> Iterator[int]:
    port = free_port()
    controller = make_controller(inbound_app, "127.0.0.1", port, lmtp=False)
    controller.start()
    yield port
    controller.stop()
