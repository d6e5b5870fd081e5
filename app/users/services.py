"""Write side of the users domain: sign-up, sign-in, memberships.

Services take the actor explicitly, flush but never commit, and record audit events.
"""

from __future__ import annotations

import sqlalchemy as sa

from app.agencies.models import Agency
from app.agencies.services import create_agency
from app.audit.services import record
from app.core.errors import ValidationFailed
from app.core.permissions import Actor
from app.core.security import hash_password, needs_rehash, verify_password
from app.core.tenancy import all_tenants, tenant
from app.extensions import db
from app.users.models import Membership, User


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))


def signup(data: dict, *, ip: str | None = None) -> tuple[User, Agency, Membership]:
    """Create an agency and its owner. An existing account may not be claimed this way."""
    email = normalize_email(data["email"])
    if find_user_by_email(email) is not None:
        raise ValidationFailed(
            {"email": ["An account with this email exists. Sign in, then create the agency."]}
        )
    user = User(
        email=email,
        name=data["name"],
        password_hash=hash_password(data["password"]),
        time_zone=data.get("time_zone") or "UTC",
    )
    db.session.add(user)
    agency = create_agency(data["agency_name"], time_zone=user.time_zone)
    db.session.flush()
    with tenant(agency.id):
        membership = Membership(agency_id=agency.id, user_id=user.id, role="owner")
        db.session.add(membership)
        db.session.flush()
        actor = Actor(user=user, agency=agency, membership=membership, ip=ip)
        record(
            actor,
            "agency.created",
            agency,
            summary=f"Agency {agency.name} created",
            after={"name": agency.name, "slug": agency.slug},
        )
        record(
            actor,
            "member.added",
            membership,
            summary=f"{user.email} joined as owner",
            after={"user_id": user.id, "role": "owner"},
        )
        db.session.flush()
    return user, agency, membership


def authenticate(email: str, password: str) -> User | None:
    """The user for these credentials, or None. Same work whether or not the email exists."""
    user = find_user_by_email(email)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None:
        return None
    if not active_memberships(user):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def active_memberships(user: User) -> list[Membership]:
    """The person's active memberships in every agency (explicitly cross-tenant)."""
    with all_tenants():
        rows = db.session.scalars(
            sa.select(Membership)
            .join(Agency, Agency.id == Membership.agency_id)
            .where(Membership.user_id == user.id, Membership.status == "active")
            .order_by(Agency.name)
        ).all()
    return list(rows)
