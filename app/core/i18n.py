"""Which language a page speaks, and the switch that changes it.

Baton's screens come in the languages of `LANGUAGES` (English, Arabic, French). The
language of a request is, in order:

1. a signed-in person's own setting (their profile's "Language and region", e.g. `ar_EG`
   speaks Arabic, `fr_CA` French; a region without a catalogue falls back to English);
2. for anyone else, the language they picked with the switch (a cookie);
3. the browser's Accept-Language, among the languages Baton speaks;
4. English.

The JSON API (`/api/...`) has no cookie nor menu: its answers speak the request's
Accept-Language if it names a language Baton speaks, else the API token owner's profile
language, else English; they say which in `Content-Language`.

Invoices, their emails and reminders keep speaking the client's locale whoever sends them
(`flask_babel.force_locale` around the rendering), whatever the page's language; every other
email speaks its recipient's language too (`app.core.mail.queue_email(locale=...)`).

Arabic pages are laid out right to left: `<html dir="rtl">` and Bootstrap's RTL build.

Tests may make the app speak one more language with the config key `BATON_EXTRA_LANGUAGES`
(`{"ka": "pseudo"}`): tests/test_pseudo_locale.py speaks a pseudo-locale built from the
catalogues to find English left untranslated. Production never sets it, and the menu's
switch only ever offers `LANGUAGES`.
"""

from __future__ import annotations

from urllib.parse import urlparse

