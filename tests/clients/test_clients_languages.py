"""The clients pages (list, a client's page, its forms, the service packages) and the exports
speak the reader's language: an Arabic-speaking owner reads them in Arabic, right to left,
a French-speaking one in French, and the flash after a form arrives in that language too."""

from __future__ import annotations

from app.core.tenancy import all_tenants
from app.exports.models import Export
from app.extensions import db
from tests.clients.support import Team, web
from tests.factories import MembershipFactory, ServicePackageFactory
from tests.helpers import html_tag


def _speaker(team: Team, locale: str, role: str = "owner"):
    team.client_id = team.client.id  # read before the commit expires it
    member = MembershipFactory(agency=team.agency, role=role, user__locale=locale)
    db.session.commit()
    return member


def test_an_arabic_owner_reads_the_clients_list_in_arabic_right_to_left(app, team):
    browser = web(app, _speaker(team, "ar"))
    page = browser.get(f"/{team.slug}/clients").get_data(as_text=True)
    assert html_tag(page).startswith('<html lang="ar" dir="rtl"')
    for arabic in (
        "<h1>العملاء</h1>",
        "عميل جديد",
        "تصدير CSV",
        "باقات الخدمات",
        "بحث",
        "تضمين المؤرشفين",
        "التوقيت المحلي",
        "عميل واحد",
        "نشط",
    ):
        assert arabic in page, arabic
    for english in ("New client", "Export CSV", "Include archived", "Local time", "1 client"):
        assert english not in page, english
    assert ">Harbour Bakery</a></bdi>" in page  # a Latin name kept whole in Arabic


def test_an_arabic_owner_reads_a_client_page_in_arabic(app, team):
    browser = web(app, _speaker(team, "ar"))
    page = browser.get(f"/{team.slug}/clients/{team.client_id}").get_data(as_text=True)
    assert html_tag(page).startswith('<html lang="ar" dir="rtl"')
    assert "<h1><bdi>Harbour Bakery</bdi>" in page
    for arabic in (
        "الشروط",
        "القنوات المفضلة",
        "ملاحظات داخلية",
        "جهات الاتصال",
        "إضافة جهة اتصال",
        "تعيينات المساعدين الافتراضيين",
        "تعيين مساعد افتراضي",
        "مدة الاستجابة",
        "توقيت العميل",
        "أرشفة",
        "تعديل",
    ):
        assert arabic in page, arabic
    for english in (
        "Terms",
        "Preferred channels",
        "Add a contact",
        "VA assignments",
        "Response time",
        "Client&#39;s time",
        "business hours",
    ):
        assert english not in page, english


def test_an_arabic_owner_gets_the_forms_and_packages_in_arabic(app, team):
    browser = web(app, _speaker(team, "ar"))
    form = browser.get(f"/{team.slug}/clients/new").get_data(as_text=True)
    assert "<h1>عميل جديد</h1>" in form and "إنشاء العميل" in form and "المنطقة الزمنية" in form
    assert "Create client" not in form and "Time zone" not in form
    packages = browser.get(f"/{team.slug}/packages").get_data(as_text=True)
    assert "<h1>باقات الخدمات</h1>" in packages and "إضافة الباقة" in packages
    assert "Add package" not in packages and "Deliverables" not in packages


def test_flash_messages_and_field_errors_arrive_in_arabic(app, team):
    browser = web(app, _speaker(team, "ar"))
    url = f"/{team.slug}/clients/{team.client_id}"
    resp = browser.post(f"{url}/contacts", data={"name": "Olivia Brown", "email": "o@b.test"})
    assert resp.status_code == 302
    page = browser.get(resp.headers["Location"]).get_data(as_text=True)
    assert "تمت إضافة جهة الاتصال Olivia Brown." in page and "Contact Olivia" not in page
    bad = browser.post(f"{url}/assignments", data={"membership_id": "999999"})
    assert bad.status_code == 422
    assert "غير موجود." in bad.get_data(as_text=True)
    assert "Does not exist." not in bad.get_data(as_text=True)


def test_a_french_owner_reads_the_clients_pages_in_french(app, team):
    browser = web(app, _speaker(team, "fr"))
    page = browser.get(f"/{team.slug}/clients").get_data(as_text=True)
    assert html_tag(page).startswith('<html lang="fr" dir="ltr"')
    assert "Nouveau client" in page and "Exporter en CSV" in page and "1 client" in page
    assert "New client" not in page and "Export CSV" not in page
    detail = browser.get(f"/{team.slug}/clients/{team.client_id}").get_data(as_text=True)
    assert "Conditions" in detail and "Ajouter un contact" in detail and "Canaux préférés" in detail
    assert "Add a contact" not in detail and "Preferred channels" not in detail
    resp = browser.post(
        f"/{team.slug}/packages",
        data={"name": "Inbox care", "price": "900.00", "currency": "USD", "active": "on"},
    )
    assert resp.status_code == 302
    flashed = browser.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Forfait Inbox care ajouté au catalogue." in flashed


def test_a_french_owner_sees_package_prices_and_pricing_in_french(app, team):
    french = _speaker(team, "fr")
    ServicePackageFactory(agency=team.agency, name="Admin hours", pricing="hourly")
    db.session.commit()
    browser = web(app, french)
    page = browser.get(f"/{team.slug}/packages").get_data(as_text=True)
    assert "À l’heure" in page and "Forfaits de service" in page and "Hourly" not in page


def test_an_arabic_va_reads_their_own_clients_heading(app, team):
    page = web(app, _speaker(team, "ar", role="va")).get(f"/{team.slug}/clients")
    assert "<h1>عملاؤك</h1>" in page.get_data(as_text=True)


def test_an_export_not_ready_says_so_in_arabic(app, team):
    owner = _speaker(team, "ar")
    with all_tenants():
        export = Export(
            agency_id=team.agency.id,
            kind="clients_csv",
            requested_by_id=owner.user_id,
            status="queued",
            filename="clients.csv",
        )
        db.session.add(export)
        db.session.commit()
        export_id = export.id
    resp = web(app, owner).get(f"/{team.slug}/exports/{export_id}/download")
    assert resp.status_code == 409
    assert "هذا التصدير ليس جاهزًا بعد." in resp.get_data(as_text=True)
