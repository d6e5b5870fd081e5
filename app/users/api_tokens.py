"""Personal API tokens: a person makes one for an agency they are active in (the raw token
is shown once; only its hash and a visible prefix are kept) and revokes their own. Both are
audited in that agency.

Services take the actor explicitly and flush but never commit.
"""

from __future__ import annotations

from app.audit.services import record
from app.core.clock import utcnow
from app.core.errors import Forbidden, ValidationFailed
from app.core.permissions import Actor
from app.core.security import new_token, token_hash
from app.core.tenancy import tenant
from app.core.translation import gettext as _
from app.extensions import db
from app.users import policy, queries
from app.users.models import ApiToken, Membership
from app.users.services import active_memberships

API_TOKEN_PREFIX = "baton_"  # noqa: S105 - a visible marker, not a secret


def create_api_token(actor: Actor, data: dict) -> tuple[ApiToken, str]:
    """A new token for one of the person's agencies; the raw token is returned once."""
    membership = next(
        (m for m in active_memberships(actor.user) if m.agency_id == data["agency_id"]), None
    )
    if membership is None:
        raise ValidationFailed({"agency_id": [_("Agency does not exist.")]})
    raw = new_token(API_TOKEN_PREFIX)
    with tenant(membership.agency_id):
        token = ApiToken(
            agency_id=membership.agency_id,
            user_id=actor.user_id,
            name=data["name"],
            prefix=raw[:12],
            token_hash=token_hash(raw),
        )
        db.session.add(token)
        db.session.flush()
        record(
            _in_agency(actor, membership),
            "api_token.created",
            token,
            summary=f"API token {token.name!r} ({token.prefix}…) created",
            after={"name": token.name, "prefix": token.prefix},
        )
        db.session.flush()
    return token, raw


def revoke_api_token(actor: Actor, token: ApiToken) -> ApiToken:
    if not policy.can_revoke_api_token(actor, token):
        raise Forbidden(_("This is not your token."))
    if token.revoked_at is not None:
        return token
    with tenant(token.agency_id):
        token.revoked_at = utcnow()
        db.session.flush()
        membership = queries.member_of_user(actor.user_id)
        if membership is not None:
            record(
                _in_agency(actor, membership),
                "api_token.revoked",
                token,
                summary=f"API token {token.name!r} ({token.prefix}…) revoked",
                before={"revoked": False},
                after={"revoked": True},
            )
            db.session.flush()
    return token


def _in_agency(actor: Actor, membership: Membership) -> Actor:
    return Actor(
        user=actor.user,
        agency=membership.agency,
        membership=membership,
        ip=actor.ip,
        via=actor.via,
    )
