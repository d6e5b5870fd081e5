"""The pages of people and agencies speak the reader's language: sign-in and sign-up before
anyone signs in (the browser's language or the switch), then the person's profile language on
the dashboard, the team, a member's page, the profile, agency settings, background jobs and
sent mail; flash messages, form errors and team refusals too. Arabic is laid out right to
left."""

from __future__ import annotations

import html
from dataclasses import dataclass

import pytest

from app.extensions import db
from app.users.models import User
from tests.helpers import html_tag
from tests.objects import signed_in_client


@dataclass
class Speaker:
    """A member of the `team` agency whose profile speaks a language, signed in."""

    browser: object
    slug: str


@pytest.fixture
def speaker(app, team):
    # Plain ids: the team's rows are not to be reloaded once requests have run.
    people = {role: getattr(team, role).user_id for role in ("owner", "manager")}
    slug = team.agency.slug

    def make(locale: str, role: str = "owner") -> Speaker:
        user_id = people[role]
        db.session.get(User, user_id).locale = locale
        db.session.commit()
        return Speaker(signed_in_client(app, user_id), slug)

    return make


def _page(browser, url: str) -> str:
    resp = browser.get(url)
    assert resp.status_code == 200, (url, resp.status_code)
    return resp.get_data(as_text=True)


# --- before sign-in ------------------------------------------------------------------------


def test_sign_in_sign_up_and_reset_read_arabic_right_to_left(client):
    client.post("/language", data={"language": "ar", "next": "/login"})
    page = _page(client, "/login")
    assert html_tag(page).startswith('<html lang="ar" dir="rtl"')
    assert '<h1 class="h3 mb-1">تسجيل الدخول</h1>' in page
    assert "مرحبًا بعودتك إلى Baton." in page and "نسيت كلمة المرور؟" in page
    assert "كلمة المرور" in page and "أنشئ وكالة" in page
    assert "Forgot your password?" not in page and "Welcome back" not in page
    page = _page(client, "/signup")
    assert "ابدأ وكالتك" in page and "اسم الوكالة" in page and "إنشاء الوكالة" in page
    assert "Start your agency" not in page and "Agency name" not in page
    page = _page(client, "/forgot-password")
    assert "إعادة تعيين كلمة المرور" in page and "إرسال رابط إعادة التعيين" in page
    assert "Send reset link" not in page


def test_a_failed_sign_in_answers_in_the_browsers_french(client):
    resp = client.post(
        "/login",
        data={"email": "nobody@example.test", "password": "not the password"},
        headers={"Accept-Language": "fr-FR,fr;q=0.9"},
    )
    page = resp.get_data(as_text=True)
    assert resp.status_code == 401 and html_tag(page).startswith('<html lang="fr" dir="ltr"')
    assert "E-mail ou mot de passe incorrect." in page and "Se connecter" in page
    assert "Email or password is incorrect." not in page


def test_a_sign_up_form_error_is_arabic(client):
    client.post("/language", data={"language": "ar", "next": "/signup"})
    resp = client.post(
        "/signup",
        data={
            "agency_name": "Qamar",
            "name": "Huda",
            "email": "huda@example.test",
            "password": "x",
        },
    )
    assert resp.status_code == 422
    assert "استخدم 10 أحرف على الأقل." in resp.get_data(as_text=True)


# --- signed in: the profile's language ----------------------------------------------------


def test_an_arabic_owner_reads_the_dashboard_team_and_profile_right_to_left(speaker):
    me = speaker("ar")
    page = _page(me.browser, f"/{me.slug}/")
    assert html_tag(page).startswith('<html lang="ar" dir="rtl"')
    assert "مسجّل الدخول بدور المالك" in page and "عميل جديد" in page
    assert "العملاء حسب الحالة" in page and "أين يوجد عملاؤك" in page
    assert "Clients by status" not in page and "New client" not in page

    page = _page(me.browser, f"/{me.slug}/team")
    assert "<h1>الفريق</h1>" in page and "ادعُ شخصًا" in page and "إرسال الدعوة" in page
    assert "مساعد افتراضي واحد" in page  # "1 VA", as a whole phrase
    assert "الدعوات المفتوحة" in page and ">مراجع الجودة<" in page
    assert "Invite someone" not in page and "Send invitation" not in page

    page = _page(me.browser, "/profile")
    assert "<h1>الملف الشخصي والأمان</h1>" in page and "حفظ الملف الشخصي" in page
    assert "المصادقة الثنائية" in page and "رموز API الشخصية" in page
    assert "Save profile" not in page and "Personal API tokens" not in page


def test_a_french_owner_reads_the_team_member_and_settings_in_french(speaker, team):
    va_id = team.va.id
    me = speaker("fr_BE")
    page = _page(me.browser, f"/{me.slug}/team/{va_id}")
    assert html_tag(page).startswith('<html lang="fr" dir="ltr"')
    assert "Enregistrer les informations" in page and "Désactiver le membre" in page
    assert "Changer de rôle" in page and "Save details" not in page
    page = _page(me.browser, f"/{me.slug}/team")
    assert "12,50\u00a0$US/h" in page  # the VA's cost rate, French style
    page = _page(me.browser, f"/{me.slug}/settings")
    assert "<h1>Paramètres de l’agence</h1>" in page and "Enregistrer les paramètres" in page
    assert "Agency settings" not in page


