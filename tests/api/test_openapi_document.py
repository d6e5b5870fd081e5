"""The OpenAPI document is valid and says what every answer is: clients generate code
from it, and the fuzzing in test_schemathesis.py trusts it."""

from __future__ import annotations

import schemathesis
from openapi_spec_validator import validate
from schemathesis.checks import content_type_conformance, response_schema_conformance

from tests.factories import AgencyFactory, MembershipFactory
from tests.helpers import api_token
from tests.objects import bearer, openapi_doc, openapi_operations, route_app


def test_the_document_passes_strict_validation():
    """Before: number fields published string defaults ("1", "0") in LineIn/LinePatchIn."""
    validate(openapi_doc())


def test_every_answer_with_a_body_declares_its_media_type_and_schema():
    """Before: the PDF 404s, the manual reminder's 409, the SOP YAML and evidence downloads
    had no content (no media type, no schema)."""
    doc = openapi_doc()
    missing = []
    for path, method, op in openapi_operations():
        for code, answer in op["responses"].items():
            if "$ref" in answer:
                answer = doc["components"]["responses"][answer["$ref"].rsplit("/", 1)[-1]]
            if code == "204":
                continue
            content = answer.get("content") or {}
            if not content or any("schema" not in media for media in content.values()):
                missing.append(f"{method} {path} {code}: {answer.get('description')}")
    assert not missing, "answers without a media type and schema:\n" + "\n".join(missing)


def test_the_ladder_of_a_new_agency_matches_its_schema(app):
    """A new agency's ladder lists the default steps, not yet stored: before, their
    `id: null` broke the schema (a non-nullable integer)."""
    agency = AgencyFactory()
    owner = MembershipFactory(agency=agency, role="owner")
    token = api_token(owner)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", route_app())
    operation = schema["/api/v1/{agency_slug}/reminders/ladder"]["GET"]
    case = operation.Case(path_parameters={"agency_slug": agency.slug})
    resp = case.call_and_validate(
        app=app,
        headers=bearer(token),
        checks=[response_schema_conformance, content_type_conformance],
    )
    body = resp.json()
    assert body["installed"] is False and body["steps"], body
    assert all(step["id"] is None for step in body["steps"])
