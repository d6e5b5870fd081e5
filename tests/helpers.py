"""Helpers for tests: signing in through the real login form and making API tokens."""

from __future__ import annotations

from app.core.security import new_token, token_hash
from app.core.tenancy import all_tenants
from app.extensions import db
from app.users.models import ApiToken, Membership
from tests.factories import PASSWORD, MembershipFactory


def login(client, user, password: str = PASSWORD):
    """Sign in through the login form; returns the response."""
    return client.post("/login", data={"email": user.email, "password": password})


def member(agency, role: str = "va", **kw) -> Membership:
    return MembershipFactory(agency=agency, role=role, **kw)


def api_token(membership: Membership, name: str = "test") -> str:
    """A fresh personal API token for the membership's person in its agency."""
    raw = new_token("baton_")
    with all_tenants():
        db.session.add(
            ApiToken(
                agency_id=membership.agency_id,
                user_id=membership.user_id,
                name=name,
                prefix=raw[:12],
                token_hash=token_hash(raw),
            )
        )
        db.session.flush()
    return raw


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}
