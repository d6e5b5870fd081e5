"""The worker of the two-process billing race (tests/rates/test_race.py): a separate Python
process with its own app and database connection, billing the same approved time onto its
own draft at the same moment as the other process."""

from __future__ import annotations

import time


def bill_rounds(database_url: str, agency_id: int, member_id: int, rounds: list, barrier, out):
    """For each round (its draft's id, the entry ids): wait for the other process, bill the
    entries onto the draft, hold the transaction open a moment, commit; report the outcome."""
    from app import create_app
    from app.agencies.models import Agency
    from app.core.errors import Conflict, ValidationFailed
    from app.core.permissions import Actor
    from app.core.tenancy import all_tenants, tenant
    from app.extensions import db
    from app.invoices.lines import add_lines_from_source
    from app.invoices.models import Invoice
    from app.users.models import Membership
    from tests.helpers import COMMITTED_DEFAULTS

    app = create_app({**COMMITTED_DEFAULTS, "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context(), tenant(agency_id):
        for invoice_id, entry_ids in rounds:
            with all_tenants():
                member = db.session.get(Membership, member_id)
                actor = Actor(
                    user=member.user, agency=db.session.get(Agency, agency_id), membership=member
                )
            invoice = db.session.get(Invoice, invoice_id)
            barrier.wait(timeout=60)
            try:
                lines = add_lines_from_source(actor, invoice, {"source": "time", "ids": entry_ids})
                time.sleep(1.0)  # the other process's claim meets this open transaction
                db.session.commit()
                out.put((invoice_id, "billed", len(lines)))
            except (Conflict, ValidationFailed) as exc:
                db.session.rollback()
                out.put((invoice_id, type(exc).__name__, exc.code))
            db.session.remove()
        db.engine.dispose()
