"""Background work: commit-to-start latency and no-op throughput, outbox vs raw RQ.

Both paths use the same Redis, the same `python -m workers` SimpleWorker process and the
same no-op function, so the difference is the outbox's own cost (row insert in the
business transaction, relay after commit, row lock and status updates around the job).

    python -m benchmarks.bench_jobs --latency 100 --throughput 500
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from benchmarks.generate import migrate, recreate_database

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")
RESULTS = Path(__file__).resolve().parent / "results"


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def start_worker(db_url: str, burst: bool = False) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=db_url, REDIS_URL=REDIS_URL, PYTHONPATH=str(ROOT))
    args = [sys.executable, "-m", "workers", "--queues", "default"] + (["--burst"] if burst else [])
    return subprocess.Popen(
        args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def wait(predicate, timeout: float = 120.0, every: float = 0.002):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(every)
    raise TimeoutError("benchmark step did not finish")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency", type=int, default=100, help="jobs, one at a time")
    parser.add_argument("--throughput", type=int, default=500, help="jobs enqueued at once")
    args = parser.parse_args()
    from redis import Redis
    from rq import Queue
    from rq.job import Job

    db_url = recreate_database("baton_bench_jobs")
    migrate(db_url)
    from app import create_app
    from app.core.jobs import OutboxJob, enqueue_job
    from app.core.uow import commit
    from app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url, "REDIS_URL": REDIS_URL})
    conn = Redis.from_url(REDIS_URL)
    conn.flushdb()
    queue = Queue("default", connection=conn)
    out: dict = {}

    with app.app_context():
        worker = start_worker(db_url)
        time.sleep(3)  # let the worker start
        try:
            # Latency, raw RQ: enqueue -> the worker starts the job.
            raw = []
            for _ in range(args.latency):
                job = queue.enqueue("app.core.jobs.noop", result_ttl=60)
                wait(lambda j=job: j.get_status(refresh=True) == "finished")
                j = Job.fetch(job.id, connection=conn)
                raw.append((j.started_at - j.enqueued_at).total_seconds() * 1000)
            # Latency, outbox: business commit -> run_outbox_job marks the row running.
            outbox = []
            for _ in range(args.latency):
                row = enqueue_job(db.session, "app.core.jobs.noop", label="bench")
                t0 = time.perf_counter()
                commit()
                row_id = row.id

                def done(i=row_id) -> bool:
                    db.session.rollback()
                    return (
                        db.session.scalar(sa.select(OutboxJob.status).where(OutboxJob.id == i))
                        == "succeeded"
                    )

                wait(done)
                r = db.session.get(OutboxJob, row_id)
                committed_at = r.created_at + dt.timedelta(seconds=0)
                outbox.append((r.started_at - committed_at).total_seconds() * 1000)
                del t0
        finally:
            worker.terminate()
            worker.wait(10)
        out["latency_ms"] = {
            "raw_rq": {"median": statistics.median(raw), "p95": p95(raw)},
            "outbox": {"median": statistics.median(outbox), "p95": p95(outbox)},
        }

        # Throughput: N jobs queued, then one burst worker drains them.
        conn.flushdb()
        for _ in range(args.throughput):
            queue.enqueue("app.core.jobs.noop", result_ttl=60)
        t0 = time.perf_counter()
        start_worker(db_url, burst=True).wait(600)
        raw_s = time.perf_counter() - t0

        for _ in range(args.throughput):
            enqueue_job(db.session, "app.core.jobs.noop", label="bench")
        db.session.commit()
        from app.core.jobs import publish

        t_pub = time.perf_counter()
        published = publish(limit=args.throughput)
        pub_s = time.perf_counter() - t_pub
        assert published == args.throughput, published
        t0 = time.perf_counter()
        start_worker(db_url, burst=True).wait(600)
        outbox_s = time.perf_counter() - t0
        ok = db.session.scalar(
            sa.select(sa.func.count()).select_from(OutboxJob).where(OutboxJob.status == "succeeded")
        )
        # Both bursts include the same worker start-up; subtract an empty burst to remove it.
        t0 = time.perf_counter()
        start_worker(db_url, burst=True).wait(600)
        startup_s = time.perf_counter() - t0
        db.engine.dispose()
    n = args.throughput
    out["throughput"] = {
        "jobs": n,
        "worker_startup_s": round(startup_s, 2),
        "raw_rq_jobs_per_s": round(n / max(1e-6, raw_s - startup_s), 1),
        "outbox_jobs_per_s": round(n / max(1e-6, outbox_s - startup_s), 1),
        "relay_publish_ms_per_job": round(1000 * pub_s / n, 3),
        "outbox_succeeded": ok,
    }
    per_job_raw = 1000 * (raw_s - startup_s) / n
    per_job_outbox = 1000 * (outbox_s - startup_s) / n + 1000 * pub_s / n
    out["throughput"]["overhead_ms_per_job"] = round(per_job_outbox - per_job_raw, 2)
    out["latency_ms"]["overhead_median"] = round(
        out["latency_ms"]["outbox"]["median"] - out["latency_ms"]["raw_rq"]["median"], 2
    )
    machine = f"{platform.node()} {platform.machine()} python {platform.python_version()}"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "jobs.json").write_text(json.dumps({"machine": machine, **out}, indent=2))
    print(json.dumps({"machine": machine, **out}, indent=2))


if __name__ == "__main__":
    main()
