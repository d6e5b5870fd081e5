"""factory_boy factories; each derives its agency from its parent, never from a constant."""

from __future__ import annotations

import copy
import datetime as dt
import functools
import hashlib
import json

import factory
from factory.alchemy import SQLAlchemyModelFactory

from app.agencies.models import Agency
from app.clients.models import Assignment, Client, Contact, ServicePackage
from app.core.security import hash_password
from app.core.tenancy import all_tenants
from app.extensions import db
from app.invoices.models import Invoice
from app.sops.models import Sop, SopVersion
from app.users.models import Membership, User
from app.work.models import ChecklistState, WorkItem

PASSWORD = "correct-horse-battery"


@functools.cache
def password_hash() -> str:
    return hash_password(PASSWORD)


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Test set-up writes across agencies on purpose; the app never does this.
        with all_tenants():
            return super()._create(model_class, *args, **kwargs)


class AgencyFactory(Base):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Agency {n}")
    slug = factory.Sequence(lambda n: f"agency-{n}")
    time_zone = "Europe/London"
    base_currency = "USD"


class UserFactory(Base):
    class Meta:
        model = User

    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"person{n}@example.test")
    password_hash = factory.LazyFunction(password_hash)
    time_zone = "UTC"


class MembershipFactory(Base):
    class Meta:
        model = Membership

    agency = factory.SubFactory(AgencyFactory)
    user = factory.SubFactory(UserFactory)
    role = "va"
    status = "active"

    @factory.lazy_attribute
    def agency_id(self):
        return self.agency.id

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        kwargs.pop("agency", None)
        return kwargs


class ServicePackageFactory(Base):
    class Meta:
        model = ServicePackage

    agency = factory.SubFactory(AgencyFactory)
    agency_id = factory.LazyAttribute(lambda o: o.agency.id)
    name = factory.Sequence(lambda n: f"Package {n}")
    pricing = "fixed"
    price_minor = 50000
    currency = "USD"

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        kwargs.pop("agency", None)
        return kwargs


class ClientFactory(Base):
    class Meta:
        model = Client

    agency = factory.SubFactory(AgencyFactory)
    agency_id = factory.LazyAttribute(lambda o: o.agency.id)
    name = factory.Sequence(lambda n: f"Client {n:04d}")
    time_zone = "America/New_York"
    currency = "USD"
    locale = "en"
    country = "US"
    status = "active"
    channels = factory.LazyFunction(lambda: {"urgent": "phone", "routine": "email"})
    bill_rate_minor = 4500

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        kwargs.pop("agency", None)
        return kwargs


class ContactFactory(Base):
    class Meta:
        model = Contact

    client = factory.SubFactory(ClientFactory)
    agency_id = factory.LazyAttribute(lambda o: o.client.agency_id)
    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"contact{n}@client.test")
    preferred_channel = "email"


class AssignmentFactory(Base):
    """A VA assigned to a client of the same agency (the membership is made in it)."""

    class Meta:
        model = Assignment

    client = factory.SubFactory(ClientFactory)
    agency_id = factory.LazyAttribute(lambda o: o.client.agency_id)
    membership = factory.LazyAttribute(
        lambda o: MembershipFactory(agency=db.session.get(Agency, o.client.agency_id), role="va")
    )
    kind = "primary"
    starts_on = factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=30))


# --- SOPs and work items ----------------------------------------------------------------

DEFAULT_SOP_DEFINITION = {
    "slug": "monthly-report",
    "title": "Monthly report",
    "version": "1",
    "description": "Prepare and send the monthly report.",
    "roles": ["va", "qa"],
    "client_approval": False,
    "stages": [
        {
            "key": "prepare",
            "title": "Prepare",
            "due_offset_days": 1,
            "description": None,
            "items": [
                {
                    "key": "collect",
                    "text": "Collect the figures",
                    "required": True,
                    "evidence": "none",
                    "estimate_minutes": 30,
                },
                {
                    "key": "draft",
                    "text": "Link the draft",
                    "required": True,
                    "evidence": "link",
                    "estimate_minutes": 60,
                },
            ],
        },
        {
            "key": "send",
            "title": "Send",
            "due_offset_days": 2,
            "description": None,
            "items": [
                {
                    "key": "report",
                    "text": "Attach the report",
                    "required": True,
                    "evidence": "file",
                    "estimate_minutes": 20,
                },
                {
                    "key": "notes",
                    "text": "Note anything unusual",
                    "required": False,
                    "evidence": "note",
                    "estimate_minutes": 10,
                },
            ],
        },
    ],
    "rubric": [
        {"key": "accurate", "text": "Figures are accurate", "kind": "pass_fail", "pass_mark": None},
        {"key": "clear", "text": "Clearly written", "kind": "score", "pass_mark": 4},
    ],
}


