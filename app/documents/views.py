"""The owner's invoice-branding page: colours, font, address, payment instructions, footer,
the logo upload, and a live preview of the invoice header."""

from __future__ import annotations

import base64

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import ValidationError

from app.core.errors import Forbidden, ValidationFailed
from app.core.money import format_money
from app.core.permissions import roles
from app.core.schemas import load_form
from app.core.translation import gettext as _
from app.core.uow import commit
from app.documents.branding import (
    FIELDS,
    LOGO_MAX_BYTES,
    BrandingIn,
    branding_values,
    can_edit_branding,
    find_branding,
    logo_bytes,
    remove_logo,
    set_logo,
    update_branding,
)
from app.documents.models import BUNDLED_FONTS
from app.documents.rendering import font_stack
from app.extensions import db

bp = Blueprint("branding", __name__, template_folder="templates")
_REQUIRED_TEXT = ("primary_color", "accent_color", "font")  # never blank, unlike the rest
# The preview's sample line: USD 1,200.00, written as the reader writes money.
SAMPLE_AMOUNT = 120_000


def _authorize() -> None:
    if not can_edit_branding(g.actor):
        raise Forbidden(_("Only owners can change invoice branding."))


def _logo_data_uri(values: dict) -> str | None:
    """The stored logo inline (the page's CSP allows data: images, not other hosts)."""
    if not values.get("has_logo"):
        return None
    data = logo_bytes(find_branding())
    if data is None:
        return None
    return f"data:{values['logo_content_type']};base64,{base64.b64encode(data).decode()}"


def _render(values: dict, errors: dict, logo_errors: dict | None = None, status: int = 200):
    saved = branding_values(find_branding())
    preview = {**saved, **{k: v for k, v in values.items() if k in FIELDS}}
    return render_template(
        "documents/branding.html",
        values=values,
        errors=errors,
        logo_errors=logo_errors or {},
        saved=saved,
        preview=preview,
        preview_font=font_stack(preview.get("font"), "ltr"),
        sample_amount=format_money(SAMPLE_AMOUNT, "USD", None),
        logo_uri=_logo_data_uri(saved),
        font_options=[(f, f) for f in BUNDLED_FONTS],
    ), status


@bp.route("/<agency_slug>/settings/branding", methods=["GET", "POST"])
@roles("owner")
def edit_branding(agency_slug: str) -> ResponseReturnValue:
    _authorize()
    values = {k: v for k, v in branding_values(find_branding()).items() if k in FIELDS}
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            data = load_form(BrandingIn(), request.form)
            update_branding(g.actor, data)
            commit()
            flash(_("Invoice branding saved. New PDFs use it."), "success")
            return redirect(url_for("branding.edit_branding", agency_slug=agency_slug))
        except ValidationFailed as exc:
            db.session.rollback()
            return _render(values, exc.errors, status=422)
    return _render(values, {})


@bp.post("/<agency_slug>/settings/branding/logo")
@roles("owner")
def upload_logo(agency_slug: str) -> ResponseReturnValue:
    _authorize()
    unknown = [k for k in (*request.form, *request.files) if k not in ("csrf_token", "logo")]
    upload = request.files.get("logo")
    try:
        if unknown:
            raise ValidationFailed({k: [_("Unknown field.")] for k in unknown})
        # Read at most one byte over the cap: the size check must not need the whole body.
        data = upload.stream.read(LOGO_MAX_BYTES + 1) if upload else b""
        set_logo(g.actor, data)
        commit()
    except ValidationFailed as exc:
        db.session.rollback()
        values = {k: v for k, v in branding_values(find_branding()).items() if k in FIELDS}
        return _render(values, {}, logo_errors=exc.errors, status=422)
    flash(_("Logo saved. It was re-encoded and its metadata removed."), "success")
    return redirect(url_for("branding.edit_branding", agency_slug=agency_slug))


@bp.post("/<agency_slug>/settings/branding/logo/delete")
@roles("owner")
def delete_logo(agency_slug: str) -> ResponseReturnValue:
    _authorize()
    remove_logo(g.actor)
    commit()
    flash(_("Logo removed from new invoices."), "info")
    return redirect(url_for("branding.edit_branding", agency_slug=agency_slug))


@bp.get("/<agency_slug>/settings/branding/preview")
@roles("owner")
def preview_branding(agency_slug: str) -> ResponseReturnValue:
    """The header preview for the values being typed (htmx); invalid values fall back to
    the saved ones, and nothing is written."""
    _authorize()
    saved = branding_values(find_branding())
    preview = dict(saved)
    schema = BrandingIn()
    for key in FIELDS:
        if key not in request.args:
            continue
        raw = request.args.get(key, "").strip()
        try:
            loaded = schema.load({key: raw or None} if key not in _REQUIRED_TEXT else {key: raw})
        except ValidationError:
            continue
        preview[key] = loaded.get(key)
    return render_template(
        "documents/_branding_preview.html",
        preview=preview,
        preview_font=font_stack(preview.get("font"), "ltr"),
        sample_amount=format_money(SAMPLE_AMOUNT, "USD", None),
        logo_uri=_logo_data_uri(saved),
    )
