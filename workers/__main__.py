"""`python -m workers`: an RQ worker on the default, email and pdf queues.

Each job runs inside a Flask app context (made per job, never at import) and, when its
first argument is an agency id, inside that agency's tenant context.
"""

from __future__ import annotations

import os
import sys

QUEUES = ("email", "default", "pdf")


def main() -> int:
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        print("REDIS_URL is not set: on the embedded default, jobs run in-process.", file=sys.stderr)
        return 2
    from redis import Redis
    from rq import Queue, Worker

    from workers.context import AppContextJob

    conn = Redis.from_url(redis_url)
    queues = [Queue(name, connection=conn, job_class=AppContextJob) for name in QUEUES]
    worker = Worker(queues, connection=conn, job_class=AppContextJob)
    worker.work(with_scheduler=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
