"""`flask sops ...`: validate the SOP files in `sops/` and load them into agencies.

`flask sops sync` is platform work across tenants, said explicitly: it lists the agencies,
then runs each one as that agency (`tenant(agency.id)`) and commits it on its own. Invalid
files are printed with every problem (file: field path: message), change nothing, and make
the command exit with status 2; the valid files are still loaded.
"""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from app.agencies.models import Agency
from app.core.permissions import Actor
from app.core.tenancy import tenant
from app.core.uow import commit
from app.extensions import db
from app.sops.services import Library, load_library, sync_library

EXIT_INVALID = 2

sops_cli = AppGroup("sops", help="SOP files: validate them and load them into agencies.")

_DIR_OPTION = click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Folder of SOP files (default: the repository's sops/).",
)


def _report_invalid(library: Library) -> None:
    for bad in library.invalid:
        for line in bad.lines():
            click.echo(line, err=True)


@sops_cli.command("check")
@_DIR_OPTION
def check(directory: Path | None) -> None:
    """Validate every SOP file without loading it (exit status 2 if any is invalid)."""
    library = load_library(directory)
    _report_invalid(library)
    click.echo(f"{len(library.files)} valid, {len(library.invalid)} invalid SOP files.")
    if library.invalid:
        raise SystemExit(EXIT_INVALID)


@sops_cli.command("sync")
@click.option("--agency", "agency_slug", default=None, help="Only this agency (its slug).")
@_DIR_OPTION
def sync(agency_slug: str | None, directory: Path | None) -> None:
    """Load every sops/*.yaml into every agency (or one) as versions of its SOPs.

    An unchanged file makes nothing new; a changed file makes the next version and makes it
    current; saved versions are never modified. SOPs edited in the app are left alone.
    """
    library = load_library(directory)
    _report_invalid(library)
    stmt = sa.select(Agency).order_by(Agency.id)
    if agency_slug:
        stmt = stmt.where(Agency.slug == agency_slug)
    agencies = list(db.session.scalars(stmt))
    if agency_slug and not agencies:
        raise click.ClickException(f"No agency with the slug {agency_slug!r}.")
    failed = 0
    for agency in agencies:
        actor = Actor(user=None, agency=agency, via="cli")
        try:
            with tenant(agency.id):
                outcomes = sync_library(actor, library)
                commit()
        except sa.exc.SQLAlchemyError as exc:
            db.session.rollback()
            failed += 1
            click.echo(f"{agency.slug}: failed, nothing saved ({exc.__class__.__name__}: {exc})")
            continue
        changed = [o for o in outcomes if o.outcome != "unchanged"]
        click.echo(
            f"{agency.slug}: {len(outcomes) - len(changed)} unchanged, {len(changed)} changed"
        )
        for outcome in changed:
            click.echo(f"  {outcome}")
    click.echo(
        f"{len(library.files)} SOP files loaded into {len(agencies) - failed} agencies"
        + (f"; {len(library.invalid)} invalid files skipped" if library.invalid else "")
        + (f"; {failed} agencies failed" if failed else "")
        + "."
    )
    if library.invalid:
        raise SystemExit(EXIT_INVALID)
    if failed:
        raise SystemExit(1)
