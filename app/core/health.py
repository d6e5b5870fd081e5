"""/healthz: database, Redis, rate-limit storage, and the last worker and clock heartbeats;
never secrets. Only a database failure answers 503 (no page can work without it); with Redis
down pages keep working (jobs wait in the outbox, rate limits hold per process), so the
answer is 200 with status "degraded" and the reasons, and a load balancer keeps the web in.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify

from app.core.clock import timestamp
from app.core.jobs import redis_connection
from app.core.permissions import public
from app.core.schedule import last_beat, last_worker_heartbeat
from app.extensions import db, limiter

bp = Blueprint("health", __name__)

STALE_AFTER = 120  # seconds without a heartbeat before a process counts as down


def _age(ts: int | None) -> dict:
    if ts is None:
        return {"status": "never seen", "seconds_ago": None}
    ago = max(0, timestamp() - ts)
    return {"status": "ok" if ago <= STALE_AFTER else "stale", "seconds_ago": ago}


@bp.get("/healthz")
@public
def healthz():
    checks: dict = {}
    try:
        db.session.execute(sa.text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        checks["database"] = f"error: {type(exc).__name__}"
    conn = None
    try:
        conn = redis_connection()
    except Exception as exc:  # noqa: BLE001
        checks["redis"] = f"error: {type(exc).__name__}"
    database_ok = checks["database"] == "ok"
    degraded = not database_ok
    if conn is None and "redis" not in checks:
        checks["redis"] = "not configured (jobs run in-process)"
    elif conn is not None:
        try:
            conn.ping()
            checks["redis"] = "ok"
            checks["worker"] = _age(last_worker_heartbeat())
            checks["clock"] = _age(last_beat("clock"))
        except Exception as exc:  # noqa: BLE001
            checks["redis"] = f"error: {type(exc).__name__} (jobs wait in the outbox)"
            degraded = True
    checks["rate_limits"] = _rate_limits()
    if checks["rate_limits"].startswith("per-process (shared"):
        degraded = True
    status = "degraded" if degraded else "ok"
    return jsonify(status=status, checks=checks), 200 if database_ok else 503


def _rate_limits() -> str:
    """Where sign-in and other rate limits are counted right now."""
    try:
        storage = limiter.storage
    except Exception:  # noqa: BLE001 - limiter not initialised (rate limits off)
        return "off"
    if type(storage).__name__ == "MemoryStorage":
        return "per-process (memory storage configured)"
    try:
        shared = bool(storage.check())
    except Exception:  # noqa: BLE001
        shared = False
    if shared:
        return "shared"
    return "per-process (shared storage unreachable)"