from babel import Locale, UnknownLocaleError
from flask import (
    Flask,
    Response,
    current_app,
    g,
    has_app_context,
    has_request_context,
    redirect,
    request,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_login import current_user

from app.core.permissions import public

LANGUAGES: dict[str, str] = {"en": "English", "ar": "العربية", "fr": "Français"}
RIGHT_TO_LEFT = frozenset({"ar"})
DEFAULT_LANGUAGE = "en"
COOKIE = "baton_lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
# Where authentication leaves the person an API token belongs to (app.users.auth).
API_USER = "api_user"


def spoken_languages() -> dict[str, str]:
    """`LANGUAGES`, plus a test's `BATON_EXTRA_LANGUAGES` (see the module)."""
    extra = current_app.config.get("BATON_EXTRA_LANGUAGES") if has_app_context() else None
    return {**LANGUAGES, **extra} if extra else LANGUAGES


def language_of(locale: str | None) -> str:
    """The language Baton speaks for `locale` ('ar_EG' -> 'ar', 'de' -> 'en')."""
    if not locale:
        return DEFAULT_LANGUAGE
    try:
        language = Locale.parse(str(locale).replace("-", "_")).language
    except (UnknownLocaleError, ValueError, TypeError):
        return DEFAULT_LANGUAGE
    return language if language in spoken_languages() else DEFAULT_LANGUAGE


def speaking_locale(locale: str | None, language: str | None = None) -> str:
    """The locale to `force_locale` when writing in `language` (by default the one Baton
    speaks for `locale`) to a reader of `locale`: their locale itself when it speaks that
    language, so its digits follow ('ar_EG' -> 'ar_EG', 'ar-EG' -> 'ar_EG'), else the
    language ('de_DE' -> 'en')."""
    language = language or language_of(locale)
    try:
        parsed = Locale.parse(str(locale).replace("-", "_")) if locale else None
    except (UnknownLocaleError, ValueError, TypeError):
        parsed = None
    return str(parsed) if parsed and parsed.language == language else language


def text_direction(language: str | None) -> str:
    return "rtl" if language_of(language) in RIGHT_TO_LEFT else "ltr"


def select_locale() -> str:
    """Flask-Babel's locale selector: the language of this request (see the module).
    Outside a request (a job rendering an email) it is English unless the code rendering
    says otherwise with `force_locale`."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    if is_api_request():
        return api_language()
    if current_user and current_user.is_authenticated and getattr(current_user, "locale", None):
        return language_of(current_user.locale)
    chosen = request.cookies.get(COOKIE)
    if chosen in spoken_languages():
        return chosen
    return request.accept_languages.best_match(list(spoken_languages())) or DEFAULT_LANGUAGE


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def accepted_language() -> str | None:
    """The first language of Accept-Language (by quality) that Baton speaks; a wildcard
    or a language it does not speak names none."""
    for value, quality in request.accept_languages:
        primary = value.replace("_", "-").split("-")[0].lower()
        if quality > 0 and primary in spoken_languages():
            return primary
    return None


def api_language() -> str:
    """An API request's language: Accept-Language, the token owner's profile, English."""
    accepted = accepted_language()
    if accepted:
        return accepted
    user = g.get(API_USER)
    return language_of(getattr(user, "locale", None))


def current_language() -> str:
    return language_of(str(get_locale() or DEFAULT_LANGUAGE))


def current_locale() -> str:
    """The locale numbers, money and dates are written in for this reader: the language
    being spoken (the page's, or the one `force_locale` set) with the signed-in person's own
    region when their locale speaks that language ('ar_EG' writes Arabic-Indic digits, plain
    'ar' Latin ones); a locale `force_locale` set ('fr_CA', 'ar') is kept as it is: an email
    to a client speaks the client's locale, not the sender's region."""
    spoken = str(get_locale() or DEFAULT_LANGUAGE)
    if "_" in spoken or not has_request_context() or _forced():
        return spoken
    # Once per request and spoken language: a board formats hundreds of times.
    known = g.setdefault("_reader_locales", {})
    if spoken not in known:
        user = current_user._get_current_object() if current_user else None
        own = getattr(user, "locale", None) if user and user.is_authenticated else None
        same = own and language_of(own) == language_of(spoken)
        known[spoken] = str(own).replace("-", "_") if same else spoken
    return known[spoken]


def _forced() -> bool:
    """Whether `flask_babel.force_locale` is in effect (Flask-Babel 4 keeps the forced
    locale on its per-context namespace, `g._flask_babel`)."""
    return getattr(g.get("_flask_babel"), "forced_babel_locale", None) is not None


def html_locale() -> str:
    """The reader's locale as a BCP 47 tag with its numbering system for the browser's
    Intl.NumberFormat ('ar-EG-u-nu-arab', 'fr-u-nu-latn'), so scripts write numbers as the
    server does."""
    from app.core.formatting import babel_locale, numbering_system

    locale = current_locale()
    tag = str(babel_locale(locale)).replace("_", "-")
    return f"{tag}-u-nu-{numbering_system(locale)}"


def _safe_next(target: str | None) -> str:
    """Only a path on this site (never another host, never a scheme-relative URL)."""
    if not target:
        return "/"
    parts = urlparse(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@public
def switch_language() -> ResponseReturnValue:
    """POST /language: the menu's language switch. Remembered on a signed-in person's
    profile (keeping their region: 'fr_CA' stays 'fr_CA' when French is picked again) and in
    a cookie for the sign-in pages."""
    from app.core.uow import commit

    language = request.form.get("language", "")
    response: Response = redirect(_safe_next(request.form.get("next")), code=303)
    if language not in LANGUAGES:
        return response
    if current_user.is_authenticated and language_of(current_user.locale) != language:
        current_user.locale = language
        commit()
    response.set_cookie(
        COOKIE,
        language,
        max_age=COOKIE_MAX_AGE,
        secure=request.is_secure,
        httponly=True,
        samesite="Lax",
    )
    return response


def init_i18n(app: Flask) -> None:
    app.add_url_rule("/language", "language", switch_language, methods=["POST"])

    @app.after_request
    def _content_language(response: Response) -> Response:
        if is_api_request() and "Content-Language" not in response.headers:
            response.headers["Content-Language"] = current_language()
        return response

    @app.context_processor
    def _language_context() -> dict:
        language = current_language()
        return {
            "html_lang": language,
            "html_dir": text_direction(language),
            "html_locale": html_locale(),
            "languages": LANGUAGES,
        }
