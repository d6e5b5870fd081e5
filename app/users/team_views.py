"""HTML pages of the team (owners and managers): the member list, invitations, and one
member's page (role, details, disable, enable). Routes on the blueprint of
app.users.blueprint; the app-wide `minor_money` template filter is registered here too."""

from __future__ import annotations

import decimal
from collections.abc import Callable

from babel.numbers import get_currency_precision
from flask import current_app, flash, g, redirect, render_template, request, url_for

from app.core.errors import Conflict, ValidationFailed
from app.core.formatting import role_label
from app.core.idempotency import once_per_form
from app.core.money import format_money
from app.core.pagination import paginate
from app.core.permissions import roles
from app.core.schemas import load_form
from app.core.translation import gettext as _
from app.core.uow import commit
from app.core.web import absolute_url
from app.extensions import db
from app.users import policy, queries, team_services
from app.users.blueprint import bp
from app.users.labels import MEMBER_STATUS_NAMES, role_count, role_names
from app.users.models import ROLES, Membership
from app.users.schemas import InvitationIn, MemberDetailsIn, MemberRoleIn

MEMBERS_PER_PAGE = 50


@bp.app_template_filter("minor_money")
def minor_money(amount_minor: int | None, currency: str | None) -> str:
    """An amount in minor units shown in its currency in the reader's locale, e.g. 1250 USD
    -> $12.50 in English, 12,50 $US in French (app.core.money.format_money)."""
    return format_money(amount_minor, currency, None)


def _major(amount_minor: int | None, currency: str | None) -> str:
    """Minor units as the plain number a person types (1250 USD -> 12.50)."""
    if amount_minor is None or not currency:
        return ""
    places = get_currency_precision(currency)
    return str(
        decimal.Decimal(amount_minor).scaleb(-places).quantize(decimal.Decimal(1).scaleb(-places))
    )


def _invitable_roles() -> list[tuple[str, str]]:
    return [(r, role_label(r)) for r in ROLES if policy.can_invite_role(g.actor, r)]


def _render_team(status: int = 200, *, invite_values=None, invite_errors=None, message=None):
    actor = g.actor
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 100_000))
    members = paginate(queries.visible_members(actor), page, MEMBERS_PER_PAGE)
    invitations = list(
        db.session.scalars(queries.visible_invitations(actor, states=("pending", "expired")))
    )
    return render_template(
        "users/team.html",
        members=members,
        invitations=invitations,
        counts=queries.team_counts(),
        roles=_invitable_roles(),
        role_labels=role_names(),
        status_labels=MEMBER_STATUS_NAMES,
        role_count=role_count,
        clients=queries.clients_for_invitations(),
        invite_values=invite_values or {"role": "va"},
        invite_errors=invite_errors or {},
        message=message,
        ttl_hours=current_app.config["INVITATION_TTL_HOURS"],
    ), status


def _render_member(member, status: int = 200, *, values=None, errors=None, message=None):
    actor = g.actor
    currency = member.cost_currency or actor.agency.base_currency
    values = values or {
        "role": member.role,
        "title": member.title,
        "capacity_hours_week": member.capacity_hours_week,
        "cost_rate": _major(member.cost_rate_minor, currency),
        "cost_currency": currency,
    }
    role_choices = [
        (r, role_label(r))
        for r in ROLES
        if r == member.role or policy.can_change_member_role(actor, member, r, active_owners=2)
    ]
    return render_template(
        "users/member.html",
        member=member,
        values=values,
        errors=errors or {},
        message=message,
        role_labels=role_names(),
        status_labels=MEMBER_STATUS_NAMES,
        role_choices=role_choices,
        can_update=policy.can_update_member(actor, member),
        can_disable=policy.can_disable_member(actor, member, active_owners=2),
        can_enable=policy.can_enable_member(actor, member),
    ), status


