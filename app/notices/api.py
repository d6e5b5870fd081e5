"""JSON API of notification preferences: the caller's own choices, per kind (the same
rules as the page)."""

from __future__ import annotations

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from app.core.errors import ValidationFailed
from app.core.permissions import ALL_ROLES, authorize, roles
from app.core.uow import commit
from app.notices.policy import can_edit_own_preferences
from app.notices.schemas import NoticePreferencesIn, NoticePreferencesOut
from app.notices.services import preferences_of, save_preferences

blp = Blueprint(
    "notices_api",
    __name__,
    url_prefix="/api/v1/<agency_slug>",
    description="Notification preferences: email at once, a daily summary, or off, per kind",
)


def _out(rows: list[dict]) -> dict:
    return {
        "items": [
            {
                "kind": r["kind"].code,
                "label": str(r["kind"].label),
                "channel": r["channel"],
                "fixed": r["fixed"],
            }
            for r in rows
        ]
    }


@blp.route("/me/notifications")
class NoticePreferences(MethodView):
    @roles(*ALL_ROLES)
    @blp.response(200, NoticePreferencesOut)
    def get(self, agency_slug: str) -> dict:
        """Your choice for each kind of notification you can receive."""
        authorize(can_edit_own_preferences(g.actor))
        return _out(preferences_of(g.actor.membership))

    @roles(*ALL_ROLES)
    @blp.arguments(NoticePreferencesIn)
    @blp.response(200, NoticePreferencesOut)
    def put(self, data: dict, agency_slug: str) -> dict:
        """Change your choices: `{"preferences": {"work_assigned": "daily"}}`. Owners
        cannot delay or switch off security mail; a kind you do not receive is refused."""
        authorize(can_edit_own_preferences(g.actor))
        try:
            rows = save_preferences(g.actor, data["preferences"])
        except ValidationFailed as exc:
            raise ValidationFailed({"preferences": exc.errors}) from exc
        commit()
        return _out(rows)
