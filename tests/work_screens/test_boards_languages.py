"""The work screens speak the reader's language: an Arabic-speaking VA, reviewer and owner
get My work, the QA queue, the board, All work and the quality figures right to left in
Arabic; a French-speaking owner gets them in French. State and priority badges, due times
and durations follow."""

from __future__ import annotations

import datetime as dt

from tests.clients.support import web
from tests.helpers import html_tag, speaks
from tests.work_screens.conftest import Shop
from tests.work_screens.support import DEFINITION, make_item, make_review, make_sop

H = dt.timedelta(hours=1)


def _get(app, member, url: str) -> str:
    resp = web(app, member).get(url)
    assert resp.status_code == 200, url
    return resp.get_data(as_text=True)


def test_an_arabic_speaking_va_reads_my_work_in_arabic(app, shop: Shop):
    t = shop.team
    speaks(t.va, "ar")
    make_item(shop.version, t.client.id, assignee_id=t.va.id, urgent=True, due_in=-2 * H, done=1)
    page = _get(app, t.va, f"/{shop.slug}/my-work")
    assert html_tag(page).startswith('<html lang="ar" dir="rtl"')
    for arabic in ("أعمالي", "نفّذ الآن", "عاجل ومهم", "متأخرة", "للتنفيذ", "أُنجز 1/3"):
        assert arabic in page, arabic
    for english in (">My work<", "Do now", "Urgent and important", ">To do<", "1/3 done"):
        assert english not in page, english


def test_an_arabic_speaking_reviewer_reads_the_qa_queue_in_arabic(app, shop: Shop):
    t = shop.team
    speaks(t.qa, "ar")
    make_item(
        shop.version,
        t.client.id,
        assignee_id=t.va.id,
        reviewer_id=t.qa.id,
        state="submitted",
        submitted_ago=3 * H,
        rework_rounds=1,
    )
    page = _get(app, t.qa, f"/{shop.slug}/qa")
    assert html_tag(page).startswith('<html lang="ar" dir="rtl"')
    for arabic in ("قائمة مراجعة الجودة", "مهمة واحدة بانتظار مراجعتك", "مدة الانتظار", "3 س"):
        assert arabic in page, arabic
    for english in ("waiting for your review", ">Waiting<", "3 h"):
        assert english not in page, english


def test_an_arabic_speaking_owner_reads_the_board_the_list_and_quality_in_arabic(app, shop: Shop):
    t = shop.team
    speaks(t.owner, "ar")
    item = make_item(shop.version, t.client.id, assignee_id=t.va.id, reviewer_id=t.qa.id)
    page = _get(app, t.owner, f"/{shop.slug}/board")
    assert html_tag(page).startswith('<html lang="ar" dir="rtl"')
    for arabic in ("اللوحة", "كل العملاء", "قيد التنفيذ", "تصفية", "مسح", "فارغ"):
        assert arabic in page, arabic
    assert ">Filter<" not in page.replace("</i> ", ">") and "In progress" not in page

    page = _get(app, t.owner, f"/{shop.slug}/work")
    for arabic in ("كل الأعمال", "مهمة مفتوحة", "الأولوية", "الأقرب استحقاقًا", "بحث"):
        assert arabic in page, arabic
    assert "Due soonest" not in page and "Only overdue" not in page
    assert f'data-item-id="{item.id}"' in page

    make_review(item, "approved", reviewer_id=t.qa.id)
    page = _get(app, t.owner, f"/{shop.slug}/quality")
    for arabic in ("الجودة", "نسبة النجاح من أول مرة", "حسب SOP", "زمن المراجعة حسب المراجع"):
        assert arabic in page, arabic
    assert "First-pass yield" not in page and "By VA" not in page


def test_a_french_speaking_owner_reads_the_screens_in_french(app, shop: Shop):
    t = shop.team
    speaks(t.owner, "fr")
    make_item(shop.version, t.client.id, assignee_id=t.va.id, state="in_progress")
    page = _get(app, t.owner, f"/{shop.slug}/board")
    assert html_tag(page).startswith('<html lang="fr" dir="ltr"')
    assert "Tableau" in page and "Tous les clients" in page and "En cours" in page
    page = _get(app, t.owner, f"/{shop.slug}/work")
    assert "Tout le travail" in page and "Échéance la plus proche" in page
    page = _get(app, t.owner, f"/{shop.slug}/my-work?member={t.va.id}")
    assert f"Travail de {t.va.user.name}" in page and "Afficher le travail de" in page


def test_refusals_of_the_screens_speak_the_readers_language(app, shop: Shop):
    t = shop.team
    speaks(t.owner, "ar")
    resp = web(app, t.owner).get(f"/{shop.slug}/board?client=999999")
    assert resp.status_code == 422
    assert "لا يوجد عميل كهذا." in resp.get_data(as_text=True)


def test_sop_titles_on_the_filters_and_quality_follow_the_readers_language(app, shop: Shop):
    t = shop.team
    speaks(t.owner, "ar")
    definition = {**DEFINITION, "translations": {"ar": {"title": "التقرير الأسبوعي"}}}
    version = make_sop(t.agency.id, title="Weekly client report", definition=definition)
    item = make_item(version, t.client.id, assignee_id=t.va.id, reviewer_id=t.qa.id)
    make_review(item, "approved", reviewer_id=t.qa.id)
    for path in ("/work", "/board", "/quality"):
        page = _get(app, t.owner, f"/{shop.slug}{path}")
        assert "التقرير الأسبوعي" in page, path
        assert "Weekly client report" not in page, path
    # A reader of a language the SOP is not translated into gets its own title.
    speaks(t.owner, "fr")
    assert "Weekly client report" in _get(app, t.owner, f"/{shop.slug}/quality")
