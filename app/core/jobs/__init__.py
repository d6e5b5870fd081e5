"""Background jobs through a transactional outbox.

`enqueue_job()` writes an `outbox_jobs` row in the business transaction, so a job exists
exactly when the change that caused it committed. After the commit the relay publishes the
committed rows to RQ (queues by purpose: default, email, pdf); the clock's sweep publishes
anything left behind (Redis was down, the process died) and recovers jobs whose worker died.
Without REDIS_URL (the embedded default) the same rows run in-process right after commit.

In three modules, each importing only the ones before it:

- `app.core.jobs.outbox`: the table, `enqueue_job()`, `retry_job()`, the RQ queues;
- `app.core.jobs.runner`: publishing rows to RQ (or running them in-process) and running
  one row at most once to success, with what a running job may call (`current_job()`,
  `report_progress()`, PermanentFailure, RetryLater ...);
- `app.core.jobs.recovery`: worker liveness, recovering lost jobs and the clock's sweep.

This package is where the rest of the app imports them from (`from app.core.jobs import
enqueue_job`), and `app.core.jobs.noop` stays a job path for benchmarks and smoke checks.
"""

from __future__ import annotations

from app.core.jobs.outbox import (
    ALLOWED_PREFIX,
    JOB_RUNS_KEY,
    JOB_STATUSES,
    OPEN_STATUSES,
    QUEUES,
    RQ_ENTRY,
    OutboxJob,
    enqueue_job,
    queue_timeout,
    redis_connection,
    retry_job,
)
from app.core.jobs.recovery import (
    WORKER_ALIVE_KEY,
    mark_worker_alive,
    recover_stale,
    sweep,
    worker_alive_ttl,
)
from app.core.jobs.runner import (
    EARLY_TOLERANCE,
    SCHEDULER_GRACE,
    JobInfo,
    PermanentFailure,
    RetryLater,
    backoff,
    current_job,
    noop,
    publish,
    publish_committed,
    report_progress,
    resolve,
    run_inline,
    run_outbox_job,
    stage_current_job_success,
)

__all__ = [
    "ALLOWED_PREFIX",
    "EARLY_TOLERANCE",
    "JOB_RUNS_KEY",
    "JOB_STATUSES",
    "OPEN_STATUSES",
    "QUEUES",
    "RQ_ENTRY",
    "SCHEDULER_GRACE",
    "WORKER_ALIVE_KEY",
    "JobInfo",
    "OutboxJob",
    "PermanentFailure",
    "RetryLater",
    "backoff",
    "current_job",
    "enqueue_job",
    "mark_worker_alive",
    "noop",
    "publish",
    "publish_committed",
    "queue_timeout",
    "recover_stale",
    "redis_connection",
    "report_progress",
    "resolve",
    "retry_job",
    "run_inline",
    "run_outbox_job",
    "stage_current_job_success",
    "sweep",
    "worker_alive_ttl",
]
