"""Bad input gets a clear error naming the field, and changes nothing.

The cases come from the live schemas: every API operation with a request body in the
OpenAPI document, every property of it, and bad values derived from the property's type,
format, length, enum and range; every POST form rendered by an HTML page, matched to the
marshmallow schema that reads it. A new input is covered as soon as it exists.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import marshmallow
import pytest

from app.extensions import limiter
from tests.objects import (
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
    openapi_operations,
    our_rules,
    post_forms,
    request_body_schema,
    resolve,
    route_app,
    rule_for_path,
    rule_params,
    signed_in_client,
    snapshot_all,
    unknown_params,
    valid_body,
    valid_value,
    writable_properties,
)

APP = route_app()
RULES = our_rules(APP)
NONEXISTENT_ID = 2_000_000_000
UNKNOWN_FIELD = "bogus_extra_field"

# Values that are not what a field of this format holds.
BAD_BY_FORMAT = {
    "email": [("not an email", "not-an-email")],
    "iana-time-zone": [("unknown time zone", "Mars/Olympus")],
    "iso-4217-currency": [("unknown currency", "XYZ")],
    "iso-3166-alpha-2": [("unknown country", "ZZ")],
    "locale": [("unknown locale", "xx_NOPE")],
    "date": [("impossible date", "2026-02-30"), ("not a date", "next tuesday")],
    "date-time": [("not a date-time", "2026-13-45T25:61")],
    "time": [("impossible time", "25:61"), ("not a time", "teatime")],
}
# A string field without a declared format is judged by its name (a time zone or currency
# kept in a plain String field would otherwise accept anything). Not emails: sign-in and
# password-reset forms take any text on purpose.
BAD_BY_NAME = {
    "time_zone": "iana-time-zone",
    "zone": "iana-time-zone",
    "currency": "iso-4217-currency",
    "country": "iso-3166-alpha-2",
    "locale": "locale",
}


def _kind_by_name(name: str) -> str | None:
    for suffix, fmt in BAD_BY_NAME.items():
        if name == suffix or name.endswith("_" + suffix):
            return fmt
    return None


def bad_values(
    name: str, prop: dict, *, html: bool = False, required: bool = False
) -> list[tuple[str, object]]:
    """(label, value) pairs the property must reject, from its schema."""
    prop = resolve(prop)
    typ = prop.get("type")
    fmt = prop.get("format")
    out: list[tuple[str, object]] = []
    if not html:
        wrong = {
            "string": 12345,
            "integer": "twelve",
            "number": "twelve",
            "boolean": "maybe",
            "array": "not-a-list",
            "object": "not-an-object",
        }
        if typ in wrong:
            out.append(("wrong type", wrong[typ]))
        if not prop.get("nullable"):
            out.append(("null", None))
    elif typ in ("integer", "number"):
        out.append(("not a number", "twelve"))
    elif typ == "boolean":
        out.append(("not a yes/no", "maybe"))
    if typ == "integer":
        out.append(("fraction", 1.5 if not html else "1.5"))
    if "enum" in prop:
        out.append(("not one of the choices", "bogus"))
    if typ == "string" and "enum" not in prop:
        kind = fmt if fmt in BAD_BY_FORMAT else _kind_by_name(name)
        out.extend(BAD_BY_FORMAT.get(kind, []))
        if prop.get("maxLength") is not None:
            n = prop["maxLength"] + 1
            out.append(("too long", "x" * n if kind != "email" else "x" * n + "@example.test"))
        if prop.get("minLength", 0) > 1:
            out.append(("too short", "x" * (prop["minLength"] - 1)))
        elif prop.get("minLength", 0) == 1 and (required or not html):
            out.append(("blank", "   "))
        pattern = prop.get("pattern")
        if pattern and not re.search(pattern, "!!not valid!!"):
            out.append(("does not match the pattern", "!!not valid!!"))
    if typ in ("integer", "number"):
        if "minimum" in prop:
            out.append(("below minimum", prop["minimum"] - 1))
        if "maximum" in prop:
            out.append(("above maximum", prop["maximum"] + 1))
        if name.endswith("_id"):
            out.append(("id that does not exist", NONEXISTENT_ID))
    if typ == "object" and isinstance(prop.get("additionalProperties"), dict) and not html:
        inner = resolve(prop["additionalProperties"])
        if inner.get("type") == "string":
            out.append(("entry of the wrong type", {"x": 5}))
    if html:
        out = [(label, "" if v is None else str(v)) for label, v in out]
    return out


def _acting_role(app, rule, method: str) -> str:
    decl = access(app, rule, method)
    assert decl is not None, f"{method} {rule.rule} declares no access"
    kind, allowed = decl
    return next(r for r in ROLES if r in allowed) if kind == "roles" else "owner"


def _describe(resp) -> str:
    text = resp.get_data(as_text=True)
    return f"{resp.status_code} {text[:300]!r}"


# --- the JSON API ----------------------------------------------------------------------

BODY_OPERATIONS = [
    (path, method, schema)
    for path, method, op in openapi_operations()
    if (schema := request_body_schema(op)) is not None
]
PROPERTY_CASES = [
    pytest.param(path, method, prop, id=f"{method} {path} {prop}")
    for path, method, schema in BODY_OPERATIONS
    for prop in writable_properties(schema)
]
OPERATION_CASES = [
    pytest.param(path, method, id=f"{method} {path}") for path, method, _ in BODY_OPERATIONS
]


def _schema(path: str, method: str) -> dict:
    return next(s for p, m, s in BODY_OPERATIONS if (p, m) == (path, method))


def _api_call(app, world: World, path: str, method: str, body, query: dict | None = None):
    rule = rule_for_path(app, path)
    assert rule is not None, f"{path} is documented but not routed"
    problems = unknown_params([p for p in rule_params(rule)], path)
    assert not problems, "\n".join(problems)
    role = _acting_role(app, rule, method)
    url = fill(path, {**world.ids(), "agency_slug": world.slug})
    return fresh(app.test_client()).request(
        method, url, headers=bearer(world.token(role)), json=body, query_string=query
    )


@pytest.mark.parametrize(("path", "method", "prop"), PROPERTY_CASES)
def test_api_rejects_bad_values_naming_the_field(app, path, method, prop):
    schema = _schema(path, method)
    spec = writable_properties(schema)[prop]
    cases = bad_values(prop, spec)
    assert cases, f"no bad value known for {prop} {spec}; teach bad_values() about it"
    world = build_agency("Input")
    failures = []
    for label, value in cases:
        body = {**valid_body(schema, world), prop: value}
        before = snapshot_all()
        resp = _api_call(app, world, path, method, body)
        errors = (resp.get_json() or {}).get("errors") or {} if resp.is_json else {}
        if resp.status_code != 422 or prop not in errors:
            failures.append(f"{prop}={value!r} ({label}): {_describe(resp)}")
        changed = diff_snapshots(before, snapshot_all())
        if changed:
            failures.append(f"{prop}={value!r} ({label}) wrote: {changed}")
    assert not failures, f"{method} {path}, expected 422 naming {prop!r}:\n" + "\n".join(failures)


@pytest.mark.parametrize(("path", "method"), OPERATION_CASES)
def test_api_rejects_unknown_fields_and_non_objects(app, path, method):
    schema = _schema(path, method)
    world = build_agency("Input")
    before = snapshot_all()
    resp = _api_call(app, world, path, method, {**valid_body(schema, world), UNKNOWN_FIELD: 1})
    assert resp.status_code == 422, _describe(resp)
    assert UNKNOWN_FIELD in resp.get_json().get("errors", {}), _describe(resp)
    for body in ([], "just a string", 7):
        resp = _api_call(app, world, path, method, body)
        assert resp.status_code in (400, 422), f"body {body!r}: {_describe(resp)}"
    assert not diff_snapshots(before, snapshot_all())


QUERY_CASES = [
    pytest.param(path, method, param["name"], id=f"{method} {path}?{param['name']}")
    for path, method, op in openapi_operations()
    for param in op.get("parameters", [])
    if param.get("in") == "query"
]


@pytest.mark.parametrize(("path", "method", "name"), QUERY_CASES)
def test_api_rejects_bad_query_values_naming_the_parameter(app, path, method, name):
    op = next(o for p, m, o in openapi_operations() if (p, m) == (path, method))
    spec = next(q for q in op["parameters"] if q.get("in") == "query" and q["name"] == name)
    # A filter on an id that does not exist simply finds nothing, and a blank filter (an
    # empty select in a filter form) means "no filter": neither is bad input here.
    cases = [
        (label, value)
        for label, value in bad_values(name, spec.get("schema", {}), html=True)
        if label != "id that does not exist"
    ]
    assert cases, f"no bad value known for ?{name} {spec}; teach bad_values() about it"
    world = build_agency("Query")
    before = snapshot_all()
    failures = []
    for label, value in cases:
        resp = _api_call(app, world, path, method, None, query={name: value})
        errors = (resp.get_json() or {}).get("errors") or {} if resp.is_json else {}
        if resp.status_code != 422 or name not in errors:
            failures.append(f"?{name}={value!r} ({label}): {_describe(resp)}")
    assert not failures, f"{method} {path}, expected 422 naming {name!r}:\n" + "\n".join(failures)
    assert not diff_snapshots(before, snapshot_all())


def test_every_api_route_is_documented_so_its_input_is_tested(app):
    """The API cases above come from the OpenAPI document: an undocumented route (or
    method) would escape them."""
    documented = {(p, m) for p, m, _ in openapi_operations()}
    missing = []
    for rule in app.url_map.iter_rules():
        if not is_api(rule) or rule.endpoint.startswith("api-docs."):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (path, method) not in documented:
                missing.append(f"{method} {path}")
    assert not missing, "API routes missing from /api/v1/openapi.json:\n" + "\n".join(missing)
    assert BODY_OPERATIONS, "no API operation takes a body?"


# --- HTML forms ------------------------------------------------------------------------


def _prop(field: marshmallow.fields.Field) -> dict:
    """The field as the OpenAPI document would describe it (the app's own converter)."""
    from app.extensions import api

    return api.ma_plugin.converter.field2property(field)


def _post_reading_schema(http, action: str, data: dict, monkeypatch):
    """POST the form and note which of the app's schemas loaded it."""
    seen: list[marshmallow.Schema] = []
    load = marshmallow.Schema.load

    def spy(self, *args, **kwargs):
        seen.append(self)
        return load(self, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(marshmallow.Schema, "load", spy)
        resp = http.post(action, data=data)
    ours = [s for s in seen if type(s).__module__.startswith("app.")]
    return resp, (ours[0] if ours else None)


def _html_prop(attrs: dict) -> dict:
    """What the HTML input itself says, when no schema reads the form."""
    prop: dict = {"type": "string"}
    if attrs.get("tag") == "select":
        prop["enum"] = attrs.get("options") or []
    kind = attrs.get("type")
    if kind == "email":
        prop["format"] = "email"
    if kind == "number":
        prop["type"] = "integer"
        for key, out in (("min", "minimum"), ("max", "maximum")):
            if attrs.get(key, "").lstrip("-").isdigit():
                prop[out] = int(attrs[key])
    if attrs.get("maxlength", "").isdigit():
        prop["maxLength"] = int(attrs["maxlength"])
    if "required" in attrs:
        prop["minLength"] = 1
    return prop


def _token_for(rule_str: str, world: World) -> str:
    if "reset" in rule_str:
        return world.reset_token
    if "invit" in rule_str:
        return world.invitation_token
    if "signup" in rule_str:
        return world.signup_token
    if "calendar/feed" in rule_str:
        return world.calendar_feed_token
    if rule_str.startswith("/survey/"):
        return world.survey_token
    raise AssertionError(
        f"{rule_str} takes a <token> this test does not know; add it to _token_for()"
    )


PAGE_CASES = [
    pytest.param(r.rule, id=r.rule)
    for r in RULES
    if not is_api(r)
    and "GET" in r.methods
    and r.endpoint not in ("static", "favicon")  # files, not pages
]


def _page_client(app, rule, world: World):
    decl = access(app, rule, "GET")
    assert decl is not None, f"GET {rule.rule} declares no access"
    if decl[0] == "public":
        return fresh(app.test_client()), None
    role = _acting_role(app, rule, "GET")
    return signed_in_client(app, world.users[role]), role


def _form_values(form) -> dict[str, str]:
    values = {}
    for name, attrs in form.fields.items():
        if attrs.get("value") is not None:
            values[name] = attrs["value"]
    return values


def _named(body: str, name: str) -> bool:
    candidates = {name, name.split(".")[0]}
    return any(f'data-field-error="{c}"' in body for c in candidates)


def _other_agency_id(name: str, other: World) -> int:
    if name == "agency_id":
        return other.agency_id
    value = body_id_value(other, name)
    assert value is not None, (
        f"form field {name!r} names an object this test does not know; "
        "add it to tests/objects.py BODY_ID_FIELDS"
    )
    return value


def _editable(form) -> dict[str, dict]:
    return {
        n: a
        for n, a in form.fields.items()
        if n != "csrf_token"
        and a.get("type") not in ("hidden", "checkbox", "radio", "password")
        or a.get("type") == "password"
    }


def _baseline(form, editable: dict, fields: dict, world: World) -> dict[str, str]:
    """The form as rendered, with empty inputs filled with a valid value."""
    data = {n: a["value"] for n, a in form.fields.items() if a.get("value") is not None}
    for name, attrs in editable.items():
        if data.get(name):
            continue
        options = [o for o in attrs.get("options") or [] if o]
        if options:
            data[name] = options[0]
            continue
        field = fields.get(name)
        prop = _prop(field) if field is not None else _html_prop(attrs)
        data[name] = str(valid_value(name, prop, world))
        if "password" in name:
            data[name] = "a-valid-long-password"
    return data


@pytest.mark.parametrize("rule_str", PAGE_CASES)
def test_html_forms_reject_bad_values_naming_the_field(app, rule_str, monkeypatch):
    rule = next(r for r in app.url_map.iter_rules() if r.rule == rule_str)
    params = rule_params(rule)
    problems = unknown_params(params, rule_str)
    assert not problems, "\n".join(problems)
    world, other = build_agency("Form"), build_agency("Elsewhere")
    values = {**world.ids(), "agency_slug": world.slug}
    if "token" in params:
        values["token"] = _token_for(rule_str, world)
    url = fill(rule_str, values)
    http, role = _page_client(app, rule, world)
    page = http.get(url)
    assert page.status_code in (200, 302, 303), f"GET {url} as {role}: {_describe(page)}"
    if page.status_code != 200:
        return
    failures = []
    for form in post_forms(page.get_data(as_text=True)):
        action = urlsplit(form.action).path if form.action else url
        editable = _editable(form)
        if action == "/logout" or not editable:
            continue
        baseline = _baseline(form, editable, {}, world)
        # The probe: the form plus an unknown field must be refused, and tells us the
        # schema that reads this form.
        limiter.reset()
        before = snapshot_all()
        probe, schema = _post_reading_schema(
            http, action, {**baseline, UNKNOWN_FIELD: "x"}, monkeypatch
        )
        if probe.status_code != 422:
            failures.append(f"POST {action} with an unknown field: {_describe(probe)}")
        if diff_snapshots(before, snapshot_all()):
            failures.append(f"POST {action} with an unknown field wrote to the database")
            continue
        fields = {}
        if schema is not None:
            fields = {f.data_key or n: f for n, f in schema.load_fields.items()}
            baseline = _baseline(form, editable, fields, world)
        for name, attrs in editable.items():
            field = fields.get(name)
            if field is not None:
                prop, required = _prop(field), field.required
            else:
                prop, required = _html_prop(attrs), "required" in attrs
            cases = bad_values(name, prop, html=True, required=required)
            if name.endswith("_id") and prop.get("type") == "integer":
                cases.append(("id of another agency", str(_other_agency_id(name, other))))
            for label, value in cases:
                limiter.reset()
                before = snapshot_all()
                resp = http.post(action, data={**baseline, name: value})
                body = resp.get_data(as_text=True)
                if resp.status_code != 422 or not _named(body, name):
                    failures.append(
                        f"POST {action} {name}={value[:40]!r} ({label}): {resp.status_code}, "
                        f"field named on the page: {_named(body, name)}"
                    )
                changed = diff_snapshots(before, snapshot_all())
                if changed:
                    failures.append(f"POST {action} {name}={value[:40]!r} wrote: {changed}")
    assert not failures, (
        f"forms on {url} (as {role or 'anonymous'}), expected 422 with "
        'data-field-error="<field>":\n' + "\n".join(failures)
    )


def test_form_discovery_finds_the_known_forms(app):
    """The form walker must find real forms, or the test above proves nothing."""
    world = build_agency("Forms")
    anonymous = fresh(app.test_client())
    for url in ("/login", "/signup"):
        forms = post_forms(anonymous.get(url).get_data(as_text=True))
        assert any("email" in f.fields for f in forms), url
    owner = signed_in_client(app, world.users["owner"])
    forms = post_forms(owner.get(f"/{world.slug}/settings").get_data(as_text=True))
    assert any({"name", "time_zone"} <= set(f.fields) for f in forms)
