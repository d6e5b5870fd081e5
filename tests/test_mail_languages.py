"""Every email is written in its recipient's language, whoever sends it and in whatever
language their page is: a staff member or client contact reads their profile's language (a
contact without one, their client's), an invitee their client's or the inviter's, sign-up
and password reset the account's or the asking browser's; the owners' notice after the last
reminder speaks the owner's language and writes money in the owner's locale. Arabic HTML
emails are right to left. Each check reads the real outbox (subject, text and HTML)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from app.core.clock import utcnow
from app.core.mail import OutboundEmail
from app.core.money import format_money
from app.core.tenancy import all_tenants, tenant
from app.extensions import db
from app.portal.models import WorkRequest
from app.users.models import User
from app.work import notifications
from tests.clients.support import api
from tests.factories import ClientFactory, MembershipFactory, UserFactory
from tests.work.support import Flow, emails, fetch_item, make_desk, web

ROOT = {
    "ar": '<html lang="ar" dir="rtl">',
    "fr": '<html lang="fr" dir="ltr">',
    "en": '<html lang="en" dir="ltr">',
}


def _speaks(user_id: int, locale: str) -> None:
    db.session.get(User, user_id).locale = locale
    db.session.flush()


def _to(address: str) -> list[OutboundEmail]:
    with all_tenants():
        return list(
            db.session.scalars(
                sa.select(OutboundEmail)
                .where(OutboundEmail.to_addr == address.lower())
                .order_by(OutboundEmail.id)
            )
        )


def _reads(email: OutboundEmail, language: str, subject: str, text: list[str], html: list[str]):
    """The email is in `language`: its subject, text and HTML carry these translated words,
    and the HTML's root says the language and its direction."""
    assert subject in email.subject, email.subject
    for words in text:
        assert words in email.text_body, (words, email.text_body)
    for words in html:
        assert words in email.html_body, (words, email.html_body)
    assert ROOT[language] in email.html_body, re.search(r"<html[^>]*>", email.html_body)


# --- password reset: the account's language, not the asking browser's ----------------------

RESET = {
    "ar": (
        "أعد تعيين كلمة مرورك في Baton",
        ["طلب أحدهم (ونأمل أن تكون أنت) إعادة تعيين كلمة مرورك في Baton.", "خلال 60 دقيقة."],
        ["اختر كلمة مرور جديدة", "أو افتح هذا الرابط:"],
    ),
    "fr": (
        "Réinitialisez votre mot de passe Baton",
        ["Quelqu’un (vous, espérons-le) a demandé", "expire dans 60 minutes."],
        ["Choisissez un nouveau mot de passe", "Ou ouvrez ce lien :"],
    ),
    "en": (
        "Reset your Baton password",
        ["Someone (hopefully you) asked", "expires in 60 minutes."],
        ["Choose a new password", "Or open this link:"],
    ),
}


@pytest.mark.parametrize(("locale", "asked_in"), [("ar", "fr"), ("fr_CA", "ar"), ("en", "ar")])
def test_a_password_reset_is_in_the_account_language_whatever_the_asking_page(
    client, locale, asked_in
):
    user = UserFactory(locale=locale)
    resp = client.post(
        "/forgot-password", data={"email": user.email}, headers={"Accept-Language": asked_in}
    )
    assert resp.status_code == 200
    (email,) = _to(user.email)
    language = locale[:2]
    _reads(email, language, *RESET[language])


# --- sign-up: the asking browser's language, or the existing account's ---------------------

SIGNUP = {
    "ar": (
        "أكّد بريدك الإلكتروني لبدء Cedar Desk على Baton",
        ["أكّد بريدك الإلكتروني لبدء Cedar Desk على Baton.", "تنتهي صلاحيته خلال 24 ساعة."],
        ["إنشاء وكالتي"],
    ),
    "fr": (
        "Confirmez votre e-mail pour lancer Cedar Desk sur Baton",
        ["Le lien ne sert qu’une fois et expire dans 24 heures.", "rien n’est créé sans le lien"],
        ["Créer mon agence"],
    ),
    "en": (
        "Confirm your email to start Cedar Desk on Baton",
        ["expires in 24 hours.", "nothing is created without the link"],
        ["Create my agency"],
    ),
}


def _sign_up(client, email: str, language: str):
    data = {
        "agency_name": "Cedar Desk",
        "name": "Lina Farouk",
        "email": email,
        "password": "a-long-password",
        "time_zone": "Africa/Cairo",
    }
    resp = client.post("/signup", data=data, headers={"Accept-Language": language})
    assert resp.status_code == 200


@pytest.mark.parametrize("language", ["ar", "fr", "en"])
def test_a_new_address_is_asked_to_confirm_in_the_browser_language(client, language):
    _sign_up(client, "lina@cedar.test", language)
    (email,) = _to("lina@cedar.test")
    _reads(email, language, *SIGNUP[language])


