"""SOPs in several languages: the `translations:` part of the format is validated like the
rest (every problem named by its path), a translation is content (a new version), the
shipped SOPs carry complete Arabic and French translations, the library and training pages
read an SOP in the reader's language (falling back to the source, marked lang="en"), and
export, import and clone keep the translations as written."""

from __future__ import annotations

import copy
import io
import re

import pytest
from markupsafe import escape

from app.extensions import db
from app.sops.definition import SopInvalid, content_hash
from app.sops.file_format import parse_sop
from app.sops.localize import languages_of, localized
from app.sops.services import LIBRARY_DIR, install_library, load_library
from tests.clients.support import api, web
from tests.helpers import speaks
from tests.sops.support import fetch_sop, sops_of, to_yaml, valid_data, versions_of

SOURCE = "sops/case.yaml"

GOOD = {
    "ar": {
        "title": "إجراء للاختبار",
        "description": "إجراء تشغيل قياسي للاختبارات.",
        "stages": {
            "prepare": {"title": "التحضير", "description": "ابدأ بجمع المدخلات."},
            "deliver": {"title": "التسليم"},
        },
        "items": {"gather": {"text": "اجمع المدخلات"}, "deliverable": {"text": "أرفق رابط العمل"}},
        "rubric": {"complete": {"text": "مكتمل"}},
    },
    "fr": {"title": "Procédure de test", "items": {"check": {"text": "Vérifier les entrées"}}},
}


def _with(translations: object, **changes) -> dict:
    return valid_data(translations=copy.deepcopy(translations), **changes)


def _problems(data: dict) -> list[str]:
    with pytest.raises(SopInvalid) as caught:
        parse_sop(to_yaml(data), source=SOURCE)
    return [str(p) for p in caught.value.problems]


# --- the format --------------------------------------------------------------------------


def test_a_good_partial_translation_is_accepted_and_stored():
    parsed = parse_sop(to_yaml(_with(GOOD)), source=SOURCE)
    assert parsed.definition["translations"]["ar"]["items"]["gather"] == {"text": "اجمع المدخلات"}
    assert parsed.definition["translations"]["fr"] == {
        "title": "Procédure de test",
        "items": {"check": {"text": "Vérifier les entrées"}},
    }
    assert languages_of(parsed.definition) == ["en", "ar", "fr"]


def test_a_source_language_may_be_declared_and_english_is_the_default():
    plain = parse_sop(to_yaml(valid_data()))
    said = parse_sop(to_yaml(valid_data(language="en")))
    # English said or not, and no translations: the same content, the same hash as ever.
    assert "language" not in plain.definition and "translations" not in plain.definition
    assert said.content_hash == plain.content_hash
    arabic_source = parse_sop(
        to_yaml(valid_data(language="ar", translations={"en": {"title": "Test SOP in English"}}))
    )
    assert arabic_source.definition["language"] == "ar"
    assert arabic_source.content_hash != plain.content_hash


def test_a_translation_is_content_a_change_of_it_a_new_hash():
    base = parse_sop(to_yaml(_with(GOOD))).content_hash
    changed = copy.deepcopy(GOOD)
    changed["fr"]["title"] = "Procédure d'essai"
    assert parse_sop(to_yaml(_with(changed))).content_hash != base
    assert parse_sop(to_yaml(valid_data())).content_hash != base


