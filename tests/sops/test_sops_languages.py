"""The SOP library's pages speak the reader's language: an Arabic-speaking owner gets the
library, an SOP's page and versions, and the authoring and import pages right to left in
Arabic, a French-speaking VA in French; flashes after archiving and cloning follow. The SOPs' own
content (titles, checklist texts) comes from the version's translations where it has them."""

from __future__ import annotations

import html
import io

import pytest

from app.extensions import db
from app.sops.definition import SopInvalid
from app.sops.file_format import parse_sop
from app.sops.models import Sop
from app.sops.services import install_library
from tests.clients.support import api, web
from tests.helpers import flashes, html_tag, speaks
from tests.sops.support import sops_of, to_yaml, valid_data


@pytest.fixture
def library(team) -> dict[str, Sop]:
    install_library(team.agency)
    db.session.commit()
    return {s.slug: s for s in sops_of(team.agency.id)}


def test_an_arabic_speaking_owner_reads_the_library_and_an_sop_in_arabic(app, team, library):
    speaks(team.owner, "ar", commit=True)
    http = web(app, team.owner)
    page = http.get(f"/{team.slug}/sops").get_data(as_text=True)
    assert html_tag(page).startswith('<html lang="ar" dir="rtl"')
    for arabic in ("مكتبة الإجراءات", "SOP جديد", "استيراد YAML", "يعتمده العميل", "المراحل"):
        assert arabic in page, arabic
    for english in ("New SOP", "Import YAML", "client approves", "Checklist items"):
        assert english not in page, english
    social = library["monthly-social-media"]
    # The SOP's own texts come from its version's translations (tests/sops/test_translations.py).
    arabic_title = social.current_version.definition["translations"]["ar"]["title"]
    assert arabic_title in page and social.title not in page

    page = http.get(f"/{team.slug}/sops/{social.id}").get_data(as_text=True)
    for arabic in ("قائمة المهام، مرحلةً مرحلة", "نموذج تقييم QA", "الإصدارات", "ناجح / راسب"):
        assert arabic in page, arabic
    assert "يستحق بحلول يوم العمل 22" in page and "درجة ≥ 4 من 5" in page
    for english in ("Checklist, stage by stage", "QA rubric", "by business day", "pass / fail"):
        assert english not in page, english

    for path, arabic, english in (
        ("/new", "إنشاء SOP", "Create SOP"),
        ("/import", "استيراد SOP", "Import an SOP"),
        (f"/{social.id}/edit", "حفظ كإصدار جديد", "Save as a new version"),
        (f"/{social.id}/clone", "استنساخ SOP", "Clone SOP"),
    ):
        page = http.get(f"/{team.slug}/sops{path}").get_data(as_text=True)
        assert arabic in page, path
        assert english not in page, path


def test_flashes_and_refusals_of_the_sop_pages_arrive_in_arabic(app, team, library):
    speaks(team.owner, "ar", commit=True)
    http = web(app, team.owner)
    social = library["monthly-social-media"]
    page = http.post(f"/{team.slug}/sops/{social.id}/archive", follow_redirects=True).text
    arabic_title = social.current_version.definition["translations"]["ar"]["title"]
    assert f"أُرشف {arabic_title}: لم يعد متاحًا للأعمال الجديدة." in flashes(page)
    assert "استعادة" in page and "هذا الـSOP مؤرشف" in page

    resp = http.post(f"/{team.slug}/sops/import", data={}, content_type="multipart/form-data")
    assert resp.status_code == 422
    assert "اختر ملف" in resp.get_data(as_text=True)


def test_a_french_speaking_va_reads_the_library_in_french(app, team, library):
    speaks(team.va, "fr", commit=True)
    http = web(app, team.va)
    page = http.get(f"/{team.slug}/sops").get_data(as_text=True)
    assert html_tag(page).startswith('<html lang="fr" dir="ltr"')
    assert "Bibliothèque de procédures" in page and "le client approuve" in page
    social = library["monthly-social-media"]
    page = http.get(f"/{team.slug}/sops/{social.id}").get_data(as_text=True)
    assert "Checklist, étape par étape" in page and "Grille d'évaluation QA" in page.replace(
        "&#39;", "'"
    )
    assert "Checklist, stage by stage" not in page


def _bad_sop_yaml() -> str:
    """An SOP with a problem of every kind: a marshmallow message, one of ours with a
    parameter, a cross-field rule and a translation naming a key the SOP lacks."""
    data = valid_data(roles=["va", "va"])
    data["stages"][1]["key"] = "prepare"
    data["stages"][1]["items"][0]["evidence"] = "screenshot"
    data["rubric"][1].pop("pass_mark")
    data["translations"] = {"fr": {"stages": {"nowhere": {"title": "Nulle part"}}}}
    return to_yaml(data)


def test_the_problems_of_a_written_sop_are_listed_in_arabic_with_their_paths(app, team):
    speaks(team.owner, "ar", commit=True)
    http = web(app, team.owner)
    resp = http.post(f"/{team.slug}/sops/new", data={"yaml": _bad_sop_yaml()})
    assert resp.status_code == 422
    page = html.unescape(resp.get_data(as_text=True))
    for line in (
        "roles.1: 'va' مذكور مرتين.",
        "stages.1.key: مفتاح مرحلة مكرر 'prepare' (مستخدم أيضًا في stages.0.key).",
        "stages.1.items.0.evidence: يجب أن تكون إحدى القيم التالية: none, link, file, note.",
        "rubric.1.pass_mark: تحتاج معايير الدرجات إلى درجة نجاح (1-5).",
        "translations.fr.stages.nowhere: لا يحتوي الـSOP على مرحلة بالمفتاح 'nowhere'.",
    ):
        assert line in page, line
    for english in ("is listed twice", "Duplicate stage key", "Must be one of", "has no stage"):
        assert english not in page, english

    resp = http.post(
        f"/{team.slug}/sops/import",
        data={"file": (io.BytesIO(b"slug: [\n"), "broken.yaml")},
        content_type="multipart/form-data",
    )
    page = html.unescape(resp.get_data(as_text=True))
    assert "broken.yaml: السطر 2، العمود 1: صيغة YAML غير صالحة: " in page
    resp = http.post(
        f"/{team.slug}/sops/import",
        data={"file": (io.BytesIO(b"\xff\xfe\x00bad"), "bad.yaml")},
        content_type="multipart/form-data",
    )
    assert "bad.yaml: ليس نصًا بترميز UTF-8" in html.unescape(resp.get_data(as_text=True))


def test_the_api_answers_an_sops_problems_in_french_and_the_cli_keeps_english(app, team):
    client = api(app, team.owner)
    client.headers["Accept-Language"] = "fr"
    resp = client.post("/sops", json={"yaml": _bad_sop_yaml()})
    assert resp.status_code == 422
    lines = resp.get_json()["errors"]["yaml"]
    assert "roles.1: 'va' figure deux fois." in lines
    assert "rubric.1.pass_mark: Les critères notés ont besoin d'une note de passage (1-5)." in (
        lines
    )
    assert resp.get_json()["error_codes"]["yaml"][0] == "invalid"
    # Without a request (the `flask sops` commands), the same problems read in English.
    with pytest.raises(SopInvalid) as caught:
        parse_sop(_bad_sop_yaml(), source="sops/bad.yaml")
    assert "sops/bad.yaml: roles.1: 'va' is listed twice." in caught.value.lines()
