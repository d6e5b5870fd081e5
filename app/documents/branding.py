"""Agency branding of invoices: colours, bundled font, address, tax id, payment instructions,
footer and the logo.

The logo is accepted as PNG or JPEG only, recognised from its bytes (never from the file name
or the browser's content type), decoded with Pillow under size caps and re-encoded from its
pixels alone, so EXIF, XMP, ICC profiles, text chunks and anything appended to the file
(HTML, scripts) are gone. SVG is refused: it is a document that can fetch URLs. The stored
file lives under a key the server makes from ids and the checksum.
"""

from __future__ import annotations

import hashlib
import io
import re
from typing import Any

import sqlalchemy as sa
from marshmallow import fields, validate

from app.audit.services import record, snapshot
from app.core import storage
from app.core.errors import ValidationFailed
from app.core.permissions import Actor
from app.core.schemas import BaseSchema
from app.core.translation import gettext as _
from app.documents.models import BUNDLED_FONTS, Branding
from app.extensions import db

COLOR_PATTERN = r"^#[0-9a-fA-F]{6}$"
FIELDS = (
    "primary_color",
    "accent_color",
    "font",
    "address",
    "tax_id",
    "bank_details",
    "paypal_url",
    "wise_url",
    "footer_text",
)
DEFAULTS: dict[str, Any] = {
    "primary_color": "#4f46e5",
    "accent_color": "#f59e0b",
    "font": "DejaVu Sans",
    "address": None,
    "tax_id": None,
    "bank_details": None,
    "paypal_url": None,
    "wise_url": None,
    "footer_text": None,
}

LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_MAX_SIDE = 6000  # pixels, either side, before decoding
LOGO_MAX_PIXELS = 24_000_000  # width x height, before decoding (decompression bombs)
LOGO_MIN_SIDE = 16
LOGO_BOX = (1200, 400)  # stored logos are scaled down to fit
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_COLOR = re.compile(COLOR_PATTERN)
JPEG_MAGIC = b"\xff\xd8\xff"


# --- schemas (HTML form and JSON API alike) -------------------------------------------------


def _color(**kw: Any) -> fields.String:
    return fields.String(
        validate=validate.Regexp(COLOR_PATTERN, error="A colour like #1a2b3c."), **kw
    )


def _web_link(**kw: Any) -> fields.Url:
    return fields.Url(
        schemes={"http", "https"},
        allow_none=True,
        validate=validate.Length(max=300),
        metadata={"description": "An http(s) link, e.g. https://paypal.me/youragency"},
        **kw,
    )


class BrandingIn(BaseSchema):
    """What an owner may set. Colours are #rrggbb; the font is one of the bundled fonts;
    payment links are http(s) URLs only."""

    primary_color = _color()
    accent_color = _color()
    font = fields.String(validate=validate.OneOf(BUNDLED_FONTS))
    address = fields.String(allow_none=True, validate=validate.Length(max=500))
    tax_id = fields.String(allow_none=True, validate=validate.Length(max=60))
    bank_details = fields.String(allow_none=True, validate=validate.Length(max=1000))
    paypal_url = _web_link()
    wise_url = _web_link()
    footer_text = fields.String(allow_none=True, validate=validate.Length(max=500))


class BrandingOut(BaseSchema):
    primary_color = fields.String(dump_only=True)
    accent_color = fields.String(dump_only=True)
    font = fields.String(dump_only=True)
    address = fields.String(dump_only=True, allow_none=True)
    tax_id = fields.String(dump_only=True, allow_none=True)
    bank_details = fields.String(dump_only=True, allow_none=True)
    paypal_url = fields.String(dump_only=True, allow_none=True)
    wise_url = fields.String(dump_only=True, allow_none=True)
    footer_text = fields.String(dump_only=True, allow_none=True)
    has_logo = fields.Boolean(dump_only=True)
    logo_sha256 = fields.String(dump_only=True, allow_none=True)


# --- policy (pure) ----------------------------------------------------------------------------


def can_edit_branding(actor: Actor) -> bool:
    return actor.role == "owner"


