"""The notifications page: each member chooses, per kind, email at once, a daily summary
or off (staff from the account menu, a client's login from their portal)."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app.core.errors import ValidationFailed
from app.core.permissions import ALL_ROLES, authorize, roles
from app.core.translation import gettext as _
from app.core.uow import commit
from app.extensions import db
from app.notices.kinds import CHANNEL_LABELS, CHANNELS, kinds_for
from app.notices.policy import can_edit_own_preferences
from app.notices.services import preferences_of, save_preferences

bp = Blueprint("notices", __name__, template_folder="templates")


@bp.route("/<agency_slug>/notifications", methods=["GET", "POST"])
@roles(*ALL_ROLES)
def preferences(agency_slug: str) -> ResponseReturnValue:
    """The member's own choices; a bad choice shows the form again with its row named."""
    actor = g.actor
    authorize(can_edit_own_preferences(actor))
    rows = preferences_of(actor.membership)
    errors: dict = {}
    if request.method == "POST":
        choices = {
            k.code: request.form[k.code]
            for k in kinds_for(actor.membership.role)
            if k.code in request.form
        }
        try:
            save_preferences(actor, choices)
            commit()
            flash(_("Notification choices saved."), "success")
            return redirect(url_for("notices.preferences", agency_slug=agency_slug))
        except ValidationFailed as exc:
            db.session.rollback()
            errors = exc.errors
            for row in rows:
                row["channel"] = choices.get(row["kind"].code, row["channel"])
    return render_template(
        "notices/preferences.html",
        rows=rows,
        errors=errors,
        channels=CHANNELS,
        channel_labels=CHANNEL_LABELS,
    ), (422 if errors else 200)
