"""`python -m workers`: an RQ worker on the email, default and pdf queues (in that order of
priority, so a PDF backlog never delays a password-reset email). It needs REDIS_URL.

The process rides out Redis outages: when Redis goes away it logs once, waits and
reconnects with backoff (0.5 s doubling to 30 s), and carries on with a fresh RQ worker (and
scheduler) when Redis answers again, so a supervisor never sees it exit for that. A thread
marks the worker alive every few seconds (`app.core.jobs.mark_worker_alive`), which is how
the clock's recovery tells a job whose worker died from one still running.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
import threading
import time

log = logging.getLogger("baton.worker")

RECONNECT_FIRST, RECONNECT_MAX = 0.5, 30.0


class _QuietRedisRetries(logging.Filter):
    """RQ logs every reconnection try; this process logs an outage once itself."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "could not connect to Redis" not in str(record.msg)


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

    from workers.app import get_app

    app = get_app()  # at start, not import: one app per worker process
    _init_sentry(app.config.get("SENTRY_DSN"), app.config.get("SENTRY_ENVIRONMENT"))
    if "pdf" in args.queues:
        from app.core.pdf import warm_up

        warm_up()  # fonts loaded and long-lived objects frozen before the first invoice
    logging.getLogger("rq.worker").setLevel(logging.INFO)
    logging.getLogger("rq.worker").addFilter(_QuietRedisRetries())
    conn = Redis.from_url(redis_url, socket_connect_timeout=2, health_check_interval=10)
    return Supervisor(app, conn, args).run()


class Supervisor:
    """Runs RQ workers one after another in this process, across Redis outages."""

    def __init__(self, app, conn, args: argparse.Namespace) -> None:
        self.app, self.conn, self.args = app, conn, args
        self.stopping = False
        self.worker = None
        self.ttl = app.config.get("WORKER_ALIVE_TTL_SECONDS", 15)

    def run(self) -> int:
        from redis.exceptions import RedisError

        threading.Thread(target=self._beat, name="baton-alive", daemon=True).start()
        incarnation = 0
        while True:
            self._on_signals()
            if not self._wait_for_redis():
                return 0
            self.worker = worker = self._new_worker(incarnation)
            if self.stopping:  # a signal came while the worker was being made
                self._pass_stop_to(worker)
            incarnation += 1
            self._mark_alive()  # before the first job, not a beat interval later
            lost = False
            try:
                worker.work(with_scheduler=True, burst=self.args.burst, logging_level="INFO")
            except RedisError:
                lost = True  # Redis went away mid-work; RQ could not record the worker's death
            finally:
                self._clean_up(worker)
            if worker.baton_stop_requested or self.stopping or self.args.burst:
                self._forget(worker)
                return 0
            if not (lost or worker.baton_redis_lost) and self._redis_up():
                log.error("worker stopped on an error other than Redis: exiting for a restart")
                self._forget(worker)
                return 1

    def _new_worker(self, incarnation: int):
        from rq import Queue

        from app.core.jobs import queue_timeout

        with self.app.app_context():
            queues = [
                Queue(q, connection=self.conn, default_timeout=queue_timeout(q))
                for q in self.args.queues
            ]
        name = self.args.name
        if name and incarnation:
            name = f"{name}.{incarnation}"  # the last one's record may linger in Redis
        return _worker_class()(queues, connection=self.conn, name=name)

    def _wait_for_redis(self) -> bool:
        """Block until Redis answers (True) or a stop is requested (False); log once."""
        delay, since = RECONNECT_FIRST, None
        while not self.stopping:
            if self._redis_up():
                if since is not None:
                    gone = time.monotonic() - since
                    log.warning("Redis is back after %.0f s: working again", gone)
                return True
            if since is None:
                since = time.monotonic()
                log.warning("Redis is unreachable: waiting, reconnecting with backoff")
            deadline = time.monotonic() + delay
            while not self.stopping and time.monotonic() < deadline:
                time.sleep(0.1)
            delay = min(RECONNECT_MAX, delay * 2)
        return False

    def _redis_up(self) -> bool:
        try:
            return bool(self.conn.ping())
        except Exception:  # noqa: BLE001 - any failure means "not now"
            return False

    def _on_signals(self) -> None:
        # Ours until RQ's work loop installs its own handlers: between RQ workers (waiting
        # for Redis) and while a worker starts (registered in Redis, scheduler forking).
        # A stop in that window is handed to the worker, whose loop checks it first thing.
        def stop(*_: object) -> None:
            self.stopping = True
            if self.worker is not None:
                self._pass_stop_to(self.worker)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)

    @staticmethod
    def _pass_stop_to(worker) -> None:
        worker.baton_stop_requested = True
        worker._stop_requested = True  # RQ's flag: its loop breaks before dequeuing

    def _clean_up(self, worker) -> None:
        """What RQ's teardown does, each step on its own, since Redis may be gone."""
        if worker.scheduler is not None:
            with contextlib.suppress(Exception):
                worker.stop_scheduler()
        if worker.pubsub_thread is not None:
            with contextlib.suppress(Exception):
                worker.pubsub_thread.stop()
                worker.pubsub_thread.join(timeout=1)
            with contextlib.suppress(Exception):
                worker.pubsub.close()

    def _forget(self, worker) -> None:
        from app.core.jobs import WORKER_ALIVE_KEY

        with contextlib.suppress(Exception):
            self.conn.delete(WORKER_ALIVE_KEY.format(worker.name))

    def _mark_alive(self) -> None:
        from app.core.jobs import mark_worker_alive

        worker = self.worker
        if worker is not None:
            with contextlib.suppress(Exception):  # Redis down: the beat resumes with it
                mark_worker_alive(self.conn, worker.name, self.ttl)

    def _beat(self) -> None:
        while True:
            time.sleep(max(0.2, self.ttl / 3))
            self._mark_alive()


def _worker_class():
    from redis.exceptions import ConnectionError as RedisConnectionError
    from rq import SimpleWorker
    from rq.exceptions import StopRequested

    class BatonWorker(SimpleWorker):
        """RQ's SimpleWorker, except that losing Redis ends its work loop (RQ would retry in
        place forever, with its scheduler dead and its registration lost): the Supervisor
        then waits for Redis and starts a fresh worker and scheduler."""

        baton_stop_requested = False  # by a signal (SIGTERM, SIGINT): exit
        baton_redis_lost = False  # Redis went away: wait for it, then start afresh

        def request_stop(self, signum, frame):
            self.baton_stop_requested = True
            return super().request_stop(signum, frame)

        def heartbeat(self, timeout=None, pipeline=None):
            if pipeline is not None:
                return super().heartbeat(timeout, pipeline)
            try:
                return super().heartbeat(timeout)
            except RedisConnectionError as exc:
                self.baton_redis_lost = True
                raise StopRequested() from exc

    return BatonWorker


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
