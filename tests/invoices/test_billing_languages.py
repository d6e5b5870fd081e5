"""The billing pages speak their reader's language: an Arabic-speaking owner gets the invoice
list, the invoice page and its editor, receivables, the client's billing page, invoice
settings, the month-end batch, the reminder ladder and the branding page right to left in
Arabic; a French-speaking owner gets them in French; flash messages and refusals after a
form post arrive in the reader's language. (The invoice PDF keeps the client's locale: see
test_pdf.py.)"""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from tests.helpers import html_tag
from tests.invoices.support import draft, issued


def _text(page: str) -> str:
    """The page's visible words, roughly: tags dropped."""
    return re.sub(r"<[^>]+>", " ", page)


def _pages(slug: str, team, draft_id: int, issued_id: int) -> dict[str, str]:
    return {
        "list": f"/{slug}/invoices",
        "draft": f"/{slug}/invoices/{draft_id}",
        "issued": f"/{slug}/invoices/{issued_id}",
        "new": f"/{slug}/invoices/new",
        "receivables": f"/{slug}/receivables",
        "billing": f"/{slug}/clients/{team.client.id}/billing",
        "settings": f"/{slug}/invoice-settings",
        "batch": f"/{slug}/invoices/batch",
        "ladder": f"/{slug}/settings/reminders",
        "step": f"/{slug}/settings/reminders/steps/new",
        "branding": f"/{slug}/settings/branding",
    }


@pytest.fixture
def invoices(team, owner):
    """A draft with a line and an issued invoice of the team's client."""
    open_draft = draft(owner, team.client, ("Inbox care", 2, 4500))
    sent = issued(owner, team.client, ("Calendar care", 1, 12000))
    db.session.commit()
    return open_draft.id, sent.id


# What each page must say, in Arabic and in French, and the English it must no longer say.
ARABIC = {
    "list": ["الفواتير", "فاتورة جديدة", "تصفية", "الرصيد", "المستحقات"],
    "draft": [
        "مسودة فاتورة",
        "إصدار وإرسال",
        "حذف المسودة",
        "البنود",
        "إضافة بند",
        "الشروط والملاحظات",
    ],
    "issued": ["الدفعات", "تسجيل دفعة", "إشعار دائن", "إعادة الإرسال", "تذكيرات الدفع", "التفاصيل"],
    "new": ["فاتورة جديدة", "إنشاء مسودة", "ملاحظات تُطبع على الفاتورة"],
    "receivables": ["المستحقات", "حسب العميل", "الفواتير المتأخرة"],
    "billing": ["الفوترة", "الاشتراكات الشهرية", "إضافة اشتراك شهري", "أحدث الفواتير"],
    "settings": ["إعدادات الفواتير", "الترقيم والتقريب", "نسب الضريبة", "حفظ الإعدادات"],
    "batch": ["إصدار مسودات شهر وإرسالها", "عدّ المسودات", "إصدار الكل وإرساله"],
    "ladder": ["تذكيرات الدفع", "إرسال تذكيرات الدفع لهذه الوكالة", "تخصيص السلّم", "ما يحتويه"],
    "step": ["خطوة تذكير جديدة", "الأيام من تاريخ الاستحقاق", "حفظ الخطوة", "معاينة"],
    "branding": ["هوية الفواتير", "اللون الرئيسي", "تعليمات الدفع", "حفظ الهوية", "رفع شعار"],
}
FRENCH = {
    "list": ["Factures", "Nouvelle facture", "Filtrer", "Solde", "Créances"],
    "draft": ["Brouillon de facture", "Émettre et envoyer", "Supprimer le brouillon", "Lignes"],
    "issued": ["Paiements", "Enregistrer un paiement", "Avoir", "Renvoyer", "Relances de paiement"],
    "new": ["Nouvelle facture", "Créer le brouillon", "Notes imprimées sur la facture"],
    "receivables": ["Créances", "Par client", "Factures en retard"],
    "billing": ["Facturation", "Abonnements mensuels", "Ajouter un abonnement mensuel"],
    "settings": ["Paramètres de facturation", "Numérotation et arrondi", "Taux de taxe"],
    "batch": ["Émettre et envoyer les brouillons d'un mois", "Compter les brouillons"],
    "ladder": ["Relances de paiement", "Personnaliser la séquence", "Variables"],
    "step": ["Nouvelle étape de relance", "Jours par rapport à l'échéance", "Aperçu"],
    "branding": ["Identité visuelle des factures", "Couleur principale", "Téléverser un logo"],
}
ENGLISH = {
    "list": ["New invoice", "Fix the filters", "Receivables"],
    "draft": ["Draft invoice", "Issue &amp; send", "Delete draft", "Add a line", "Terms and notes"],
    "issued": ["Record a payment", "Send again", "Payment reminders", "Send a reminder now"],
    "new": ["Create draft", "Notes printed on the invoice"],
    "receivables": ["By client", "Overdue invoices", "Nothing is owed right now"],
    "billing": ["Monthly retainers", "Add a retainer", "Recent invoices"],
    "settings": ["Invoice settings", "Numbering and rounding", "Save settings"],
    "batch": ["Issue and send a month", "Count drafts", "Recent batches"],
    "ladder": ["Send payment reminders for this agency", "Customise the ladder", "What it holds"],
    "step": ["New reminder step", "Days from the due date", "Save step"],
    "branding": ["Invoice branding", "Main colour", "Upload a logo", "Save branding"],
}


