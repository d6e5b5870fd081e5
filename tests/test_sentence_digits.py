"""Numbers inside translated sentences are written in the reader's digits: an Egyptian
Arabic reader (ar_EG) reads "١٢ عميلًا" on the clients list and "٣ جلسات" in a flash message,
while plain Arabic, French and English readers get exactly what Flask-Babel wrote before.
The plural form is still chosen by the number (Arabic has six), a name or an invoice
number that happens to hold digits is never rewritten, and a job rendering under
`force_locale("ar_EG")` writes Arabic-Indic digits too."""

from __future__ import annotations

import re
from types import SimpleNamespace

import flask_babel
import jinja2
import pytest
import sqlalchemy as sa
from flask import render_template_string
from flask_babel import force_locale, get_translations
from flask_login import login_user

from app.core.catalogues import catalogue_roots, read_catalogue
from app.core.i18n import speaking_locale
from app.core.mail import OutboundEmail
from app.core.tenancy import all_tenants
from app.core.translation import gettext, lazy_gettext, ngettext
from app.extensions import db
from tests.factories import AgencyFactory, ClientFactory, UserFactory
from tests.helpers import login, member

ARABIC_INDIC = set("٠١٢٣٤٥٦٧٨٩")
LATIN = set("0123456789")
SESSIONS = ("Signed out %(num)d other session.", "Signed out %(num)d other sessions.")
CLIENTS = ("%(num)d client", "%(num)d clients")


def _browser(app, locale: str, role: str = "owner", clients: int = 12):
    """An agency with `clients` clients and a signed-in person reading in `locale`."""
    agency = AgencyFactory(name="Cedar Desk")
    for n in range(clients):
        ClientFactory(agency=agency, name=f"Harbour Bakery {n + 1:02d}")
    person = member(agency, role, user=UserFactory(locale=locale))
    user, slug, agency_id = person.user, agency.slug, agency.id
    db.session.commit()
    browser = app.test_client()
    assert login(browser, user).status_code == 302
    return SimpleNamespace(slug=slug, agency_id=agency_id, user=user), browser


def _summary(html: str) -> str:
    """The clients list's count line ("12 clients · your time ...")."""
    found = re.search(r'<div class="text-body-secondary small">([^<·]*)·', html)
    assert found, html[:2000]
    return found[1].strip()


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("ar_EG", "١٢ عميلًا"), ("ar", "12 عميلًا"), ("fr", "12 clients"), ("en", "12 clients")],
)
def test_the_clients_list_counts_in_the_reader_digits(app, locale, expected):
    desk, browser = _browser(app, locale)
    page = browser.get(f"/{desk.slug}/clients")
    assert page.status_code == 200
    assert _summary(page.get_data(as_text=True)) == expected
    # The clients' own names keep the digits they were written with.
    assert "Harbour Bakery 07" in page.get_data(as_text=True)


def test_a_flash_message_counts_in_arabic_indic_digits_and_keeps_a_name_as_written(app):
    desk, browser = _browser(app, "ar_EG", clients=0)
    for _ in range(3):  # three other signed-in browsers
        assert login(app.test_client(), desk.user).status_code == 302
    page = browser.post("/profile/sessions/revoke-others", follow_redirects=True)
    assert "تم تسجيل الخروج من ٣ جلسات أخرى." in page.get_data(as_text=True)

    with all_tenants():
        client = ClientFactory(agency_id=desk.agency_id, name="Studio 54")
        client_id = client.id
        db.session.commit()
    page = browser.post(f"/{desk.slug}/clients/{client_id}/archive", follow_redirects=True)
    html = page.get_data(as_text=True)
    assert "Studio 54" in html and "Studio ٥٤" not in html


def test_an_english_reader_flash_is_unchanged(app):
    desk, browser = _browser(app, "en", clients=0)
    for _ in range(3):
        login(app.test_client(), desk.user)
    page = browser.post("/profile/sessions/revoke-others", follow_redirects=True)
    assert "Signed out 3 other sessions." in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("num", "expected"),
    [
        (0, "لا يوجد عملاء"),
        (1, "عميل واحد"),
        (2, "عميلان"),
        (3, "٣ عملاء"),
        (10, "١٠ عملاء"),
        (11, "١١ عميلًا"),
        (99, "٩٩ عميلًا"),
        (100, "١٠٠ عميل"),
        (103, "١٠٣ عملاء"),
        (1011, "١٠١١ عميلًا"),
    ],
)
def test_the_six_arabic_plural_forms_are_chosen_by_the_number(app, num, expected):
    with app.app_context(), force_locale("ar_EG"):
        assert ngettext(*CLIENTS, num) == expected


def test_a_job_under_force_locale_writes_the_forced_locale_digits(app):
    subject = lazy_gettext("Use at least %(num)d characters.", num=12)
    with app.app_context():  # a job: no request, no reader
        assert ngettext(*SESSIONS, 5) == "Signed out 5 other sessions."
        with force_locale("ar_EG"):
            text = ngettext(*SESSIONS, 5)
            assert "٥" in text and not set(text) & LATIN
            assert set(str(subject)) & ARABIC_INDIC and not set(str(subject)) & LATIN
            mail = render_template_string(
                "{{ ngettext('The link works once and expires in %(num)d minute.', "
                "'The link works once and expires in %(num)d minutes.', minutes) }}",
                minutes=30,
            )
            assert "٣٠" in mail and not set(mail) & LATIN
        with force_locale("ar"):
            assert "30" in str(ngettext(*SESSIONS, 30))


