"""Write side of the calendar: the viewer's filters checked against what they may see, the
per-person feed ((re)generate, revoke, record a fetch) and the iCalendar document.

Services take the actor explicitly, flush but never commit, and record an audit event.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable

from icalendar import Calendar, Event

from app.audit.services import record
from app.calendar.models import CalendarFeed
from app.calendar.policy import can_manage_feed
from app.calendar.queries import live_feed, may_filter_client, member_choices
from app.calendar.registry import CalendarEvent, CalendarFilters, kind_label
from app.core.clock import utcnow
from app.core.errors import Forbidden, ValidationFailed
from app.core.permissions import Actor
from app.core.security import new_token, token_hash
from app.core.translation import gettext as _
from app.extensions import db

FEED_DAYS_BACK = 30
FEED_DAYS_AHEAD = 180
TOKEN_PREFIX = "cal_"  # noqa: S105 - a prefix, not a secret
PRODID = "-//Baton//Master calendar//EN"


def checked_filters(actor: Actor, args: dict) -> CalendarFilters:
    """The loaded filter arguments (client, member, kind) as `CalendarFilters`, after
    checking the client and the person are ones the actor may look at: another agency's
    client, a client the VA is not on, or someone else for a VA is refused naming the
    field (ValidationFailed, 422)."""
    errors: dict[str, list[str]] = {}
    client_id, member_id = args.get("client"), args.get("member")
    if client_id is not None and not may_filter_client(actor, client_id):
        errors["client"] = [_("Pick a client from the list.")]
    if member_id is not None and member_id not in {mid for mid, _n in member_choices(actor)}:
        errors["member"] = [_("Pick a person from the list.")]
    if errors:
        raise ValidationFailed(errors)
    kind = args.get("kind")
    return CalendarFilters(
        client_id=client_id, member_id=member_id, kinds=frozenset([kind] if kind else [])
    )


# --- the feed ---------------------------------------------------------------------------


def regenerate_feed(actor: Actor) -> tuple[CalendarFeed, str]:
    """A new secret URL for the actor: the live one (if any) is revoked first, so its URL
    stops working at once. Returns the feed and its token (shown once, never stored)."""
    if not can_manage_feed(actor):
        raise Forbidden(_("Client contacts have no calendar."))
    now = utcnow()
    old = live_feed(actor)
    if old is not None:
        old.revoked_at = now
        db.session.flush()
    raw = new_token(TOKEN_PREFIX)
    feed = CalendarFeed(
        membership_id=actor.membership.id, token_hash=token_hash(raw), created_at=now
    )
    db.session.add(feed)
    db.session.flush()
    record(
        actor,
        "calendar_feed.regenerated" if old is not None else "calendar_feed.created",
        feed,
        summary="Calendar feed URL regenerated" if old is not None else "Calendar feed URL created",
    )
    return feed, raw


def revoke_feed(actor: Actor) -> bool:
    """Stop the actor's feed URL; False when there was none."""
    if not can_manage_feed(actor):
        raise Forbidden(_("Client contacts have no calendar."))
    feed = live_feed(actor)
    if feed is None:
        return False
    feed.revoked_at = utcnow()
    db.session.flush()
    record(actor, "calendar_feed.revoked", feed, summary="Calendar feed URL revoked")
    return True


def record_fetch(feed: CalendarFeed, now: dt.datetime) -> None:
    """A calendar app fetched the feed."""
    feed.last_fetched_at = now
    feed.fetch_count = (feed.fetch_count or 0) + 1
    db.session.flush()


def feed_status(actor: Actor) -> dict:
    feed = live_feed(actor)
    return {
        "active": feed is not None,
        "created_at": feed.created_at if feed else None,
        "last_fetched_at": feed.last_fetched_at if feed else None,
        "fetch_count": feed.fetch_count if feed else 0,
        "days_back": FEED_DAYS_BACK,
        "days_ahead": FEED_DAYS_AHEAD,
        "url": None,
    }


# --- iCalendar --------------------------------------------------------------------------


def event_uid(event: CalendarEvent, agency_id: int) -> str:
    """The feed's UID of an event: the same thing keeps the same UID across fetches."""
    return f"{event.uid}.a{agency_id}@baton"


def _description(event: CalendarEvent) -> str:
    lines = [str(kind_label(event.kind))]
    if event.client_name:
        lines.append(_("Client: %(name)s", name=event.client_name))
        if event.starts_at is not None and event.client_zone:
            local = event.starts_at.astimezone(zoneinfo.ZoneInfo(event.client_zone))
            lines.append(
                _(
                    "Client's time: %(time)s (%(zone)s)",
                    time=local.strftime("%Y-%m-%d %H:%M"),
                    zone=event.client_zone,
                )
            )
    if event.person:
        lines.append(_("Person: %(name)s", name=event.person))
    if event.overdue:
        lines.append(_("Overdue"))
    return "\n".join(lines)


def build_ics(
    events: Iterable[CalendarEvent],
    *,
    agency_id: int,
    calendar_name: str,
    now: dt.datetime,
    base_url: str,
) -> bytes:
    """The events as an iCalendar document (RFC 5545): timed events in UTC, all-day events
    as DATE values, DTSTAMP the clock's now, stable UIDs."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", calendar_name)
    stamp = now.astimezone(dt.UTC)
    for event in events:
        vevent = Event()
        vevent.add("uid", event_uid(event, agency_id))
        vevent.add("dtstamp", stamp)
        vevent.add("summary", event.title)
        if event.all_day is not None:
            vevent.add("dtstart", event.all_day)
            vevent.add("dtend", event.all_day + dt.timedelta(days=1))
        else:
            assert event.starts_at is not None
            vevent.add("dtstart", event.starts_at.astimezone(dt.UTC))
            if event.ends_at is not None:
                vevent.add("dtend", event.ends_at.astimezone(dt.UTC))
        vevent.add("description", _description(event))
        vevent.add("categories", [event.kind])
        vevent.add("transp", "TRANSPARENT")
        if event.url:
            vevent.add("url", base_url.rstrip("/") + event.url)
        cal.add_component(vevent)
    return cal.to_ical()
