"""HTML page of the audit log (owners): who changed what, when, from where. Read only."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, g, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from app.audit.models import AuditEvent
from app.audit.policy import can_view_audit_log
from app.audit.queries import audit_event_query, audit_filter_choices
from app.audit.schemas import AuditFilterArgs
from app.core.errors import Forbidden, ValidationFailed
from app.core.pagination import paginate
from app.core.permissions import roles
from app.core.schemas import load_form

bp = Blueprint("audit", __name__, template_folder="templates")

FILTER_KEYS = (
    "action",
    "entity_type",
    "actor_id",
    "entity_id",
    "date_from",
    "date_to",
    "page",
    "per_page",
)


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def diff_rows(event: AuditEvent) -> list[tuple[str, str, str]]:
    """(field, before, after) for every field the event recorded, in a stable order; a dict
    changed on both sides (e.g. channels) is shown key by key, only the keys that changed."""
    before, after = event.before or {}, event.after or {}
    rows: list[tuple[str, str, str]] = []
    for key in dict.fromkeys([*before.keys(), *after.keys()]):
        old, new = before.get(key), after.get(key)
        if isinstance(old, dict) and isinstance(new, dict):
            for sub in dict.fromkeys([*old.keys(), *new.keys()]):
                if old.get(sub) != new.get(sub):
                    rows.append((f"{key}.{sub}", _show(old.get(sub)), _show(new.get(sub))))
            continue
        rows.append((key, _show(old) if key in before else "", _show(new) if key in after else ""))
    return rows


@bp.get("/<agency_slug>/audit")
@roles("owner")
def list_events(agency_slug: str) -> ResponseReturnValue:
    actor = g.actor
    if not can_view_audit_log(actor):
        raise Forbidden("Only owners can read the audit log.")
    raw = MultiDict([(k, v) for k, v in request.args.items(multi=True) if k in FILTER_KEYS])
    errors: dict = {}
    try:
        filters = load_form(AuditFilterArgs(), raw)
    except ValidationFailed as exc:
        errors = exc.errors
        filters = {"page": 1, "per_page": 25}
    page = paginate(audit_event_query(actor, filters), filters["page"], filters["per_page"])
    if errors:
        page.items, page.total = [], 0
    return render_template(
        "audit/list.html",
        page=page,
        filters=raw.to_dict(),
        args={k: v for k, v in raw.items() if k != "page" and v},
        errors=errors,
        choices=audit_filter_choices(actor),
        diff_rows=diff_rows,
    ), (422 if errors else 200)
