"""What capacity puts on the master calendar: approved time off, public holidays of the
people's countries (and of a client's, when the calendar is narrowed to the client), and
the recurring client meetings. Owners and managers see everyone's; a VA or QA reviewer
their own. Each source runs a fixed number of statements whatever the number of events.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask import url_for

from app.calendar.registry import CalendarEvent, CalendarFilters, register_source
from app.capacity.holidays_cache import holidays_between
from app.capacity.meetings import meeting_occurrences
from app.capacity.models import TimeOff
from app.capacity.policy import PEOPLE
from app.capacity.queries import client_profile, profiles
from app.clients.models import Client
from app.core.translation import gettext as _
from app.core.translation import lazy_gettext
from app.extensions import db
from app.users.models import Membership, User

TIME_OFF = "time_off"
HOLIDAY = "holiday"
MEETING = "meeting"


def _people(actor: Any, filters: CalendarFilters) -> list[int] | None:
    """The members whose events the actor sees here: None for everyone (owners and
    managers with no member filter), else a list (maybe empty)."""
    if actor.is_manager:
        return [filters.member_id] if filters.member_id is not None else None
    own = actor.membership.id
    if filters.member_id is not None and filters.member_id != own:
        return []
    return [own]


def _days(start: dt.datetime, end: dt.datetime) -> tuple[dt.date, dt.date]:
    """The dates an all-day event may fall on in [start, end) (the views drop the rest)."""
    return start.date(), (end - dt.timedelta(microseconds=1)).date()


def _team_url(actor: Any) -> str:
    endpoint = "capacity.team" if actor.is_manager else "capacity.me"
    return url_for(endpoint, agency_slug=actor.agency.slug)


def time_off_events(
    actor: Any, start: dt.datetime, end: dt.datetime, filters: CalendarFilters
) -> Iterable[CalendarEvent]:
    """Approved time off, a day at a time (a client filter shows none: it is nobody's
    client's)."""
    people = _people(actor, filters)
    if filters.client_id is not None or people == []:
        return
    first, last = _days(start, end)
    stmt = (
        sa.select(TimeOff.id, TimeOff.membership_id, TimeOff.starts_on, TimeOff.ends_on,
                  TimeOff.minutes, TimeOff.kind, User.name)
        .join(Membership, Membership.id == TimeOff.membership_id)
        .join(User, User.id == Membership.user_id)
        .where(TimeOff.state == "approved", TimeOff.starts_on <= last, TimeOff.ends_on >= first)
    )  # fmt: skip
    if people is not None:
        stmt = stmt.where(TimeOff.membership_id.in_(people))
    url = _team_url(actor)
    kinds = {"vacation": _("Vacation"), "sick": _("Sick leave"), "other": _("Time off")}
    for row in db.session.execute(stmt):
        day = max(row.starts_on, first)
        while day <= min(row.ends_on, last):
            what = kinds.get(row.kind, _("Time off"))
            if row.minutes:
                what = _("%(what)s, %(hours)s h", what=what, hours=round(row.minutes / 60, 1))
            yield CalendarEvent(
                kind=TIME_OFF,
                uid=f"{TIME_OFF}-{row.id}-{day.isoformat()}",
                title=_("%(person)s: %(what)s", person=row.name, what=what),
                all_day=day,
                membership_id=row.membership_id,
                person=row.name,
                url=url,
                extra={"time_off_id": row.id},
            )
            day += dt.timedelta(days=1)


def holiday_events(
    actor: Any, start: dt.datetime, end: dt.datetime, filters: CalendarFilters
) -> Iterable[CalendarEvent]:
    """Public holidays: of the people's countries (one event per country and day, naming
    how many people it keeps off), or of the client's country when narrowed to a client."""
    first, last = _days(start, end)
    if filters.client_id is not None:
        if filters.member_id is not None:
            return
        prof = client_profile(filters.client_id)
        for day, name in holidays_between(prof.country, None, first, last).items():
            yield CalendarEvent(
                kind=HOLIDAY,
                uid=f"{HOLIDAY}-client-{filters.client_id}-{day.isoformat()}",
                title=_("Client's holiday: %(name)s", name=name),
                all_day=day,
                client_id=filters.client_id,
                extra={"country": prof.country},
            )
        return
    people = _people(actor, filters)
    if people == []:
        return
    if people is None:
        people = list(
            db.session.scalars(
                sa.select(Membership.id).where(
                    Membership.role.in_(PEOPLE), Membership.status == "active"
                )
            )
        )
    by_country: dict[tuple[str, str | None], list] = defaultdict(list)
    for prof in profiles(people).values():
        if prof.country:
            by_country[(prof.country, prof.subdivision)].append(prof)
    for (country, subdivision), profs in sorted(by_country.items(), key=lambda kv: kv[0][0]):
        place = f"{country}-{subdivision}" if subdivision else country
        for day, name in holidays_between(country, subdivision, first, last).items():
            single = profs[0] if len(profs) == 1 else None
            yield CalendarEvent(
                kind=HOLIDAY,
                uid=f"{HOLIDAY}-{place}-{day.isoformat()}",
                title=_("%(place)s holiday: %(name)s", place=place, name=name)
                if single is None
                else _("%(person)s: %(name)s", person=single.name, name=name),
                all_day=day,
                membership_id=single.membership_id if single else None,
                person=single.name if single else None,
                extra={"country": country, "people": len(profs)},
            )


def meeting_events(
    actor: Any, start: dt.datetime, end: dt.datetime, filters: CalendarFilters
) -> Iterable[CalendarEvent]:
    """The recurring client meetings' occurrences, with the client's local time beside."""
    people = _people(actor, filters)
    if people == []:
        return
    found = meeting_occurrences(
        start,
        end,
        client_ids=[filters.client_id] if filters.client_id is not None else None,
        membership_ids=people,
    )
    if not found:
        return
    clients = {
        row.id: row
        for row in db.session.execute(
            sa.select(Client.id, Client.name, Client.time_zone).where(
                Client.id.in_({o.client_id for o in found})
            )
        )
    }
    names = dict(
        db.session.execute(
            sa.select(Membership.id, User.name)
            .join(User, User.id == Membership.user_id)
            .where(Membership.id.in_({o.membership_id for o in found}))
        ).all()
    )
    for o in found:
        client = clients.get(o.client_id)
        if client is None:
            continue
        yield CalendarEvent(
            kind=MEETING,
            uid=f"{MEETING}-{o.slot_id}-{o.starts_at:%Y%m%dT%H%M}",
            title=_("Meeting with %(client)s (outside the VA's hours)", client=client.name)
            if o.outside_va_hours
            else _("Meeting with %(client)s", client=client.name),
            starts_at=o.starts_at,
            ends_at=o.ends_at,
            client_id=o.client_id,
            client_name=client.name,
            client_zone=client.time_zone,
            membership_id=o.membership_id,
            person=names.get(o.membership_id),
            url=url_for(
                "clients.client_detail", agency_slug=actor.agency.slug, client_id=o.client_id
            ),
            extra={"slot_id": o.slot_id, "outside_va_hours": o.outside_va_hours},
        )


def register_capacity_sources() -> None:
    """Put time off, holidays and meetings on the calendar (after its own kinds: the app
    factory calls this once the calendar is registered)."""
    register_source(TIME_OFF, time_off_events, label=lazy_gettext("Time off"), color="warning")
    register_source(HOLIDAY, holiday_events, label=lazy_gettext("Holidays"), color="secondary")
    register_source(MEETING, meeting_events, label=lazy_gettext("Meetings"), color="success")