def _change_member(
    agency_slug: str,
    member_id: int,
    change: Callable[[Membership], object],
    done: Callable[[Membership], str],
    *,
    back_to_team: bool = False,
    keep_form: bool = False,
):
    """An action on one member's page: load the member, `change` them, commit once, say
    `done` and go back to their page (or the team). A refused form (422, with the submitted
    values when `keep_form`) or team rule (409) shows their page again."""
    member = queries.get_member_or_404(g.actor, member_id)
    try:
        change(member)
        commit()
    except ValidationFailed as exc:
        db.session.rollback()
        values = {**request.form.to_dict(), "role": member.role} if keep_form else None
        return _render_member(member, 422, values=values, errors=exc.errors)
    except Conflict as exc:
        db.session.rollback()
        return _render_member(member, 409, message=exc.message)
    flash(done(member), "success")
    if back_to_team:
        return redirect(url_for("users.team", agency_slug=agency_slug))
    return redirect(url_for("users.team_member", agency_slug=agency_slug, member_id=member.id))


@bp.get("/<agency_slug>/team")
@roles("owner", "manager")
def team(agency_slug: str):
    return _render_team()


@bp.post("/<agency_slug>/team/invite")
@roles("owner", "manager")
@once_per_form
def invite_member(agency_slug: str):
    try:
        data = load_form(InvitationIn(), request.form)
        invitation = team_services.invite_member(
            g.actor, data, link=lambda raw: absolute_url("users.accept_invitation", token=raw)
        )
        commit()
    except ValidationFailed as exc:
        db.session.rollback()
        return _render_team(422, invite_values=request.form.to_dict(), invite_errors=exc.errors)
    flash(_("Invitation sent to %(email)s.", email=invitation.email), "success")
    return redirect(url_for("users.team", agency_slug=agency_slug))


@bp.post("/<agency_slug>/team/invitations/<int:invitation_id>/revoke")
@roles("owner", "manager")
def revoke_invitation(agency_slug: str, invitation_id: int):
    invitation = queries.get_invitation_or_404(g.actor, invitation_id)
    try:
        team_services.revoke_invitation(g.actor, invitation)
        commit()
    except Conflict as exc:
        db.session.rollback()
        return _render_team(409, message=exc.message)
    flash(_("Invitation to %(email)s revoked.", email=invitation.email), "success")
    return redirect(url_for("users.team", agency_slug=agency_slug))


@bp.get("/<agency_slug>/team/<int:member_id>")
@roles("owner", "manager")
def team_member(agency_slug: str, member_id: int):
    return _render_member(queries.get_member_or_404(g.actor, member_id))


@bp.post("/<agency_slug>/team/<int:member_id>/role")
@roles("owner", "manager")
def change_member_role(agency_slug: str, member_id: int):
    return _change_member(
        agency_slug,
        member_id,
        lambda member: team_services.change_member_role(
            g.actor, member, load_form(MemberRoleIn(), request.form)["role"]
        ),
        lambda member: _(
            "%(name)s is now %(role)s.", name=member.user.name, role=role_label(member.role)
        ),
    )


@bp.post("/<agency_slug>/team/<int:member_id>/details")
@roles("owner", "manager")
def update_member(agency_slug: str, member_id: int):
    return _change_member(
        agency_slug,
        member_id,
        lambda member: team_services.update_member(
            g.actor, member, load_form(MemberDetailsIn(), request.form)
        ),
        lambda member: _("%(name)s's details saved.", name=member.user.name),
        keep_form=True,
    )


@bp.post("/<agency_slug>/team/<int:member_id>/disable")
@roles("owner", "manager")
def disable_member(agency_slug: str, member_id: int):
    return _change_member(
        agency_slug,
        member_id,
        lambda member: team_services.disable_member(g.actor, member),
        lambda member: _("%(name)s is disabled and signed out everywhere.", name=member.user.name),
        back_to_team=True,
    )


@bp.post("/<agency_slug>/team/<int:member_id>/enable")
@roles("owner", "manager")
def enable_member(agency_slug: str, member_id: int):
    return _change_member(
        agency_slug,
        member_id,
        lambda member: team_services.enable_member(g.actor, member),
        lambda member: _("%(name)s is active again.", name=member.user.name),
        back_to_team=True,
    )
