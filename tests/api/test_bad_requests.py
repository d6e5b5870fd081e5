"""The JSON API answers bad requests with a 4xx and a JSON error, never a 500, and writes
nothing: bodies that are not JSON, ids the database cannot hold, text PostgreSQL cannot
store, the wrong media type, invisible names, OPTIONS; and every answer is `no-store`.

The operations come from the OpenAPI document, so a new operation is covered as it lands.
"""

from __future__ import annotations

import json
import logging
import re

import pytest

from tests.factories import AgencyFactory, ClientFactory, MembershipFactory
from tests.helpers import api_token
from tests.objects import (
    acting_role,
    bearer,
    build_agency,
    diff_snapshots,
    fill,
    fresh,
    openapi_operations,
    request_body_schema,
    resolve,
    rule_for_path,
    signed_in_client,
    snapshot_all,
    valid_body,
    writable_properties,
)

BODY_OPERATIONS = [
    (path, method, schema)
    for path, method, op in openapi_operations()
    if (schema := request_body_schema(op)) is not None
]
ID_PATH_OPERATIONS = [
    (path, method) for path, method, _ in openapi_operations() if re.search(r"\{[a-z_]*id\}", path)
]
TOO_BIG = 2**31
MAX_ID = TOO_BIG - 1  # the largest id a PostgreSQL integer column holds
JSON = "application/json"


def _url(path: str, world, **override) -> str:
    return fill(path, {**world.ids(), "agency_slug": world.slug, **override})


def _owner(app, world):
    return fresh(app.test_client()), bearer(world.token("owner"))


def _as_allowed(app, world, path: str, method: str) -> dict:
    """Authorization of a role the operation admits (VA-only and client-only operations
    refuse an owner before reading the body)."""
    return bearer(world.token(acting_role(app, rule_for_path(app, path), method)))


def _is_json_error(resp, code: int) -> bool:
    body = resp.get_json(silent=True) if resp.is_json else None
    return resp.status_code == code and isinstance(body, dict) and body.get("code") == code


def test_malformed_or_non_utf8_json_bodies_get_400_with_a_json_error(app):
    """Before: 500 on every operation with a body (the error handler merged the list
    webargs sends for an unreadable body as if it were a dict)."""
    world = build_agency("Malformed")
    http = fresh(app.test_client())
    before = snapshot_all()
    failures = []
    for path, method, _ in BODY_OPERATIONS:
        op = next(o for p, m, o in openapi_operations() if (p, m) == (path, method))
        # An upload (multipart only) may refuse a JSON body for its media type instead.
        codes = {400} if JSON in op["requestBody"]["content"] else {400, 415}
        for label, raw in (
            ("malformed JSON", b'{"name": "unterminated'),
            ("a NUL byte", b"\x00"),
            ("not UTF-8", b'{"name": "\xff\xfe"}'),
        ):
            resp = http.open(
                _url(path, world),
                method=method,
                data=raw,
                headers={**_as_allowed(app, world, path, method), "Content-Type": JSON},
            )
            if not any(_is_json_error(resp, code) for code in codes):
                failures.append(f"{method} {path} {label}: {resp.status_code} {resp.data[:200]!r}")
    assert not failures, "\n".join(failures)
    assert not diff_snapshots(before, snapshot_all())


def test_ids_the_database_cannot_hold_in_the_path_are_404(app):
    """Before: 500 (PostgreSQL: integer out of range) on every operation with an id."""
    world = build_agency("Huge")
    http, auth = _owner(app, world)
    failures = []
    for path, method in ID_PATH_OPERATIONS:
        for name in re.findall(r"\{([a-z_]*id)\}", path):
            for bad in (TOO_BIG, 10**30, -1):
                resp = http.open(_url(path, world, **{name: bad}), method=method, headers=auth)
                if not _is_json_error(resp, 404):
                    failures.append(f"{method} {path} {name}={bad}: {resp.status_code}")
    assert not failures, "\n".join(failures)
    # The largest id that can exist still reaches the view (and simply names nothing).
    resp = http.get(f"/api/v1/{world.slug}/clients/{MAX_ID}", headers=auth)
    assert _is_json_error(resp, 404)


