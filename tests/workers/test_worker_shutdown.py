"""A worker stops when asked: at the end of a burst, and on SIGTERM (what a supervisor or a
deploy sends), instead of hanging in its Redis pub/sub thread. redis-py 8 joins that thread
on stop() and RQ gives it a 60 s wait, so every stop took up to a minute."""

from __future__ import annotations

import signal
import subprocess

import pytest
from redis import Redis
from rq import Worker

from tests.workers.conftest import (  # noqa: F401 - fixtures of the real processes
    private_redis,
    rq_app,
    smtp,
    wait_for,
    worker_env,
    workers,
)

pytestmark = pytest.mark.no_db

# Well under RQ's 60 s pub/sub wait and a supervisor's usual grace period; generous for a
# loaded machine (the worker itself needs a few seconds to start).
STOP_WITHIN = 20


def test_a_burst_worker_with_nothing_to_do_exits(rq_app, workers):  # noqa: F811
    proc = workers.start("--burst")
    try:
        assert proc.wait(timeout=STOP_WITHIN + 30) == 0
    except subprocess.TimeoutExpired:
        pytest.fail("the burst worker did not exit after its queues were empty")


def test_a_worker_stops_on_sigterm(rq_app, workers, private_redis):  # noqa: F811
    proc = workers.start()
    connection = Redis.from_url(private_redis.url)
    wait_for(lambda: Worker.all(connection=connection), timeout=60)  # up and listening
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=STOP_WITHIN)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the worker was still running {STOP_WITHIN} s after SIGTERM")
    assert Worker.all(connection=connection) == []  # it said goodbye to Redis too


@pytest.mark.parametrize("attempt", range(3))
def test_a_sigterm_during_start_up_is_not_lost(rq_app, workers, private_redis, attempt):  # noqa: F811
    """The worker shows up in Redis before it has started its scheduler and taken over the
    signals; a SIGTERM in that window must still stop it (a deploy that restarts workers
    right after starting them would otherwise leave one running for good)."""
    proc = workers.start()
    connection = Redis.from_url(private_redis.url)
    wait_for(lambda: Worker.all(connection=connection), timeout=60, every=0.001)
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=STOP_WITHIN)
    except subprocess.TimeoutExpired:
        pytest.fail(f"a SIGTERM sent during start-up was lost: still running after {STOP_WITHIN} s")
    assert Worker.all(connection=connection) == []
