"""HTML pages of digests: the preview of a client's digest, a past digest, the pause switch
and the agency's schedule.

Each view: load (404 when not visible) -> authorize (403) -> parse the form with the
domain schema (422 with messages beside the fields) -> service -> commit once -> redirect.
"""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from app.clients.queries import get_client_or_404
from app.core.clock import utcnow
from app.core.errors import ValidationFailed
from app.core.i18n import language_of
from app.core.permissions import authorize, roles
from app.core.schemas import load_form
from app.core.translation import gettext as _
from app.core.uow import commit
from app.digests.blueprint import WEEKDAYS, bp
from app.digests.figures import preview_digest, render_digest
from app.digests.models import DEFAULT_SEND_TIME, DEFAULT_WEEKDAY
from app.digests.policy import (
    MANAGERS,
    READERS,
    can_change_digest_schedule,
    can_pause_digest,
    can_preview_digest,
)
from app.digests.queries import digest_settings, get_digest_or_404, is_paused
from app.digests.schemas import PausedIn, ScheduleIn
from app.digests.services import set_digest_paused, update_digest_schedule
from app.extensions import db


@bp.get("/<agency_slug>/clients/<int:client_id>/digest/preview")
@roles(*READERS)
def preview(agency_slug: str, client_id: int) -> ResponseReturnValue:
    """What the client's digest would say if it were sent now (HTML and text)."""
    client = get_client_or_404(g.actor, client_id)
    authorize(can_preview_digest(g.actor))
    _snapshot, contacts, rendered = preview_digest(client, g.actor.agency, utcnow())
    return render_template(
        "digests/preview.html",
        client=client,
        heading=_("Digest preview"),
        subject=rendered.subject,
        body=Markup(rendered.html),  # noqa: S704 - our own autoescaped template's output
        text=rendered.text,
        recipients=[c.email for c in contacts],
        mail_lang=language_of(client.locale),
        paused=is_paused(client),
        digest=None,
    )


@bp.get("/<agency_slug>/clients/<int:client_id>/digests/<int:digest_id>")
@roles(*READERS)
def show_digest(agency_slug: str, client_id: int, digest_id: int) -> ResponseReturnValue:
    """A digest as it was sent."""
    client = get_client_or_404(g.actor, client_id)
    digest = get_digest_or_404(g.actor, client, digest_id)
    authorize(can_preview_digest(g.actor))
    rendered = render_digest(digest.snapshot, digest.locale, None)
    return render_template(
        "digests/preview.html",
        client=client,
        heading=_("Digest sent"),
        subject=rendered.subject,
        body=Markup(rendered.html),  # noqa: S704 - our own autoescaped template's output
        text=rendered.text,
        recipients=digest.recipients,
        mail_lang=language_of(digest.locale),
        paused=None,
        digest=digest,
    )


@bp.post("/<agency_slug>/clients/<int:client_id>/digest/paused")
@roles(*MANAGERS)
def set_paused(agency_slug: str, client_id: int) -> ResponseReturnValue:
    """Pause or resume the client's weekly digest."""
    client = get_client_or_404(g.actor, client_id)
    authorize(can_pause_digest(g.actor))
    back = (
        url_for("clients.client_detail", agency_slug=agency_slug, client_id=client.id) + "#digest"
    )
    try:
        data = load_form(PausedIn(), request.form)
    except ValidationFailed:
        flash(_("Choose whether to pause the digest."), "warning")
        return redirect(back)
    set_digest_paused(g.actor, client, data["paused"])
    commit()
    flash(_("Weekly digest paused.") if data["paused"] else _("Weekly digest resumed."), "success")
    return redirect(back)


@bp.route("/<agency_slug>/settings/digest", methods=["GET", "POST"])
@roles("owner")
def schedule(agency_slug: str) -> ResponseReturnValue:
    """The day and time (client's zone) weekly digests go out."""
    authorize(can_change_digest_schedule(g.actor))
    row = digest_settings()
    values = {
        "weekday": str(row.weekday if row else DEFAULT_WEEKDAY),
        "send_time": (row.send_time if row else DEFAULT_SEND_TIME).strftime("%H:%M"),
    }
    errors: dict = {}
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            update_digest_schedule(g.actor, load_form(ScheduleIn(), request.form))
            commit()
            flash(_("Digest schedule saved."), "success")
            return redirect(url_for("digests.schedule", agency_slug=agency_slug))
        except ValidationFailed as exc:
            db.session.rollback()
            errors = exc.errors
    return render_template(
        "digests/schedule.html", values=values, errors=errors, weekdays=list(enumerate(WEEKDAYS))
    ), (422 if errors else 200)
