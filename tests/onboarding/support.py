"""A small agency for the onboarding tests: an owner, a QA reviewer, a VA who is primary on
a `prospect` client with two contacts, the agency's `client-onboarding` SOP and another SOP
a package may name."""

from __future__ import annotations

import copy
from dataclasses import dataclass

from app.agencies.models import Agency
from app.clients.models import Client
from app.core.permissions import Actor
from app.extensions import db
from app.users.models import Membership
from tests.factories import (
    DEFAULT_SOP_DEFINITION,
    AgencyFactory,
    AssignmentFactory,
    ClientFactory,
    ContactFactory,
    MembershipFactory,
    ServicePackageFactory,
    SopFactory,
    SopVersionFactory,
)


@dataclass
class Team:
    agency_id: int
    owner_id: int
    va_id: int
    client_id: int
    default_version_id: int
    package_version_id: int
    package_id: int
    contact_emails: list[str]  # the contacts to invite (no portal login yet)
    login_email: str  # the contact who has a login


def _sop(agency: Agency, slug: str, title: str, stage_titles: tuple[str, str]) -> int:
    definition = copy.deepcopy(DEFAULT_SOP_DEFINITION)
    definition["slug"], definition["title"] = slug, title
    for stage, stage_title in zip(definition["stages"], stage_titles, strict=True):
        stage["title"] = stage_title
    sop = SopFactory(agency=agency, slug=slug, title=title)
    return SopVersionFactory(sop=sop, definition=definition).id


def make_team(
    *,
    agency_zone: str = "Asia/Dubai",
    client_zone: str = "Asia/Tokyo",
    locale: str = "en",
    default_sop: bool = True,
) -> Team:
    agency = AgencyFactory(name="Juniper Desk", time_zone=agency_zone)
    owner = MembershipFactory(agency=agency, role="owner")
    MembershipFactory(agency=agency, role="qa")
    package = ServicePackageFactory(agency=agency, name="Executive Assistant Plus")
    client = ClientFactory(
        agency=agency,
        name="Harbour & Co",
        status="prospect",
        time_zone=client_zone,
        locale=locale,
        response_time_hours=4,
        service_package_id=package.id,
        channels={"urgent": "phone", "routine": "email", "billing": "portal"},
    )
    va = AssignmentFactory(client=client, kind="primary").membership
    va.user.name = "Vera Assistant"
    emails = ["ada@harbour.test", "bo@harbour.test"]
    for email in emails:
        ContactFactory(client=client, email=email)
    ContactFactory(client=client, email=None)  # no email: nobody to invite or mail
    # A contact who already has a portal login: mailed the packet, never invited again.
    login = MembershipFactory(agency=agency, role="client", client_id=client.id)
    ContactFactory(client=client, email=login.user.email, membership_id=login.id)
    default_version = (
        _sop(agency, "client-onboarding", "Client onboarding", ("Kick-off call", "Tools access"))
        if default_sop
        else 0
    )
    package_version = _sop(agency, "exec-onboarding", "Executive onboarding", ("Meet", "Map"))
    db.session.flush()
    return Team(
        agency_id=agency.id,
        owner_id=owner.id,
        va_id=va.id,
        client_id=client.id,
        default_version_id=default_version,
        package_version_id=package_version,
        package_id=package.id,
        contact_emails=emails,
        login_email=login.user.email,
    )


def owner_actor(team: Team) -> Actor:
    member = db.session.get(Membership, team.owner_id)
    return Actor(user=member.user, agency=db.session.get(Agency, team.agency_id), membership=member)


def client_of(team: Team) -> Client:
    return db.session.get(Client, team.client_id)
