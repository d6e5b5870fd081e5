"""A client contact answers an intake questionnaire: every kind checked on the server with
messages naming the question, files checked by content, tool-login passwords sealed in the
vault and nowhere else, new answer sets on every submit, and who may read them."""

from __future__ import annotations

import io

import sqlalchemy as sa

from app.core import storage
from app.core.tenancy import all_tenants, tenant
from app.extensions import db
from app.vault.models import VaultEntry
from app.vault.services import reveal_secret
from tests.intake.support import IntakeAnswer, keys, make_questionnaire, rows, send
from tests.work.support import PNG, api, make_desk, web

PASSWORD = "Tr0ub4dor&3-horse-battery"
INTAKE_TABLES = (
    "intake_questionnaires",
    "intake_questionnaire_versions",
    "intake_requests",
    "intake_answers",
    "audit_events",
)


def _sent(app, desk):
    made = make_questionnaire(app, desk)
    return send(app, desk, made["id"]), keys(made)


def _form(k: dict, **overrides) -> dict:
    data = {
        k["Business name"]: "Harbour Bakery LLC",
        k["About you"]: "We bake.",
        k["Plan"]: "Pro",
        k["Channels"]: ["Email", "Chat"],
        k["Launch day"]: "2027-03-01",
        k["Website"]: "https://harbour.example",
        f"{k['Mailbox login']}.tool": "Webmail",
        f"{k['Mailbox login']}.url": "https://mail.example",
        f"{k['Mailbox login']}.username": "hana@harbour.example",
        f"{k['Mailbox login']}.password": PASSWORD,
    }
    data.update(overrides)
    return data


def test_each_kind_is_checked_and_the_message_names_the_question(app):
    desk = make_desk()
    sent, k = _sent(app, desk)
    browser = web(app, desk.contact)
    url = f"/{desk.slug}/portal/intake/{sent['id']}"
    login = k["Mailbox login"]
    cases = [
        ({k["Business name"]: ""}, k["Business name"], "Business name"),
        ({k["Business name"]: "x" * 1001}, k["Business name"], "Business name"),
        ({k["Plan"]: "Platinum"}, k["Plan"], "Plan"),
        ({k["Channels"]: ["Email", "Fax"]}, k["Channels"], "Channels"),
        ({k["Launch day"]: "2027-02-30"}, k["Launch day"], "Launch day"),
        ({k["Website"]: "javascript:alert(1)"}, k["Website"], "Website"),
        ({k["Website"]: "harbour"}, k["Website"], "Website"),
        ({f"{login}.tool": ""}, f"{login}.tool", "Mailbox login"),
        ({f"{login}.password": ""}, f"{login}.password", "Mailbox login"),
        ({f"{login}.url": "ftp://x"}, f"{login}.url", "Mailbox login"),
        ({"bogus": "x"}, "bogus", "Unknown field"),
    ]
    for change, field, words in cases:
        resp = browser.post(url, data=_form(k, **change))
        body = resp.get_data(as_text=True)
        assert resp.status_code == 422, change
        assert f'data-field-error="{field}"' in body, change
        assert words in body, change
        assert PASSWORD not in body  # never echoed back
    assert rows(IntakeAnswer) == [] and rows(VaultEntry) == []
    contact = api(app, desk.contact)
    resp = contact.post(
        f"/portal/intake-requests/{sent['id']}/answers",
        json={"answers": {k["Business name"]: "Harbour", k["Plan"]: "Gold", "q99": "x"}},
    )
    assert resp.status_code == 422
    errors = resp.get_json()["errors"]["answers"]
    assert set(errors) == {k["Plan"], "q99"} and "Plan" in errors[k["Plan"]][0]
    assert rows(IntakeAnswer) == []


def test_files_are_checked_by_content_and_stored(app):
    desk = make_desk()
    sent, k = _sent(app, desk)
    browser = web(app, desk.contact)
    url = f"/{desk.slug}/portal/intake/{sent['id']}"
    fake = _form(k, **{k["Logo"]: (io.BytesIO(b"<html><script>x</script>"), "logo.png")})
    resp = browser.post(url, data=fake, content_type="multipart/form-data")
    assert resp.status_code == 422 and f'data-field-error="{k["Logo"]}"' in resp.get_data(
        as_text=True
    )
    assert rows(IntakeAnswer) == []
    good = _form(k, **{k["Logo"]: (io.BytesIO(PNG), "logo.png")})
    assert browser.post(url, data=good, content_type="multipart/form-data").status_code == 302
    (answer,) = rows(IntakeAnswer)
    logo = answer.answers[k["Logo"]]
    assert (logo["filename"], logo["content_type"]) == ("logo.png", "image/png")
    assert storage.get(logo["key"], logo["sha256"]) == PNG


