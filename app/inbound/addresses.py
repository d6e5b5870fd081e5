"""Intake addresses: `requests+<token>@<INBOUND_DOMAIN>`, one per client.

The token is 120 random bits in lower-case base32 (24 characters), so an address cannot be
guessed, and mail systems that fold the case of local parts do not break it. It is stored
as it is because the client page shows the full address; rotating it makes the old address
unknown at once (the receiver refuses it at RCPT).
"""

from __future__ import annotations

import base64
import secrets
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app

from app.audit.services import record
from app.clients.models import Client
from app.core.clock import utcnow
from app.core.permissions import Actor
from app.core.tenancy import all_tenants
from app.extensions import db
from app.inbound.models import IntakeAddress

LOCAL_PREFIX = "requests+"


def new_token() -> str:
    return base64.b32encode(secrets.token_bytes(15)).decode().lower()


def inbound_domain() -> str:
    """INBOUND_DOMAIN, else the host of BASE_URL."""
    configured = current_app.config.get("INBOUND_DOMAIN")
    if configured:
        return configured.lower()
    return (urlsplit(current_app.config["BASE_URL"]).hostname or "localhost").lower()


def address_of(token: str) -> str:
    return f"{LOCAL_PREFIX}{token}@{inbound_domain()}"


def intake_address_for(client: Client) -> IntakeAddress:
    """The client's address, made on first use (flush, never commit)."""
    found = db.session.scalar(sa.select(IntakeAddress).where(IntakeAddress.client_id == client.id))
    if found is None:
        found = IntakeAddress(agency_id=client.agency_id, client_id=client.id, token=new_token())
        db.session.add(found)
        db.session.flush()
    return found


def rotate_intake_address(actor: Actor, client: Client) -> IntakeAddress:
    """Give the client a new address; mail to the old one is refused from now on."""
    existing = db.session.scalar(
        sa.select(IntakeAddress).where(IntakeAddress.client_id == client.id)
    )
    address = intake_address_for(client)
    if existing is not None:
        address.token = new_token()
        address.rotated_at = utcnow()
        db.session.flush()
    record(actor, "intake_address.rotated", client, summary=f"New intake address for {client.name}")
    return address


def token_of(recipient: str) -> str | None:
    """The token of `requests+<token>@<our domain>`, or None for any other address."""
    local, at, domain = recipient.strip().strip("<>").rpartition("@")
    if not at or domain.lower() != inbound_domain():
        return None
    if not local.lower().startswith(LOCAL_PREFIX):
        return None
    token = local[len(LOCAL_PREFIX) :].lower()
    return token if token.isalnum() and 16 <= len(token) <= 40 else None


def find_intake_address(token: str) -> IntakeAddress | None:
    """The address with this token in any agency (the receiver knows no tenant yet)."""
    with all_tenants():
        return db.session.scalar(sa.select(IntakeAddress).where(IntakeAddress.token == token))
