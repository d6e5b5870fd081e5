"""The work item pages speak the reader's language: an Arabic-speaking VA, owner and QA
reviewer get them right to left in Arabic, a French-speaking client contact in French, and
the messages after each action (flashes, refusals) arrive in the same language."""

from __future__ import annotations

from tests.helpers import flashes, html_tag, speaks
from tests.work.support import Flow, web


def test_an_arabic_speaking_va_works_an_item_right_to_left(app, desk):
    speaks(desk.va, locale="ar")
    flow = Flow(app, desk)
    va = web(app, desk.va)
    item_url = f"/{desk.slug}/work/{flow.id}"
    page = va.get(item_url).text
    assert html_tag(page).startswith('<html lang="ar" dir="rtl"')
    assert "vendor/bootstrap/bootstrap.rtl.min.css" in page
    for arabic in ("بدء العمل", "قائمة المهام", "السجل والتعليقات", "الاستحقاق", "أضف تعليقًا"):
        assert arabic in page, arabic
    for english in ("Start work", "History and comments", "Add a comment", "No due date"):
        assert english not in page, english
    assert "<bdi>Harbour Bakery</bdi>" in page  # a Latin name inside an Arabic sentence

    page = va.post(f"{item_url}/start", follow_redirects=True).text
    assert "بدأ العمل. حدّد بنود قائمة المهام أولًا بأول." in flashes(page)
    assert "إرسال للمراجعة" in page and "بنود إلزامية مفتوحة قبل أن تتمكن من الإرسال" in page
    assert "Work started" not in page and "Submit for review" not in page

    # Submitting too early: the warning in Arabic (three required items: the "few" form).
    page = va.post(f"{item_url}/submit", follow_redirects=True).text
    assert "لم تُرسل بعد: لا تزال 3 بنود إلزامية مفتوحة في قائمة المهام" in flashes(page)


def test_an_arabic_speaking_owner_creates_an_item_and_is_told_in_arabic(app, desk):
    speaks(desk.owner, locale="ar")
    owner = web(app, desk.owner)
    url = f"/{desk.slug}/clients/{desk.client.id}/work/new"
    page = owner.get(url).text
    assert html_tag(page).startswith('<html lang="ar" dir="rtl"')
    for arabic in ("مهمة جديدة", "إنشاء مهمة", "التوقيت والأولوية", "مراجع الجودة", "عاجلة"):
        assert arabic in page, arabic
    for english in ("New work item", "Create work item", "Timing and priority", "Urgent"):
        assert english not in page, english

    form = {
        "title": "April report",
        "sop_version_id": str(desk.sop_version.id),
        "assignee_id": str(desk.va.id),
        "reviewer_id": str(desk.qa.id),
        "due_at": "2030-01-15T09:30",
        "important": "on",
    }
    # Bad input: the field's message beside it, in Arabic.
    bad = owner.post(url, data={**form, "reviewer_id": str(desk.va.id)})
    assert bad.status_code == 422
    assert "يجب أن يكون مراجع QA أو مديرًا أو مالكًا نشطًا في الوكالة." in bad.text

    page = owner.post(url, data=form, follow_redirects=True).text
    assert "أُنشئت المهمة April report وكُلّف بها." in flashes(page)
    assert "تعديل" in page and "إدارة" in page and "إلغاء المهمة" in page


def test_an_arabic_speaking_reviewer_reviews_in_arabic_and_is_refused_in_arabic(app, desk):
    speaks(desk.qa, locale="ar")
    flow = Flow(app, desk).to("in_review")
    qa = web(app, desk.qa)
    item_url = f"/{desk.slug}/work/{flow.id}"
    page = qa.get(item_url).text
    for arabic in ("مراجعة QA", "اعتماد", "طلب تعديلات", "ناجح", "راسب", "قيد المراجعة"):
        assert arabic in page, arabic
    assert "QA review <span" not in page and "Request changes" not in page

    # Requesting changes without saying what: refused, on the page, in Arabic.
    refused = qa.post(f"{item_url}/request-changes", data={"comment": ""})
    assert refused.status_code == 409
    assert "وضّح ما يجب تغييره: أرسب معيارًا مع ذكر السبب، أو اكتب تعليقًا." in refused.text


def test_a_french_speaking_client_contact_approves_in_french(app, desk):
    speaks(desk.contact, locale="fr_BE")
    flow = Flow(app, desk, client_approval=True).to("in_review")
    flow.approve()  # QA approves; the item waits for the client
    contact = web(app, desk.contact)
    item_url = f"/{desk.slug}/work/{flow.id}"
    page = contact.get(item_url).text
    assert html_tag(page).startswith('<html lang="fr" dir="ltr"')
    for french in ("Votre approbation", "Approuver", "Demander des modifications", "Échéance"):
        assert french in page, french
    assert "Your approval" not in page and "Ask for changes" not in page

    page = contact.post(f"{item_url}/client-approve", follow_redirects=True).text
    assert "Merci : vous avez approuvé ce travail." in flashes(page)


def test_a_french_speaking_owner_comments_in_french(app, desk):
    speaks(desk.owner, locale="fr")
    flow = Flow(app, desk)
    owner = web(app, desk.owner)
    item_url = f"/{desk.slug}/work/{flow.id}"
    page = owner.get(item_url).text
    for french in ("Historique et commentaires", "Ajouter un commentaire", "Annuler la tâche"):
        assert french in page, french
    page = owner.post(f"{item_url}/comments", data={"body": "Merci"}, follow_redirects=True).text
    assert "Commentaire ajouté." in flashes(page)
    assert "a commenté" in page
