"""A real browser against the real app: the app is served by werkzeug on a free port in a
thread, on committed data (a browser can't see a test's transaction), and every table is
emptied afterwards. Background jobs run in-process (REDIS_URL=None). Chromium is Debian's
(/usr/bin/chromium), driven by Playwright; it is never downloaded."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.helpers import committed_app

CHROMIUM = os.environ.get("BATON_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class LiveServer:
    app: object
    url: str


@pytest.fixture
def live_server(app, database_url, storage_dir) -> Iterator[LiveServer]:
    """The app (CSRF on, as in production) on 127.0.0.1:<free port>; truncates every
    table when the test ends."""
    from werkzeug.serving import make_server

    with committed_app(
        database_url, SMTP_URL=None, WTF_CSRF_ENABLED=True, STORAGE_DIR=storage_dir
    ) as web_app:
        server = make_server("127.0.0.1", 0, web_app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
        thread.start()
        try:
            yield LiveServer(web_app, f"http://127.0.0.1:{server.server_port}")
        finally:
            server.shutdown()
            thread.join(timeout=10)


@pytest.fixture
def browser() -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"no Chromium at {CHROMIUM}: install Debian's chromium (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
