"""The RQ job function: one entry point that runs an outbox job inside an app context.

The outbox row names the real function (in app/) and its agency; `run_outbox_job` sets the
tenant from the row's agency_id and makes a second run of the same row a no-op.
"""

from __future__ import annotations


def run(outbox_id: int) -> str:
    from app.core.jobs import run_outbox_job
    from app.extensions import db
    from workers.app import get_app

    with get_app().app_context():
        try:
            return run_outbox_job(outbox_id)
        finally:
            db.session.remove()
