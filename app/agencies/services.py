"""Write side of agencies: creating one (with its owner) and changing its settings."""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa

from app.agencies.models import Agency
from app.audit.services import changed, record, snapshot
from app.core.permissions import Actor
from app.core.tenancy import all_tenants
from app.extensions import db


def slugify(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return (slug or "agency")[:50]


def unique_slug(name: str) -> str:
    base = slugify(name)
    slug, n = base, 1
    with all_tenants():
        while db.session.scalar(sa.select(Agency.id).where(Agency.slug == slug)) is not None:
            n += 1
            slug = f"{base}-{n}"
    return slug


def create_agency(name: str, *, time_zone: str = "UTC", base_currency: str = "USD") -> Agency:
    agency = Agency(
        name=name, slug=unique_slug(name), time_zone=time_zone, base_currency=base_currency
    )
    db.session.add(agency)
    db.session.flush()
    return agency


SETTINGS_FIELDS = (
    "name",
    "time_zone",
    "base_currency",
    "locale",
    "reply_to_email",
    "require_owner_2fa",
)


def update_agency_settings(actor: Actor, agency: Agency, data: dict) -> Agency:
    before = snapshot(agency, SETTINGS_FIELDS)
    for key, value in data.items():
        setattr(agency, key, value)
    db.session.flush()
    b, a = changed(before, snapshot(agency, SETTINGS_FIELDS))
    if a:
        record(
            actor,
            "agency.settings_changed",
            agency,
            summary="Agency settings changed",
            before=b,
            after=a,
        )
    return agency