def _id_properties(schema: dict) -> list[str]:
    out = []
    for name, prop in writable_properties(schema).items():
        prop = resolve(prop)
        items = resolve(prop.get("items", {})) if prop.get("type") == "array" else {}
        if (name.endswith("_id") and "integer" in str(prop.get("type"))) or (
            name == "ids" and items.get("type") == "integer"
        ):
            out.append(name)
    return out


def test_ids_the_database_cannot_hold_in_a_body_or_query_are_422_naming_the_field(app):
    world = build_agency("Huge body")
    http = fresh(app.test_client())
    before = snapshot_all()
    failures = []
    checked = 0
    for path, method, schema in BODY_OPERATIONS:
        for name in _id_properties(schema):
            for bad in (TOO_BIG, 10**20, -5, 0):
                value = [bad] if name == "ids" else bad
                body = {**valid_body(schema, world), name: value}
                auth = _as_allowed(app, world, path, method)
                resp = http.open(_url(path, world), method=method, json=body, headers=auth)
                checked += 1
                errors = (resp.get_json(silent=True) or {}).get("errors") or {}
                if resp.status_code != 422 or name not in errors:
                    failures.append(f"{method} {path} {name}={bad}: {resp.status_code}")
    for path, method, op in openapi_operations():
        for param in op.get("parameters", []):
            name = param["name"]
            if param.get("in") != "query" or not name.endswith(("_id", "va")):
                continue
            auth = _as_allowed(app, world, path, method)
            for bad in (TOO_BIG, 10**20):
                resp = http.open(
                    _url(path, world), method=method, query_string={name: bad}, headers=auth
                )
                checked += 1
                errors = (resp.get_json(silent=True) or {}).get("errors") or {}
                if resp.status_code != 422 or name not in errors:
                    failures.append(f"{method} {path}?{name}={bad}: {resp.status_code}")
    assert checked > 20, "found too few id fields: is the document being read?"
    assert not failures, "\n".join(failures)
    assert not diff_snapshots(before, snapshot_all())


def _text_properties(schema: dict) -> list[str]:
    return [
        name
        for name, prop in writable_properties(schema).items()
        if resolve(prop).get("type") == "string" and "enum" not in resolve(prop)
    ]


@pytest.mark.parametrize(("label", "poison"), [("NUL", "a\x00b"), ("lone surrogate", "a\ud800b")])
def test_text_postgresql_cannot_store_is_422_naming_the_field(app, label, poison):
    """Before: 500 (PostgreSQL refuses NUL; a lone surrogate cannot be encoded)."""
    world = build_agency(f"Poison {label}")
    http = fresh(app.test_client())
    before = snapshot_all()
    failures = []
    for path, method, schema in BODY_OPERATIONS:
        for name in _text_properties(schema):
            # As JSON text with \u escapes: that is how a lone surrogate arrives.
            body = json.dumps({**valid_body(schema, world), name: poison})
            auth = {**_as_allowed(app, world, path, method), "Content-Type": JSON}
            resp = http.open(_url(path, world), method=method, data=body, headers=auth)
            errors = (resp.get_json(silent=True) or {}).get("errors") or {}
            if resp.status_code != 422 or name not in errors:
                failures.append(f"{method} {path} {name}: {resp.status_code} {resp.data[:150]!r}")
    # A URL is bytes read as UTF-8 (with replacement): no lone surrogate gets through it.
    for path, method, op in openapi_operations() if "\x00" in poison else ():
        for param in op.get("parameters", []):
            if param.get("in") == "query" and param.get("schema", {}).get("type") == "string":
                name = param["name"]
                auth = _as_allowed(app, world, path, method)
                resp = http.open(
                    _url(path, world), method=method, query_string={name: poison}, headers=auth
                )
                errors = (resp.get_json(silent=True) or {}).get("errors") or {}
                # An enum parameter may refuse the value for that reason; it must name it.
                if resp.status_code != 422 or name not in errors:
                    failures.append(f"{method} {path}?{name}: {resp.status_code}")
    assert not failures, "\n".join(failures)
    assert not diff_snapshots(before, snapshot_all())


def test_a_nul_in_the_agency_slug_is_404(app):
    world = build_agency("Slug")
    http, auth = _owner(app, world)
    assert _is_json_error(http.get("/api/v1/a%00b/clients", headers=auth), 404)
    assert http.get("/a%00b/clients").status_code == 404


