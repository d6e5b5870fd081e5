"""HTML pages of service packages: the list with its add form, and a package's edit form
(owners and managers).
"""

from __future__ import annotations

from flask import g, url_for
from flask.typing import ResponseReturnValue

from app.clients.blueprint import bp
from app.clients.forms import form_page
from app.clients.policy import (
    can_edit_package,
    can_manage_packages,
)
from app.clients.queries import (
    get_package_or_404,
    onboarding_sop_options,
    package_list_query,
)
from app.clients.schemas import (
    PackageIn,
)
from app.clients.services import (
    PACKAGE_FIELDS,
    create_package,
    update_package,
)
from app.core.money import input_value
from app.core.permissions import MANAGERS, roles
from app.core.permissions import authorize as _authorize
from app.core.translation import gettext as _
from app.extensions import db


@bp.route("/<agency_slug>/packages", methods=["GET", "POST"])
@roles(*MANAGERS)
def list_packages(agency_slug: str) -> ResponseReturnValue:
    _authorize(can_manage_packages(g.actor))
    values: dict = {"pricing": "fixed", "currency": g.actor.agency.base_currency, "active": True}
    return form_page(
        "clients/packages.html",
        PackageIn(),
        values,
        lambda data: create_package(g.actor, data),
        lambda package: (
            _("Package %(name)s added to the catalogue.", name=package.name),
            url_for("clients.list_packages", agency_slug=agency_slug),
        ),
        context=lambda: {
            "packages": db.session.scalars(package_list_query(g.actor)).all(),
            "sop_options": onboarding_sop_options(),
        },
        checkboxes=("active",),
    )


@bp.route("/<agency_slug>/packages/<int:package_id>/edit", methods=["GET", "POST"])
@roles(*MANAGERS)
def edit_package(agency_slug: str, package_id: int) -> ResponseReturnValue:
    package = get_package_or_404(g.actor, package_id)
    _authorize(can_edit_package(g.actor, package))
    values: dict = {k: getattr(package, k) for k in PACKAGE_FIELDS}
    values["price"] = input_value(package.price_minor, package.currency)
    return form_page(
        "clients/package_form.html",
        PackageIn(),
        values,
        lambda data: update_package(g.actor, package, data),
        lambda _saved: (
            _("Package saved."),
            url_for("clients.list_packages", agency_slug=agency_slug),
        ),
        context=lambda: {"package": package, "sop_options": onboarding_sop_options()},
        checkboxes=("active",),
    )
