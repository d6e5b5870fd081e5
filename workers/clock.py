"""`python -m workers.clock`: the periodic-work process.

Every few seconds it runs the outbox sweep (publish what was left behind, recover jobs whose
worker died); every minute it enqueues the periodic jobs of app.core.schedule with a
deterministic key per time slot. Two clocks at once double nothing: the sweep claims rows
with SKIP LOCKED and a periodic job's key is unique in the database.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time

log = logging.getLogger("baton.clock")


def tick(app) -> dict:
    """One round of the clock (also used by tests): periodic jobs, the sweep, a heartbeat."""
    from app.core.schedule import clock_round
    from app.extensions import db

    with app.app_context():
        try:
            return clock_round()
        finally:
            db.session.remove()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workers.clock", description=__doc__)
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between sweeps")
    parser.add_argument("--once", action="store_true", help="run one round and stop")
    args = parser.parse_args(argv)
    from workers.app import get_app

    app = get_app()
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if not os.environ.get("REDIS_URL"):
        log.warning("REDIS_URL is not set: due jobs will run inside this process")
    from redis.exceptions import RedisError

    redis_down = False
    while not stopping:
        try:
            result = tick(app)
            if redis_down:
                log.warning("Redis is back: the clock carries on")
                redis_down = False
            if result["published"] or result["recovered"] or result["periodic"]:
                log.info("clock: %s", result)
        except RedisError as exc:  # logged once per outage; rows wait in the outbox meanwhile
            if not redis_down:
                log.warning("Redis is unreachable (%s): the clock keeps trying", exc)
                redis_down = True
        except Exception:  # noqa: BLE001 - the clock must keep ticking
            log.exception("clock round failed")
        if args.once:
            break
        deadline = time.monotonic() + args.interval
        while not stopping and time.monotonic() < deadline:
            time.sleep(0.2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
