"""The `baton` command: `baton demo` starts Baton with a demo agency on the embedded default
(SQLite in instance/, jobs in-process); `baton test` runs the whole test suite, starting
PostgreSQL and Redis first when they are installed but stopped."""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _port_open(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def _wait_port(host: str, port: int, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if _port_open(host, port):
            return True
        time.sleep(0.3)
    return False


def ensure_services() -> None:
    """Start PostgreSQL and Redis on 127.0.0.1 when installed but not running."""
    if not _port_open("127.0.0.1", 5432) and shutil.which("pg_ctlcluster"):
        versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
        if versions:
            print(f"starting PostgreSQL {versions[-1]} ...", flush=True)
            subprocess.run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"],
                check=False,
            )
            _wait_port("127.0.0.1", 5432)
    if not _port_open("127.0.0.1", 6379) and shutil.which("redis-server"):
        print("starting Redis ...", flush=True)
        os.makedirs("/var/lib/redis", exist_ok=True)
        os.makedirs("/var/log/redis", exist_ok=True)
        subprocess.run(
            [
                "redis-server",
                "--daemonize",
                "yes",
                "--bind",
                "127.0.0.1",
                "-::1",
                "--port",
                "6379",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                "/var/lib/redis",
                "--logfile",
                "/var/log/redis/ci.log",
            ],
            check=False,
        )
        _wait_port("127.0.0.1", 6379)
    missing = [
        n for n, p in (("PostgreSQL", 5432), ("Redis", 6379)) if not _port_open("127.0.0.1", p)
    ]
    if missing:
        print(f"warning: {', '.join(missing)} not reachable on 127.0.0.1", file=sys.stderr)


# The tests whose answers depend on the date: run again with the clock moved, so a test that
# passes only near the day it was written fails here (time-machine moves the test process and
# every worker it starts; see tests/conftest.py).
DATE_SENSITIVE = [
    "tests/invoices",
    "tests/work",
    "tests/work_screens",
    "tests/portal",
    "tests/time",
    "tests/retainers",
    "tests/timesheets",
    "tests/calendar",
    "tests/fx",
    "tests/margin",
    "tests/forecast",
    "tests/payouts",
    "tests/notices",
    "tests/test_demo_data.py",
]
MOVED_CLOCKS = [
    ("more than a year ahead", "+400d"),
    ("a leap day", "2028-02-29T10:30:00+00:00"),
    # Europe leaves summer time at 01:00 UTC: the run starts minutes before and crosses it.
    ("a daylight-saving change", "2027-10-31T00:55:00+00:00"),
]


def _pytest(args: list[str], env: dict[str, str] | None = None) -> int:
    cmd = [sys.executable, "-m", "pytest", *args]
    note = f"BATON_TEST_CLOCK={env['BATON_TEST_CLOCK']} " if env else ""
    print(f"+ {note}{' '.join(cmd)}", flush=True)
    return subprocess.call(cmd, cwd=ROOT, env={**os.environ, **(env or {})})


def run_tests(args: list[str]) -> int:
    """The whole suite, then the date-sensitive tests once per moved clock. With arguments,
    just pytest with them (BATON_TEST_CLOCK=... moves the clock by hand)."""
    ensure_services()
    if args:
        return _pytest(args)
    failed = []
    if _pytest([]) != 0:
        failed.append("the whole suite")
    for name, clock in MOVED_CLOCKS:
        if _pytest(DATE_SENSITIVE, {"BATON_TEST_CLOCK": clock}) != 0:
            failed.append(f"the date-sensitive tests on {name} ({clock})")
    if failed:
        print("FAILED: " + "; ".join(failed), file=sys.stderr, flush=True)
        return 1
    return 0


def run_demo(host: str, port: int) -> int:
    os.environ.pop("REDIS_URL", None)  # the embedded default runs jobs in-process
    (ROOT / "instance").mkdir(exist_ok=True)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'instance' / 'baton.db'}")
    os.environ.setdefault("BASE_URL", f"http://{host}:{port}")
    from flask_migrate import upgrade

    from app import create_app
    from app.core.schedule import start_inprocess_clock
    from app.demo import DEMO_LOGINS, DEMO_SLUG, seed_demo_agency

    app = create_app()
    with app.app_context():
        upgrade()
        seed_demo_agency()
    start_inprocess_clock(app)
    url = f"http://{host}:{port}/"
    print(f"\nBaton is running at {url}  (demo agency: {url}{DEMO_SLUG}/)")
    print("Demo logins (all with the same password):")
    for role, email, password in DEMO_LOGINS:
        print(f"  {role:<8} {email:<32} {password}")
    print("Press Ctrl+C to stop.\n", flush=True)
    app.run(host=host, port=port, debug=False, use_reloader=False, threaded=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="baton", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="start Baton with a demo agency (SQLite, no Redis)")
    demo.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    demo.add_argument("--port", type=int, default=int(os.environ.get("PORT", "5000")))
    sub.add_parser(
        "test",
        help="run the whole test suite, then the date-sensitive tests with the clock moved "
        "(with arguments: just pytest with them)",
    )
    args, rest = parser.parse_known_args(argv)
    if args.command == "demo":
        return run_demo(args.host, args.port)
    return run_tests(rest)


if __name__ == "__main__":
    sys.exit(main())
