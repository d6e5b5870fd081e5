"""/healthz: database, Redis, and the last worker and clock heartbeats; never secrets."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify

from app.core.clock import timestamp
from app.core.jobs import redis_connection
from app.core.permissions import public
from app.core.schedule import last_beat, last_worker_heartbeat
from app.extensions import db

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
    healthy = checks["database"] == "ok"
    if conn is None and "redis" not in checks:
        checks["redis"] = "not configured (jobs run in-process)"
    elif conn is not None:
        try:
            conn.ping()
            checks["redis"] = "ok"
            checks["worker"] = _age(last_worker_heartbeat())
            checks["clock"] = _age(last_beat("clock"))
        except Exception as exc:  # noqa: BLE001
            checks["redis"] = f"error: {type(exc).__name__}"
            healthy = False
    return jsonify(status="ok" if healthy else "degraded", checks=checks), 200 if healthy else 503