def test_tool_login_password_is_only_in_the_vault_encrypted(app):
    desk = make_desk()
    sent, k = _sent(app, desk)
    resp = web(app, desk.contact).post(f"/{desk.slug}/portal/intake/{sent['id']}", data=_form(k))
    assert resp.status_code == 302
    (answer,) = rows(IntakeAnswer)
    login = answer.answers[k["Mailbox login"]]
    assert set(login) == {"tool", "url", "username", "vault_entry_id", "vault_entry_name"}
    with all_tenants():
        for table in INTAKE_TABLES:
            columns = db.session.execute(
                sa.text(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = :t "
                    "AND data_type IN ('text', 'character varying', 'json', 'jsonb')"
                ),
                {"t": table},
            ).scalars()
            for column in columns:
                found = db.session.scalar(
                    sa.select(sa.func.count())
                    .select_from(sa.table(table))
                    .where(sa.cast(sa.column(column), sa.Text).like(f"%{PASSWORD}%"))
                )
                assert found == 0, f"{table}.{column} holds the password"
        entry = db.session.get(VaultEntry, login["vault_entry_id"])
        assert (entry.client_id, entry.name, entry.username) == (
            desk.client.id,
            "Webmail",
            "hana@harbour.example",
        )
        assert PASSWORD.encode() not in entry.secret_ciphertext
    with tenant(desk.agency.id):
        assert reveal_secret(entry) == PASSWORD
    # Answering again without the password keeps the sealed entry (no second entry).
    again = _form(k, **{f"{k['Mailbox login']}.password": "", k["Plan"]: "Basic"})
    resp = web(app, desk.contact).post(f"/{desk.slug}/portal/intake/{sent['id']}", data=again)
    assert resp.status_code == 302
    assert len(rows(VaultEntry)) == 1
    assert rows(IntakeAnswer)[-1].answers[k["Mailbox login"]] == login


def test_answering_again_makes_a_new_set_and_staff_see_what_changed(app):
    desk = make_desk()
    sent, k = _sent(app, desk)
    contact = web(app, desk.contact)
    url = f"/{desk.slug}/portal/intake/{sent['id']}"
    assert contact.post(url, data=_form(k)).status_code == 302
    changed = _form(k, **{k["Plan"]: "Basic", f"{k['Mailbox login']}.password": ""})
    assert contact.post(url, data=changed).status_code == 302
    assert [a.number for a in rows(IntakeAnswer)] == [1, 2]
    staff = web(app, desk.manager)
    page = staff.get(f"/{desk.slug}/intake/{sent['id']}").get_data(as_text=True)
    assert f'data-changed="{k["Plan"]}"' in page
    assert f'data-changed="{k["Business name"]}"' not in page
    assert "Basic" in page and PASSWORD not in page
    first = staff.get(f"/{desk.slug}/intake/{sent['id']}?answer=1").get_data(as_text=True)
    assert "Pro" in first and "data-changed=" not in first
    assert staff.get(f"/{desk.slug}/intake/{sent['id']}?answer=9").status_code == 404
    client_page = staff.get(f"/{desk.slug}/clients/{desk.client.id}/intake")
    assert f'data-changed="{k["Plan"]}"' in client_page.get_data(as_text=True)
    detail = staff.get(f"/{desk.slug}/clients/{desk.client.id}").get_data(as_text=True)
    assert 'data-testid="intake"' in detail


def test_assigned_vas_read_answers_qa_and_other_vas_and_clients_do_not(app):
    desk = make_desk()
    sent, k = _sent(app, desk)
    web(app, desk.contact).post(f"/{desk.slug}/portal/intake/{sent['id']}", data=_form(k))
    page = f"/{desk.slug}/intake/{sent['id']}"
    client_page = f"/{desk.slug}/clients/{desk.client.id}/intake"
    assert web(app, desk.va).get(page).status_code == 200
    assert web(app, desk.va).get(client_page).status_code == 200
    assert api(app, desk.va).get(f"/intake-requests/{sent['id']}").status_code == 200
    assert web(app, desk.other_va).get(page).status_code == 404
    assert api(app, desk.other_va).get(f"/intake-requests/{sent['id']}").status_code == 404
    assert web(app, desk.qa).get(page).status_code == 403
    assert web(app, desk.qa).get(client_page).status_code == 403
    assert api(app, desk.qa).get(f"/intake-requests/{sent['id']}").status_code == 403
    detail = web(app, desk.qa).get(f"/{desk.slug}/clients/{desk.client.id}")
    assert 'data-testid="intake"' not in detail.get_data(as_text=True)
    assert web(app, desk.contact).get(page).status_code == 403
    # Another client's contact, and another agency, see nothing.
    other = make_desk()
    assert (
        web(app, other.contact).get(f"/{other.slug}/portal/intake/{sent['id']}").status_code == 404
    )
    assert web(app, other.owner).get(f"/{other.slug}/intake/{sent['id']}").status_code == 404
    from tests.factories import ClientFactory, MembershipFactory

    stranger_client = ClientFactory(agency=desk.agency, name="Lumen Dental")
    stranger = MembershipFactory(agency=desk.agency, role="client", client_id=stranger_client.id)
    assert web(app, stranger).get(f"/{desk.slug}/portal/intake/{sent['id']}").status_code == 404
    resp = api(app, stranger).post(
        f"/portal/intake-requests/{sent['id']}/answers", json={"answers": {}}
    )
    assert resp.status_code == 404
