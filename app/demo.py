"""The demo agency seeded by `baton demo`: made-up people and clients across time zones,
with a few weeks of work (`app.demo_work`) and billing (`app.demo_billing`) behind them, all
made through the real services. Seeded once: a second run finds the agency and does nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
from collections.abc import Iterator
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app

from app.agencies.models import Agency
from app.clients.models import Assignment, Client, Contact, ServicePackage
from app.core.clock import utcnow
from app.core.mail import OutboundEmail
from app.core.money import from_minor, to_minor
from app.core.security import hash_password
from app.core.tenancy import tenant
from app.core.uow import commit
from app.demo_billing import seed_demo_billing, settle_demo_billing
from app.demo_cockpit import seed_demo_cockpit
from app.demo_rates import seed_demo_rates
from app.demo_relationship import seed_demo_relationship
from app.demo_time import seed_demo_time
from app.demo_timesheets import seed_demo_timesheets
from app.demo_work import demo_actor, seed_demo_work
from app.extensions import db
from app.fx.demo import seed_demo_exchange_rates
from app.invoices.models import Invoice
from app.payments.deposit_gate import waive_deposit
from app.sops.services import install_library
from app.users.models import Membership, User

DEMO_SLUG = "northwind-assist"
DEMO_PASSWORD = "baton-demo-2026"  # noqa: S105 - printed for the local demo only
DEMO_LOGINS = [
    ("owner", "amira@northwind.example", DEMO_PASSWORD),
    ("manager", "jonas@northwind.example", DEMO_PASSWORD),
    ("va", "priya@northwind.example", DEMO_PASSWORD),
    ("va", "mateo@northwind.example", DEMO_PASSWORD),
    ("qa", "keiko@northwind.example", DEMO_PASSWORD),
    ("client", "olivia@harbourbakery.example", DEMO_PASSWORD),
    ("client", "lena@atlaslogistics.example", DEMO_PASSWORD),
]
_NAMES = {
    "lena@atlaslogistics.example": ("Lena Vogel", "Europe/Berlin"),
    "amira@northwind.example": ("Amira Haddad", "Africa/Cairo"),
    "jonas@northwind.example": ("Jonas Weber", "Europe/Berlin"),
    "priya@northwind.example": ("Priya Nair", "Asia/Kolkata"),
    "mateo@northwind.example": ("Mateo Silva", "America/Sao_Paulo"),
    "keiko@northwind.example": ("Keiko Tanaka", "Asia/Tokyo"),
    "olivia@harbourbakery.example": ("Olivia Brown", "Australia/Sydney"),
}
_CLIENTS = [
    # name, zone, currency, locale, country, status, deposit, net, response hours
    ("Harbour Bakery", "Australia/Sydney", "AUD", "en_AU", "AU", "active", 50, 15, 24),
    ("Lumen Dental", "America/New_York", "USD", "en_US", "US", "active", 0, 30, 8),
    ("Atlas Logistics", "Europe/Berlin", "EUR", "de_DE", "DE", "onboarding", 50, 14, 24),
    ("Nile Crafts", "Africa/Cairo", "EGP", "ar_EG", "EG", "active", 30, 15, 24),
    ("Sakura Studio", "Asia/Tokyo", "JPY", "ja_JP", "JP", "prospect", 0, 30, 48),
    ("Pampas Coffee Co.", "America/Sao_Paulo", "BRL", "pt_BR", "BR", "paused", 0, 15, 24),
]


# Rough rates from USD for the demo catalogue: each client's package is priced in the
# client's own currency (a package in another currency could not be billed to it).
_DEMO_RATES = {"USD": 1, "AUD": 1.5, "EUR": 0.9, "EGP": 50, "JPY": 150, "BRL": 5}


def _package_in(template: ServicePackage, currency: str, catalogue: list) -> ServicePackage:
    """The catalogue's version of `template` priced in `currency`, added on first use."""
    if template.currency == currency:
        return template
    name = f"{template.name} ({currency})"
    for package in catalogue:
        if package.name == name:
            return package
    major = round(
        from_minor(template.price_minor, template.currency) * Decimal(str(_DEMO_RATES[currency])),
        -1,
    )
    package = ServicePackage(
        name=name,
        pricing=template.pricing,
        price_minor=to_minor(major, currency),
        currency=currency,
        description=template.description,
    )
    catalogue.append(package)
    db.session.add(package)
    return package


