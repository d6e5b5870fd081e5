"""The credential vault's tables: each agency's data keys (wrapped by a master key) and the
entries holding a client's credentials, their secret encrypted by the agency's data key.

Only the secret is encrypted; the name, address, user name and notes of an entry are
ordinary text (people search and read them), so a password belongs in the secret, never in
the notes."""

from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clients.models import Client
from app.core.clock import utcnow
from app.core.db import UTCDateTime
from app.core.tenancy import TenantScoped
from app.extensions import db

NAME_MAX = 200
URL_MAX = 2000
USERNAME_MAX = 320
UID_MAX = 32


def new_uid() -> str:
    """A random public id for an entry (22 URL-safe characters): links never show row ids."""
    return secrets.token_urlsafe(16)


class VaultKey(TenantScoped, db.Model):
    """One version of an agency's data key, wrapped (nonce + ciphertext) by the master key
    `master_key_id`. The agency's highest version is the active one (new secrets use it);
    older versions still decrypt until a rotation has moved their entries, then they are
    retired (and kept, so a secret written during the rotation still reads)."""

    __tablename__ = "vault_keys"
    # One row per version: two processes creating the first key, or rotating at once,
    # collide here instead of making two active keys.
    __table_args__ = (sa.UniqueConstraint("agency_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(sa.Integer)
    wrapped_key: Mapped[bytes] = mapped_column(sa.LargeBinary)
    master_key_id: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class VaultEntry(TenantScoped, db.Model):
    """A credential of a client: where (name, url), who (username) and the secret, stored
    only as nonce + ciphertext under data key version `key_version`. Write and read the
    secret through app.vault.services (store_secret / reveal_secret)."""

    __tablename__ = "vault_entries"
    # Rotation walks one agency's entries of older key versions.
    __table_args__ = (sa.Index("ix_vault_entries_agency_key_version", "agency_id", "key_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(
        sa.ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    uid: Mapped[str] = mapped_column(sa.String(UID_MAX), unique=True, default=new_uid)
    name: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    url: Mapped[str | None] = mapped_column(sa.String(URL_MAX))
    username: Mapped[str | None] = mapped_column(sa.String(USERNAME_MAX))
    secret_ciphertext: Mapped[bytes] = mapped_column(sa.LargeBinary)
    key_version: Mapped[int] = mapped_column(sa.Integer)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    client: Mapped[Client] = relationship()

    def __repr__(self) -> str:
        # Never the ciphertext: reprs end up in logs and error reports.
        return f"<VaultEntry {self.uid} client={self.client_id} key=v{self.key_version}>"
