"""Tenant isolation, route by route: every URL that names an object, called from another
agency, answers 404 and changes nothing. Routes are read from `app.url_map` and the OpenAPI
document at collection time, so a route added later is walked without anyone listing it.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.core.tenancy import all_tenants
from app.extensions import db
from app.users.models import Membership
from tests.helpers import api_token
from tests.objects import (
    BODY_ID_FIELDS,
    NON_ID_PARAMS,
    ROLES,
    World,
    access,
    bearer,
    body_id_value,
    build_agency,
    diff_snapshots,
    fill,
    fresh,
    is_api,
    methods,
    openapi_operations,
    our_rules,
    request_body_schema,
    route_app,
    rule_for_path,
    rule_params,
    signed_in_client,
    snapshot_agency,
    snapshot_all,
    unknown_params,
    valid_body,
    writable_properties,
)

APP = route_app()
RULES = our_rules(APP)


def _openapi_params(path: str) -> list[str]:
    return re.findall(r"\{([^{}]+)\}", path)


def _takes_id(rule) -> bool:
    return bool(set(rule_params(rule)) - NON_ID_PARAMS)


HTML_ID_CASES = [
    pytest.param(r.rule, m, id=f"{m} {r.rule}")
    for r in RULES
    if not is_api(r) and _takes_id(r)
    for m in methods(r)
]
API_ID_CASES = [
    pytest.param(path, m, id=f"{m} {path}")
    for path, m, _ in openapi_operations()
    if set(_openapi_params(path)) - NON_ID_PARAMS
]
AGENCY_CASES = [
    pytest.param(r.rule, m, id=f"{m} {r.rule}")
    for r in RULES
    if "agency_slug" in rule_params(r)
    for m in methods(r)
]
PROFILE_ID_CASES = [
    pytest.param(r.rule, m, id=f"{m} {r.rule}")
    for r in RULES
    if not is_api(r) and "agency_slug" not in rule_params(r) and _takes_id(r)
    for m in methods(r)
]


def _rule(app, rule_str: str):
    return next(r for r in app.url_map.iter_rules() if r.rule == rule_str)


def _openapi_path(rule_str: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule_str)


def _body_schema(path: str, method: str) -> dict | None:
    """The request body schema the OpenAPI document gives this route, if any."""
    for p, m, op in openapi_operations():
        if (p, m) == (path, method):
            return request_body_schema(op)
    return None


def api_client(app):
    return fresh(app.test_client())


def _dual_person(a: World, b: World, role_in_b: str) -> tuple[int, str]:
    """A person who works for both agencies: VA in A and `role_in_b` in B (their memberships
    of both agencies get loaded during their requests). Returns the user id and their API
    token for agency B."""
    from tests.factories import UserFactory

    user = UserFactory()
    client_id = b.client_id if role_in_b == "client" else None
    with all_tenants():
        in_a = Membership(agency_id=a.agency_id, user_id=user.id, role="va")
        in_b = Membership(
            agency_id=b.agency_id, user_id=user.id, role=role_in_b, client_id=client_id
        )
        db.session.add_all([in_a, in_b])
        db.session.flush()
        token = api_token(in_b, name="dual in B")
        db.session.commit()
    return user.id, token


def _acting_role(app, rule, method: str) -> str:
    """A role the route admits (the most powerful), so the role gate is not what answers."""
    decl = access(app, rule, method)
    assert decl is not None, f"{method} {rule.rule} declares no access"
    kind, allowed = decl
    return next(r for r in ROLES if r in allowed) if kind == "roles" else "owner"


def _check_unknown(params, where):
    problems = unknown_params(params, where)
    assert not problems, "\n".join(problems)


def _worlds():
    return build_agency("Alpha"), build_agency("Bravo")


def _values(ids_of: World, slug_of: World) -> dict:
    return {**ids_of.ids(), "agency_slug": slug_of.slug, "token": ids_of.invitation_token}


def _describe(resp) -> str:
    body = resp.get_data(as_text=True)
    return f"{resp.status_code} {resp.headers.get('Location', '')} {body[:300]!r}"


# --- (a) own agency in the URL, another agency's ids -----------------------------------


@pytest.mark.parametrize(("rule_str", "method"), HTML_ID_CASES)
def test_html_route_with_other_agency_ids_is_404(app, rule_str, method):
    _check_unknown(rule_params(_rule(app, rule_str)), rule_str)
    a, b = _worlds()
    role = _acting_role(app, _rule(app, rule_str), method)
    dual_user, _ = _dual_person(a, b, role)
    url = fill(rule_str, _values(a, b))
    requesters = (
        (f"{role} of B", signed_in_client(app, b.users[role])),
        (f"{role} of B who is VA in A", signed_in_client(app, dual_user)),
    )
    before = snapshot_agency(a)
    failures = []
    for who, http in requesters:
        resp = http.request(method, url, data={})
        if resp.status_code != 404:
            failures.append(f"{who}: {method} {url} -> {_describe(resp)} (expected 404)")
    assert not failures, "\n".join(failures)
    changed = diff_snapshots(before, snapshot_agency(a))
    assert not changed, f"{method} {url} changed agency A:\n" + "\n".join(changed)


@pytest.mark.parametrize(("path", "method"), API_ID_CASES)
def test_api_route_with_other_agency_ids_is_404(app, path, method):
    _check_unknown(_openapi_params(path), path)
    a, b = _worlds()
    role = _acting_role(app, rule_for_path(app, path), method)
    _, dual_token = _dual_person(a, b, role)
    before = snapshot_agency(a)
    url = fill(path, _values(a, b))
    schema = _body_schema(path, method)
    body = valid_body(schema, a) if schema is not None else None
    failures = []
    for who, token in ((f"{role} of B", b.token(role)), (f"{role} of B, VA in A", dual_token)):
        resp = api_client(app).request(method, url, headers=bearer(token), json=body)
        if resp.status_code != 404:
            failures.append(f"{who}: {method} {url} body={body} -> {_describe(resp)}")
    assert not failures, "expected 404:\n" + "\n".join(failures)
    changed = diff_snapshots(before, snapshot_agency(a))
    assert not changed, f"{method} {url} changed agency A:\n" + "\n".join(changed)


# --- (b) another agency's slug in the URL ----------------------------------------------


@pytest.mark.parametrize(("rule_str", "method"), AGENCY_CASES)
def test_members_of_another_agency_get_404_on_its_urls(app, rule_str, method):
    rule = _rule(app, rule_str)
    _check_unknown(rule_params(rule), rule_str)
    a, b = _worlds()
    url = fill(rule_str, _values(a, a))
    api = is_api(rule)
    body = valid_body(_body_schema(_openapi_path(rule_str), method), a) if api else None
    clients = {role: signed_in_client(app, b.users[role]) for role in ROLES}
    before = snapshot_agency(a)
    failures = []
    for role in ROLES:
        if api:
            resp = clients[role].request(method, url, headers=bearer(b.token(role)), json=body)
        else:
            resp = clients[role].request(method, url, data={})
        if resp.status_code != 404:
            failures.append(f"{role} of B: {method} {url} -> {_describe(resp)}")
    assert not failures, "expected 404:\n" + "\n".join(failures)
    changed = diff_snapshots(before, snapshot_agency(a))
    assert not changed, f"{method} {url} changed agency A:\n" + "\n".join(changed)


@pytest.mark.parametrize(
    ("rule_str", "method"),
    [c for c in AGENCY_CASES if is_api(c.values[0])],
)
def test_api_token_of_one_agency_is_refused_in_another(app, rule_str, method):
    """A person in both agencies may not use their agency-B token on agency A."""
    a, b = _worlds()
    _, dual_token = _dual_person(a, b, "owner")
    before = snapshot_agency(a)
    url = fill(rule_str, _values(a, a))
    body = valid_body(_body_schema(_openapi_path(rule_str), method), a)
    resp = api_client(app).request(method, url, headers=bearer(dual_token), json=body)
    assert resp.status_code in (403, 404), f"{method} {url} -> {_describe(resp)}"
    assert not diff_snapshots(before, snapshot_agency(a))


# --- (c) /profile routes with another person's ids -------------------------------------


@pytest.mark.parametrize(("rule_str", "method"), PROFILE_ID_CASES)
def test_profile_routes_with_another_persons_ids_are_404(app, rule_str, method):
    _check_unknown(rule_params(_rule(app, rule_str)), rule_str)
    a, b = _worlds()
    url = fill(rule_str, _values(a, a))  # the ids of A's owner (token, session)
    requesters = (
        ("manager of the same agency", signed_in_client(app, a.users["manager"])),
        ("owner of another agency", signed_in_client(app, b.users["owner"])),
    )
    before = snapshot_agency(a)
    failures = []
    for who, http in requesters:
        resp = http.request(method, url, data={})
        if resp.status_code != 404:
            failures.append(f"{who}: {method} {url} -> {_describe(resp)}")
    assert not failures, "expected 404:\n" + "\n".join(failures)
    assert not diff_snapshots(before, snapshot_agency(a))


# --- (d) ids inside request bodies resolve inside the tenant ---------------------------

BODY_ID_CASES = [
    pytest.param(path, m, prop, id=f"{m} {path} {prop}")
    for path, m, op in openapi_operations()
    if (schema := request_body_schema(op)) is not None
    for prop, spec in writable_properties(schema).items()
    if prop.endswith("_id") and spec.get("type") in ("integer", ["integer", "null"])
]


@pytest.mark.parametrize(("path", "method", "prop"), BODY_ID_CASES)
def test_api_body_id_of_another_agency_is_rejected(app, path, method, prop):
    assert prop in BODY_ID_FIELDS, (
        f"body field {prop!r} of {method} {path} names an object this test does not know; "
        "add it to tests/objects.py BODY_ID_FIELDS"
    )
    a, b = _worlds()
    rule = rule_for_path(app, path)
    assert rule is not None, f"{path} is in the OpenAPI document but not in the url_map"
    role = _acting_role(app, rule, method)
    body = valid_body(_body_schema(path, method), b)
    body[prop] = body_id_value(a, prop)
    before = snapshot_all()
    resp = api_client(app).request(
        method, fill(path, _values(b, b)), headers=bearer(b.token(role)), json=body
    )
    errors = (resp.get_json() or {}).get("errors") or {} if resp.is_json else {}
    assert resp.status_code == 422 and prop in errors, (
        f"{role} of B sent {prop}=<an id of agency A>; expected 422 naming {prop!r} "
        f"(another agency's id does not exist), got {_describe(resp)}"
    )
    assert not diff_snapshots(before, snapshot_all())


def test_walkers_found_routes_to_walk():
    """The walkers read the live url_map and OpenAPI document; an empty walk proves nothing."""
    for name, cases in (
        ("HTML routes with ids", HTML_ID_CASES),
        ("API paths with ids", API_ID_CASES),
        ("agency routes", AGENCY_CASES),
        ("profile routes with ids", PROFILE_ID_CASES),
        ("API bodies with ids", BODY_ID_CASES),
    ):
        assert cases, f"found no {name} to walk"


# --- (e) the public iCalendar feed: the token names one person of one agency -------------


def test_calendar_feed_token_reads_only_its_own_agency_and_dies_when_revoked(app):
    from app.calendar.models import CalendarFeed

    a, b = _worlds()
    http = api_client(app)
    resp = http.get(f"/calendar/feed/{a.calendar_feed_token}.ics")
    assert resp.status_code == 200, _describe(resp)
    body = resp.get_data(as_text=True)
    assert "Alpha walker work item" in body and "Bravo" not in body
    # Another agency's kind of secret (an invitation token) or a made-up one: not found.
    for token in (b.invitation_token, a.calendar_feed_token + "x", "cal_nothing"):
        assert http.get(f"/calendar/feed/{token}.ics").status_code == 404
    with all_tenants():
        feed = db.session.scalar(
            sa.select(CalendarFeed).where(CalendarFeed.agency_id == a.agency_id)
        )
        feed.revoked_at = feed.created_at
        db.session.flush()
    before = snapshot_all()
    assert http.get(f"/calendar/feed/{a.calendar_feed_token}.ics").status_code == 404
    assert not diff_snapshots(before, snapshot_all())
