"""Set-up of the capacity tests: a frozen clock (Wednesday 4 March 2026, before New York's
spring-forward night of 8 March), a team, a client in New York and a VA in Manila."""

from __future__ import annotations

import datetime as dt

from app.capacity.intervals import to_json
from app.capacity.models import ClientHours, TimeOff, WorkingHours
from app.core.tenancy import tenant
from app.extensions import db
from app.users.models import Membership

NOW = dt.datetime(2026, 3, 4, 15, 0, tzinfo=dt.UTC)
MONDAY = dt.date(2026, 3, 2)

# A Manila VA working New York's day: 22:00-24:00 Mon-Fri and 00:00-06:00 Tue-Sat (Manila),
# i.e. 14:00-22:00 UTC Monday to Friday.
NIGHT_SHIFT = (
    ((1320, 1440),),
    ((0, 360), (1320, 1440)),
    ((0, 360), (1320, 1440)),
    ((0, 360), (1320, 1440)),
    ((0, 360), (1320, 1440)),
    ((0, 360),),
    (),
)


def set_hours(
    member: Membership,
    schedule=None,
    *,
    zone: str | None = None,
    country: str | None = None,
    subdivision: str | None = None,
) -> None:
    from app.capacity.intervals import DEFAULT_SCHEDULE

    with tenant(member.agency_id):
        if zone:
            member.user.time_zone = zone
        db.session.add(
            WorkingHours(
                membership_id=member.id,
                schedule=to_json(schedule or DEFAULT_SCHEDULE),
                country=country,
                subdivision=subdivision,
            )
        )
        db.session.flush()


def set_client_hours(client, schedule) -> None:
    with tenant(client.agency_id):
        db.session.add(ClientHours(client_id=client.id, schedule=to_json(schedule)))
        db.session.flush()


def add_time_off(
    member: Membership,
    first: dt.date,
    last: dt.date | None = None,
    *,
    state: str = "approved",
    minutes: int | None = None,
) -> TimeOff:
    with tenant(member.agency_id):
        row = TimeOff(
            membership_id=member.id,
            starts_on=first,
            ends_on=last or first,
            minutes=minutes,
            kind="vacation",
            state=state,
        )
        db.session.add(row)
        db.session.flush()
        return row
