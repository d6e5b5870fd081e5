"""The audit log reads in its owner's language: headings, filters, field labels and values
(yes/no), Arabic right to left; what was stored (the summary, the action code) stays as it was
written."""

from __future__ import annotations

import re

from app.extensions import db
from tests.factories import MembershipFactory
from tests.objects import signed_in_client


def _owner(locale: str):
    member = MembershipFactory(role="owner", user__locale=locale)
    db.session.commit()
    return member.user_id, member.agency.slug


def _change_settings(browser, slug: str) -> None:
    resp = browser.post(
        f"/{slug}/settings",
        data={
            "name": "Nile Desk",
            "time_zone": "Africa/Cairo",
            "base_currency": "EGP",
            "locale": "ar",
            "require_owner_2fa": "",
        },
    )
    assert resp.status_code == 302


def test_an_arabic_owner_reads_the_log_right_to_left(app):
    user_id, slug = _owner("ar_EG")
    browser = signed_in_client(app, user_id)
    _change_settings(browser, slug)
    page = browser.get(f"/{slug}/audit").get_data(as_text=True)
    assert re.search(r"<html[^>]*>", page).group(0).startswith('<html lang="ar" dir="rtl"')
    assert "<h1>سجل التدقيق</h1>" in page
    assert "الإجراء" in page and "أي شخص" in page and "تصفية" in page
    assert "المنطقة الزمنية" in page and "العملة الأساسية" in page  # field labels
    assert "تغيير إعدادات الوكالة" in page  # what happened (the summary stays as written)
    assert 'data-action="agency.settings_changed"' in page  # the stored code is unchanged
    assert "Audit log" not in page and "Time zone" not in page and "Anyone" not in page


def test_a_french_owner_reads_the_log_in_french(app):
    user_id, slug = _owner("fr")
    browser = signed_in_client(app, user_id)
    _change_settings(browser, slug)
    page = browser.get(f"/{slug}/audit").get_data(as_text=True)
    assert 'lang="fr" dir="ltr"' in page
    assert "Journal d'audit" in page.replace("&#39;", "'") and "Filtrer" in page
    assert "Fuseau horaire" in page and "Devise de base" in page
    assert "Paramètres de l’agence modifiés" in page
    assert "Base currency" not in page


def test_a_bad_filter_is_explained_in_arabic(app):
    user_id, slug = _owner("ar")
    browser = signed_in_client(app, user_id)
    resp = browser.get(f"/{slug}/audit?date_from=2026-03-10&date_to=2026-03-01")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "يجب ألا يسبق تاريخ البداية." in page and "صحّح عوامل التصفية أعلاه." in page
