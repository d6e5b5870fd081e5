"""Notification preferences: reading and saving a member's choices, and the gate every
notification email passes (`app.core.mail.queue_email(notice=...)`).

The gate finds the recipient among the agency's active members by email address. An
address that is not a member's (a client contact without a portal login) has no
preferences and gets every notification at once.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.audit.services import record
from app.core.errors import Forbidden, ValidationFailed
from app.core.notice_gate import NOTICE_GATES
from app.core.permissions import Actor
from app.core.tenancy import all_tenants
from app.core.translation import gettext as _
from app.extensions import db
from app.notices.kinds import BY_CODE, CHANNELS, Kind, is_fixed, kinds_for
from app.notices.models import HeldNotice, NoticePreference
from app.notices.policy import can_edit_own_preferences
from app.users.models import Membership, User


def _recipient(session: Session, agency_id: int, to: str) -> tuple[int, str] | None:
    """(membership id, role) of the agency's active member with this address."""
    with all_tenants():
        row = session.execute(
            sa.select(Membership.id, Membership.role)
            .join(User, User.id == Membership.user_id)
            .where(
                Membership.agency_id == agency_id,
                Membership.status == "active",
                User.email == to.strip().lower(),  # stored normalized (lower case)
            )
        ).first()
    return (row[0], row[1]) if row else None


def channel_for(session: Session, agency_id: int, to: str, kind: str) -> str:
    """How the member at `to` wants notifications of `kind`: now, daily or off (one
    query: the member and their choice for this kind)."""
    spec = BY_CODE.get(kind)
    if spec is None:
        raise ValueError(f"unknown notification kind {kind!r}")
    with all_tenants():
        row = session.execute(
            sa.select(Membership.role, NoticePreference.channel)
            .join(User, User.id == Membership.user_id)
            .outerjoin(
                NoticePreference,
                sa.and_(
                    NoticePreference.membership_id == Membership.id,
                    NoticePreference.kind == kind,
                ),
            )
            .where(
                Membership.agency_id == agency_id,
                Membership.status == "active",
                User.email == to.strip().lower(),  # stored normalized (lower case)
            )
        ).first()
    if row is None or is_fixed(spec, row.role):
        return "now"
    return row.channel or "now"


class PreferenceGate:
    """The gate `queue_email` asks (registered by `create_app`)."""

    def channel(self, session: Session, agency_id: int | None, to: str, kind: str) -> str:
        if agency_id is None:
            return "now"
        return channel_for(session, agency_id, to, kind)

    def hold(
        self,
        session: Session,
        *,
        agency_id: int,
        to: str,
        kind: str,
        key: str,
        subject: str,
        link: str | None,
    ) -> None:
        """Keep the notification for the member's next daily summary (once per key)."""
        found = _recipient(session, agency_id, to)
        if found is None:
            return
        with all_tenants():
            if session.scalar(sa.select(HeldNotice.id).where(HeldNotice.idempotency_key == key)):
                return
            session.add(
                HeldNotice(
                    agency_id=agency_id,
                    membership_id=found[0],
                    kind=kind,
                    idempotency_key=key,
                    subject=subject[:300],
                    link=(link or None) and link[:500],
                )
            )
            session.flush()


def register_notice_gate() -> None:
    """Make `queue_email(notice=...)` ask the preferences (once per process)."""
    if not any(isinstance(gate, PreferenceGate) for gate in NOTICE_GATES):
        NOTICE_GATES.append(PreferenceGate())


def preferences_of(member: Membership) -> list[dict]:
    """Each kind the member can receive, with their choice and whether it is fixed."""
    stored = dict(
        db.session.execute(
            sa.select(NoticePreference.kind, NoticePreference.channel).where(
                NoticePreference.membership_id == member.id
            )
        ).all()
    )
    return [
        {
            "kind": k,
            "channel": "now" if is_fixed(k, member.role) else stored.get(k.code, "now"),
            "fixed": is_fixed(k, member.role),
        }
        for k in kinds_for(member.role)
    ]


def _check(member: Membership, choices: dict) -> dict[str, str]:
    allowed: dict[str, Kind] = {k.code: k for k in kinds_for(member.role)}
    errors: dict[str, list[str]] = {}
    clean: dict[str, str] = {}
    for code, channel in choices.items():
        kind = allowed.get(code)
        if kind is None:
            errors[code] = [_("Not a kind of notification you receive.")]
        elif channel not in CHANNELS:
            errors[code] = [_("Choose email at once, daily summary or off.")]
        elif is_fixed(kind, member.role) and channel != "now":
            errors[code] = [_("Owners always receive security mail at once.")]
        else:
            clean[code] = channel
    if errors:
        raise ValidationFailed(errors)
    return clean


def save_preferences(actor: Actor, choices: dict) -> list[dict]:
    """Save the acting member's choices (kind code -> channel); a kind left out keeps its
    choice. Every choice is checked before any is saved."""
    member = actor.membership
    if not can_edit_own_preferences(actor) or member is None:
        raise Forbidden(_("Your role does not allow this."))
    clean = _check(member, choices)
    rows = {
        p.kind: p
        for p in db.session.scalars(
            sa.select(NoticePreference).where(NoticePreference.membership_id == member.id)
        )
    }
    before, after = {}, {}
    for code, channel in clean.items():
        row = rows.get(code)
        old = row.channel if row else "now"
        if old == channel:
            continue
        if row is None:
            db.session.add(NoticePreference(membership_id=member.id, kind=code, channel=channel))
        else:
            row.channel = channel
        before[code], after[code] = old, channel
    db.session.flush()
    if after:
        record(
            actor,
            "notice_preferences.updated",
            member,
            summary=f"Notification choices of {member.user.email} changed",
            before=before,
            after=after,
        )
    return preferences_of(member)
