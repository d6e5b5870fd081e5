"""Vault test helpers: agencies with clients, and entries with a stored secret."""

from __future__ import annotations

import base64
import os
from typing import NamedTuple

import pytest

from app.core.tenancy import tenant
from app.extensions import db
from app.vault.models import VaultEntry
from app.vault.services import store_secret
from tests.factories import AgencyFactory, ClientFactory


def new_master_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def make_entry(client: Ref, secret: str, name: str = "Bank portal", **fields) -> VaultEntry:
    """An entry of `client` holding `secret`, flushed, made as the client's agency."""
    with tenant(client.agency_id):
        entry = VaultEntry(client_id=client.id, name=name, **fields)
        store_secret(entry, secret)
        db.session.add(entry)
        db.session.flush()
    return entry


class Ref(NamedTuple):
    """A made row by value (tests expunge the session; ORM objects would go stale)."""

    id: int
    agency_id: int
    slug: str = ""


@pytest.fixture
def agencies() -> dict[str, Ref]:
    """Two agencies: A with two clients, B with one."""
    a, b = AgencyFactory(name="Northwind Assist"), AgencyFactory(name="Bluebird Helpers")
    clients = {
        "a1": ClientFactory(agency=a, name="Alder Bakery"),
        "a2": ClientFactory(agency=a, name="Birch Dental"),
        "b1": ClientFactory(agency=b, name="Cedar Law"),
    }
    refs = {key: Ref(agency.id, agency.id, agency.slug) for key, agency in (("a", a), ("b", b))}
    refs.update({key: Ref(c.id, c.agency_id) for key, c in clients.items()})
    return refs
