"""Pure rules of mid-SOP client approval stages (see app.work.approvals): which approval
stage waits for the client and which stages stay locked behind it. No database, no Flask:
the policy asks them too."""

from __future__ import annotations

from typing import Any


def _stages(item: Any) -> list[dict]:
    return list(item.sop_version.definition.get("stages") or [])


def stage_keys(item: Any) -> list[str]:
    """The item's SOP stage keys, in order."""
    return [str(s["key"]) for s in _stages(item)]


def approval_stage_keys(item: Any) -> list[str]:
    """Keys of the item's mid-SOP approval stages, in order."""
    return [str(s["key"]) for s in _stages(item) if s.get("client_approval")]


def pending_stage(item: Any) -> str | None:
    """The first approval stage the client has not approved yet (None: all approved)."""
    keys = stage_keys(item)
    approved_at = keys.index(item.approved_stage_key) if item.approved_stage_key in keys else -1
    for index, stage in enumerate(_stages(item)):
        if stage.get("client_approval") and index > approved_at:
            return str(stage["key"])
    return None


def locked_stage_keys(item: Any) -> set[str]:
    """Stages after the pending approval stage: locked until the client approves it."""
    pending = pending_stage(item)
    if pending is None:
        return set()
    keys = stage_keys(item)
    return set(keys[keys.index(pending) + 1 :])
