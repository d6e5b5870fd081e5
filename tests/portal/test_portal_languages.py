"""The portal speaks the reader's language: a client contact whose profile is Arabic reads
their home right to left in Arabic (and is thanked in Arabic for a request), a French one
reads French; the staff's requests page and its decline flash follow the manager's language."""

from __future__ import annotations

from app.core.tenancy import all_tenants
from app.extensions import db
from app.portal.models import WorkRequest
from tests.helpers import html_tag, speaks
from tests.work.support import make_desk, web


def _ask(browser, desk, title: str = "Easter newsletter"):
    return browser.post(f"/{desk.slug}/portal/requests", data={"title": title})


def test_an_arabic_client_contact_reads_the_portal_in_arabic_right_to_left(app):
    desk = make_desk()
    speaks(desk.contact, "ar", commit=True)
    page = web(app, desk.contact).get(f"/{desk.slug}/portal").get_data(as_text=True)
    assert html_tag(page).startswith('<html lang="ar" dir="rtl"')
    for arabic in (
        "مرحبًا",
        "بانتظار موافقتك",
        "لا شيء بانتظار موافقتك الآن.",
        "قيد التنفيذ لدينا",
        "سُلِّم مؤخرًا",
        "اطلب منا شيئًا",
        "ماذا تحتاج؟",
        "إرسال الطلب",
        "المبلغ المستحق",
        "أحدث الفواتير",
        "توقيتك",
    ):
        assert arabic in page, arabic
    for english in (
        "Hello,",
        "Waiting for your approval",
        "Ask us for something",
        "Send request",
        "Latest invoices",
        "your time",
    ):
        assert english not in page, english
    assert "<bdi>Harbour Bakery</bdi>" in page


def test_an_arabic_client_is_thanked_in_arabic_and_sees_the_status_in_arabic(app):
    desk = make_desk()
    speaks(desk.contact, "ar", commit=True)
    browser = web(app, desk.contact)
    resp = _ask(browser, desk)
    assert resp.status_code == 302
    page = browser.get(resp.headers["Location"]).get_data(as_text=True)
    assert "شكرًا لك: وصلنا طلبك «Easter newsletter» وسنعود إليك قريبًا." in page
    assert "Thank you" not in page and "Waiting for us" not in page
    assert "بانتظارنا" in page  # the request's status


def test_an_arabic_manager_reads_the_requests_page_and_the_decline_flash_in_arabic(app):
    desk = make_desk()
    _ask(web(app, desk.contact), desk)
    with all_tenants():
        request_id = db.session.query(WorkRequest.id).filter_by(agency_id=desk.agency.id).scalar()
    speaks(desk.manager, "ar", commit=True)
    browser = web(app, desk.manager)
    page = browser.get(f"/{desk.slug}/requests").get_data(as_text=True)
    assert html_tag(page).startswith('<html lang="ar" dir="rtl"')
    for arabic in (
        "<h1>طلبات العملاء</h1>",
        "بانتظار قرار",
        "إنشاء مهمة",
        "رفض",
        "لماذا لا؟ سيقرأ العميل هذا.",
        "لم يُبتّ في أي طلب بعد.",
    ):
        assert arabic in page, arabic
    assert "Waiting for a decision" not in page and "Create work item" not in page
    url = f"/{desk.slug}/requests/{request_id}/decline"
    empty = browser.post(url, data={"reason": " "})
    assert empty.status_code == 422 and 'data-field-error="reason"' in empty.get_data(as_text=True)
    assert "إنشاء مهمة" in empty.get_data(as_text=True)  # the page again, still in Arabic
    resp = browser.post(url, data={"reason": "We do not do print work."})
    assert resp.status_code == 302
    page = browser.get(resp.headers["Location"]).get_data(as_text=True)
    assert "تم رفض الطلب «Easter newsletter»، وأُبلغ العميل بالسبب." in page
    assert "مرفوض" in page and "declined; the client" not in page


def test_a_french_client_contact_reads_the_portal_in_french(app):
    desk = make_desk()
    speaks(desk.contact, "fr", commit=True)
    browser = web(app, desk.contact)
    page = browser.get(f"/{desk.slug}/portal").get_data(as_text=True)
    assert html_tag(page).startswith('<html lang="fr" dir="ltr"')
    for french in (
        "Bonjour",
        "En attente de votre validation",
        "Demandez-nous quelque chose",
        "Envoyer la demande",
        "Dernières factures",
        "Rien à payer. Merci !",
    ):
        assert french in page, french
    assert "Send request" not in page and "Waiting for your approval" not in page
    resp = _ask(browser, desk, "Flyer")
    page = browser.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Merci : nous avons bien reçu votre demande « Flyer » et reviendrons vers vous." in page
