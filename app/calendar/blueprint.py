"""The calendar blueprint ("calendar": every endpoint is calendar.<view>), the template
helpers of its pages, and the registration of the built-in event sources."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from babel.dates import format_date as babel_format_date
from flask import Blueprint

from app.calendar.capped import register_builtin_sources
from app.calendar.registry import kind_color, kind_label, registered_kinds
from app.core.formatting import babel_locale, localise_digits, month_label, reader_locale
from app.core.translation import gettext as _

bp = Blueprint("calendar", __name__, template_folder="templates")

register_builtin_sources()


@bp.app_template_filter("calendar_time")
def calendar_time(value: dt.datetime | None, zone: str) -> str:
    """'09:00' in `zone`, in the reader's digits (the zone's abbreviation with `zoned`)."""
    if value is None:
        return ""
    local = value.astimezone(zoneinfo.ZoneInfo(zone))
    return localise_digits(f"{local.hour:02d}:{local.minute:02d}", reader_locale())


@bp.app_template_filter("calendar_zoned_time")
def calendar_zoned_time(value: dt.datetime | None, zone: str) -> str:
    """'09:00 EST' in `zone`, in the reader's digits."""
    if value is None:
        return ""
    local = value.astimezone(zoneinfo.ZoneInfo(zone))
    return localise_digits(f"{local.hour:02d}:{local.minute:02d} {local.tzname()}", reader_locale())


@bp.app_template_filter("calendar_weekday")
def calendar_weekday(value: dt.date) -> str:
    """The short weekday name of a date ('Mon', 'lun.', 'الاثنين')."""
    loc = reader_locale()
    return babel_format_date(value, "EEE", locale=babel_locale(loc))


@bp.app_template_filter("calendar_day_number")
def calendar_day_number(value: dt.date) -> str:
    return localise_digits(str(value.day), reader_locale())


@bp.app_template_global()
def calendar_month_title(value: dt.date) -> str:
    return month_label(f"{value.year}-{value.month:02d}", reader_locale())


@bp.app_context_processor
def _helpers() -> dict:
    return {
        "calendar_kinds": registered_kinds,
        "calendar_kind_label": kind_label,
        "calendar_kind_color": kind_color,
    }


@bp.app_template_global()
def calendar_nav_label() -> str:
    """The top navigation's link text (kept in this package's catalogue)."""
    return _("Calendar")
