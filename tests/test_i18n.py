"""Pages speak the reader's language: a person's profile language (Arabic right to left,
French), the menu's switch (remembered on the profile, or in a cookie before sign-in), the
browser's Accept-Language; and the catalogues hold every marked string in Arabic and French."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from app.core.catalogues import TRANSLATED, catalogue_roots, extract, is_translated
from app.core.i18n import language_of, text_direction
from app.extensions import db
from app.users.models import User
from tests.factories import MembershipFactory
from tests.helpers import api_token, bearer, html_tag
from tests.objects import signed_in_client

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Owner:
    user_id: int
    slug: str


@pytest.fixture
def owner_of():
    def make(locale: str):
        member = MembershipFactory(role="owner", user__locale=locale)
        db.session.commit()
        return Owner(member.user_id, member.agency.slug)

    return make


def test_an_arabic_speaking_owner_gets_right_to_left_pages_in_arabic(app, owner_of):
    member = owner_of("ar_EG")
    page = signed_in_client(app, member.user_id).get(f"/{member.slug}/").text
    assert html_tag(page).startswith('<html lang="ar" dir="rtl"')
    assert "vendor/bootstrap/bootstrap.rtl.min.css" in page
    assert "vendor/bootstrap/bootstrap.min.css" not in page
    assert "لوحة التحكم" in page and "الإعدادات" in page and "تسجيل الخروج" in page
    assert ">Dashboard<" not in page.replace("</i> ", ">") and "Sign out" not in page


def test_a_french_profile_reads_french_left_to_right(app, owner_of):
    member = owner_of("fr_CA")  # the region has no catalogue of its own: French
    page = signed_in_client(app, member.user_id).get(f"/{member.slug}/").text
    assert html_tag(page).startswith('<html lang="fr" dir="ltr"')
    assert "vendor/bootstrap/bootstrap.min.css" in page
    assert "Tableau de bord" in page and "Se déconnecter" in page


def test_a_language_baton_does_not_speak_falls_back_to_english(app, owner_of):
    member = owner_of("de_DE")
    page = signed_in_client(app, member.user_id).get(f"/{member.slug}/").text
    assert html_tag(page).startswith('<html lang="en" dir="ltr"')
    assert "Dashboard" in page


def test_the_menu_switch_remembers_the_language_on_the_profile(app, owner_of):
    member = owner_of("en")
    client = signed_in_client(app, member.user_id)
    back_to = f"/{member.slug}/clients?q=x"
    resp = client.post("/language", data={"language": "ar", "next": back_to})
    assert resp.status_code == 303 and resp.headers["Location"] == back_to
    assert db.session.get(User, member.user_id).locale == "ar"
    assert 'dir="rtl"' in html_tag(client.get(f"/{member.slug}/").text)
    # Switching back keeps working, and a new session (another device) keeps the choice.
    client.post("/language", data={"language": "fr", "next": "/"})
    other_device = signed_in_client(app, member.user_id)
    assert 'lang="fr"' in html_tag(other_device.get(f"/{member.slug}/").text)


def test_picking_the_language_one_already_speaks_keeps_the_region(app, owner_of):
    member = owner_of("fr_CA")
    client = signed_in_client(app, member.user_id)
    client.post("/language", data={"language": "fr", "next": "/"})
    assert db.session.get(User, member.user_id).locale == "fr_CA"


def test_an_unknown_language_or_a_foreign_next_changes_nothing(app, owner_of):
    member = owner_of("en")
    client = signed_in_client(app, member.user_id)
    resp = client.post("/language", data={"language": "xx", "next": "/"})
    assert resp.status_code == 303 and db.session.get(User, member.user_id).locale == "en"
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)", ""):
        resp = client.post("/language", data={"language": "ar", "next": target})
        assert resp.headers["Location"] == "/", target


def test_before_sign_in_the_browser_language_then_the_switch_decide(client):
    page = client.get("/login", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}).text
    assert html_tag(page).startswith('<html lang="fr"')
    page = client.get("/login", headers={"Accept-Language": "de, ja"}).text
    assert html_tag(page).startswith('<html lang="en"')
    resp = client.post("/language", data={"language": "ar", "next": "/login"})
    assert "baton_lang=ar" in resp.headers["Set-Cookie"]
    assert "HttpOnly" in resp.headers["Set-Cookie"]
    page = client.get("/login", headers={"Accept-Language": "fr"}).text
    assert html_tag(page).startswith('<html lang="ar" dir="rtl"')
    assert 'data-testid="language-menu"' in page


def test_the_rtl_stylesheet_is_served_locally(client):
    resp = client.get("/static/vendor/bootstrap/bootstrap.rtl.min.css")
    assert resp.status_code == 200 and b"Bootstrap" in resp.data[:200]
    assert b".ms-auto{margin-right:auto!important}" in resp.data  # mirrored: start is right


def test_language_and_direction_of_locales():
    assert [language_of(x) for x in ("ar", "ar-SA", "fr_BE", "en_GB", "pt", None, "??")] == [
        "ar", "ar", "fr", "en", "en", "en", "en",
    ]  # fmt: skip
    assert text_direction("ar_EG") == "rtl" and text_direction("fr") == "ltr"


# --- catalogues ----------------------------------------------------------------------------

ROOTS = catalogue_roots()


def _key(value: str | list | tuple) -> str | tuple:
    return value if isinstance(value, str) else tuple(value)


def _ids(catalogue) -> set:
    return {_key(m.id) for m in catalogue if m.id}


@pytest.fixture(scope="module")
def marked() -> dict:
    """Every string the sources of each catalogue mark for translation."""
    return {root: _ids(extract(root)) for root in ROOTS}


def test_the_shared_catalogue_and_the_domains_own_are_all_loaded(app):
    loaded = app.extensions["babel"].translation_directories
    assert loaded == [str(root) for root in ROOTS]


@pytest.mark.parametrize("root", ROOTS, ids=lambda r: str(r.relative_to(ROOT)))
def test_every_marked_string_is_in_its_catalogue_template(marked, root):
    with open(root / "messages.pot", "rb") as fh:
        pot = _ids(read_po(fh))
    assert marked[root] - pot == set(), "run python -m app.core.catalogues update"
    assert pot - marked[root] == set(), "stale strings: run python -m app.core.catalogues update"


@pytest.mark.parametrize("language", TRANSLATED)
@pytest.mark.parametrize("root", ROOTS, ids=lambda r: str(r.relative_to(ROOT)))
def test_every_marked_string_is_translated_and_compiled(marked, root, language):
    folder = root / language / "LC_MESSAGES"
    with open(folder / "messages.po", "rb") as fh:
        po = {_key(m.id): m for m in read_po(fh) if m.id}
    with open(folder / "messages.mo", "rb") as fh:
        mo = {_key(m.id): _key(m.string) for m in read_mo(fh) if m.id}
    untranslated = sorted(str(k) for k in marked[root] if k not in po or not is_translated(po[k]))
    assert untranslated == [], f"translate these in {folder}/messages.po"
    stale = sorted(str(k) for k in marked[root] if mo.get(k) != _key(po[k].string))
    assert stale == [], "run python -m app.core.catalogues compile"
    # Placeholders survive translation: a misspelt %(name)s would crash or lose the value.
    for key in marked[root]:
        source = " ".join(key) if isinstance(key, tuple) else key
        strings = po[key].string if isinstance(po[key].string, tuple) else (po[key].string,)
        wanted = set(re.findall(r"%\(\w+\)", source))
        for text in strings:
            assert set(re.findall(r"%\(\w+\)", text)) <= wanted, (language, key, text)


def test_shared_labels_and_durations_speak_the_page_language(app):
    import datetime as dt

    from flask_babel import force_locale

    from app.core.formatting import format_duration, format_relative, role_label

    now = dt.datetime(2026, 12, 6, 12, tzinfo=dt.UTC)
    with app.test_request_context():
        assert role_label("qa") == "QA reviewer"
        assert format_relative(now - dt.timedelta(days=3), now) == "3 days ago"
        with force_locale("ar"):
            assert role_label("qa") == "مراجع الجودة"
            assert format_relative(now - dt.timedelta(days=2), now) == "منذ يومين"
            assert format_relative(now + dt.timedelta(hours=5), now) == "بعد 5 ساعات"
        with force_locale("fr"):
            assert format_duration(150) == "2 h 30 min"
            assert format_relative(now - dt.timedelta(minutes=1), now) == "il y a 1 minute"


def test_an_error_page_speaks_arabic_and_the_api_keeps_its_english_status(app):
    member = MembershipFactory(role="owner", user__locale="ar")
    db.session.commit()
    slug, token = member.agency.slug, api_token(member)
    client = signed_in_client(app, member.user_id)
    page = client.get(f"/{slug}/clients/999999")
    assert page.status_code == 404 and "غير موجود" in page.text and 'dir="rtl"' in page.text
    assert "العودة إلى Baton" in page.text
    api = app.test_client().get(f"/api/v1/{slug}/clients/999999", headers=bearer(token))
    assert api.status_code == 404 and api.get_json()["status"] == "Not found"


def test_time_zones_are_named_in_the_reader_language(app):
    from flask_babel import force_locale

    with app.test_request_context():
        render = app.jinja_env.from_string("{{ zone_name('Africa/Cairo') }}").render
        english = render()
        with force_locale("ar"):
            arabic = render()
        with force_locale("fr"):
            french = render()
    assert english == "Eastern European Time"
    assert arabic != english and arabic == "توقيت شرق أوروبا"
    assert french != english


@pytest.mark.parametrize("language", TRANSLATED)
def test_a_string_in_two_catalogues_reads_the_same_in_both(language):
    """Flask-Babel merges the catalogues (a later one wins), so one domain's wording of a
    shared string would silently replace another's on its pages."""
    seen: dict = {}
    for root in ROOTS:
        with open(root / language / "LC_MESSAGES" / "messages.po", "rb") as fh:
            for message in read_po(fh):
                if message.id:
                    seen.setdefault(_key(message.id), {})[str(root.relative_to(ROOT))] = _key(
                        message.string
                    )
    clashes = {key: where for key, where in seen.items() if len(set(where.values())) > 1}
    assert clashes == {}


def test_a_form_error_reads_in_the_reader_language(app, owner_of):
    owner = owner_of("ar")
    client = signed_in_client(app, owner.user_id)
    resp = client.post("/profile", data={"name": "", "time_zone": "Mars/Olympus", "locale": "ar"})
    assert resp.status_code == 422
    assert "ليست منطقة زمنية معروفة في IANA" in resp.text  # the zone field's own message
    assert "Not a known IANA time zone" not in resp.text
