"""A work item shows its SOP's texts in the reader's language where its version has them:
an Arabic-speaking VA reads the checklist in Arabic, a French QA reviewer scores the rubric
in French, an English owner reads the English text, and a text the version does not
translate is shown as written, marked lang="en" so that readers and RTL layout treat it
right. Work keeps its version, so a translation added later does not reach older work."""

from __future__ import annotations

import copy
import re

from app.sops.definition import validate_definition
from tests.factories import DEFAULT_SOP_DEFINITION, SopFactory, SopVersionFactory
from tests.helpers import speaks
from tests.work.support import Flow, emails, web

TRANSLATIONS = {
    "ar": {
        "title": "التقرير الشهري",
        "stages": {"prepare": {"title": "التحضير"}, "send": {"title": "الإرسال"}},
        "items": {
            "collect": {"text": "اجمع الأرقام"},
            "draft": {"text": "أرفق رابط المسودة"},
            "report": {"text": "أرفق التقرير"},
            # "notes" is not translated: it falls back to English
        },
        "rubric": {"accurate": {"text": "الأرقام دقيقة"}, "clear": {"text": "الكتابة واضحة"}},
    },
    "fr": {
        "title": "Rapport mensuel",
        "items": {"collect": {"text": "Rassembler les chiffres"}},
        "rubric": {
            "accurate": {"text": "Les chiffres sont exacts"},
            "clear": {"text": "Rédigé clairement"},
        },
    },
}


def _translated_version(desk):
    data = copy.deepcopy(DEFAULT_SOP_DEFINITION)
    data["translations"] = TRANSLATIONS
    definition = validate_definition(data)
    return SopVersionFactory(
        sop=SopFactory(agency=desk.agency, title="Monthly report"), definition=definition
    )


def _check_label(page: str, key: str) -> str:
    row = re.search(rf'data-check-key="{key}".*?(<label[^>]*>.*?</label>)', page, re.S)
    assert row, key
    return row.group(1)


def _rubric_label(page: str, key: str) -> str:
    row = re.search(rf'data-criterion="{key}".*?(<label[^>]*>.*?</label>)', page, re.S)
    assert row, key
    return row.group(1)


def test_an_arabic_va_sees_the_arabic_checklist_and_english_fallback_marked(app, desk):
    version = _translated_version(desk)
    speaks(desk.va, "ar")
    flow = Flow(app, desk, sop_version_id=version.id)
    page = web(app, desk.va).get(f"/{desk.slug}/work/{flow.id}").text

    collect = _check_label(page, "collect")
    assert "اجمع الأرقام" in collect and "lang=" not in collect
    assert "Collect the figures" not in page
    assert "أرفق التقرير" in _check_label(page, "report")
    assert "التحضير" in page and "الإرسال" in page  # stage titles
    assert 'data-testid="sop-title">التقرير الشهري<' in page
    # The untranslated item: the English text, marked as English, left to right.
    notes = _check_label(page, "notes")
    assert 'lang="en" dir="ltr"' in notes and "Note anything unusual" in notes

    # Once started, the checkboxes' labels and the submit gate speak Arabic too.
    page = web(app, desk.va).post(f"/{desk.slug}/work/{flow.id}/start", follow_redirects=True)
    gate = re.search(r'data-testid="open-required">(.*?)</ul>', page.text, re.S).group(1)
    assert "اجمع الأرقام" in gate and "Collect the figures" not in gate
    assert 'aria-label="تم: اجمع الأرقام"' in page.text

    # A refusal names the item as the VA reads it.
    tick = f"/{desk.slug}/work/{flow.id}/checklist/{flow.ids['draft']}/tick"
    refused = web(app, desk.va).post(tick, data={"done": "on"}, headers={"HX-Request": "true"})
    assert refused.status_code == 409
    error = re.search(r'data-testid="check-error">(.*?)</div>\s*</div>', refused.text, re.S)
    assert error and "أرفق رابط المسودة" in error.group(1), refused.text
    assert "Link the draft" not in refused.text


def test_a_french_qa_reviewer_scores_the_french_rubric(app, desk):
    version = _translated_version(desk)
    speaks(desk.qa, "fr")
    flow = Flow(app, desk, sop_version_id=version.id).to("in_review")
    page = web(app, desk.qa).get(f"/{desk.slug}/work/{flow.id}").text
    accurate = _rubric_label(page, "accurate")
    assert "Les chiffres sont exacts" in accurate and "lang=" not in accurate
    assert "Rédigé clairement" in _rubric_label(page, "clear")
    assert "Figures are accurate" not in page
    # French has only one item translated: the others are English, marked so.
    assert "Rassembler les chiffres" in _check_label(page, "collect")
    draft = _check_label(page, "draft")
    assert 'lang="en"' in draft and "Link the draft" in draft
    # Stages are not translated into French: English, marked.
    assert re.search(r'<span[^>]*lang="en" dir="ltr">1\. Prepare</span>', page)


def test_an_english_owner_reads_the_english_text_unmarked(app, desk):
    version = _translated_version(desk)
    flow = Flow(app, desk, sop_version_id=version.id)
    page = web(app, desk.owner).get(f"/{desk.slug}/work/{flow.id}").text
    assert "Collect the figures" in _check_label(page, "collect")
    assert "اجمع الأرقام" not in page and "Rassembler" not in page
    assert 'lang="en" dir="ltr"' not in page.split("<body", 1)[1]


def test_the_portal_shows_the_sop_title_in_the_contacts_language(app, desk):
    version = _translated_version(desk)
    speaks(desk.contact, "ar")
    Flow(app, desk, sop_version_id=version.id).to("approved")  # passed QA: the client sees it
    page = web(app, desk.contact).get(f"/{desk.slug}/portal").text
    assert "التقرير الشهري" in page and "Monthly report" not in page


def test_work_keeps_the_version_it_started_with(app, desk):
    """A translation added in a later version does not show on work already under way."""
    speaks(desk.va, "ar")
    flow = Flow(app, desk)  # desk.sop_version: no translations
    _translated_version(desk)
    page = web(app, desk.va).get(f"/{desk.slug}/work/{flow.id}").text
    collect = _check_label(page, "collect")
    assert "Collect the figures" in collect and 'lang="en"' in collect
    assert "اجمع الأرقام" not in page


def test_the_assignment_email_names_the_sop_as_the_assignee_reads_it(app, desk):
    version = _translated_version(desk)
    speaks(desk.va, "ar")
    flow = Flow(app, desk, sop_version_id=version.id)
    (email,) = emails(f"work:{flow.id}:assigned:")
    assert "التقرير الشهري" in email.text_body
    assert "التقرير الشهري" in email.html_body
    assert "Monthly report" not in email.text_body + email.html_body
