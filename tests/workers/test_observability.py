"""Health and error reporting of the background processes."""

from __future__ import annotations

import pytest
import sentry_sdk

from app.core.observability import scrub_event
from tests.workers.conftest import wait_for


@pytest.mark.no_db
def test_healthz_reports_worker_and_clock_heartbeats(rq_app, workers):
    from workers.clock import tick

    client = rq_app.test_client()
    before = client.get("/healthz").get_json()["checks"]
    assert before["redis"] == "ok"
    assert before["worker"]["status"] == "never seen"
    assert before["clock"]["status"] == "never seen"
    workers.start()
    tick(rq_app)
    checks = wait_for(
        lambda: (
            (c := client.get("/healthz").get_json()["checks"])["worker"]["status"] == "ok" and c
        ),
        timeout=20,
    )
    assert checks["clock"]["status"] == "ok"
    body = client.get("/healthz").get_data(as_text=True)
    assert "redis://" not in body and "postgresql" not in body


def test_worker_reports_errors_to_sentry_with_rq_integration_and_scrubbing():
    from sentry_sdk.integrations.rq import RqIntegration

    from workers.__main__ import _init_sentry

    _init_sentry("https://public@127.0.0.1:9/1", "test")
    try:
        client = sentry_sdk.get_client()
        assert client.options["before_send"] is scrub_event
        assert client.options["send_default_pii"] is False
        assert client.get_integration(RqIntegration) is not None
    finally:
        sentry_sdk.init(dsn=None)


def test_worker_without_redis_url_exits_with_a_message(monkeypatch, capsys):
    from workers.__main__ import main

    monkeypatch.delenv("REDIS_URL", raising=False)
    assert main([]) == 2
    assert "REDIS_URL" in capsys.readouterr().err
