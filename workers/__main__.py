"""`python -m workers`: an RQ worker on the email, default and pdf queues (in that order of
priority, so a PDF backlog never delays a password-reset email). It needs REDIS_URL."""

from __future__ import annotations

import argparse
import logging
import os
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workers", description=__doc__)
    parser.add_argument("--queues", nargs="+", default=["email", "default", "pdf"])
    parser.add_argument("--burst", action="store_true", help="stop when the queues are empty")
    parser.add_argument("--name", default=None)
    args = parser.parse_args(argv)
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        print(
            "REDIS_URL is not set: on the embedded default, jobs run in-process.", file=sys.stderr
        )
        return 2
    from redis import Redis
    from rq import Queue, SimpleWorker

    from app.core.jobs import queue_timeout
    from workers.app import get_app

    app = get_app()  # at start, not import: one app per worker process
    _init_sentry(app.config.get("SENTRY_DSN"), app.config.get("SENTRY_ENVIRONMENT"))
    if "pdf" in args.queues:
        from app.core.pdf import warm_up

        warm_up()  # fonts loaded and long-lived objects frozen before the first invoice
    conn = Redis.from_url(redis_url)
    with app.app_context():
        queues = [Queue(q, connection=conn, default_timeout=queue_timeout(q)) for q in args.queues]
    logging.getLogger("rq.worker").setLevel(logging.INFO)
    worker = SimpleWorker(queues, connection=conn, name=args.name)
    worker.work(with_scheduler=True, burst=args.burst, logging_level="INFO")
    return 0


def _init_sentry(dsn: str | None, environment: str | None) -> None:
    if not dsn:
        return
    import sentry_sdk
    from sentry_sdk.integrations.rq import RqIntegration

    from app.core.observability import scrub_event

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[RqIntegration()],
        send_default_pii=False,
        before_send=scrub_event,
    )


if __name__ == "__main__":
    sys.exit(main())