class SopFactory(Base):
    """An SOP of an agency (give it a version with SopVersionFactory)."""

    class Meta:
        model = Sop

    agency = factory.SubFactory(AgencyFactory)
    agency_id = factory.LazyAttribute(lambda o: o.agency.id)
    slug = factory.Sequence(lambda n: f"sop-{n}")
    title = factory.Sequence(lambda n: f"SOP {n}")
    source = "app"

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        kwargs.pop("agency", None)
        return kwargs


class SopVersionFactory(Base):
    """A version of an SOP (same agency), made its SOP's current version unless
    `current=False`."""

    class Meta:
        model = SopVersion

    sop = factory.SubFactory(SopFactory)
    agency_id = factory.LazyAttribute(lambda o: o.sop.agency_id)
    number = factory.Sequence(lambda n: n + 1)
    definition = factory.LazyFunction(lambda: copy.deepcopy(DEFAULT_SOP_DEFINITION))
    content_hash = factory.LazyAttribute(
        lambda o: hashlib.sha256(
            f"{o.number}:{json.dumps(o.definition, sort_keys=True)}".encode()
        ).hexdigest()
    )
    yaml_text = factory.LazyAttribute(lambda o: json.dumps(o.definition))

    @factory.post_generation
    def current(obj, create, extracted, **kwargs):  # noqa: N805 - factory_boy hook
        if extracted is False or not create:
            return
        with all_tenants():
            sop = db.session.get(Sop, obj.sop_id)
            sop.current_version_id = obj.id
            db.session.flush()


class WorkItemFactory(Base):
    """A work item on a client (same agency) from an SOP version of that agency, with the
    checklist copied from the version (`checklist=False` to skip)."""

    class Meta:
        model = WorkItem

    client = factory.SubFactory(ClientFactory)
    agency_id = factory.LazyAttribute(lambda o: o.client.agency_id)
    sop_version = factory.LazyAttribute(
        lambda o: SopVersionFactory(
            sop=SopFactory(agency=db.session.get(Agency, o.client.agency_id))
        )
    )
    title = factory.Sequence(lambda n: f"Work item {n}")
    state = "todo"
    urgent = False
    important = True
    due_at = factory.LazyFunction(lambda: dt.datetime.now(dt.UTC) + dt.timedelta(days=3))
    estimate_minutes = 120

    @factory.post_generation
    def checklist(obj, create, extracted, **kwargs):  # noqa: N805 - factory_boy hook
        if extracted is False or not create:
            return
        position = 0
        with all_tenants():
            version = db.session.get(SopVersion, obj.sop_version_id)
            for stage in version.definition["stages"]:
                for entry in stage["items"]:
                    position += 1
                    db.session.add(
                        ChecklistState(
                            agency_id=obj.agency_id,
                            work_item_id=obj.id,
                            position=position,
                            stage_key=stage["key"],
                            item_key=entry["key"],
                            text=entry["text"],
                            required=entry.get("required", True),
                            evidence_kind=entry.get("evidence", "none"),
                        )
                    )
            db.session.flush()


# --- invoices ------------------------------------------------------------------------------


class InvoiceFactory(Base):
    """An issued and sent invoice of a client (same agency): 1,000.00 in the client's
    currency, issued today and due in 15 days (in the client's zone). For a draft pass
    `status="draft", number=None, issued_at=None`."""

    class Meta:
        model = Invoice

    client = factory.SubFactory(ClientFactory)
    agency_id = factory.LazyAttribute(lambda o: o.client.agency_id)
    kind = "invoice"
    number = factory.Sequence(lambda n: f"INV-2026-{n + 1:05d}")
    status = "sent"
    currency = factory.LazyAttribute(lambda o: o.client.currency)
    locale = factory.LazyAttribute(lambda o: o.client.locale or "en")
    client_time_zone = factory.LazyAttribute(lambda o: o.client.time_zone)
    issue_date = factory.LazyFunction(dt.date.today)
    due_date = factory.LazyAttribute(lambda o: o.issue_date + dt.timedelta(days=o.net_days))
    net_days = 15
    subtotal_minor = 100000
    tax_minor = 0
    total_minor = 100000
    paid_minor = 0
    issued_at = factory.LazyFunction(lambda: dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
