"""Real processes for background-work tests: a private redis-server (so a test can stop and
restart it), an in-process aiosmtpd SMTP server with scripted replies, and `python -m
workers` subprocesses. These tests commit for real (workers can't see a test transaction),
so they are marked `no_db` and empty every table afterwards."""

from __future__ import annotations

import asyncio
import contextlib
import email
import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import subprocess_pythonpath
from tests.helpers import committed_app

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate: Callable[[], object], timeout: float = 20, every: float = 0.1):
    """Poll until predicate() is truthy; return its value or fail with a clear message."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"condition not met within {timeout}s")


class PrivateRedis:
    """A redis-server of this test session's own, on a free port, with no persistence."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = tempfile.mkdtemp(prefix="baton-redis-")
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.dir],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(self._up, timeout=10)

    def _up(self) -> bool:
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", self.port)) == 0

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None
        wait_for(lambda: not self._up(), timeout=10)


class ScriptedSMTP:
    """SMTP handler: replies from `script` in order (then 250), optional delays before
    answering RCPT, DATA and QUIT, and the time of every DATA received. A message counts as
    delivered only if the client is still there to read the 250, unless
    `keep_when_client_vanished` (as many real servers do: they have the whole message)."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.script: list[str] = []
        self.delay = 0.0
        self.rcpt_delay = 0.0
        self.quit_delay = 0.0
        self.keep_when_client_vanished = False
        self.attempts = 0
        self.attempt_times: list[float] = []
        self.data_started = threading.Event()
        self.rcpt_started = threading.Event()
        self.quit_started = threading.Event()
        # Every 250 to a message: (Message-ID, connection number, time); and the connections
        # whose client went on to send QUIT. A client that never sent QUIT after its 250 died
        # (or lost the connection) before it could record the answer.
        self.accepted: list[tuple[str, int, float]] = []
        self.quit_connections: set[int] = set()
        self._connections = itertools.count(1)

    def _connection(self, session) -> int:
        if getattr(session, "baton_connection", None) is None:
            session.baton_connection = next(self._connections)
        return session.baton_connection

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        self.rcpt_started.set()
        if self.rcpt_delay:
            await asyncio.sleep(self.rcpt_delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.attempts += 1
        self.attempt_times.append(time.time())
        self.data_started.set()
        if self.keep_when_client_vanished:
            # Queued the moment the final dot arrived, whatever becomes of the client (aiosmtpd
            # cancels this handler when the client goes away, so keep it before waiting).
            self.messages.append(envelope.content)
        if self.delay:
            await asyncio.sleep(self.delay)
        transport = server.transport
        if transport is None or transport.is_closing():
            return "451 4.4.2 client went away"  # not accepted: the client never saw a 250
        reply = self.script.pop(0) if self.script else "250 2.0.0 OK"
        if reply.startswith("250"):
            if not self.keep_when_client_vanished:
                self.messages.append(envelope.content)
            message_id = email.message_from_bytes(envelope.content)["Message-ID"]
            self.accepted.append((message_id, self._connection(session), time.time()))
        return reply

    async def handle_QUIT(self, server, session, envelope):  # noqa: N802
        self.quit_started.set()
        self.quit_connections.add(self._connection(session))
        if self.quit_delay:
            await asyncio.sleep(self.quit_delay)
        return "221 Bye"

    def message_ids(self) -> list[str]:
        return [email.message_from_bytes(m)["Message-ID"] for m in self.messages]


@pytest.fixture(scope="session")
def private_redis() -> Iterator[PrivateRedis]:
    redis = PrivateRedis()
    redis.start()
    yield redis
    redis.stop()
    shutil.rmtree(redis.dir, ignore_errors=True)


@pytest.fixture
def smtp() -> Iterator[tuple[ScriptedSMTP, str]]:
    handler = ScriptedSMTP()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, f"smtp://127.0.0.1:{port}?timeout=10"
    controller.stop()


TEST_TIMEOUTS = {"email": 3, "default": 5, "pdf": 10}
TEST_ALIVE_TTL = 2  # seconds after a worker's last beat before it counts as dead
TEST_UNKNOWN_OUTCOME_DELAY = 3  # seconds before a message of unknown outcome is sent again


@pytest.fixture
def worker_env(database_url, private_redis, smtp, storage_dir) -> dict:
    _, smtp_url = smtp
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "SENTRY"))}
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=private_redis.url,
        SMTP_URL=smtp_url,
        QUEUE_TIMEOUTS=",".join(f"{k}={v}" for k, v in TEST_TIMEOUTS.items()),
        JOB_RETRY_BASE_SECONDS="1",
        OUTBOX_SWEEP_GRACE_SECONDS="0",
        WORKER_ALIVE_TTL_SECONDS=str(TEST_ALIVE_TTL),
        EMAIL_UNKNOWN_OUTCOME_DELAY_SECONDS=str(TEST_UNKNOWN_OUTCOME_DELAY),
        MAIL_FROM="billing@baton.test",
        PYTHONPATH=subprocess_pythonpath(ROOT),
        STORAGE_DIR=storage_dir,
    )
    return env


@pytest.fixture
def rq_app(app, database_url, private_redis, smtp, storage_dir):
    """An app wired like production (Redis set), sharing the session's test database.
    Data is committed for real and every table is emptied afterwards."""
    import redis

    _, smtp_url = smtp
    redis.Redis.from_url(private_redis.url).flushdb()
    with committed_app(
        database_url,
        REDIS_URL=private_redis.url,
        SMTP_URL=smtp_url,
        QUEUE_TIMEOUTS=TEST_TIMEOUTS,
        JOB_RETRY_BASE_SECONDS=1,
        OUTBOX_SWEEP_GRACE_SECONDS=0,
        WORKER_ALIVE_TTL_SECONDS=TEST_ALIVE_TTL,
        EMAIL_UNKNOWN_OUTCOME_DELAY_SECONDS=TEST_UNKNOWN_OUTCOME_DELAY,
        MAIL_FROM="billing@baton.test",
        STORAGE_DIR=storage_dir,
    ) as rq_app:
        yield rq_app


class Workers:
    """Starts `python -m workers` (and `python -m workers.clock`) subprocesses, each in a
    process group of its own (the worker's RQ scheduler is a child process), logging to a
    file, and always cleans them up. `kill` is SIGKILL to the whole group, like a container
    or cgroup being killed."""

    def __init__(self, env: dict) -> None:
        self.env = env
        self.procs: list[subprocess.Popen] = []
        self.logs: dict[int, Path] = {}
        self.dir = Path(tempfile.mkdtemp(prefix="baton-workers-"))

    def start(self, *args: str, module: str = "workers") -> subprocess.Popen:
        log = self.dir / f"{module}-{len(self.procs)}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", module, *args],
                cwd=ROOT,
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=out,
                start_new_session=True,
            )
        self.procs.append(proc)
        self.logs[proc.pid] = log
        return proc

    def clock(self, interval: float = 0.5) -> subprocess.Popen:
        return self.start("--interval", str(interval), module="workers.clock")

    def log(self, proc: subprocess.Popen) -> str:
        return self.logs[proc.pid].read_text(errors="replace")

    def burst(self, *args: str, timeout: float = 60) -> str:
        """Run a worker until the queues are empty; returns its log."""
        proc = self.start("--burst", *args)
        proc.wait(timeout=timeout)
        return self.log(proc)

    def kill(self, proc: subprocess.Popen) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
            # The group: an RQ scheduler child left behind by a killed worker.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def workers(worker_env) -> Iterator[Workers]:
    w = Workers(worker_env)
    yield w
    w.stop_all()
