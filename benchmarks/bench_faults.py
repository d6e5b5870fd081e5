"""Background work under faults: two workers killed again and again while emails go through
a slow SMTP server. Reports deliveries, duplicates and RQ job runs per email.

Real processes throughout: a private redis-server, PostgreSQL, an aiosmtpd server slow to
answer the message and slower to answer QUIT (the moment a killed worker used to resend
from), two `python -m workers` processes each SIGKILLed (with their RQ scheduler) once it
has worked for a while, and restarted at once as a supervisor would, and the clock
(`python -m workers.clock`) recovering what the kills leave behind.

    python -m benchmarks.bench_faults --emails 200 --kills 30

A duplicate is a Message-ID the server acknowledged (answered 250 to a client that was
still there) more than once; RQ runs are counted by workers.jobs.run in Redis.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--emails", type=int, default=200)
    parser.add_argument("--kills", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--data-delay", type=float, default=0.05, help="seconds before 250")
    parser.add_argument("--quit-delay", type=float, default=0.25, help="seconds before 221")
    parser.add_argument("--uptime", type=float, default=2.0, help="a worker's time before a kill")
    parser.add_argument("--alive-ttl", type=int, default=5, help="WORKER_ALIVE_TTL_SECONDS")
    parser.add_argument("--unknown-delay", type=float, default=10, help="seconds (prod: 600)")
    args = parser.parse_args()

    from aiosmtpd.controller import Controller
    from redis import Redis

    from app import create_app
    from app.core.jobs import JOB_RUNS_KEY
    from app.core.mail import OutboundEmail, queue_email
    from app.core.tenancy import all_tenants, tenant
    from app.core.uow import commit
    from app.extensions import db
    from benchmarks.generate import migrate, recreate_database
    from tests.workers.conftest import PrivateRedis, ScriptedSMTP, free_port

    db_url = recreate_database("baton_bench_faults")
    migrate(db_url)
    redis = PrivateRedis()
    redis.start()
    handler = ScriptedSMTP()
    handler.delay, handler.quit_delay = args.data_delay, args.quit_delay
    smtp_port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    smtp_url = f"smtp://127.0.0.1:{smtp_port}?timeout=10"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENTRY")}
    env.update(
        DATABASE_URL=db_url,
        REDIS_URL=redis.url,
        SMTP_URL=smtp_url,
        PYTHONPATH=str(ROOT),
        MAIL_FROM="billing@baton.test",
        WORKER_ALIVE_TTL_SECONDS=str(args.alive_ttl),
        EMAIL_UNKNOWN_OUTCOME_DELAY_SECONDS=str(args.unknown_delay),
    )
    procs: list[subprocess.Popen] = []

    def start(module: str, *extra: str) -> subprocess.Popen:
        proc = subprocess.Popen(
            [sys.executable, "-m", module, *extra],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        procs.append(proc)
        return proc

    def kill(proc: subprocess.Popen) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": db_url,
            "REDIS_URL": redis.url,
            "SMTP_URL": smtp_url,
            "RATELIMIT_STORAGE_URI": "memory://",
            "MAIL_FROM": "billing@baton.test",
        }
    )
    started = time.monotonic()
    kills = 0
    try:
        with app.app_context():
            from tests.factories import AgencyFactory

            agency = AgencyFactory(name="Juniper Desk")
            db.session.commit()
            clock = start("workers.clock", "--interval", "1")
            pool = [(start("workers", "--queues", "email"), time.monotonic())]
            pool += [(start("workers", "--queues", "email"), time.monotonic())]
            pool = pool[: args.workers]
            ids = []
            for n in range(args.emails):
                with tenant(agency.id):
                    row = queue_email(
                        db.session,
                        key=f"bench:{n}",
                        to=f"client{n}@harbour.test",
                        subject=f"Status update {n}",
                        template="notice",
                        context={"heading": "Weekly status", "body": f"Message {n}"},
                        agency_id=agency.id,
                        from_name=agency.name,
                    )
                    commit()
                    ids.append(row.id)
            deadline = time.monotonic() + 900
            sent = 0
            while time.monotonic() < deadline:
                db.session.rollback()
                with all_tenants():
                    sent = db.session.query(OutboundEmail).filter_by(status="sent").count()
                if sent == args.emails:
                    break
                if kills < args.kills:
                    oldest = min(range(len(pool)), key=lambda i: pool[i][1])
                    proc, since = pool[oldest]
                    if time.monotonic() - since >= args.uptime:
                        kill(proc)
                        pool[oldest] = (start("workers", "--queues", "email"), time.monotonic())
                        kills += 1
                time.sleep(0.2)
            elapsed = time.monotonic() - started
            runs = int(Redis.from_url(redis.url).get(JOB_RUNS_KEY) or 0)
            message_ids = handler.message_ids()
            with all_tenants():
                attempts = [
                    r.attempts
                    for r in db.session.query(OutboundEmail).filter(OutboundEmail.id.in_(ids))
                ]
            result = {
                "emails": args.emails,
                "sent": sent,
                "kills": kills,
                "deliveries": len(message_ids),
                "distinct_message_ids": len(set(message_ids)),
                "duplicates": len(message_ids) - len(set(message_ids)),
                "smtp_attempts": handler.attempts,
                "email_attempts": sum(attempts),
                "rq_runs": runs,
                "rq_runs_per_email": round(runs / args.emails, 3),
                "elapsed_s": round(elapsed, 1),
                "settings": vars(args),
                "machine": f"{platform.machine()} {os.cpu_count()} cores, Python "
                f"{platform.python_version()}",
            }
            kill(clock)
    finally:
        for proc in procs:
            if proc.poll() is None:
                kill(proc)
        controller.stop()
        redis.stop()
    print(json.dumps(result, indent=2))
    if RESULTS.is_dir():
        (RESULTS / "faults.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
