"""`flask vault ...`: key operations of the credential vault.

`rewrap-keys` moves every agency's data keys under the active master key (run it after
putting a new master key first in BATON_VAULT_MASTER_KEYS, then remove the old one);
`rotate-data-key --agency <slug>` gives one agency a new data key and re-encrypts its
entries. An unknown agency prints a message and exits with status 2; a key that cannot be
used (a master key already removed) prints the reason and exits with status 1.
"""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from app.agencies.models import Agency
from app.extensions import db
from app.vault.crypto import VaultError
from app.vault.services import rewrap_data_keys, rotate_data_key

EXIT_FAILED = 1
EXIT_INVALID = 2

vault_cli = AppGroup("vault", help="Credential vault: re-wrap and rotate encryption keys.")


def _agency_id(slug: str) -> int:
    agency_id = db.session.scalar(sa.select(Agency.id).where(Agency.slug == slug))
    if agency_id is None:
        click.echo(f"No agency with the slug {slug!r}.", err=True)
        raise SystemExit(EXIT_INVALID)
    return agency_id


@vault_cli.command("rewrap-keys")
@click.option("--agency", "agency_slug", default=None, help="Only this agency (its slug).")
def rewrap_keys(agency_slug: str | None) -> None:
    """Re-wrap data keys under the active master key, so older master keys can be removed."""
    agency_id = _agency_id(agency_slug) if agency_slug else None
    try:
        changed = rewrap_data_keys(agency_id)
    except VaultError as exc:
        click.echo(f"Nothing more re-wrapped: {exc}", err=True)
        raise SystemExit(EXIT_FAILED) from None
    click.echo(f"{changed} data keys re-wrapped under the active master key.")


@vault_cli.command("rotate-data-key")
@click.option("--agency", "agency_slug", required=True, help="The agency (its slug).")
@click.option("--batch", default=500, show_default=True, type=click.IntRange(min=1))
def rotate(agency_slug: str, batch: int) -> None:
    """Give an agency a new data key and re-encrypt its entries, `batch` per commit."""
    agency_id = _agency_id(agency_slug)
    try:
        result = rotate_data_key(agency_id, batch=batch)
    except VaultError as exc:
        click.echo(f"Rotation stopped: {exc}", err=True)
        raise SystemExit(EXIT_FAILED) from None
    click.echo(
        f"Agency {agency_slug}: data key version {result.new_version}, "
        f"{result.reencrypted} entries re-encrypted."
    )