BAD = [
    (
        "an item the SOP does not have",
        {"ar": {"items": {"call_held": {"text": "عُقدت المكالمة"}}}},
        "translations.ar.items.call_held",
        "The SOP has no checklist item with the key 'call_held'.",
    ),
    (
        "a stage the SOP does not have",
        {"fr": {"stages": {"review": {"title": "Relecture"}}}},
        "translations.fr.stages.review",
        "The SOP has no stage with the key 'review'.",
    ),
    (
        "a criterion the SOP does not have",
        {"fr": {"rubric": {"on_brand": {"text": "Conforme"}}}},
        "translations.fr.rubric.on_brand",
        "The SOP has no rubric criterion",
    ),
    (
        "an unknown field at the language's level",
        {"fr": {"titel": "Procédure"}},
        "translations.fr.titel",
        "Unknown field.",
    ),
    (
        "a field that is not translated",
        {"fr": {"stages": {"prepare": {"due_offset_days": 2}}}},
        "translations.fr.stages.prepare.due_offset_days",
        "Unknown field.",
    ),
    (
        "a language Baton does not speak",
        {"de": {"title": "Testverfahren"}},
        "translations.de",
        "Baton does not speak 'de'; use one of: ar, fr.",
    ),
    (
        "the SOP's own language",
        {"en": {"title": "Test SOP"}},
        "translations.en",
        "This is the SOP's own language",
    ),
    ("an empty title", {"fr": {"title": "  "}}, "translations.fr.title", "Length must be"),
    (
        "an empty item text",
        {"ar": {"items": {"gather": {"text": ""}}}},
        "translations.ar.items.gather.text",
        "Length must be between 1 and 500.",
    ),
    (
        "an item without its text",
        {"ar": {"items": {"gather": {}}}},
        "translations.ar.items.gather.text",
        "This field is required.",
    ),
    (
        "an item as bare text",
        {"ar": {"items": {"gather": "اجمع"}}},
        "translations.ar.items.gather",
        "Must be a mapping of translated texts (text: ...).",
    ),
    (
        "a text over the limit",
        {"fr": {"rubric": {"complete": {"text": "x" * 501}}}},
        "translations.fr.rubric.complete.text",
        "Length must be between 1 and 500.",
    ),
    (
        "a title over the limit",
        {"fr": {"title": "x" * 161}},
        "translations.fr.title",
        "Length must be between 1 and 160.",
    ),
    ("a language without texts", {"fr": {}}, "translations.fr", "Must be a mapping"),
    ("not a mapping", ["ar", "fr"], "translations", "Must be a mapping of languages"),
]


@pytest.mark.parametrize(
    ("translations", "path", "message"), [c[1:] for c in BAD], ids=[c[0] for c in BAD]
)
def test_each_bad_translation_is_refused_naming_its_path(translations, path, message):
    problems = _problems(_with(translations))
    matching = [p for p in problems if p.startswith(f"{path}: ")]
    assert matching, problems
    assert any(message in p for p in matching), problems


def test_an_unknown_source_language_is_refused():
    assert any(
        p.startswith("language: Must be one of the languages Baton speaks")
        for p in _problems(valid_data(language="de"))
    )


def test_translation_problems_come_with_the_others_in_file_order():
    data = _with({"ar": {"items": {"call_held": {"text": "عُقدت المكالمة"}}}})
    data["stages"][0]["items"][0]["evidence"] = "photo"
    problems = _problems(data)
    assert [p.split(":")[0] for p in problems] == [
        "stages.0.items.0.evidence",
        "translations.ar.items.call_held",
    ]


def test_the_readme_translation_example_is_valid_with_its_sop():
    text = (LIBRARY_DIR / "README.md").read_text()
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.S)
    parsed = parse_sop(blocks[0] + blocks[1], source="sops/README.md")
    assert set(parsed.definition["translations"]) == {"ar", "fr"}
    for field in ("translations", "language"):
        assert f"`{field}`" in text


# --- the shipped SOPs --------------------------------------------------------------------


def _translatable(definition: dict) -> dict[str, set[str]]:
    return {
        "stages": {s["key"] for s in definition["stages"]},
        "stage descriptions": {s["key"] for s in definition["stages"] if s.get("description")},
        "items": {i["key"] for s in definition["stages"] for i in s["items"]},
        "rubric": {c["key"] for c in definition["rubric"]},
    }


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_the_shipped_sops_are_completely_translated(language):
    library = load_library()
    assert not library.invalid and len(library.files) == 7
    for parsed in library.files:
        d = parsed.definition
        assert d.get("language", "en") == "en", parsed.slug
        t = d["translations"][language]
        keys = _translatable(d)
        assert t.get("title") and t.get("description"), parsed.slug
        assert set(t["stages"]) == keys["stages"], parsed.slug
        assert all(t["stages"][k].get("title") for k in keys["stages"]), parsed.slug
        described = {k for k, v in t["stages"].items() if v.get("description")}
        assert described == keys["stage descriptions"], parsed.slug
        assert set(t["items"]) == keys["items"], parsed.slug
        assert set(t["rubric"]) == keys["rubric"], parsed.slug
        shown = localized(d, language)
        texts = [shown["title"], shown["description"]]
        texts += [s["title"] for s in shown["stages"]]
        texts += [i["text"] for s in shown["stages"] for i in s["items"]]
        texts += [c["text"] for c in shown["rubric"]]
        assert all(text.lang is None for text in texts), parsed.slug
        if language == "ar":  # written in Arabic script, not left in English
            assert all(re.search(r"[\u0600-\u06ff]", text) for text in texts), parsed.slug


