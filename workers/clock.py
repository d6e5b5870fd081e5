"""`python -m workers.clock`: the periodic-work process.

It records a heartbeat in Redis every minute. Periodic jobs (outbox sweep, reminder sweep,
digests) are added with the background-work issue (#3).
"""

from __future__ import annotations

import os
import signal
import sys
import time

HEARTBEAT_KEY = "baton:clock:heartbeat"


def main() -> int:
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        print("REDIS_URL is not set: the clock needs Redis.", file=sys.stderr)
        return 2
    from redis import Redis

    conn = Redis.from_url(redis_url)
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while not stopping:
        conn.set(HEARTBEAT_KEY, int(time.time()), ex=300)
        for _ in range(60):
            if stopping:
                break
            time.sleep(1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
