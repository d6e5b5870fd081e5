"""Time speaks the reader's language: My time and the entry form in Arabic (right to left)
and French, and the rules' messages in the API in French."""

from __future__ import annotations

from app.extensions import db
from tests.clients.support import api, web
from tests.factories import AssignmentFactory, MembershipFactory


def _speaker(tt, locale: str):
    member = MembershipFactory(agency=tt.agency, role="va", user__locale=locale)
    AssignmentFactory(client=tt.team.client, membership=member)
    db.session.flush()
    return member


def test_my_time_in_arabic(app, tt):
    browser = web(app, _speaker(tt, "ar"))
    page = browser.get(f"/{tt.slug}/time").get_data(as_text=True)
    assert 'lang="ar" dir="rtl"' in page
    for arabic in ("<h1>وقتي</h1>", "إجمالي الأسبوع", "إضافة وقت", "تشغيل المؤقّت"):
        assert arabic in page, arabic
    for english in ("My time", "Week total", "Start timer"):
        assert english not in page, english
    form = browser.get(f"/{tt.slug}/time/new").get_data(as_text=True)
    assert "أو مدة" in form and "Or a duration" not in form


def test_my_time_and_the_rules_in_french(app, tt):
    member = _speaker(tt, "fr")
    page = web(app, member).get(f"/{tt.slug}/time").get_data(as_text=True)
    assert "<h1>Mon temps</h1>" in page and "Total de la semaine" in page
    resp = api(app, member).post(
        "/time-entries",
        json={"client_id": tt.client_id, "date": "2026-03-10", "start": "06:00", "end": "23:00"},
    )
    assert resp.status_code == 422
    assert resp.json["errors"]["end"] == ["Une saisie ne peut pas dépasser 16 heures."]
