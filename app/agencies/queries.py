"""Read side of agencies."""

from __future__ import annotations

import sqlalchemy as sa

from app.agencies.models import Agency
from app.extensions import db


def get_agency_by_slug(slug: str) -> Agency | None:
    return db.session.scalar(sa.select(Agency).where(Agency.slug == slug))
