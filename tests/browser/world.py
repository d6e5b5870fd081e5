"""The small agency the browser tests read pages of: Nakheel Assist, whose owner Huda Saleh
speaks `locale`, a VA with one work item on the client Harbour Bakery Ltd, and (when asked) a
client contact of that client who speaks `locale` too. Committed, since the browser reads
through the live server; returned as plain values (ORM objects would be detached)."""

from __future__ import annotations

from dataclasses import dataclass

from app.extensions import db
from tests.factories import (
    AgencyFactory,
    ClientFactory,
    MembershipFactory,
    UserFactory,
    WorkItemFactory,
)


@dataclass(frozen=True)
class Nakheel:
    owner_email: str
    client_id: int
    item_id: int
    contact_email: str | None


def nakheel(locale: str, *, contact: bool = False) -> Nakheel:
    agency = AgencyFactory(name="Nakheel Assist", slug="nakheel")
    owner = MembershipFactory(
        agency=agency, role="owner", user=UserFactory(name="Huda Saleh", locale=locale)
    )
    va = MembershipFactory(agency=agency, role="va", user=UserFactory(name="Omar Reyes"))
    client = ClientFactory(agency=agency, name="Harbour Bakery Ltd")
    item = WorkItemFactory(client=client, assignee_id=va.id, title="Monthly bookkeeping")
    person = (
        MembershipFactory(
            agency=agency, role="client", client_id=client.id, user=UserFactory(locale=locale)
        )
        if contact
        else None
    )
    world = Nakheel(
        owner_email=owner.user.email,
        client_id=client.id,
        item_id=item.id,
        contact_email=person.user.email if person else None,
    )
    db.session.commit()
    return world
