"""Helpers of the SOP tests: a valid SOP as text or data, services run as a member, and
fresh copies of rows."""

from __future__ import annotations

import copy

import sqlalchemy as sa
import yaml
from sqlalchemy.orm import joinedload

from app.core.permissions import Actor
from app.core.tenancy import all_tenants
from app.extensions import db
from app.sops.models import Sop, SopVersion
from app.users.models import Membership

VALID = {
    "slug": "test-sop",
    "title": "Test SOP",
    "version": "1.0",
    "description": "An SOP for tests.",
    "roles": ["va", "qa"],
    "client_approval": False,
    "stages": [
        {
            "key": "prepare",
            "title": "Prepare",
            "due_offset_days": 1,
            "items": [
                {
                    "key": "gather",
                    "text": "Gather the inputs",
                    "required": True,
                    "evidence": "note",
                    "estimate_minutes": 15,
                },
                {
                    "key": "check",
                    "text": "Check the inputs",
                    "required": False,
                    "evidence": "none",
                    "estimate_minutes": 5,
                },
            ],
        },
        {
            "key": "deliver",
            "title": "Deliver",
            "due_offset_days": 3,
            "items": [
                {
                    "key": "deliverable",
                    "text": "Link the deliverable",
                    "required": True,
                    "evidence": "link",
                    "estimate_minutes": 60,
                }
            ],
        },
    ],
    "rubric": [
        {"key": "complete", "text": "Complete", "kind": "pass_fail"},
        {"key": "quality", "text": "Quality", "kind": "score", "pass_mark": 4},
    ],
}


def valid_data(**changes) -> dict:
    data = copy.deepcopy(VALID)
    data.update(changes)
    return data


def to_yaml(data: dict) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def valid_yaml(**changes) -> str:
    return to_yaml(valid_data(**changes))


def actor_of(membership: Membership) -> Actor:
    return Actor(user=membership.user, agency=membership.agency, membership=membership)


def fetch_sop(sop_id: int) -> Sop:
    with all_tenants():
        return db.session.scalar(
            sa.select(Sop)
            .where(Sop.id == sop_id)
            .options(joinedload(Sop.current_version))
            .execution_options(populate_existing=True)
        )


def versions_of(sop_id: int) -> list[SopVersion]:
    with all_tenants():
        return list(
            db.session.scalars(
                sa.select(SopVersion)
                .where(SopVersion.sop_id == sop_id)
                .order_by(SopVersion.number)
                .execution_options(populate_existing=True)
            )
        )


def sops_of(agency_id: int) -> list[Sop]:
    with all_tenants():
        return list(
            db.session.scalars(
                sa.select(Sop)
                .where(Sop.agency_id == agency_id)
                .options(joinedload(Sop.current_version))
                .order_by(Sop.slug)
                .execution_options(populate_existing=True)
            )
        )
