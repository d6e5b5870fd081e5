"""The frame around every page: the profile keeps the agency menu, settings pages light
Settings (not Billing), /favicon.ico is served, and the API docs lead back to the app."""

from __future__ import annotations

import re

from tests.factories import AgencyFactory, MembershipFactory
from tests.work.support import web


def _nav(html: str) -> str:
    return html.split("</nav>", 1)[0]


def _toggle_active(html: str, name: str) -> bool:
    tag = re.search(rf'<a [^>]*data-testid="nav-{name}"[^>]*>', html)
    assert tag, f"no {name} menu"
    return " active" in tag.group(0).split('class="', 1)[1].split('"', 1)[0] + " "


def test_profile_keeps_the_menu_of_the_agency_the_person_was_in(app, desk):
    owner = web(app, desk.owner)
    nav = _nav(owner.get("/profile").get_data(as_text=True))
    for path in ("/invoices", "/team", "/settings/branding", "/clients"):
        assert f'href="/{desk.slug}{path}"' in nav, path
    assert 'data-testid="nav-billing"' in nav and 'data-testid="nav-settings"' in nav


def test_profile_menu_follows_the_last_agency_of_someone_in_two(app, desk):
    second = AgencyFactory()
    MembershipFactory(agency=second, user=desk.va.user, role="owner")
    va = web(app, desk.va)
    va.get(f"/{second.slug}/")  # the last agency visited
    nav = _nav(va.get("/profile").get_data(as_text=True))
    assert f'href="/{second.slug}/team"' in nav  # as owner there
    va.get(f"/{desk.slug}/")
    nav = _nav(va.get("/profile").get_data(as_text=True))
    assert f'href="/{desk.slug}/team"' not in nav  # a VA in this one: no team page
    assert f'href="/{desk.slug}/my-work"' in nav


def test_settings_pages_light_settings_not_billing(app, desk):
    owner = web(app, desk.owner)
    for path in ("/settings/branding", "/settings/reminders", "/invoice-settings"):
        html = owner.get(f"/{desk.slug}{path}").get_data(as_text=True)
        assert _toggle_active(html, "settings"), path
        assert not _toggle_active(html, "billing"), path
    html = owner.get(f"/{desk.slug}/invoices").get_data(as_text=True)
    assert _toggle_active(html, "billing") and not _toggle_active(html, "settings")


def test_favicon_is_served_to_anyone(app):
    resp = app.test_client().get("/favicon.ico")
    assert resp.status_code == 200
    assert resp.mimetype == "image/vnd.microsoft.icon"
    assert resp.data[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_api_docs_lead_back_to_the_app(app, desk):
    for client in (app.test_client(), web(app, desk.owner)):
        resp = client.get("/api/v1/docs")
        assert resp.status_code == 200
        html = resp.get_data(as_text=True)
        link = re.search(r'<a href="([^"]+)" data-testid="back-to-app"', html)
        assert link and link.group(1) == "/"
        assert "swagger-ui-bundle.js" in html and "SwaggerUIBundle(config)" in html
