"""API errors carry stable machine codes beside text in the reader's language (issue #11):
`error` names the failure and `error_codes[field]` each field message, index for index,
the same in every language; `message` and `errors` speak the request's Accept-Language if
Baton speaks it, else the token owner's profile language, else English, and the answer
says which in Content-Language. `code` (the HTTP status) and `status` (English) stay."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.clients.models import Client
from app.extensions import db
from tests.factories import ClientFactory, MembershipFactory
from tests.helpers import api_token, bearer
from tests.objects import openapi_doc

# One body, six problems: too long, unknown zone, missing currency, not a status, a number
# out of range, a field the API does not know.
BAD_CLIENT = {
    "name": "x" * 161,
    "time_zone": "Mars/Olympus",
    "status": "bogus",
    "net_days": 500,
    "surprise": 1,
}
BAD_CLIENT_CODES = {
    "name": ["too_long"],
    "time_zone": ["unknown_time_zone"],
    "currency": ["required"],
    "status": ["not_one_of"],
    "net_days": ["too_large"],
    "surprise": ["unknown_field"],
}
SAID = {
    "en": {
        "message": "Some fields need attention.",
        "name": "Length must be between 1 and 160.",
        "currency": "This field is required.",
        "net_days": "Must be greater than or equal to 0 and less than or equal to 120.",
        "surprise": "Unknown field.",
    },
    "ar": {
        "message": "بعض الحقول تحتاج إلى مراجعة.",
        "name": "يجب أن يكون الطول بين 1 و160.",
        "currency": "هذا الحقل مطلوب.",
        "net_days": "يجب أن تكون القيمة أكبر من 0 أو تساويها وأصغر من 120 أو تساويها.",
        "surprise": "حقل غير معروف.",
    },
    "fr": {
        "message": "Certains champs sont à vérifier.",
        "name": "La longueur doit être comprise entre 1 et 160.",
        "currency": "Ce champ est obligatoire.",
        "net_days": "Doit être supérieur ou égal à 0 et inférieur ou égal à 120.",
        "surprise": "Champ inconnu.",
    },
}


def _member(role: str = "owner", locale: str = "en", agency=None):
    member = MembershipFactory(
        role=role, user__locale=locale, **({"agency": agency} if agency else {})
    )
    db.session.commit()
    return member, bearer(api_token(member))


def _clients() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Client))


@pytest.mark.parametrize("language", ["en", "ar", "fr"])
def test_a_422_has_the_same_codes_in_every_language_and_its_words_translated(app, language):
    member, auth = _member()
    before = _clients()
    resp = app.test_client().post(
        f"/api/v1/{member.agency.slug}/clients",
        json=BAD_CLIENT,
        headers={**auth, "Accept-Language": language},
    )
    body = resp.get_json()
    assert resp.status_code == 422 and resp.headers["Content-Language"] == language
    assert (body["code"], body["status"], body["error"]) == (
        422,
        "Some fields need attention",
        "validation_failed",
    )
    assert body["error_codes"] == BAD_CLIENT_CODES
    assert {f: len(m) for f, m in body["errors"].items()} == {
        f: len(c) for f, c in BAD_CLIENT_CODES.items()
    }
    said = SAID[language]
    assert body["message"] == said["message"]
    for field in ("name", "currency", "net_days", "surprise"):
        assert body["errors"][field] == [said[field]], field
    assert all(isinstance(m, str) for messages in body["errors"].values() for m in messages)
    assert _clients() == before


def test_accept_language_beats_the_profile_and_the_profile_beats_english(app):
    member, auth = _member(locale="ar_EG")
    url = f"/api/v1/{member.agency.slug}/clients"
    http = app.test_client()

    def say(**headers) -> tuple[str, str]:
        resp = http.post(url, json={}, headers={**auth, **headers})
        assert resp.status_code == 422 and resp.get_json()["error_codes"]["name"] == ["required"]
        return resp.headers["Content-Language"], resp.get_json()["errors"]["name"][0]

    assert say(**{"Accept-Language": "fr-CA,fr;q=0.9"}) == ("fr", "Ce champ est obligatoire.")
    assert say() == ("ar", "هذا الحقل مطلوب.")
    # A language Baton does not speak, or any language at all, names none: the profile's.
    assert say(**{"Accept-Language": "de-DE, ja;q=0.5"}) == ("ar", "هذا الحقل مطلوب.")
    assert say(**{"Accept-Language": "*"}) == ("ar", "هذا الحقل مطلوب.")
    assert say(**{"Accept-Language": "de, en;q=0.3"}) == ("en", "This field is required.")


def test_an_unknown_language_and_a_profile_in_another_falls_back_to_english(app):
    member, auth = _member(locale="de_DE")
    resp = app.test_client().post(
        f"/api/v1/{member.agency.slug}/clients",
        json={},
        headers={**auth, "Accept-Language": "ja"},
    )
    assert resp.status_code == 422 and resp.headers["Content-Language"] == "en"
    assert resp.get_json()["errors"]["currency"] == ["This field is required."]


def test_not_found_conflict_forbidden_and_unauthorized_carry_codes(app):
    owner, auth = _member()
    slug = owner.agency.slug
    client = ClientFactory(agency=owner.agency)
    db.session.flush()
    client_id = client.id
    db.session.commit()
    http = app.test_client()
    french = {**auth, "Accept-Language": "fr"}

    missing = http.get(f"/api/v1/{slug}/clients/999999", headers=french)
    assert missing.status_code == 404 and missing.get_json() == {
        "code": 404,
        "status": "Not found",
        "error": "not_found",
        "message": "Rien n’a été trouvé à cette adresse.",
    }

    assert http.post(f"/api/v1/{slug}/clients/{client_id}/archive", headers=auth).status_code == 200
    again = http.post(f"/api/v1/{slug}/clients/{client_id}/archive", headers=french)
    assert again.status_code == 409
    assert (again.get_json()["error"], again.get_json()["status"]) == ("conflict", "Conflict")
    assert again.get_json()["message"] == "Ce client est déjà archivé."

    _, va_auth = _member(role="va", agency=owner.agency)
    refused = http.post(
        f"/api/v1/{slug}/clients", json={}, headers={**va_auth, "Accept-Language": "ar"}
    )
    assert refused.status_code == 403 and refused.get_json()["error"] == "forbidden"
    assert refused.headers["Content-Language"] == "ar"
    assert "Your role" not in refused.get_json()["message"]

    wrong_method = http.put(f"/api/v1/{slug}/clients", headers=auth)
    assert wrong_method.status_code == 405
    assert wrong_method.get_json()["error"] == "method_not_allowed"

    anonymous = http.get(f"/api/v1/{slug}/clients")
    assert anonymous.status_code == 401 and anonymous.get_json()["error"] == "unauthorized"


def test_a_service_s_field_message_is_coded_invalid_unless_it_names_its_code(app):
    member, auth = _member()
    url = f"/api/v1/{member.agency.slug}/clients"
    base = {"name": "Acme", "time_zone": "Europe/Berlin", "currency": "EUR"}
    http = app.test_client()

    no_package = http.post(url, json={**base, "service_package_id": 999_999}, headers=auth)
    assert no_package.status_code == 422 and no_package.get_json()["error"] == "validation_failed"
    assert no_package.get_json()["error_codes"] == {"service_package_id": ["invalid"]}

    both = http.post(
        url, json={**base, "bill_rate": "45.00", "bill_rate_minor": 4500}, headers=auth
    )
    assert both.status_code == 422
    assert both.get_json()["error_codes"] == {"bill_rate": ["not_both"]}


def test_a_body_that_is_not_json_is_coded_bad_json(app):
    member, auth = _member()
    resp = app.test_client().post(
        f"/api/v1/{member.agency.slug}/clients",
        data=b'{"name": ',
        headers={**auth, "Content-Type": "application/json", "Accept-Language": "fr"},
    )
    body = resp.get_json()
    assert resp.status_code == 400 and body["error"] == "bad_json"
    assert body["error_codes"] == {"json": ["bad_json"]}
    assert body["message"] == "Le corps de la requête n’est pas du JSON valide (UTF-8)."
    assert body["errors"] == {"json": ["Corps JSON non valide."]}


def test_the_openapi_document_describes_the_codes_beside_the_messages():
    doc = openapi_doc()
    error = doc["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {
        "code",
        "status",
        "error",
        "message",
        "errors",
        "error_codes",
    }
    assert "Accept-Language" in error["properties"]["message"]["description"]
    entry = error["properties"]["error_codes"]["additionalProperties"]
    assert {"type": "array", "items": {"type": "string"}} in entry["anyOf"]
    default = doc["components"]["responses"]["DEFAULT_ERROR"]
    assert default["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }


def test_text_the_database_cannot_store_is_coded_and_translated(app):
    member, auth = _member()
    resp = app.test_client().post(
        f"/api/v1/{member.agency.slug}/clients",
        json={"name": "a\x00b", "time_zone": "Europe/Berlin", "currency": "EUR"},
        headers={**auth, "Accept-Language": "ar"},
    )
    assert resp.status_code == 422
    assert resp.get_json()["error_codes"] == {"name": ["nul_character"]}
    assert resp.get_json()["errors"] == {"name": ["يجب ألا يحتوي على محارف NUL (\\u0000)."]}