def test_only_numbers_are_rewritten_and_conversions_keep_their_meaning(app):
    with app.app_context(), force_locale("ar_EG"):
        # Strings (an invoice number, a name, a number already formatted) stay as given.
        created = gettext("Client %(name)s created.", name="Client 0042")
        assert "Client 0042" in created
        assert gettext("%(a)s-%(b)s", a="INV-0042", b=7) == "INV-0042-٧"
        assert gettext("%(x).1f|%(y)5d|%(z)s|%(w)s", x=2.25, y=42, z=-3, w=True) == (
            "٢٫٢|   ٤٢|؜-٣|True"
        )
        assert gettext("%(n)x %(n)d", n=255) == "ff ٢٥٥"  # hex is not a count
        assert gettext("100%% of %(n)d", n=12) == "100% of ١٢"
        # A template: the text is Markup, its variables escaped, numbers localised.
        html = render_template_string(
            "{{ _('%(name)s has %(num)d', name=name, num=7) }}|"
            "{% trans count=12 %}{{ count }} item{% pluralize %}{{ count }} items{% endtrans %}",
            name="<b>R2</b>",
        )
        assert html == "&lt;b&gt;R2&lt;/b&gt; has ٧|١٢ items"


def _plain_jinja() -> jinja2.Environment:
    """Jinja with the callables Flask-Babel installs (the output before this change)."""
    env = jinja2.Environment(extensions=["jinja2.ext.i18n"], autoescape=True)
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: get_translations().ugettext(s),
        ngettext=lambda s, p, n: get_translations().ungettext(s, p, n),
        newstyle=True,
    )
    return env


TEMPLATE = (
    "{{ _('%(name)s has %(num)d', name=name, num=n) }}|{{ ngettext(s, p, n) }}|"
    "{% trans count=n %}{{ count }} item{% pluralize %}{{ count }} items{% endtrans %}|"
    "{{ _('100%% of %(x).1f', x=2.25) }}"
)


def _plural_messages() -> list[tuple[str, str]]:
    found = set()
    for root in catalogue_roots():
        for message in read_catalogue(root, "ar"):
            if not message.pluralizable:
                continue
            singular, plural = message.id
            if set(re.findall(r"%\((\w+)\)", singular + plural)) <= {"num"}:
                found.add((singular, plural))
    return sorted(found)


@pytest.mark.parametrize("locale", ["ar", "ar_MA", "fr", "fr_CA", "en", "en_US"])
def test_latin_digit_readers_get_exactly_flask_babel_output(app, locale):
    messages = _plural_messages()
    assert len(messages) > 20
    numbers = (0, 1, 2, 3, 7, 11, 42, 100, 101, 1234)
    plain = _plain_jinja()
    with app.test_request_context(), force_locale(locale):
        for singular, plural in messages:
            for n in numbers:
                ours = ngettext(singular, plural, n)
                assert ours == flask_babel.ngettext(singular, plural, n)
                assert type(ours) is str
        assert gettext("%(percent)s %% upfront", percent=2.5) == flask_babel.gettext(
            "%(percent)s %% upfront", percent=2.5
        )
        assert gettext("Password changed.") == flask_babel.gettext("Password changed.")
        for n in numbers:
            values = {"name": "<i>Nile 7</i>", "n": n, "s": SESSIONS[0], "p": SESSIONS[1]}
            assert render_template_string(TEMPLATE, **values) == plain.from_string(TEMPLATE).render(
                **values
            )


# --- emails and documents: the recipient's locale, not the sender's region ----------------


def _outbox(address: str) -> list[OutboundEmail]:
    with all_tenants():
        return list(
            db.session.scalars(sa.select(OutboundEmail).where(OutboundEmail.to_addr == address))
        )


@pytest.mark.parametrize(
    ("locale", "expected"), [("ar_EG", "خلال ٦٠ دقيقة."), ("ar", "خلال 60 دقيقة.")]
)
def test_a_password_reset_email_counts_in_the_account_locale_digits(client, locale, expected):
    user = UserFactory(locale=locale)
    resp = client.post("/forgot-password", data={"email": user.email})
    assert resp.status_code == 200
    (email,) = _outbox(user.email)
    assert expected in email.text_body and expected in email.html_body


def test_a_forced_locale_is_the_recipient_whatever_the_sender_region(app):
    """An Egyptian sender's page writes Arabic-Indic digits; an email it renders for a
    plain-Arabic client (force_locale("ar")) writes Latin ones, and one for an Egyptian
    client Arabic-Indic ones."""
    sender = UserFactory(locale="ar_EG")
    db.session.flush()
    with app.test_request_context():
        login_user(sender)
        assert "٥" in ngettext(*SESSIONS, 5)
        with force_locale(speaking_locale("ar")):
            assert "5" in ngettext(*SESSIONS, 5)
        with force_locale(speaking_locale("ar-EG")):
            assert "٥" in ngettext(*SESSIONS, 5)
        with force_locale(speaking_locale("de_DE")):
            assert ngettext(*SESSIONS, 5) == "Signed out 5 other sessions."


def test_speaking_locale_keeps_a_region_only_in_the_language_written():
    assert speaking_locale("ar_EG") == "ar_EG"
    assert speaking_locale("ar-EG", "ar") == "ar_EG"
    assert speaking_locale("fr_CA", "en") == "en"  # an invoice has no French catalogue
    assert speaking_locale("de_DE") == "en"
    assert speaking_locale(None) == "en"
    assert speaking_locale("not a locale") == "en"
