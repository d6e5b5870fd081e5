"""The RQ job function: one entry point that runs an outbox job inside an app context.

The outbox row names the real function (in app/) and its agency; `run_outbox_job` sets the
tenant from the row's agency_id and makes a second run of the same row a no-op.
"""

from __future__ import annotations

import contextlib


def run(outbox_id: int, seq: int | None = None) -> str:
    """Run outbox row `outbox_id` as published under sequence `seq` (None: any)."""
    from redis.exceptions import RedisError
    from rq import get_current_job

    from app.core.jobs import JOB_RUNS_KEY, run_outbox_job
    from app.extensions import db
    from workers.app import get_app

    job = get_current_job()
    if job is not None:
        # Every RQ run counts, even one that turns out a no-op: the fault benchmarks and
        # tests compare runs per job against the work done.
        with contextlib.suppress(RedisError):
            job.connection.incr(JOB_RUNS_KEY)
    with get_app().app_context():
        try:
            return run_outbox_job(outbox_id, seq)
        finally:
            db.session.remove()
