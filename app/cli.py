"""Flask CLI commands of the whole app (`flask seed-demo`, ...)."""

from __future__ import annotations

import click
from flask import Flask


def register_cli(app: Flask) -> None:
    from app.sops.cli import sops_cli
    from app.vault.cli import vault_cli

    app.cli.add_command(sops_cli)
    app.cli.add_command(vault_cli)

    @app.cli.command("seed-demo")
    @click.option("--force", is_flag=True, help="Seed even if the demo agency exists.")
    def seed_demo(force: bool) -> None:
        """Create the demo agency (owner, manager, VAs, QA, clients, a client login)."""
        from app.demo import DEMO_LOGINS, seed_demo_agency

        created = seed_demo_agency(force=force)
        click.echo("Demo agency created." if created else "Demo agency already present.")
        for role, email, password in DEMO_LOGINS:
            click.echo(f"  {role:<8} {email:<32} {password}")