@contextlib.contextmanager
def _history_jobs() -> Iterator[None]:
    """The seeded history's jobs run here and now, whatever the set-up (`flask seed-demo`
    may run with Redis): its invoices must be sent before it records their payments. Its
    dozens of emails (to made-up addresses, some with PDFs) are history, not news: no SMTP
    server is used for them and the log, where emails go without one, stays quiet, so the
    start-up banner is not buried. The email rows and jobs finish as usual."""
    mail_log = logging.getLogger("baton.mail")
    level, config = mail_log.level, current_app.config
    saved = {key: config.get(key) for key in ("REDIS_URL", "SMTP_URL")}
    mail_log.setLevel(logging.ERROR)
    config.update(dict.fromkeys(saved))
    try:
        yield
    finally:
        mail_log.setLevel(level)
        config.update(saved)


def _portal_contact(client: Client, email: str, role: str, pw: str) -> Membership:
    """A contact of `client` with a portal login (the demo password)."""
    name, zone = _NAMES[email]
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        user = User(email=email, name=name, time_zone=zone, password_hash=pw)
        db.session.add(user)
        db.session.flush()
    membership = Membership(user_id=user.id, role="client", client_id=client.id)
    db.session.add(membership)
    db.session.flush()
    db.session.add(
        Contact(
            client_id=client.id,
            name=name,
            email=email,
            role=role,
            preferred_channel="email",
            membership_id=membership.id,
        )
    )
    return membership


def _settled_deposits(agency: Agency, clients: list[Client]) -> None:
    """Deposit terms in the demo: the active clients paid theirs before the agency used
    Baton, and the owner let Atlas Logistics' onboarding start while its deposit invoice is
    due. Each is an owner's waiver with its reason (the billing page shows it)."""
    owner = demo_actor(agency, "amira@northwind.example")
    reasons = {
        "active": "Deposit paid before the agency moved to Baton.",
        "onboarding": "Onboarding may start now: the deposit invoice is issued and due soon.",
    }
    for client in clients:
        if client.deposit_percent and client.status in reasons:
            waive_deposit(owner, client, reasons[client.status])


def _onboarding(agency: Agency, clients: list[Client]) -> None:
    """The onboarding clients' runs, as if the owner had just set their status: the
    `client-onboarding` work item, the contact's portal invitation and the welcome packet
    (rendered and emailed with the other history jobs)."""
    from app.onboarding.services import start_onboarding

    owner = demo_actor(agency, "amira@northwind.example")
    for client in clients:
        if client.status == "onboarding":
            start_onboarding(owner, client)