def test_html_error_page_renders_after_a_failed_statement(app, database_url, storage_dir):
    """A statement that fails leaves PostgreSQL refusing every further one until a
    rollback; the error page (which reads the signed-in person's agencies for its menu)
    must roll back first, or it fails itself and the person sees a bare server error."""
    import functools

    import sqlalchemy as sa

    from app import create_app
    from app.extensions import db

    world = build_agency("Broken page")
    # A production-like app (errors are answered, not raised into the test) on the same
    # database connection as this test.
    prod = create_app(
        {
            "TESTING": False,
            "PROPAGATE_EXCEPTIONS": False,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "REDIS_URL": None,
            "SMTP_URL": None,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_STORAGE_URI": "memory://",
            "STORAGE_DIR": storage_dir,
        }
    )
    endpoint = "clients.list_clients"
    view = prod.view_functions[endpoint]

    @functools.wraps(view)
    def failing(*args, **kwargs):
        db.session.execute(sa.text("SELECT 1 / 0"))  # a statement that fails in PostgreSQL

    prod.view_functions[endpoint] = failing
    http = signed_in_client(prod, world.users["owner"])
    resp = http.get(f"/{world.slug}/clients")
    assert resp.status_code == 500
    page = resp.get_data(as_text=True)
    assert "Something went wrong" in page and "Back to Baton" in page, page[:500]


def _new_draft_with_a_line(http, auth, slug: str, client_id: int) -> int:
    """A draft in EUR (the agency's base currency is USD, so a rate_to_base applies)."""
    base = f"/api/v1/{slug}"
    draft = {"client_id": client_id, "currency": "EUR"}
    resp = http.post(f"{base}/invoices", json=draft, headers=auth)
    assert resp.status_code == 201, resp.json
    invoice_id = resp.json["id"]
    line = {"description": "Inbox care", "unit_price_minor": 5000}
    resp = http.post(f"{base}/invoices/{invoice_id}/lines", json=line, headers=auth)
    assert resp.status_code in (200, 201), resp.json
    return invoice_id


@pytest.mark.parametrize(
    ("content_type", "data"),
    [
        ("text/plain", '{"rate_to_base": "2"}'),
        ("application/x-www-form-urlencoded", "rate_to_base=2"),
        (
            "multipart/form-data; boundary=x",
            '--x\r\nContent-Disposition: form-data; name="rate_to_base"\r\n\r\n2\r\n--x--\r\n',
        ),  # noqa: E501
    ],
)
def test_a_json_operation_sent_another_media_type_is_415_and_does_nothing(app, content_type, data):
    """Before: the body was read as "no fields", the invoice was issued and the
    rate_to_base that was sent silently dropped."""
    agency = AgencyFactory(base_currency="USD")
    owner = MembershipFactory(agency=agency, role="owner")
    client = ClientFactory(agency=agency, currency="EUR")
    http, auth = fresh(app.test_client()), bearer(api_token(owner))
    invoice_id = _new_draft_with_a_line(http, auth, agency.slug, client.id)
    url = f"/api/v1/{agency.slug}/invoices/{invoice_id}"
    resp = http.post(f"{url}/issue", data=data, headers={**auth, "Content-Type": content_type})
    assert _is_json_error(resp, 415), resp.data
    assert "application/json" in resp.json["message"]
    assert http.get(url, headers=auth).json["status"] == "draft"
    # The same rate as JSON is read and kept.
    resp = http.post(f"{url}/issue", json={"rate_to_base": "2"}, headers=auth)
    assert resp.status_code == 200, resp.json
    assert (resp.json["status"], resp.json["rate_to_base"]) == ("issued", "2")


def test_uploads_still_take_multipart(app):
    """The one operation that declares multipart/form-data keeps taking it."""
    import io

    world = build_agency("Upload")
    http = fresh(app.test_client())
    path = (
        f"/api/v1/{world.slug}/work-items/{world.work_item_id}/checklist/"
        f"{world.checklist_item_id}/evidence-file"
    )
    resp = http.post(
        path,
        data={"file": (io.BytesIO(b"plain notes"), "notes.txt")},
        headers=bearer(world.token("va")),
        content_type="multipart/form-data",
    )
    assert resp.status_code != 415, resp.data