def can_see_branding(actor: Actor) -> bool:
    return actor.role in ("owner", "manager")


# --- read side ----------------------------------------------------------------------------------


def find_branding() -> Branding | None:
    """The current agency's branding row, if it was ever saved (tenant-scoped query)."""
    return db.session.scalar(sa.select(Branding))


def branding_values(branding: Branding | None) -> dict[str, Any]:
    """Plain values of a branding row (or the defaults): strings and booleans only."""
    out = dict(DEFAULTS)
    if branding is not None:
        out.update({k: getattr(branding, k) for k in FIELDS})
    out["has_logo"] = bool(branding is not None and branding.logo_key)
    out["logo_sha256"] = branding.logo_sha256 if branding is not None else None
    out["logo_content_type"] = branding.logo_content_type if branding is not None else None
    return out


def text_lines(text: str | None) -> list[str]:
    """The non-blank lines of a multi-line field (an address, bank details), stripped."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def safe_color(value: str | None, default: str) -> str:
    """`value` lower-cased when it is a #rrggbb colour, else `default` (it goes into CSS)."""
    return value.lower() if value and _COLOR.fullmatch(value) else default


def brand_context(branding: Branding | None, *, tax_id: bool = False) -> dict[str, Any]:
    """The agency's branding as every PDF template reads it (`brand`): plain values only.

    Colours are checked (#rrggbb, else the default), the font is a bundled one, the address
    comes as lines, and the logo is named only when a checksummed file is stored (the
    document's assets then serve `logo_name`). `tax_id` adds the agency's tax id (the
    invoice prints it; the welcome packet and payout statement do not).
    """
    values = branding_values(branding)
    has_logo = bool(branding and branding.logo_key and branding.logo_sha256)
    png = has_logo and branding.logo_content_type == "image/png"
    brand: dict[str, Any] = {
        "primary_color": safe_color(values["primary_color"], DEFAULTS["primary_color"]),
        "accent_color": safe_color(values["accent_color"], DEFAULTS["accent_color"]),
        "font": values["font"] if values["font"] in BUNDLED_FONTS else DEFAULTS["font"],
        "address_lines": text_lines(values["address"]),
        "footer_text": values["footer_text"] or "",
        "has_logo": has_logo,
        "logo_name": "logo.png" if png else "logo.jpg",
        "logo_key": branding.logo_key if has_logo else None,
        "logo_sha256": branding.logo_sha256 if has_logo else None,
    }
    if tax_id:
        brand["tax_id"] = values["tax_id"] or ""
    return brand


def logo_bytes(branding: Branding | None) -> bytes | None:
    """The stored logo, checksum verified (None when there is none)."""
    if branding is None or not branding.logo_key or not branding.logo_sha256:
        return None
    return storage.get(branding.logo_key, branding.logo_sha256)


# --- write side ---------------------------------------------------------------------------------


def _get_or_create() -> Branding:
    branding = find_branding()
    if branding is None:
        branding = Branding(**{k: v for k, v in DEFAULTS.items() if v is not None})
        db.session.add(branding)
    return branding


def update_branding(actor: Actor, data: dict) -> Branding:
    """Save the given branding fields (a loaded `BrandingIn`); flushes, never commits."""
    branding = _get_or_create()
    before = snapshot(branding, FIELDS) if branding.id else {}
    for key, value in data.items():
        if key in FIELDS:
            if isinstance(value, str) and key.endswith("_color"):
                value = value.lower()
            setattr(branding, key, value if value != "" else None)
    db.session.flush()
    record(
        actor,
        "branding.updated",
        branding,
        summary="Invoice branding updated",
        before=before,
        after=snapshot(branding, FIELDS),
    )
    return branding


def sniff_image(data: bytes) -> str | None:
    """'PNG' or 'JPEG' from the file's first bytes, else None (SVG, HTML, GIF, ...)."""
    if data.startswith(PNG_MAGIC):
        return "PNG"
    if data.startswith(JPEG_MAGIC):
        return "JPEG"
    return None


