"""The time blueprint ("time": every endpoint is time.<view>) and what its pages share:
the timer in the top bar of every staff page, and how times are written."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from flask import Blueprint, g

from app.core.formatting import format_duration, localise_digits, reader_locale
from app.time.policy import can_see_everyones_time, can_track_time
from app.time.queries import activity_label, bar_entries, time_totals

bp = Blueprint("time", __name__, template_folder="templates")


def hours(seconds: int | None) -> str:
    """A length of time as the pages say it: "2 h 30 min"."""
    return format_duration((seconds or 0) / 60)


def clock(value: dt.datetime | None, zone: str, locale: str | None = None) -> str:
    """A time of day in `zone`: "09:30", in the digits of `locale` (the reader's when None;
    a page of many rows passes it once)."""
    if value is None:
        return ""
    local = value.astimezone(zoneinfo.ZoneInfo(zone))
    return localise_digits(local.strftime("%H:%M"), reader_locale(locale))


def zone_abbr(value: dt.datetime | None, zone: str) -> str:
    if value is None:
        return ""
    return value.astimezone(zoneinfo.ZoneInfo(zone)).tzname() or ""


@bp.app_template_global()
def time_bar() -> dict | None:
    """The top bar's timer for staff who record time: the running entry, or the clients to
    start one for."""
    actor = g.get("actor")
    if actor is None or actor.agency is None or not can_track_time(actor):
        return None
    latest = bar_entries(actor)
    entry = latest[0] if latest and latest[0].running else None
    return {"entry": entry, "clients": [] if entry is not None else [e.client for e in latest]}


@bp.app_template_global()
def time_here(client: object, work_item: object | None = None) -> dict | None:
    """The Time panel of a client's or a work item's page: the time recorded on it (everyone's
    for owners and managers, a VA's own) and, on a work item, its estimate beside it."""
    actor = g.get("actor")
    if actor is None or actor.agency is None or not can_track_time(actor):
        return None
    if work_item is not None:
        totals = time_totals(actor, work_item_id=work_item.id)  # type: ignore[attr-defined]
    else:
        totals = time_totals(actor, client_id=client.id)  # type: ignore[attr-defined]
    estimate = getattr(work_item, "estimate_minutes", None) or 0
    used = round(100 * totals.seconds / 60 / estimate) if estimate else None
    return {
        "totals": totals,
        "everyone": can_see_everyones_time(actor),
        "estimate_minutes": estimate,
        "used_percent": used,  # of the estimate, past 100 when over it
        "bar_percent": min(100, used) if used is not None else None,
        "over": used is not None and totals.seconds > estimate * 60,
    }


@bp.app_template_filter("time_hours")
def _hours(seconds: int | None) -> str:
    # A week of entries repeats the same lengths: each is written once per request.
    written = g.setdefault("_time_hours", {})
    minutes = round((seconds or 0) / 60)
    if minutes not in written:
        written[minutes] = hours(seconds)
    return written[minutes]


@bp.app_template_global()
def time_clock(value: dt.datetime | None, zone: str, locale: str | None = None) -> str:
    return clock(value, zone, locale)


@bp.app_template_global()
def time_reader_locale() -> str:
    """The reader's locale, for a page that writes many times (`time_clock`'s `locale`)."""
    return reader_locale()


@bp.app_template_global()
def time_zone_abbr(value: dt.datetime | None, zone: str) -> str:
    return zone_abbr(value, zone)


@bp.app_template_global()
def time_activity(activity: object) -> str:
    # A week's rows name the same few activities: each label is translated once a request.
    labels = g.setdefault("_time_activity_labels", {})
    name = getattr(activity, "name", None)
    if name not in labels:
        labels[name] = activity_label(activity)  # type: ignore[arg-type]
    return labels[name]