def test_jobs_and_sent_mail_pages_are_arabic(speaker):
    me = speaker("ar")
    page = _page(me.browser, f"/{me.slug}/jobs")
    assert "<h1>المهام في الخلفية</h1>" in page and "لا توجد مهام هنا." in page
    assert "No jobs here." not in page
    page = _page(me.browser, f"/{me.slug}/sent-mail")
    assert "<h1>البريد المرسل</h1>" in page and "الموضوع" in page
    assert "No emails yet" not in page


def test_an_invitation_flash_and_the_sent_mail_list_speak_arabic(speaker):
    me = speaker("ar")
    resp = me.browser.post(f"/{me.slug}/team/invite", data={"email": "new@va.test", "role": "va"})
    assert resp.status_code == 302
    page = _page(me.browser, f"/{me.slug}/team")
    assert "تم إرسال الدعوة إلى new@va.test." in page
    assert "Invitation sent" not in page
    assert "<bdi>new@va.test</bdi>" in page  # a Latin email inside Arabic text
    page = _page(me.browser, f"/{me.slug}/sent-mail")
    assert "أُرسلت" in page or "في الانتظار" in page  # the email's status, translated


def test_flash_messages_after_a_form_follow_the_profile_language(speaker):
    me = speaker("fr")
    resp = me.browser.post(
        f"/{me.slug}/settings",
        data={
            "name": "Cedar Desk",
            "time_zone": "Africa/Cairo",
            "base_currency": "EGP",
            "locale": "fr",
        },
    )
    assert resp.status_code == 302
    assert "Paramètres enregistrés." in _page(me.browser, resp.headers["Location"])
    resp = me.browser.post("/profile", data={"name": "Rania", "time_zone": "UTC", "locale": "ar"})
    assert resp.status_code == 302
    page = _page(me.browser, "/profile")  # now Arabic: the profile just changed language
    assert "تم حفظ الملف الشخصي." in page and 'dir="rtl"' in html_tag(page)


def test_form_errors_and_team_refusals_are_in_the_readers_language(speaker, team):
    owner_id = team.owner.id
    me = speaker("ar")
    resp = me.browser.post(
        "/profile/password",
        data={"current_password": "not it at all", "new_password": "a-new-password-1"},
    )
    assert resp.status_code == 422
    assert "هذه ليست كلمة مرورك الحالية." in resp.get_data(as_text=True)

    manager = speaker("fr", role="manager")
    resp = manager.browser.post(f"/{manager.slug}/team/{owner_id}/disable")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 409
    assert "Un responsable ne peut ni modifier ni désactiver un propriétaire." in page
    assert "Managers can't" not in page


def test_too_many_attempts_says_in_the_readers_language_when_to_try_again(app, speaker, team):
    # The limiter's own words ("10 per 1 hour") never reach the reader.
    me = speaker("ar")
    wrong = {"current_password": "not it at all", "new_password": "a-new-password-1"}
    for _ in range(10):
        assert me.browser.post("/profile/password", data=wrong).status_code == 422
    resp = me.browser.post("/profile/password", data=wrong)
    assert resp.status_code == 429 and "Retry-After" in resp.headers
    page = resp.get_data(as_text=True)
    assert "محاولات كثيرة جدًا. يُرجى المحاولة مرة أخرى خلال ساعة واحدة." in page
    assert "per 1 hour" not in page

    # Sign-in keeps its own words, then says when, in French; the API-style answer too.
    old, app.config["LOGIN_RATE_LIMIT_IP"] = app.config["LOGIN_RATE_LIMIT_IP"], "2 per minute"
    try:
        browser = app.test_client()
        headers = {"Accept-Language": "fr"}
        for _ in range(2):
            browser.post(
                "/login", data={"email": "x@nowhere.test", "password": "nope"}, headers=headers
            )
        resp = browser.post(
            "/login", data={"email": "y@nowhere.test", "password": "nope"}, headers=headers
        )
        assert resp.status_code == 429
        assert (
            "Trop de tentatives de connexion. Veuillez réessayer dans 1 minute."
            in html.unescape(resp.get_data(as_text=True))
        )
        resp = browser.post(
            "/login",
            data={"email": "y@nowhere.test", "password": "nope"},
            headers={**headers, "Accept": "application/json"},
        )
        assert resp.status_code == 429
        body = resp.get_json()
        assert body["error"] == "rate_limited"
        assert (
            body["message"] == "Trop de tentatives de connexion. Veuillez réessayer dans 1 minute."
        )
    finally:
        app.config["LOGIN_RATE_LIMIT_IP"] = old