def test_an_existing_account_is_told_in_its_own_language_not_the_browser_one(client):
    user = UserFactory(locale="ar")
    _sign_up(client, user.email, "fr")
    (email,) = _to(user.email)
    _reads(
        email,
        "ar",
        "حاول أحدهم إنشاء وكالة على Baton ببريدك الإلكتروني",
        ["لديك حساب بالفعل، لذا لم يُنشأ شيء.", "سجّل الدخول إلى حسابك:"],
        ["تسجيل الدخول", "«Cedar Desk»"],
    )


# --- invitations: the client's language for a contact, else the inviter's -------------------


def _invite(app, desk, email: str, role: str, **extra) -> OutboundEmail:
    browser = web(app, desk.owner)
    resp = browser.post(
        f"/{desk.slug}/team/invite",
        data={"email": email, "role": role, **extra},
        headers={"Accept-Language": "en"},
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    return _to(email)[-1]


def test_a_team_member_is_invited_in_the_inviter_language(app):
    desk = make_desk(name="Cedar Desk")
    _speaks(desk.owner.user_id, "fr")
    email = _invite(app, desk, "amal@example.test", "va")
    name = desk.owner.user.name
    _reads(
        email,
        "fr",
        f"{name} vous invite à rejoindre Cedar Desk sur Baton",
        ["avec le rôle « Assistant virtuel ».", "Acceptez l’invitation ici :", "expire le"],
        ["Accepter l’invitation", "Cedar Desk · envoyé par Baton"],
    )


def test_a_client_contact_is_invited_in_the_client_language_not_the_inviter_one(app):
    desk = make_desk(name="Cedar Desk")
    _speaks(desk.owner.user_id, "fr")
    client = ClientFactory(agency=desk.agency, locale="ar_EG", time_zone="Africa/Cairo")
    email = _invite(app, desk, "hana@nile.test", "client", client_id=str(client.id))
    _reads(
        email,
        "ar",
        "إلى Cedar Desk على Baton",
        ["للانضمام إلى Cedar Desk على Baton بصفة جهة اتصال العميل.", "اقبل الدعوة من هنا:"],
        ["قبول الدعوة", "Cedar Desk · أُرسلت عبر Baton"],
    )
    english = _invite(app, desk, "sam@nile.test", "client", client_id=str(desk.client.id))
    assert "invited you to join Cedar Desk on Baton as Client contact." in english.text_body


# --- work items: each person in their own language, whatever the sender's page -------------

ASSIGNED = {
    "fr": (
        "Nouveau travail pour Harbour Bakery : March report",
        ["Vous avez un nouveau travail pour Harbour Bakery : March report", "Échéance :"],
        ["Ouvrir dans Baton", "Elle suit la SOP « Monthly report »."],
    ),
    "ar": (
        "عمل جديد لـ Harbour Bakery: March report",
        ["لديك عمل جديد لـ Harbour Bakery: March report", "بتوقيت العميل"],
        ["فتح في Baton", "يتبع إجراء SOP «Monthly report»."],
    ),
    "en": (
        "New work for Harbour Bakery: March report",
        ["You have new work for Harbour Bakery: March report", "for the client."],
        ["Open in Baton", "It follows the SOP “Monthly report”."],
    ),
}


@pytest.mark.parametrize("locale", ["fr", "ar", "en"])
def test_an_arabic_speaking_owner_assigns_work_and_the_va_reads_their_own_language(app, locale):
    desk = make_desk()
    _speaks(desk.owner.user_id, "ar")
    _speaks(desk.va.user_id, locale)
    owner = api(app, desk.owner)
    owner.headers["Accept-Language"] = "ar"  # the owner's request is in Arabic
    resp = owner.post(f"/clients/{desk.client.id}/work-items", json=desk.item_body())
    assert resp.status_code == 201, resp.json
    (email,) = emails(f"work:{resp.json['id']}:assigned:")
    assert email.to_addr == desk.va.user.email
    _reads(email, locale, *ASSIGNED[locale])
    if locale == "fr":
        assert "mars" in email.text_body  # the due date, in French


def test_review_changes_and_approval_emails_follow_each_recipient(app):
    desk = make_desk()
    _speaks(desk.va.user_id, "fr")
    _speaks(desk.qa.user_id, "ar")
    _speaks(desk.contact.user_id, "")  # no language of their own: the client's
    with tenant(desk.agency.id):
        desk.client.locale = "fr_BE"
        db.session.flush()
    flow = Flow(app, desk, client_approval=True).to("in_review")
    i = flow.id
    (submitted,) = emails(f"work:{i}:submitted:1:")
    _reads(
        submitted,
        "ar",
        "جاهز للمراجعة: March report (Harbour Bakery)",
        ["أُرسل March report (Harbour Bakery) لمراجعتك."],
        ["جاهز لمراجعتك", "المراجعة في Baton"],
    )
    flow.request_changes()
    (changes,) = emails(f"work:{i}:changes:qa:")
    _reads(
        changes,
        "fr",
        "Modifications demandées : March report (Harbour Bakery)",
        ["Le contrôle qualité a demandé des modifications sur March report", "Totals are off"],
        ["Modifications demandées", "Ouvrir dans Baton"],
    )
    flow.start()
    flow.submit()
    flow.take()
    flow.approve()
    (approval,) = emails(f"work:{i}:client-approval:")
    _reads(
        approval,
        "fr",
        "À valider : March report",
        ["a un travail prêt pour votre validation : March report"],
        ["Prêt pour votre validation", "Examiner et valider"],
    )


def test_the_overdue_job_tells_each_owner_in_their_own_language(app):
    desk = make_desk()
    second = MembershipFactory(agency=desk.agency, role="owner")
    _speaks(desk.owner.user_id, "fr")
    _speaks(second.user_id, "ar")
    flow = Flow(app, desk, title="Late one").to("in_progress")
    with all_tenants():
        item = fetch_item(flow.id)
        item.due_at = utcnow() - dt.timedelta(hours=2)
        db.session.flush()
    assert notifications.notify_overdue() == {"notified": 1}
    sent = {e.to_addr: e for e in emails(f"work:{flow.id}:overdue")}
    _reads(
        sent[desk.owner.user.email],
        "fr",
        "En retard : Late one (Harbour Bakery)",
        ["Late one (Harbour Bakery) est en retard", "toujours en cours."],
        ["Travail en retard"],
    )
    _reads(
        sent[second.user.email],
        "ar",
        "متأخر: Late one (Harbour Bakery)",
        ["تأخّر Late one (Harbour Bakery)", "ولا يزال قيد التنفيذ."],
        ["عمل متأخر"],
    )


# --- work requests from the portal ----------------------------------------------------------


def test_a_request_reaches_each_manager_in_theirs_and_the_decline_the_contact_in_theirs(app):
    desk = make_desk()
    _speaks(desk.contact.user_id, "ar")
    _speaks(desk.manager.user_id, "fr")
    browser = web(app, desk.contact)
    resp = browser.post(f"/{desk.slug}/portal/requests", data={"title": "Easter newsletter"})
    assert resp.status_code == 302
    with all_tenants():
        request_id = db.session.scalar(
            sa.select(WorkRequest.id).where(WorkRequest.agency_id == desk.agency.id)
        )
    asked = {e.to_addr: e for e in emails(f"work-request:{request_id}:asked:")}
    contact_name = desk.contact.user.name
    _reads(
        asked[desk.manager.user.email],
        "fr",
        "Harbour Bakery demande : Easter newsletter",
        [f"{contact_name}, de Harbour Bakery, a demandé « Easter newsletter »."],
        ["Harbour Bakery demande quelque chose", "Ouvrir dans Baton"],
    )
    _reads(
        asked[desk.owner.user.email],
        "en",
        "Harbour Bakery asks for: Easter newsletter",
        ["Turn it into a work item or decline it."],
        ["Harbour Bakery asks for something", "Open in Baton"],
    )
    resp = web(app, desk.manager).post(
        f"/{desk.slug}/requests/{request_id}/decline", data={"reason": "No print work."}
    )
    assert resp.status_code == 302
    (declined,) = emails(f"work-request:{request_id}:declined:")
    _reads(
        declined,
        "ar",
        "بخصوص طلبك: Easter newsletter",
        ["طلبك «Easter newsletter»: No print work."],
        ["لا يمكننا تولّي هذا الطلب", "فتح في Baton"],
    )


# --- reminders: the client's language; the owners' last-reminder notice in theirs -----------


@pytest.mark.parametrize("locale", ["fr", "ar", "en"])
def test_the_last_reminder_notice_speaks_the_owner_language_and_money(locale):
    from tests.invoices.test_reminders import AT, make_invoice, sweep

    agency, client, invoice = make_invoice()
    client.locale = invoice.locale = "ar"
    owner = MembershipFactory(agency=agency, role="owner")
    owner.user.locale = locale
    db.session.flush()
    sweep(AT[30])
    (told,) = emails("reminders-exhausted:")
    amount = format_money(invoice.balance_minor, "USD", locale)
    expected = {
        "fr": (
            "Dernière relance envoyée pour la facture INV-2026-00042 (Harbour Bakery)",
            [f"Il reste {amount} à régler.", "La dernière relance de votre séquence est partie"],
            ["Ouvrir la facture"],
        ),
        "ar": (
            "أُرسل آخر تذكير للفاتورة INV-2026-00042 (Harbour Bakery)",
            [f"لا يزال مبلغ {amount} مستحقًا.", "أُرسل آخر تذكير في سلّم تذكيراتك"],
            ["فتح الفاتورة"],
        ),
        "en": (
            "Last reminder sent for invoice INV-2026-00042 (Harbour Bakery)",
            ["$1,000.00 is still open."],
            ["Open the invoice"],
        ),
    }[locale]
    _reads(told, locale, *expected)
    if locale != "en":
        assert "$1,000.00" not in told.text_body  # not the English way of writing money
    # The client's own reminder stays in the client's language (Arabic here).
    reminder = emails("reminder:")[-1]
    assert ROOT["ar"] in reminder.html_body and "عرض الفاتورة" in reminder.html_body
