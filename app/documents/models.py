"""Stored invoice PDF versions and the agency's document branding."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import utcnow
from app.core.db import UTCDateTime
from app.core.tenancy import TenantScoped
from app.extensions import db

BUNDLED_FONTS = ("DejaVu Sans", "Noto Sans", "Noto Serif")


class InvoiceDocument(TenantScoped, db.Model):
    """A rendered PDF of an invoice (a new version each time it is rendered)."""

    __tablename__ = "invoice_documents"
    __table_args__ = (sa.UniqueConstraint("invoice_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(sa.ForeignKey("invoices.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column()
    storage_key: Mapped[str] = mapped_column(sa.String(300))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Branding(TenantScoped, db.Model):
    __tablename__ = "brandings"
    __table_args__ = (sa.UniqueConstraint("agency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    logo_key: Mapped[str | None] = mapped_column(sa.String(300))
    logo_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    logo_content_type: Mapped[str | None] = mapped_column(sa.String(40))
    primary_color: Mapped[str] = mapped_column(sa.String(7), default="#4f46e5")
    accent_color: Mapped[str] = mapped_column(sa.String(7), default="#f59e0b")
    font: Mapped[str] = mapped_column(sa.String(40), default="DejaVu Sans")
    address: Mapped[str | None] = mapped_column(sa.Text)
    tax_id: Mapped[str | None] = mapped_column(sa.String(60))
    bank_details: Mapped[str | None] = mapped_column(sa.Text)
    paypal_url: Mapped[str | None] = mapped_column(sa.String(300))
    wise_url: Mapped[str | None] = mapped_column(sa.String(300))
    footer_text: Mapped[str | None] = mapped_column(sa.String(500))
