"""The agency: Baton's tenant. Everything an agency owns carries its id."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import utcnow
from app.core.db import UTCDateTime
from app.extensions import db


class Agency(db.Model):
    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(63), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    time_zone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    base_currency: Mapped[str] = mapped_column(sa.String(3), default="USD")
    locale: Mapped[str] = mapped_column(sa.String(16), default="en")
    reply_to_email: Mapped[str | None] = mapped_column(sa.String(254))
    require_owner_2fa: Mapped[bool] = mapped_column(default=False)
    # Costs (what the agency pays its people) are the owners' and each person's own; managers
    # see them too when this is on (set on the time-billing settings page, app.rates).
    managers_see_costs: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<Agency {self.slug}>"
