"""Invoice branding: the owner's page and API, validation, and logo uploads (PNG or JPEG
only, recognised from the bytes, re-encoded without metadata; SVG and polyglots refused)."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from PIL import Image, PngImagePlugin

from app.audit.models import AuditEvent
from app.core import storage
from app.core.tenancy import all_tenants
from app.documents.branding import clean_logo
from app.documents.models import Branding
from app.extensions import db
from tests.factories import AgencyFactory, MembershipFactory
from tests.helpers import api_token, bearer
from tests.objects import signed_in_client


@pytest.fixture
def owner():
    agency = AgencyFactory(name="Juniper Desk")
    membership = MembershipFactory(agency=agency, role="owner")
    db.session.commit()
    return agency, membership


def _page(app, membership):
    return signed_in_client(app, membership.user_id)


def _branding(agency_id: int) -> Branding | None:
    db.session.expire_all()
    with all_tenants():
        return db.session.scalar(sa.select(Branding).where(Branding.agency_id == agency_id))


def png_with_metadata() -> bytes:
    img = Image.new("RGBA", (320, 120), (15, 118, 110, 255))
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<script>alert(1)</script>")
    info.add_text("Author", "Secret Person")
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    out = io.BytesIO()
    img.save(out, "PNG", pnginfo=info, exif=exif.tobytes())
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    img = Image.new("RGB", (300, 100), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}  # GPS
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif.tobytes(), quality=95)
    return out.getvalue()


def _upload(http, slug: str, data: bytes, filename: str = "logo.png", content_type=None):
    return http.post(
        f"/{slug}/settings/branding/logo",
        data={"logo": (io.BytesIO(data), filename, content_type or "image/png")},
        content_type="multipart/form-data",
    )


# --- the form -------------------------------------------------------------------------------


def test_owner_saves_branding_and_it_is_audited(app, owner):
    agency, membership = owner
    http = _page(app, membership)
    page = http.get(f"/{agency.slug}/settings/branding")
    assert page.status_code == 200 and b'data-testid="branding-preview"' in page.data
    resp = http.post(
        f"/{agency.slug}/settings/branding",
        data={
            "primary_color": "#0F766E",
            "accent_color": "#b45309",
            "font": "Noto Serif",
            "address": "12 Baker Street\nLondon",
            "tax_id": "GB123",
            "bank_details": "IBAN GB29 NWBK 6016 1331 9268 19",
            "paypal_url": "https://paypal.me/juniper",
            "wise_url": "https://wise.com/pay/me/juniper",
            "footer_text": "Thanks!",
        },
    )
    assert resp.status_code == 302
    branding = _branding(agency.id)
    assert branding.primary_color == "#0f766e" and branding.font == "Noto Serif"
    assert branding.paypal_url == "https://paypal.me/juniper"
    with all_tenants():
        actions = db.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.agency_id == agency.id)
        ).all()
    assert "branding.updated" in actions


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("primary_color", "red"),
        ("primary_color", "#12345"),
        ("accent_color", "#12345g"),
        ("accent_color", "#123456;}"),
        ("font", "Comic Sans"),
        ("paypal_url", "javascript:alert(1)"),
        ("paypal_url", "file:///etc/passwd"),
        ("wise_url", "ftp://wise.com/x"),
        ("wise_url", "data:text/html,<script>alert(1)</script>"),
        ("tax_id", "x" * 61),
    ],
)
def test_bad_branding_values_are_refused_naming_the_field(app, owner, field, value):
    agency, membership = owner
    http = _page(app, membership)
    resp = http.post(
        f"/{agency.slug}/settings/branding",
        data={
            "primary_color": "#111111",
            "accent_color": "#222222",
            "font": "DejaVu Sans",
            field: value,
        },  # fmt: skip
    )
    assert resp.status_code == 422
    assert f'data-field-error="{field}"'.encode() in resp.data
    assert _branding(agency.id) is None


@pytest.mark.parametrize("role", ["manager", "va", "qa", "client"])
def test_only_owners_change_branding(app, owner, role):
    agency, _ = owner
    other = MembershipFactory(agency=agency, role=role)
    db.session.commit()
    http = _page(app, other)
    assert http.get(f"/{agency.slug}/settings/branding").status_code == 403
    assert (
        http.post(f"/{agency.slug}/settings/branding", data={"font": "Noto Sans"}).status_code
        == 403
    )
    assert _upload(http, agency.slug, png_with_metadata()).status_code == 403


def test_preview_shows_typed_values_and_ignores_bad_ones(app, owner):
    agency, membership = owner
    http = _page(app, membership)
    resp = http.get(
        f"/{agency.slug}/settings/branding/preview",
        query_string={"primary_color": "#123abc", "accent_color": "x;}", "footer_text": "Hi <b>"},
    )
    assert resp.status_code == 200
    body = resp.get_data(as_text=True)
    assert "#123abc" in body and "x;}" not in body
    assert "Hi &lt;b&gt;" in body
    assert _branding(agency.id) is None  # a preview writes nothing


# --- logos ----------------------------------------------------------------------------------


def test_png_logo_is_reencoded_without_metadata(app, owner):
    agency, membership = owner
    original = png_with_metadata()
    resp = _upload(_page(app, membership), agency.slug, original, filename="../../evil name.png")
    assert resp.status_code == 302
    branding = _branding(agency.id)
    assert branding.logo_content_type == "image/png"
    assert branding.logo_key.startswith(f"agency/{agency.id}/branding/logo-")
    assert "evil" not in branding.logo_key and ".." not in branding.logo_key
    stored = storage.get(branding.logo_key, branding.logo_sha256)
    assert stored != original
    assert b"<script>" not in stored and b"Secret" not in stored and b"eXIf" not in stored
    with Image.open(io.BytesIO(stored)) as img:
        assert img.format == "PNG" and img.size == (320, 120)
        assert not img.info.get("Comment") and not img.getexif()
        assert img.getpixel((5, 5)) == (15, 118, 110, 255)


def test_jpeg_logo_loses_its_exif_and_gps(app, owner):
    agency, membership = owner
    original = jpeg_with_gps()
    with Image.open(io.BytesIO(original)) as img:
        assert img.getexif()  # the test image does carry EXIF
    resp = _upload(_page(app, membership), agency.slug, original, "me.jpg", "image/jpeg")
    assert resp.status_code == 302
    branding = _branding(agency.id)
    stored = storage.get(branding.logo_key, branding.logo_sha256)
    assert branding.logo_content_type == "image/jpeg" and branding.logo_key.endswith(".jpg")
    assert b"SecretCam" not in stored and b"Exif" not in stored
    with Image.open(io.BytesIO(stored)) as img:
        assert img.format == "JPEG" and not img.getexif()


def test_large_logo_is_scaled_down(app):
    out = io.BytesIO()
    Image.new("RGB", (3000, 1000), (1, 2, 3)).save(out, "PNG")
    cleaned, kind = clean_logo(out.getvalue())
    with Image.open(io.BytesIO(cleaned)) as img:
        assert img.size == (1200, 400) and kind == "image/png"


SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/passwd"/></svg>'


def _html_in_png() -> bytes:
    return png_with_metadata() + b"<html><script>alert(document.cookie)</script></html>"


def _bomb() -> bytes:
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, "PNG")  # tiny file, 400 megapixels
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (SVG, "logo.svg", b"SVG"),
        (b'<?xml version="1.0"?>' + SVG, "logo.png", b"SVG"),
        (b"<html><body>hi</body></html>", "logo.png", b"PNG or JPEG"),
        (b"GIF89a" + b"\x00" * 64, "logo.gif", b"PNG or JPEG"),
        (b"\x89PNG\r\n\x1a\n" + b"not really a png" * 10, "logo.png", b"not a readable"),
        (b"", "logo.png", b"Choose a PNG or JPEG"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * (2 * 1024 * 1024), "big.png", b"at most 2 MB"),
        (_bomb(), "bomb.png", b"pixels on a side"),
    ],
    ids=["svg", "svg-named-png", "html", "gif", "broken-png", "empty", "too-big", "bomb"],
)
def test_bad_logos_are_refused(app, owner, data, filename, message):
    agency, membership = owner
    resp = _upload(_page(app, membership), agency.slug, data, filename)
    assert resp.status_code == 422
    assert b'data-field-error="logo"' in resp.data
    assert message in resp.data
    assert _branding(agency.id) is None


def test_html_appended_to_a_png_is_dropped(app, owner):
    agency, membership = owner
    resp = _upload(_page(app, membership), agency.slug, _html_in_png())
    assert resp.status_code == 302
    branding = _branding(agency.id)
    stored = storage.get(branding.logo_key, branding.logo_sha256)
    assert b"<script" not in stored and b"<html" not in stored


def test_logo_upload_with_extra_fields_is_refused(app, owner):
    agency, membership = owner
    resp = _page(app, membership).post(
        f"/{agency.slug}/settings/branding/logo",
        data={"logo": (io.BytesIO(png_with_metadata()), "l.png"), "logo_key": "../../x"},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 422
    assert _branding(agency.id) is None


def test_logo_removed_from_new_invoices(app, owner):
    agency, membership = owner
    http = _page(app, membership)
    assert _upload(http, agency.slug, png_with_metadata()).status_code == 302
    key = _branding(agency.id).logo_key
    assert http.post(f"/{agency.slug}/settings/branding/logo/delete").status_code == 302
    assert _branding(agency.id).logo_key is None
    assert storage.exists(key)  # earlier PDFs were made with it


# --- the API --------------------------------------------------------------------------------


def test_api_reads_and_patches_branding(app, owner):
    agency, membership = owner
    token = api_token(membership)
    http = app.test_client()
    resp = http.get(f"/api/v1/{agency.slug}/branding", headers=bearer(token))
    assert resp.status_code == 200 and resp.get_json()["font"] == "DejaVu Sans"
    resp = http.patch(
        f"/api/v1/{agency.slug}/branding",
        json={"accent_color": "#ABCDEF", "wise_url": "https://wise.com/pay/x"},
        headers=bearer(token),
    )
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["accent_color"] == "#abcdef"
    resp = http.patch(
        f"/api/v1/{agency.slug}/branding",
        json={"paypal_url": "javascript:alert(1)"},
        headers=bearer(token),
    )
    assert resp.status_code == 422 and "paypal_url" in resp.get_json()["errors"]