def test_an_arabic_speaking_owner_reads_the_billing_pages_right_to_left_in_arabic(
    app, team, speaking, invoices
):
    browser = speaking("ar")
    for name, url in _pages(team.slug, team, *invoices).items():
        resp = browser.get(url)
        assert resp.status_code == 200, (name, resp.status_code)
        page = resp.get_data(as_text=True)
        assert html_tag(page).startswith('<html lang="ar" dir="rtl"'), name
        for words in ARABIC[name]:
            assert words in page, (name, words)
        text = _text(page)
        for words in ENGLISH[name]:
            assert words not in text, (name, words)


def test_a_french_speaking_owner_reads_them_in_french(app, team, speaking, invoices):
    browser = speaking("fr")
    for name, url in _pages(team.slug, team, *invoices).items():
        page = browser.get(url).get_data(as_text=True)
        assert html_tag(page).startswith('<html lang="fr" dir="ltr"'), name
        for words in FRENCH[name]:
            assert words in page, (name, words)
        for words in ENGLISH[name]:
            assert words not in _text(page), (name, words)


def test_counts_and_names_are_whole_sentences_with_latin_names_isolated(
    app, team, speaking, invoices
):
    _, issued_id = invoices
    page = speaking("ar").get(f"/{team.slug}/invoices").get_data(as_text=True)
    assert "مستندان" in page  # two documents: Arabic's dual, not "2 documents"
    page = speaking("ar").get(f"/{team.slug}/invoices/{issued_id}").get_data(as_text=True)
    assert "<bdi>Harbour Bakery</bdi>" in page


def test_flash_messages_after_a_form_post_arrive_in_the_readers_language(
    app, team, owner, speaking
):
    browser = speaking("ar")
    resp = browser.post(f"/{team.slug}/invoices/new", data={"client_id": team.client.id})
    assert resp.status_code == 302
    page = browser.get(resp.headers["Location"]).get_data(as_text=True)
    assert "أُنشئت المسودة. أضف بنودها ثم أصدرها." in page
    assert "Draft created" not in page

    browser = speaking("fr")
    resp = browser.post(
        f"/{team.slug}/invoice-settings/tax-rates",
        data={"name": "TVA", "rate_percent": "20", "active": "on"},
    )
    assert resp.status_code == 302
    page = browser.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Taux de taxe TVA ajouté." in page

    resp = browser.post(f"/{team.slug}/settings/reminders", data={})
    page = browser.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Relances de paiement désactivées." in page


def test_a_refused_action_says_why_in_the_readers_language(app, team, speaking, owner):
    empty = draft(owner, team.client)
    db.session.commit()
    browser = speaking("ar")
    resp = browser.post(f"/{team.slug}/invoices/{empty.id}/issue", data={})
    assert resp.status_code == 409
    page = resp.get_data(as_text=True)
    assert "أضف بندًا واحدًا على الأقل قبل الإصدار." in page
    assert "Add at least one line" not in page


def test_refused_lines_from_packages_are_explained_in_the_readers_language(app, team):
    from tests.clients.support import api
    from tests.factories import ServicePackageFactory

    hourly = ServicePackageFactory(agency=team.agency, name="Ad hoc", pricing="hourly")
    euro = ServicePackageFactory(agency=team.agency, name="Euro pack", currency="EUR")
    owner_api = api(app, team.owner)
    owner_api.headers["Accept-Language"] = "fr"
    invoice = owner_api.post("/invoices", json={"client_id": team.client.id}).json
    resp = owner_api.post(
        f"/invoices/{invoice['id']}/lines/import",
        json={"source": "package", "ids": [hourly.id, euro.id, 2_000_000_000]},
    )
    assert resp.status_code == 422
    assert resp.json["errors"]["ids"] == [
        "N'existe pas : 2000000000.",
        "Ad hoc est facturé à l'heure ; facturez-le à partir des saisies de temps.",
        "Euro pack est tarifé en EUR, cette facture en USD.",
    ]


def test_a_bad_number_format_is_explained_in_the_readers_language(app, team, speaking, owner):
    browser = speaking("fr")
    resp = browser.post(
        f"/{team.slug}/invoice-settings",
        data={"invoice_number_format": "INV-{client}", "credit_note_number_format": "CN-{year}"},
    )
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "{client} n’est pas autorisé ; utilisez {year}, {seq} ou {seq:05}." in page
    assert "Mettez {seq} (le numéro courant) exactement une fois." in page
    assert "is not allowed" not in page and "exactly once" not in page
