"""Pure permission rules of the users domain: can_<verb>_<noun>(actor, obj) -> bool.

The team rules also come as `<verb>_<noun>_refusal(...)`, which says *why* an action is
refused (shown to the person and returned by the API as a 409); `can_...` is its yes/no.
Nothing here touches the database: counts the rules need are passed in.
"""

from __future__ import annotations

from typing import Any

from app.core.catalogues import N_  # marks a refusal; translated where it is shown
from app.core.permissions import MANAGERS, Actor

NOT_A_MANAGER = N_("Only owners and managers manage the team.")
MANAGER_VS_OWNER = N_("Managers can't change or disable an owner.")
MANAGER_MAKES_OWNER = N_("Only an owner can make someone an owner.")
SELF_DEMOTE = N_("You can't change your own role; ask another owner.")
SELF_DISABLE = N_("You can't disable yourself.")
LAST_OWNER = N_("The agency's last active owner can't be demoted or disabled.")
COSTS_HIDDEN = N_(
    "Only owners set what the agency pays its people (and managers, when the agency lets them "
    "see costs)."
)
CLIENT_SWAP = N_(
    "A client login and a staff role can't be swapped; invite the person with the new role."
)


def can_manage_team(actor: Actor) -> bool:
    return actor.role in MANAGERS


def can_view_member(actor: Actor, member: Any) -> bool:
    """Owners and managers see the whole team; everyone else only their own membership."""
    return can_manage_team(actor) or member.user_id == actor.user_id


def can_see_rates(actor: Actor) -> bool:
    """Everyone's cost rates: owners, and managers when the agency lets them see costs."""
    return actor.sees_costs


def role_change_refusal(
    actor: Actor, member: Any, new_role: str, *, active_owners: int
) -> str | None:
    """Why `actor` may not give `member` the role `new_role`, or None when allowed."""
    if not can_manage_team(actor):
        return NOT_A_MANAGER
    if new_role == member.role:
        return None
    if member.user_id == actor.user_id:
        return SELF_DEMOTE
    if actor.role != "owner" and member.role == "owner":
        return MANAGER_VS_OWNER
    if actor.role != "owner" and new_role == "owner":
        return MANAGER_MAKES_OWNER
    if (member.role == "client") != (new_role == "client"):
        return CLIENT_SWAP
    if member.role == "owner" and member.status == "active" and active_owners <= 1:
        return LAST_OWNER
    return None


def can_change_member_role(actor: Actor, member: Any, new_role: str, *, active_owners: int) -> bool:
    return role_change_refusal(actor, member, new_role, active_owners=active_owners) is None


def member_update_refusal(actor: Actor, member: Any) -> str | None:
    """Why `actor` may not edit `member`'s title, capacity or cost rate, or None."""
    if not can_manage_team(actor):
        return NOT_A_MANAGER
    if actor.role != "owner" and member.role == "owner":
        return MANAGER_VS_OWNER
    return None


def can_update_member(actor: Actor, member: Any) -> bool:
    return member_update_refusal(actor, member) is None


def member_disable_refusal(actor: Actor, member: Any, *, active_owners: int) -> str | None:
    """Why `actor` may not disable `member`, or None when allowed."""
    if not can_manage_team(actor):
        return NOT_A_MANAGER
    if member.user_id == actor.user_id:
        return SELF_DISABLE
    if actor.role != "owner" and member.role == "owner":
        return MANAGER_VS_OWNER
    if member.status != "active":
        return N_("This member is already disabled.")
    if member.role == "owner" and active_owners <= 1:
        return LAST_OWNER
    return None


def can_disable_member(actor: Actor, member: Any, *, active_owners: int) -> bool:
    return member_disable_refusal(actor, member, active_owners=active_owners) is None


def member_enable_refusal(actor: Actor, member: Any) -> str | None:
    """Why `actor` may not enable `member` again, or None when allowed."""
    if not can_manage_team(actor):
        return NOT_A_MANAGER
    if actor.role != "owner" and member.role == "owner":
        return MANAGER_VS_OWNER
    if member.status == "active":
        return N_("This member is already active.")
    return None


def can_enable_member(actor: Actor, member: Any) -> bool:
    return member_enable_refusal(actor, member) is None


def can_invite_role(actor: Actor, role: str) -> bool:
    """Owners invite any role; managers every role but owner."""
    if not can_manage_team(actor):
        return False
    return role != "owner" or actor.role == "owner"


def invitation_revoke_refusal(actor: Actor, invitation: Any) -> str | None:
    if not can_manage_team(actor):
        return NOT_A_MANAGER
    if invitation.role == "owner" and actor.role != "owner":
        return N_("Only an owner can revoke an owner's invitation.")
    if invitation.accepted_at is not None:
        return N_("This invitation was already accepted.")
    if invitation.revoked_at is not None:
        return N_("This invitation was already revoked.")
    return None


def can_revoke_invitation(actor: Actor, invitation: Any) -> bool:
    return invitation_revoke_refusal(actor, invitation) is None


def can_revoke_api_token(actor: Actor, token: Any) -> bool:
    """A personal API token is revoked by its person (disabling a member revokes them too)."""
    return token.user_id == actor.user_id
