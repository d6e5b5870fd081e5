"""HTML pages of the calendar: the month and week views with their filters, the "Calendar
feed" section ((re)generate, revoke), and the feed itself (a secret URL, no session).

The page: load the query string with the schema and check the filters against what the
viewer may see; bad values show the page again (422) with a message naming the field.
"""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_limiter.util import get_remote_address
from werkzeug.datastructures import MultiDict

from app.calendar.blueprint import bp
from app.calendar.grid import build_grid, utc_range
from app.calendar.policy import CALENDAR_ROLES, can_filter_by_member
from app.calendar.queries import client_choices, feed_for_token, feed_window, member_choices
from app.calendar.registry import CalendarFilters, DayCap, collect_day_page, collect_events
from app.calendar.schemas import CalendarArgs
from app.calendar.services import (
    FEED_DAYS_AHEAD,
    FEED_DAYS_BACK,
    build_ics,
    checked_filters,
    feed_status,
    record_fetch,
    regenerate_feed,
    revoke_feed,
)
from app.core.clock import today_in, utcnow
from app.core.errors import ValidationFailed
from app.core.i18n import speaking_locale
from app.core.permissions import Actor, public, roles
from app.core.schemas import load_form
from app.core.tenancy import tenant
from app.core.translation import gettext as _
from app.core.uow import commit
from app.core.web import viewer_zone
from app.extensions import limiter
from app.time.queries import my_week_start

# Events shown a day: a large agency has thousands of deadlines in a month; the rest of a
# day is a count and a link (the week of that day, or narrowing by client or person).
PER_DAY = {"month": 4, "week": 15}


def _first_weekday() -> int:
    """The weekday (0 Monday) the agency's weeks start on (its timesheet setting)."""
    return my_week_start(today_in("UTC")).weekday()


def _page(*, feed_url: str | None = None, status: int = 200) -> ResponseReturnValue:
    actor: Actor = g.actor
    zone = viewer_zone()
    today = today_in(zone)
    errors: dict = {}
    try:
        args = load_form(CalendarArgs(), MultiDict(request.args.items()))
        filters = checked_filters(actor, args)
    except ValidationFailed as exc:
        errors = {k: [str(m) for m in v] for k, v in exc.errors.items()}
        args = {"view": "month", "date": None, "client": None, "member": None, "kind": None}
        filters = CalendarFilters()
        status = 422
    view = args.get("view") or "month"
    anchor = args.get("date") or today
    first_weekday = _first_weekday()
    start, end = utc_range(view, anchor, zone, first_weekday)
    page = collect_day_page(actor, start, end, filters, DayCap(zone, PER_DAY[view]))
    grid = build_grid(view, anchor, zone, today, page.events, first_weekday, page.hidden(zone))
    keep = {k: args[k] for k in ("client", "member", "kind") if args.get(k) is not None}
    return render_template(
        "calendar/calendar.html",
        grid=grid,
        zone=zone,
        today=today,
        args=args,
        keep=keep,
        errors=errors,
        clients=client_choices(actor, args.get("client")),
        members=member_choices(actor) if can_filter_by_member(actor) else [],
        event_count=page.total,
        feed=feed_status(actor),
        feed_url=feed_url,
    ), status


@bp.get("/<agency_slug>/calendar")
@roles(*CALENDAR_ROLES)
def calendar(agency_slug: str) -> ResponseReturnValue:
    """The master calendar: a month or a week of deadlines in the viewer's zone."""
    return _page()


@bp.post("/<agency_slug>/calendar/feed")
@roles(*CALENDAR_ROLES)
def regenerate(agency_slug: str) -> ResponseReturnValue:
    """A new secret feed URL (the old one stops working), shown once on the page."""
    _feed, raw = regenerate_feed(g.actor)
    commit()
    url = current_app.config["BASE_URL"].rstrip("/") + url_for("calendar.feed", token=raw)
    flash(_("Your new calendar feed URL is below. Copy it now: it is shown only once."), "success")
    return _page(feed_url=url)


@bp.post("/<agency_slug>/calendar/feed/revoke")
@roles(*CALENDAR_ROLES)
def revoke(agency_slug: str) -> ResponseReturnValue:
    """Stop the feed URL at once."""
    if revoke_feed(g.actor):
        commit()
        flash(_("Calendar feed URL revoked: calendar apps can no longer read it."), "success")
    else:
        flash(_("You have no calendar feed URL to revoke."), "info")
    return redirect(url_for("calendar.calendar", agency_slug=agency_slug, _anchor="feed"))


@bp.get("/calendar/feed/<token>.ics")
@public
@limiter.limit(
    lambda: current_app.config.get("CALENDAR_FEED_RATE_LIMIT", "120 per hour"),
    key_func=lambda: f"calendar-feed:{get_remote_address()}",
)
def feed(token: str) -> ResponseReturnValue:
    """The person's calendar as iCalendar: 30 days back, 180 ahead, only what they may
    see. An unknown, revoked or replaced token is a 404 and changes nothing."""
    found = feed_for_token(token)
    if found is None or not found.member.is_active_member:
        abort(404)
    member = found.member
    if member.role not in CALENDAR_ROLES:
        abort(404)
    with tenant(member.agency_id):
        actor = Actor(user=member.user, agency=member.agency, membership=member, via="feed")
        now = utcnow()
        start, end = feed_window(now, FEED_DAYS_BACK, FEED_DAYS_AHEAD)
        with force_locale(speaking_locale(member.user.locale)):
            events = collect_events(actor, start, end, CalendarFilters())
            body = build_ics(
                events,
                agency_id=member.agency_id,
                calendar_name=_("Baton: %(agency)s", agency=member.agency.name),
                now=now,
                base_url=current_app.config["BASE_URL"],
            )
        record_fetch(found, now)
        commit()
    resp = current_app.response_class(body, mimetype="text/calendar")
    resp.headers["Content-Type"] = "text/calendar; charset=utf-8"
    resp.headers["Cache-Control"] = "private, no-store"
    resp.headers["Content-Disposition"] = 'inline; filename="baton.ics"'
    return resp