# --- the pages and the API ---------------------------------------------------------------


@pytest.fixture
def library(team):
    install_library(team.agency)
    db.session.commit()
    return {s.slug: s for s in sops_of(team.agency.id)}


def test_the_library_and_training_page_read_in_the_readers_language(app, team, library):
    social = library["monthly-social-media"]
    ar = social.current_version.definition["translations"]["ar"]
    speaks(team.va, "ar", commit=True)
    http = web(app, team.va)
    page = http.get(f"/{team.slug}/sops").text
    assert ar["title"] in page and social.title not in page
    assert 'data-languages="ar fr"' in page
    page = http.get(f"/{team.slug}/sops/{social.id}").text
    assert f">{ar['title']}</h1>" in page
    first_item = social.current_version.stages[0]["items"][0]
    assert ar["items"][first_item["key"]]["text"] in page
    assert str(escape(first_item["text"])) not in page
    assert "الترجمات: العربية، الفرنسية" in page  # the badge of the version's languages

    speaks(team.owner, "en", commit=True)
    page = web(app, team.owner).get(f"/{team.slug}/sops/{social.id}").text
    assert social.title in page and str(escape(first_item["text"])) in page
    assert "Translations: Arabic, French" in page


def test_untranslated_texts_fall_back_to_the_source_marked_as_such(app, team):
    owner = api(app, team.manager)
    data = _with({"fr": {"title": "Procédure de test"}})
    sop_id = owner.post("/sops", json={"yaml": to_yaml(data)}).json["id"]
    speaks(team.qa, "fr", commit=True)
    page = web(app, team.qa).get(f"/{team.slug}/sops/{sop_id}").text
    assert re.search(r"<h1>Procédure de test</h1>", page)
    assert '<div lang="en" dir="ltr">Gather the inputs</div>' in page
    assert '<td lang="en" dir="ltr">Complete</td>' in page


def test_export_then_import_keeps_the_translations_as_written(app, team):
    text = "# with translations\n" + to_yaml(_with(GOOD))
    owner = api(app, team.manager)
    created = owner.post("/sops", json={"yaml": text}).json
    sop_id, version = created["id"], created["current_version"]
    assert version["definition"]["translations"] == GOOD
    assert version["languages"] == ["en", "ar", "fr"]
    exported = owner.get(f"/sops/{sop_id}/versions/{version['id']}/export").get_data(as_text=True)
    assert exported == text

    # Imported into another agency's library: the same SOP, translations and all.
    from tests.clients.support import make_team

    elsewhere = make_team()
    http = web(app, elsewhere.owner)
    resp = http.post(
        f"/{elsewhere.slug}/sops/import",
        data={"file": (io.BytesIO(exported.encode()), "test-sop.yaml")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    imported = next(s for s in sops_of(elsewhere.agency.id) if s.slug == "test-sop")
    assert imported.current_version.yaml_text == text
    assert imported.current_version.content_hash == content_hash(parse_sop(text).definition)
    assert imported.current_version.definition["translations"] == GOOD

    # Editing only a translation makes the next version; the old one keeps its texts.
    changed = text.replace("Procédure de test", "Procédure d'essai")
    resp = owner.client.put(
        f"/api/v1/{team.slug}/sops/{sop_id}",
        json={"yaml": changed, "base_version": 1},
        headers=owner.headers,
    )
    assert resp.status_code == 200 and resp.json["current_version"]["number"] == 2
    v1, v2 = versions_of(sop_id)
    assert v1.definition["translations"]["fr"]["title"] == "Procédure de test"
    assert v2.definition["translations"]["fr"]["title"] == "Procédure d'essai"


def test_a_clone_keeps_the_translations(app, team):
    owner = api(app, team.manager)
    sop_id = owner.post("/sops", json={"yaml": to_yaml(_with(GOOD))}).json["id"]
    resp = owner.post(f"/sops/{sop_id}/clone", json={"slug": "test-copy", "title": "Copy"})
    assert resp.status_code == 201, resp.json
    clone = fetch_sop(resp.json["id"])
    assert clone.current_version.definition["translations"] == GOOD
    assert "translations:" in clone.current_version.yaml_text
