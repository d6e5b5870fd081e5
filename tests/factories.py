"""factory_boy factories; each derives its agency from its parent, never from a constant."""

from __future__ import annotations

import datetime as dt
import functools

import factory
from factory.alchemy import SQLAlchemyModelFactory

from app.agencies.models import Agency
from app.clients.models import Assignment, Client, Contact, ServicePackage
from app.core.security import hash_password
from app.core.tenancy import all_tenants
from app.extensions import db
from app.users.models import Membership, User

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
