"""Shared set-up for the clients and audit tests: a team with every role, signed-in web
clients that get a fresh app context (and so a fresh session) per request, like production,
and API clients with personal tokens."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.clients.models import Client
from app.core.tenancy import all_tenants
from app.extensions import db
from app.users.models import Membership
from tests.factories import AgencyFactory, ClientFactory, MembershipFactory
from tests.helpers import api_token, bearer, login

# AgencyFactory's zone: assignments start and end on the agency's calendar days.
FACTORY_AGENCY_ZONE = "Europe/London"


def agency_today() -> dt.date:
    """Today in the factories' agency zone (what the app calls today for those agencies)."""
    return dt.datetime.now(zoneinfo.ZoneInfo(FACTORY_AGENCY_ZONE)).date()


class FreshClient(FlaskClient):
    """A test client whose every request runs in its own app context: `g` and the
    database session start empty, as they do for a real request."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def web(app: Flask, membership: Membership) -> FreshClient:
    """A browser signed in as the membership's person."""
    client = FreshClient(app, app.response_class, use_cookies=True)
    resp = login(client, membership.user)
    assert resp.status_code == 302, resp.data
    return client


@dataclass
class ApiClient:
    client: FreshClient
    headers: dict
    slug: str

    def _url(self, path: str) -> str:
        return f"/api/v1/{self.slug}{path}"

    def get(self, path: str, **kw):
        return self.client.get(self._url(path), headers=self.headers, **kw)

    def post(self, path: str, json=None, **kw):
        return self.client.post(self._url(path), json=json, headers=self.headers, **kw)

    def patch(self, path: str, json=None, **kw):
        return self.client.patch(self._url(path), json=json, headers=self.headers, **kw)

    def put(self, path: str, json=None, **kw):
        return self.client.put(self._url(path), json=json, headers=self.headers, **kw)

    def delete(self, path: str, **kw):
        return self.client.delete(self._url(path), headers=self.headers, **kw)


def api(app: Flask, membership: Membership) -> ApiClient:
    client = FreshClient(app, app.response_class, use_cookies=False)
    return ApiClient(client, bearer(api_token(membership)), membership.agency.slug)


@dataclass
class Team:
    """An agency with one member of each role and a client the client contact belongs to."""

    agency: object
    owner: Membership
    manager: Membership
    va: Membership
    qa: Membership
    contact: Membership
    client: Client

    @property
    def slug(self) -> str:
        return self.agency.slug


def make_team(**agency_kw) -> Team:
    agency = AgencyFactory(**agency_kw)
    own_client = ClientFactory(agency=agency, name="Harbour Bakery", notes="Secret internal note")
    return Team(
        agency=agency,
        owner=MembershipFactory(agency=agency, role="owner"),
        manager=MembershipFactory(agency=agency, role="manager"),
        va=MembershipFactory(agency=agency, role="va"),
        qa=MembershipFactory(agency=agency, role="qa"),
        contact=MembershipFactory(agency=agency, role="client", client_id=own_client.id),
        client=own_client,
    )


def count_rows(model, agency_id: int) -> int:
    with all_tenants():
        return db.session.scalar(
            sa.select(sa.func.count()).select_from(model).where(model.agency_id == agency_id)
        )


def fetch(model, obj_id: int):
    """A fresh copy of a row (not the stale one in the test's identity map)."""
    with all_tenants():
        return db.session.scalar(
            sa.select(model).where(model.id == obj_id).execution_options(populate_existing=True)
        )