def seed_demo_agency(force: bool = False) -> bool:
    """Create the demo agency unless it exists; returns whether it was created."""
    exists = db.session.scalar(sa.select(Agency.id).where(Agency.slug == DEMO_SLUG))
    if exists and not force:
        return False
    started = time.perf_counter()
    agency = Agency(
        slug=DEMO_SLUG if not exists else f"{DEMO_SLUG}-{utcnow():%H%M%S}",
        name="Northwind Assist",
        time_zone="Europe/London",
        base_currency="USD",
        reply_to_email="hello@northwind.example",
    )
    db.session.add(agency)
    db.session.flush()
    pw = hash_password(DEMO_PASSWORD)
    with tenant(agency.id):
        packages = [
            ServicePackage(
                name="Inbox & calendar care",
                pricing="retainer",
                price_minor=90000,
                currency="USD",
                description="Daily inbox zero, scheduling, travel bookings.",
            ),
            ServicePackage(
                name="Social media month",
                pricing="fixed",
                price_minor=120000,
                currency="USD",
                description="Content calendar, 12 posts, monthly report.",
            ),
            ServicePackage(
                name="Bookkeeping close",
                pricing="hourly",
                price_minor=4500,
                currency="USD",
                description="Month-end reconciliation and reports.",
            ),
        ]
        db.session.add_all(packages)
        members: dict[str, Membership] = {}
        for role, email, _ in DEMO_LOGINS:
            if role == "client":
                continue
            name, zone = _NAMES[email]
            user = db.session.scalar(sa.select(User).where(User.email == email))
            if user is None:
                user = User(email=email, name=name, time_zone=zone, password_hash=pw)
                db.session.add(user)
                db.session.flush()
            m = Membership(
                user_id=user.id,
                role=role,
                capacity_hours_week=30 if role == "va" else None,
                cost_rate_minor=1800 if role == "va" else None,
                cost_currency="USD" if role == "va" else None,
            )
            db.session.add(m)
            members[email] = m
        clients = []
        for i, (name, zone, cur, loc, country, status, dep, net, resp) in enumerate(_CLIENTS):
            c = Client(
                name=name,
                time_zone=zone,
                currency=cur,
                locale=loc,
                country=country,
                status=status,
                deposit_percent=dep,
                net_days=net,
                response_time_hours=resp,
                service_package=_package_in(packages[i % 3], cur, packages),
                bill_rate_minor=4000 + 500 * i,
                channels={
                    "urgent": "phone",
                    "routine": "email",
                    "approvals": "portal",
                    "reports": "email",
                    "billing": "email",
                },
                notes="Prefers short weekly summaries.",
            )
            db.session.add(c)
            clients.append(c)
        db.session.flush()
        vas = [members["priya@northwind.example"], members["mateo@northwind.example"]]
        today = utcnow().date()
        for i, c in enumerate(clients):
            db.session.add(
                Assignment(
                    client_id=c.id,
                    membership_id=vas[i % 2].id,
                    kind="primary",
                    starts_on=today - dt.timedelta(days=60),
                )
            )
            db.session.add(
                Assignment(
                    client_id=c.id,
                    membership_id=vas[(i + 1) % 2].id,
                    kind="backup",
                    starts_on=today - dt.timedelta(days=60),
                )
            )
            db.session.add(
                Contact(
                    client_id=c.id,
                    name=f"{c.name} office",
                    email=f"office@{c.name.split()[0].lower()}.example",
                    role="Operations",
                    preferred_channel="email",
                    is_billing=True,
                )
            )
        # The client contact with a portal login.
        email = "olivia@harbourbakery.example"
        name, zone = _NAMES[email]
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is None:
            user = User(email=email, name=name, time_zone=zone, password_hash=pw)
            db.session.add(user)
            db.session.flush()
        cm = Membership(user_id=user.id, role="client", client_id=clients[0].id)
        db.session.add(cm)
        db.session.flush()
        db.session.add(
            Contact(
                client_id=clients[0].id,
                name=name,
                email=email,
                role="Owner",
                preferred_channel="whatsapp",
                membership_id=cm.id,
            )
        )
        onboarding_contact = _portal_contact(
            next(c for c in clients if c.status == "onboarding"),
            "lena@atlaslogistics.example",
            "Operations lead",
            pw,
        )
        install_library(agency)  # the shipped SOPs
        _settled_deposits(agency, clients)
        _onboarding(agency, clients)
        work = seed_demo_work(agency)
        seed_demo_time(clients, vas)
        seed_demo_timesheets(vas[0], members["amira@northwind.example"])
        seed_demo_rates(agency, clients, vas)
        seed_demo_exchange_rates(agency)
        billing = seed_demo_billing(agency, work)
        with _history_jobs():
            commit()  # and run its jobs: emails, the invoices' PDFs (then marked sent)
        settle_demo_billing(agency, billing)
        seed_demo_cockpit(agency, clients, vas, members["amira@northwind.example"])
        seed_demo_relationship(
            agency,
            clients,
            demo_actor(agency, "amira@northwind.example"),
            cm,
            onboarding_contact,
        )
        with _history_jobs():
            commit()  # the reminder emails
        invoices = db.session.scalar(sa.select(sa.func.count(Invoice.id)))
        emails = db.session.scalar(
            sa.select(sa.func.count(OutboundEmail.id)).where(OutboundEmail.agency_id == agency.id)
        )
    print(
        f"Seeded {agency.name} in {time.perf_counter() - started:.1f} s: {len(work)} work items, "
        f"{invoices} invoices, {emails} emails of its history (not logged).",
        flush=True,
    )
    return True
