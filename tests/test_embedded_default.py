"""The embedded default: `baton demo` on SQLite without Redis starts, prints where it runs
and how to sign in, and a demo login reaches the demo agency's dashboard through the real
login form (CSRF on), as someone trying Baton for the first time would; its reports work
there too."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from app.demo import DEMO_LOGINS, DEMO_SLUG

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 90

pytestmark = pytest.mark.no_db


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _opener(jar, follow: bool = True):
    handlers = [urllib.request.HTTPCookieProcessor(jar)]
    if not follow:
        handlers.append(_NoRedirect())
    return urllib.request.build_opener(*handlers)


def _get(opener, url: str):
    try:
        with opener.open(url, timeout=10) as resp:
            return resp.status, resp.geturl(), resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, url, exc.read().decode()


def _wait_until_up(proc, base: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = log.read_text(encoding="utf-8")
            raise AssertionError(f"baton demo exited with {proc.returncode}:\n{out[-3000:]}")
        try:
            with urllib.request.urlopen(base + "healthz", timeout=2) as resp:  # noqa: S310
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise AssertionError(f"baton demo did not answer on {base} within {START_TIMEOUT}s")


def test_demo_starts_on_sqlite_and_a_demo_login_reaches_the_dashboard(tmp_path):
    port = _free_port()
    base = f"http://127.0.0.1:{port}/"
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "SENTRY_DSN")}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'baton.db'}",
        BATON_ENV="development",
        PYTHONUNBUFFERED="1",
    )
    log = open(tmp_path / "demo.log", "w+", encoding="utf-8")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.launcher", "demo", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        _wait_until_up(proc, base, tmp_path / "demo.log")
        output = (tmp_path / "demo.log").read_text(encoding="utf-8")
        assert (tmp_path / "baton.db").exists(), "the demo did not use DATABASE_URL"
        assert base in output, output[-2000:]
        assert f"{base}{DEMO_SLUG}/" in output
        for _role, email, password in DEMO_LOGINS:
            assert email in output and password in output, f"{email} not printed"

        jar = http.cookiejar.CookieJar()
        browser = _opener(jar)
        status, _, page = _get(browser, base + "login")
        assert status == 200
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token, "the login form carries no CSRF token"

        role, email, password = DEMO_LOGINS[0]
        assert role == "owner"
        form = urllib.parse.urlencode(
            {"csrf_token": token.group(1), "email": email, "password": password}
        ).encode()
        no_follow = _opener(jar, follow=False)
        try:
            no_follow.open(base + "login", data=form, timeout=10)
            raise AssertionError("a successful login redirects")
        except urllib.error.HTTPError as exc:
            assert exc.code in (302, 303), exc.read().decode()[:500]

        status, final_url, dashboard = _get(browser, f"{base}{DEMO_SLUG}/")
        assert status == 200, dashboard[:500]
        assert urllib.parse.urlsplit(final_url).path == f"/{DEMO_SLUG}/"
        assert "Northwind Assist" in dashboard
        assert "Harbour Bakery" in _get(browser, f"{base}{DEMO_SLUG}/clients")[2]

        # Reports on SQLite, which has no percentile_cont: the same figures, computed in
        # Python from one statement's rows.
        for path in ("reports/time?group=week&period=all", "reports/time.csv", "sops"):
            status, _, body = _get(browser, f"{base}{DEMO_SLUG}/{path}")
            assert status == 200, (path, body[:500])
        assert "delivered items" in body  # the SOP library's actual times
        # The cockpit's pages, whose queries have a PostgreSQL form (arrays, multiranges,
        # per-day index counts) and a portable one: the heat map with its strain signals,
        # the calendar's month (invoices capped per day), the week planner.
        for path, shown in (
            ("capacity/workload", 'data-testid="workload-row"'),
            ("calendar?view=month", 'data-testid="calendar-grid"'),
            ("planner", 'data-testid="planner-week"'),
        ):
            status, _, body = _get(browser, f"{base}{DEMO_SLUG}/{path}")
            assert status == 200 and shown in body, (path, body[:500])
        status, _, body = _get(browser, f"{base}{DEMO_SLUG}/reports/estimates")
        assert status == 200, body[:500]
        compared = re.search(r'data-testid="overall-items">(\d+)<', body)
        assert compared and int(compared.group(1)) > 0, body[:500]

        # Without the CSRF token the same login is refused.
        bare = _opener(http.cookiejar.CookieJar(), follow=False)
        plain = urllib.parse.urlencode({"email": email, "password": password}).encode()
        with pytest.raises(urllib.error.HTTPError) as refused:
            bare.open(base + "login", data=plain, timeout=10)
        assert refused.value.code == 400
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        log.close()
    assert proc.returncode is not None