INVISIBLE_NAMES = ["\u200b", "\u200b\u200c\u200d", " \ufeff ", "\u2060\u00a0", "\u3164"]


def test_names_made_of_invisible_characters_are_blank_in_the_api(app):
    world = build_agency("Invisible")
    http, auth = _owner(app, world)
    before = snapshot_all()
    for name in INVISIBLE_NAMES:
        client = {"name": name, "currency": "EUR", "time_zone": "Europe/Berlin"}
        resp = http.post(f"/api/v1/{world.slug}/clients", json=client, headers=auth)
        assert resp.status_code == 422 and "name" in resp.json["errors"], (name, resp.json)
    assert not diff_snapshots(before, snapshot_all())
    # Visible text around such characters is kept, trimmed.
    client = {"name": "\u200bAcme\u200b", "currency": "EUR", "time_zone": "Europe/Berlin"}
    resp = http.post(f"/api/v1/{world.slug}/clients", json=client, headers=auth)
    assert resp.status_code == 201 and resp.json["name"] == "Acme"


def test_names_made_of_invisible_characters_are_blank_in_forms(app):
    world = build_agency("Invisible form")
    http = signed_in_client(app, world.users["owner"])
    before = snapshot_all()
    for name in INVISIBLE_NAMES:
        resp = http.post(f"/{world.slug}/clients/new", data={"name": name})
        assert resp.status_code == 422, name
        assert 'data-field-error="name"' in resp.get_data(as_text=True)
    assert not diff_snapshots(before, snapshot_all())


def test_options_is_answered_without_an_error_logged(app, caplog):
    """Before: 403 "This page has no access rule." and an ERROR in the log."""
    world = build_agency("Options")
    http = fresh(app.test_client())
    with caplog.at_level(logging.WARNING):
        for url in (
            f"/api/v1/{world.slug}/clients",
            f"/api/v1/{world.slug}/invoices/{world.invoice_id}",
            f"/{world.slug}/clients",
        ):
            resp = http.open(url, method="OPTIONS")
            assert resp.status_code == 200, (url, resp.status_code)
            assert "GET" in resp.headers["Allow"], url
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    allow = http.open(f"/api/v1/{world.slug}/clients", method="OPTIONS").headers["Allow"]
    assert {"GET", "POST"} <= {m.strip() for m in allow.split(",")}


def test_every_api_answer_is_no_store(app):
    """Answers carry rates and notes: no cache may keep them, signed in or not."""
    world = build_agency("Cache")
    http, auth = _owner(app, world)
    answers = {
        "200": http.get(f"/api/v1/{world.slug}/clients", headers=auth),
        "401": http.get(f"/api/v1/{world.slug}/clients"),
        "404": http.get(f"/api/v1/{world.slug}/clients/{MAX_ID}", headers=auth),
        "422": http.post(f"/api/v1/{world.slug}/clients", json={}, headers=auth),
        "document": http.get("/api/v1/openapi.json"),
        "PDF or its 404": http.get(
            f"/api/v1/{world.slug}/invoices/{world.invoice_id}/pdf", headers=auth
        ),
    }
    for label, resp in answers.items():
        assert resp.headers.get("Cache-Control") == "no-store", (label, resp.headers)


def test_html_forms_and_filters_refuse_nul_naming_the_field(app):
    """The forms read the same schemas: a NUL never reaches PostgreSQL from a page either."""
    world = build_agency("Nul form")
    anonymous = fresh(app.test_client())
    owner = signed_in_client(app, world.users["owner"])
    before = snapshot_all()
    for url, data, field in (
        ("/login", {"email": "a\x00@example.test", "password": "whatever-long"}, "email"),
        ("/forgot-password", {"email": "a\x00@example.test"}, "email"),
    ):
        resp = anonymous.post(url, data=data)
        assert resp.status_code == 422, (url, resp.status_code)
        assert f'data-field-error="{field}"' in resp.get_data(as_text=True), url
    assert owner.get(f"/{world.slug}/clients?q=a%00b").status_code == 422
    assert not diff_snapshots(before, snapshot_all())