def clean_logo(data: bytes) -> tuple[bytes, str]:
    """Check and re-encode an uploaded logo; returns (bytes, content type).

    Raises ValidationFailed naming `logo` for anything that is not a PNG or JPEG within the
    caps. The output is built from the decoded pixels only: no metadata survives.
    """
    from PIL import Image, UnidentifiedImageError

    def refuse(message: str) -> ValidationFailed:
        return ValidationFailed({"logo": [message]})

    if not data:
        raise refuse(_("Choose a PNG or JPEG file."))
    if len(data) > LOGO_MAX_BYTES:
        raise refuse(
            _("The logo may be at most %(size)s MB.", size=LOGO_MAX_BYTES // (1024 * 1024))
        )
    kind = sniff_image(data)
    if kind is None:
        raise refuse(_("Only PNG or JPEG images are accepted (SVG and other formats are not)."))
    try:
        with Image.open(io.BytesIO(data), formats=[kind]) as img:
            width, height = img.size
            if max(width, height) > LOGO_MAX_SIDE or width * height > LOGO_MAX_PIXELS:
                raise refuse(
                    _("The logo may be at most %(size)s pixels on a side.", size=LOGO_MAX_SIDE)
                )
            if min(width, height) < LOGO_MIN_SIDE:
                raise refuse(
                    _("The logo must be at least %(size)s pixels on a side.", size=LOGO_MIN_SIDE)
                )
            img.seek(0)  # first frame only (animated PNGs)
            img.load()
            pixels = _plain_pixels(img, kind)
    except ValidationFailed:
        raise
    except Image.DecompressionBombError:
        raise refuse(
            _("The logo may be at most %(size)s pixels on a side.", size=LOGO_MAX_SIDE)
        ) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise refuse(_("This file is not a readable PNG or JPEG image.")) from None
    pixels.thumbnail(LOGO_BOX, Image.Resampling.LANCZOS)
    # A brand-new image holding only the pixels: no EXIF, XMP, ICC, text chunks or trailers.
    clean = Image.frombytes(pixels.mode, pixels.size, pixels.tobytes())
    out = io.BytesIO()
    if kind == "PNG":
        clean.save(out, format="PNG", optimize=True)
        return out.getvalue(), "image/png"
    clean.save(out, format="JPEG", quality=90, optimize=True)
    return out.getvalue(), "image/jpeg"


def _plain_pixels(img: Any, kind: str) -> Any:
    """The image in a plain mode: RGB(A) for PNG, RGB for JPEG (CMYK, palette, 16-bit
    and greyscale-with-alpha images converted)."""
    if kind == "JPEG":
        return img.convert("RGB")
    has_alpha = img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info
    return img.convert("RGBA" if has_alpha else "RGB")


def set_logo(actor: Actor, data: bytes) -> Branding:
    """Store a cleaned copy of the uploaded logo as the agency's logo; flushes."""
    cleaned, content_type = clean_logo(data)
    ext = "png" if content_type == "image/png" else "jpg"
    digest = hashlib.sha256(cleaned).hexdigest()
    key = storage.make_key("agency", actor.agency_id, "branding", f"logo-{digest[:24]}.{ext}")
    stored = storage.put(key, cleaned)
    branding = _get_or_create()
    before = {"logo_sha256": branding.logo_sha256}
    branding.logo_key = stored.key
    branding.logo_sha256 = stored.sha256
    branding.logo_content_type = content_type
    db.session.flush()
    record(
        actor,
        "branding.logo_set",
        branding,
        summary=f"Invoice logo uploaded ({stored.size} bytes, {content_type})",
        before=before,
        after={"logo_sha256": stored.sha256},
    )
    return branding


def remove_logo(actor: Actor) -> Branding | None:
    """Invoices stop showing a logo (the stored file stays: older PDFs were made with it)."""
    branding = find_branding()
    if branding is None or not branding.logo_key:
        return branding
    before = {"logo_sha256": branding.logo_sha256}
    branding.logo_key = branding.logo_sha256 = branding.logo_content_type = None
    db.session.flush()
    record(actor, "branding.logo_removed", branding, summary="Invoice logo removed", before=before)
    return branding
