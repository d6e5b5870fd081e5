"""Roles, enforced on the server for every page and API call.

(a) every endpoint declares who may call it; (b) every agency GET route x every role answers
as its declaration says; (c) a hand-written table pins what the product brief intends for
the important pages, whatever the declarations say; (d) anonymous callers are sent to the
login page (HTML) or get 401 (API).
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest

from app.agencies.models import Agency
from app.core.permissions import LOGIN_ONLY, PUBLIC
from app.core.tenancy import all_tenants
from app.extensions import db
from app.users.auth import PUBLIC_ENDPOINTS
from app.users.models import ApiToken, Membership
from tests.objects import (
    ROLES,
    access,
    bearer,
    build_agency,
    diff_snapshots,
    fill,
    fresh,
    is_api,
    methods,
    our_rules,
    route_app,
    rule_params,
    signed_in_client,
    snapshot_all,
    unknown_params,
)

APP = route_app()
RULES = our_rules(APP)
OK = "ok"  # 200, or a redirect that is not to the login page
OWN_ONLY = "own only"  # 200 listing the member's own client(s) only, or 403


def _rule(app, rule_str: str):
    return next(r for r in app.url_map.iter_rules() if r.rule == rule_str)


def _describe(resp) -> str:
    body = resp.get_data(as_text=True)[:200]
    return f"{resp.status_code} {resp.headers.get('Location', '')} {body!r}"


def _is_ok(resp) -> bool:
    if resp.status_code == 200:
        return True
    if resp.status_code in (302, 303):
        return urlsplit(resp.headers["Location"]).path != "/login"
    return False


def _call(app, world, role: str, method: str, url: str, *, json=None):
    http = signed_in_client(app, world.users[role])
    if is_api(url):
        return http.request(method, url, headers=bearer(world.token(role)), json=json)
    return http.request(method, url, data={})


# --- (a) every endpoint declares its access --------------------------------------------


@pytest.mark.parametrize(
    ("rule_str", "method"),
    [
        pytest.param(r.rule, m, id=f"{m} {r.rule}")
        for r in APP.url_map.iter_rules()
        for m in methods(r)
    ],
)
def test_every_endpoint_declares_access(app, rule_str, method):
    rule = _rule(app, rule_str)
    if rule.endpoint in PUBLIC_ENDPOINTS:
        assert rule.endpoint in {"static", "api-docs.openapi_json", "api-docs.openapi_swagger_ui"}
        return
    decl = access(app, rule, method)
    assert decl is not None, (
        f"{method} {rule_str} ({rule.endpoint}) declares no access: "
        "decorate it with @public, @login_only or @roles(...)"
    )
    kind, allowed = decl
    has_slug = "agency_slug" in rule_params(rule)
    if kind in (PUBLIC, LOGIN_ONLY):
        assert not has_slug, f"{method} {rule_str} is {kind} but lives inside an agency URL"
    else:
        assert kind == "roles" and allowed, f"{method} {rule_str}: {decl}"
        assert has_slug, f"{method} {rule_str} checks roles but has no <agency_slug> to check in"
        assert set(allowed) <= set(ROLES)


# --- (b) role x endpoint matrix, from the declarations ---------------------------------

# Pages that managers see only when the agency lets them see costs (off by default: the
# table below checks the 403); the matrix turns the switch on for them.
BEHIND_COSTS_SWITCH = {
    "/<agency_slug>/margin",
    "/<agency_slug>/margin.csv",
    "/<agency_slug>/margin/chart.json",
    "/api/v1/<agency_slug>/margin",
}


def _managers_see_costs(world) -> None:
    with all_tenants():
        db.session.get(Agency, world.agency_id).managers_see_costs = True
        db.session.commit()


GET_CASES = [
    pytest.param(r.rule, id=r.rule)
    for r in RULES
    if "agency_slug" in rule_params(r) and "GET" in r.methods
]


# Routes a declared role reaches only when an agency setting allows it, off in the walker
# world: a manager sees other people's payout statements only with `managers_see_costs`
# (otherwise 404, as for any statement they may not see).
SETTING_GATED = {
    ("manager", "/<agency_slug>/payouts/<int:statement_id>"),
    ("manager", "/<agency_slug>/payouts/<int:statement_id>/csv"),
    ("manager", "/<agency_slug>/payouts/<int:statement_id>/pdf"),
    ("manager", "/api/v1/<agency_slug>/payouts/<int:statement_id>"),
}


@pytest.mark.parametrize("rule_str", GET_CASES)
def test_every_role_gets_what_the_declaration_says(app, rule_str):
    rule = _rule(app, rule_str)
    problems = unknown_params(rule_params(rule), rule_str)
    assert not problems, "\n".join(problems)
    _, allowed = access(app, rule, "GET")
    world = build_agency("Own")
    if rule_str in BEHIND_COSTS_SWITCH:
        _managers_see_costs(world)
    url = fill(rule_str, {**world.ids(), "agency_slug": world.slug})
    clients = {role: signed_in_client(app, world.users[role]) for role in ROLES}
    before = snapshot_all()
    failures = []
    for role in ROLES:
        headers = bearer(world.token(role)) if is_api(rule) else {}
        resp = clients[role].get(url, headers=headers)
        gated = (role, rule_str) in SETTING_GATED and resp.status_code == 404
        if role in allowed and not _is_ok(resp) and not gated:
            failures.append(f"{role} (declared): GET {url} -> {_describe(resp)}")
        elif role not in allowed and resp.status_code != 403:
            failures.append(f"{role} (not declared): GET {url} -> {_describe(resp)}")
    assert not failures, f"declared roles {allowed}:\n" + "\n".join(failures)
    changed = diff_snapshots(before, snapshot_all())
    assert not changed, f"GET {url} wrote to the database:\n" + "\n".join(changed)


# --- (c) the intent, written down from the product brief -------------------------------
# owner: everything, settings and audit log included (owner only)
# manager: runs clients, team and catalogue; not agency settings, not the audit log
# va: works on assigned clients only; no team, settings, audit or catalogue (prices)
# qa: reviews work on every client, read-only on clients; no team, settings, audit, prices
# client contact: their own client only; nothing of the agency's team, settings or audit

PAGES: list[tuple[str, str, dict[str, object]]] = [
    # method, path, {role: expectation}
    ("GET", "/{slug}/", dict(owner=OK, manager=OK, va=OK, qa=OK, client=OK)),
    ("GET", "/{slug}/settings", dict(owner=OK, manager=403, va=403, qa=403, client=403)),
    ("GET", "/{slug}/audit", dict(owner=OK, manager=403, va=403, qa=403, client=403)),
    # sent mail (embedded default): invitation links are the owner's to pass on, nobody else's
    ("GET", "/{slug}/sent-mail", dict(owner=OK, manager=403, va=403, qa=403, client=403)),
    (
        "GET",
        "/{slug}/sent-mail/{email_id}",
        dict(owner=OK, manager=403, va=403, qa=403, client=403),
    ),
    ("GET", "/{slug}/team", dict(owner=OK, manager=OK, va=403, qa=403, client=403)),
    ("GET", "/{slug}/team/{member_id}", dict(owner=OK, manager=OK, va=403, qa=403, client=403)),
    ("GET", "/{slug}/packages", dict(owner=OK, manager=OK, va=403, qa=403, client=403)),
    (
        "GET",
        "/{slug}/packages/{package_id}/edit",
        dict(owner=OK, manager=OK, va=403, qa=403, client=403),
    ),
    ("GET", "/{slug}/clients", dict(owner=OK, manager=OK, qa=OK, va=OWN_ONLY, client=OWN_ONLY)),
    ("GET", "/{slug}/clients/new", dict(owner=OK, manager=OK, va=403, qa=403, client=403)),
    ("GET", "/{slug}/clients/{client_id}", dict(owner=OK, manager=OK, va=OK, qa=OK, client=OK)),
    (
        "GET",
        "/{slug}/clients/{other_client_id}",
        dict(owner=OK, manager=OK, qa=OK, va=404, client=404),
    ),
    (
        "GET",
        "/{slug}/clients/{client_id}/edit",
        dict(owner=OK, manager=OK, va=403, qa=403, client=403),
    ),
    (
        "GET",
        "/{slug}/contacts/{contact_id}/edit",
        dict(owner=OK, manager=OK, va=403, qa=403, client=403),
    ),
    ("POST", "/{slug}/settings", dict(manager=403, va=403, qa=403, client=403)),
    ("POST", "/{slug}/clients/{client_id}/edit", dict(va=403, qa=403, client=403)),
    ("POST", "/{slug}/clients/{client_id}/archive", dict(va=403, qa=403, client=403)),
    ("POST", "/{slug}/clients/new", dict(va=403, qa=403, client=403)),
    ("POST", "/{slug}/team/invite", dict(va=403, qa=403, client=403)),
    ("POST", "/{slug}/team/{member_id}/disable", dict(va=403, qa=403, client=403)),
    ("GET", "/api/v1/{slug}/agency", dict(owner=OK, manager=OK, va=OK, qa=OK, client=OK)),
    ("PATCH", "/api/v1/{slug}/agency", dict(manager=403, va=403, qa=403, client=403)),
    ("GET", "/api/v1/{slug}/members", dict(owner=OK, manager=OK, va=403, qa=403, client=403)),
    ("GET", "/api/v1/{slug}/invitations", dict(owner=OK, manager=OK, va=403, qa=403, client=403)),
    ("GET", "/api/v1/{slug}/audit-events", dict(owner=OK, manager=403, va=403, qa=403, client=403)),
    ("GET", "/api/v1/{slug}/packages", dict(owner=OK, manager=OK, va=403, qa=403, client=403)),
    (
        "GET",
        "/api/v1/{slug}/clients",
        dict(owner=OK, manager=OK, qa=OK, va=OWN_ONLY, client=OWN_ONLY),
    ),
    (
        "GET",
        "/api/v1/{slug}/clients/{client_id}",
        dict(owner=OK, manager=OK, va=OK, qa=OK, client=OK),
    ),
    (
        "GET",
        "/api/v1/{slug}/clients/{other_client_id}",
        dict(owner=OK, manager=OK, qa=OK, va=404, client=404),
    ),
    # money is the owner's and managers' business; clients see their own invoices
    ("GET", "/{slug}/invoices", dict(owner=OK, manager=OK, va=403, qa=403)),
    ("GET", "/{slug}/invoices/{invoice_id}", dict(owner=OK, manager=OK, va=403, qa=403)),
    ("GET", "/{slug}/receivables", dict(owner=OK, manager=OK, va=403, qa=403, client=403)),
    ("POST", "/{slug}/invoices/{invoice_id}/void", dict(va=403, qa=403, client=403)),
    ("POST", "/{slug}/invoices/{invoice_id}/payments", dict(va=403, qa=403, client=403)),
    ("GET", "/api/v1/{slug}/invoices", dict(owner=OK, manager=OK, va=403, qa=403)),
    # SOPs are the team's procedures; QA review is for reviewers, never the VA
    ("GET", "/{slug}/sops", dict(owner=OK, manager=OK, va=OK, qa=OK, client=403)),
    ("GET", "/{slug}/qa", dict(owner=OK, manager=OK, qa=OK, va=403, client=403)),
    ("GET", "/{slug}/board", dict(owner=OK, manager=OK, client=403)),
    # the work item on the assigned client: its VA, QA, managers and the client see it
    (
        "GET",
        "/{slug}/work/{work_item_id}",
        dict(owner=OK, manager=OK, va=OK, qa=OK, client=OK),
    ),
    # recurring series: the staff who see the client's work read them, managers run them;
    # client contacts see the items, not the schedule; only the assignee sends a stage
    (
        "GET",
        "/api/v1/{slug}/series/{series_id}",
        dict(owner=OK, manager=OK, va=OK, qa=OK, client=403),
    ),
    ("POST", "/api/v1/{slug}/series/{series_id}/pause", dict(va=403, qa=403, client=403)),
    ("POST", "/{slug}/series/{series_id}/end", dict(va=403, qa=403, client=403)),
    (
        "POST",
        "/api/v1/{slug}/work-items/{work_item_id}/send-stage",
        dict(owner=403, manager=403, qa=403, client=403),
    ),
    # time is the staff's who record it: a VA their own, owners and managers everyone's;
    # QA reviewers and client contacts see none of it
    ("GET", "/{slug}/time", dict(owner=OK, manager=OK, va=OK, qa=403, client=403)),
    ("GET", "/{slug}/time/{entry_id}/edit", dict(owner=OK, manager=OK, va=OK, qa=403, client=403)),
    ("GET", "/{slug}/time/activities", dict(owner=OK, manager=OK, va=403, qa=403, client=403)),
    (
        "GET",
        "/{slug}/clients/{client_id}/time",
        dict(owner=OK, manager=OK, va=OK, qa=403, client=403),
    ),
    # the credential vault: owners, managers, the client's current VAs and its contacts see
    # and add logins (QA never); only the owner and current VAs reveal a secret; only owners
    # and managers delete; the client's contacts read the vault's activity in the portal
    (
        "GET",
        "/{slug}/clients/{client_id}/logins",
        dict(owner=OK, manager=OK, va=OK, qa=403, client=OK),
    ),
    (
        "GET",
        "/{slug}/clients/{other_client_id}/logins",
        dict(owner=OK, manager=OK, qa=403, va=404, client=404),
    ),
    (
        "GET",
        "/{slug}/logins/{entry_uid}/edit",
        dict(owner=OK, manager=OK, va=OK, qa=403, client=OK),
    ),
    ("POST", "/{slug}/logins/{entry_uid}/reveal", dict(manager=403, qa=403, client=403)),
    ("POST", "/{slug}/logins/{entry_uid}/delete", dict(va=403, qa=403, client=403)),
    (
        "GET",
        "/{slug}/portal/logins",
        dict(owner=403, manager=403, va=403, qa=403, client=OK),
    ),
    (
        "GET",
        "/api/v1/{slug}/clients/{client_id}/vault",
        dict(owner=OK, manager=OK, va=OK, qa=403, client=OK),
    ),
    (
        "POST",
        "/api/v1/{slug}/vault/{entry_uid}/reveal",
        dict(manager=403, qa=403, client=403),
    ),
    ("DELETE", "/api/v1/{slug}/vault/{entry_uid}", dict(va=403, qa=403, client=403)),
    (
        "GET",
        "/api/v1/{slug}/time-entries",
        dict(owner=OK, manager=OK, va=OK, qa=403, client=403),
    ),
    (
        "GET",
        "/api/v1/{slug}/time-entries/{entry_id}",
        dict(owner=OK, manager=OK, va=OK, qa=403, client=403),
    ),
    # the time report: a VA's own time; estimates against actual time compare people, so
    # they are the owners' and managers'
    ("GET", "/{slug}/reports/time", dict(owner=OK, manager=OK, va=OK, qa=403, client=403)),
    ("GET", "/{slug}/reports/time.csv", dict(owner=OK, manager=OK, va=OK, qa=403, client=403)),
    ("GET", "/{slug}/reports/estimates", dict(owner=OK, manager=OK, va=403, qa=403, client=403)),
    ("GET", "/api/v1/{slug}/reports/time", dict(owner=OK, manager=OK, va=OK, qa=403, client=403)),
    (
        "GET",
        "/api/v1/{slug}/reports/time-entries.csv",
        dict(owner=OK, manager=OK, va=OK, qa=403, client=403),
    ),
    (
        "GET",
        "/api/v1/{slug}/reports/estimates",
        dict(owner=OK, manager=OK, va=403, qa=403, client=403),
    ),
    ("POST", "/{slug}/time/{entry_id}/delete", dict(qa=403, client=403)),
    # rates: bill rates are the owners' and managers'; costs the owners' (managers' when the
    # agency allows it: not in this world) and each person's own; settings the owner's
    ("GET", "/{slug}/rates", dict(owner=OK, manager=OK, va=403, qa=403, client=403)),
    ("GET", "/{slug}/rates/settings", dict(owner=OK, manager=403, va=403, qa=403, client=403)),
    (
        "GET",
        "/{slug}/clients/{client_id}/rates",
        dict(owner=OK, manager=OK, va=403, qa=403, client=403),
    ),
    (
        "GET",
        "/{slug}/team/{member_id}/rates",
        dict(owner=OK, manager=OK, va=OK, qa=403, client=403),
    ),
    ("POST", "/{slug}/team/{member_id}/rates", dict(manager=403, va=403, qa=403, client=403)),
    ("GET", "/api/v1/{slug}/bill-rates", dict(owner=OK, manager=OK, va=403, qa=403, client=403)),
    ("GET", "/api/v1/{slug}/cost-rates", dict(owner=OK, manager=OK, va=OK, qa=403, client=403)),
    ("POST", "/api/v1/{slug}/cost-rates", dict(manager=403, va=403, qa=403, client=403)),
    (
        "PATCH",
        "/api/v1/{slug}/time-billing-settings",
        dict(manager=403, va=403, qa=403, client=403),
    ),
    ("POST", "/api/v1/{slug}/timer/start", dict(qa=403, client=403)),
    # retainer hour banks: the plan's bank is the owners' and managers'; a client contact
    # sees the month's burn-down on the portal home only
    (
        "GET",
        "/api/v1/{slug}/retainers/{retainer_id}/bank",
        dict(owner=OK, manager=OK, va=403, qa=403, client=403),
    ),
    (
        "GET",
        "/{slug}/retainers/{retainer_id}/edit",
        dict(owner=OK, manager=OK, va=403, qa=403, client=403),
    ),
    ("GET", "/{slug}/portal", dict(owner=403, manager=403, va=403, qa=403, client=OK)),
    # exchange rates: owners enter them, managers read them
    (
        "GET",
        "/{slug}/settings/exchange-rates",
        dict(owner=OK, manager=OK, va=403, qa=403, client=403),
    ),
    ("POST", "/{slug}/settings/exchange-rates", dict(manager=403, va=403, qa=403, client=403)),
    (
        "GET",
        "/api/v1/{slug}/exchange-rates",
        dict(owner=OK, manager=OK, va=403, qa=403, client=403),
    ),
    ("POST", "/api/v1/{slug}/exchange-rates", dict(manager=403, va=403, qa=403, client=403)),
    # margin: owners; managers only when the agency lets them see costs (off here)
    ("GET", "/{slug}/margin", dict(owner=OK, manager=403, va=403, qa=403, client=403)),
    ("GET", "/{slug}/margin.csv", dict(owner=OK, manager=403, va=403, qa=403, client=403)),
    (
        "GET",
        "/{slug}/margin/chart.json",
        dict(owner=OK, manager=403, va=403, qa=403, client=403),
    ),
    ("GET", "/api/v1/{slug}/margin", dict(owner=OK, manager=403, va=403, qa=403, client=403)),
    # forecast: owners and managers
    ("GET", "/{slug}/forecast", dict(owner=OK, manager=OK, va=403, qa=403, client=403)),
    ("GET", "/{slug}/forecast.csv", dict(owner=OK, manager=OK, va=403, qa=403, client=403)),
    ("GET", "/api/v1/{slug}/forecast", dict(owner=OK, manager=OK, va=403, qa=403, client=403)),
    # timesheets: a VA submits and sees their own; owners and managers decide
    ("GET", "/{slug}/timesheets", dict(owner=OK, manager=OK, va=403, qa=403, client=403)),
    (
        "GET",
        "/{slug}/timesheets/settings",
        dict(owner=OK, manager=403, va=403, qa=403, client=403),
    ),
    ("POST", "/{slug}/timesheets/submit", dict(qa=403, client=403)),
    ("POST", "/{slug}/timesheets/{timesheet_id}/approve", dict(va=403, qa=403, client=403)),
    ("GET", "/api/v1/{slug}/timesheets", dict(owner=OK, manager=OK, va=OK, qa=403, client=403)),
    (
        "GET",
        "/api/v1/{slug}/timesheets/{timesheet_id}",
        dict(owner=OK, manager=OK, va=OK, qa=403, client=403),
    ),
    (
        "POST",
        "/api/v1/{slug}/timesheets/{timesheet_id}/approve",
        dict(va=403, qa=403, client=403),
    ),
    (
        "POST",
        "/api/v1/{slug}/timesheets/{timesheet_id}/reject",
        dict(va=403, qa=403, client=403),
    ),
    # capacity: every staff member has hours and time off; owners and managers decide on
    # requests and handle clients' business hours and meetings
    ("GET", "/{slug}/capacity/me", dict(owner=OK, manager=OK, va=OK, qa=OK, client=403)),
    ("GET", "/{slug}/capacity/team", dict(owner=OK, manager=OK, va=403, qa=403, client=403)),
    ("GET", "/{slug}/capacity/workload", dict(owner=OK, manager=OK, va=403, qa=403, client=403)),
    ("GET", "/{slug}/capacity/my-workload", dict(owner=OK, manager=OK, va=OK, qa=OK, client=403)),
    ("GET", "/api/v1/{slug}/workload", dict(owner=OK, manager=OK, va=OK, qa=OK, client=403)),
    ("GET", "/api/v1/{slug}/strain", dict(owner=OK, manager=OK, va=403, qa=403, client=403)),
    (
        "GET",
        "/{slug}/capacity/members/{membership_id}/hours",
        dict(owner=OK, manager=OK, va=OK, qa=OK, client=403),
    ),
    ("POST", "/{slug}/capacity/members/{membership_id}/hours", dict(qa=403, client=403)),
    (
        "GET",
        "/{slug}/capacity/clients/{client_id}/hours",
        dict(owner=OK, manager=OK, va=403, qa=403, client=403),
    ),
    ("POST", "/{slug}/capacity/time-off/{time_off_id}/approve", dict(va=403, qa=403, client=403)),
    ("POST", "/{slug}/capacity/time-off/{time_off_id}/decline", dict(va=403, qa=403, client=403)),
    ("POST", "/{slug}/capacity/meeting-slots/{slot_id}/delete", dict(va=403, qa=403, client=403)),
    (
        "GET",
        "/api/v1/{slug}/members/{membership_id}/working-hours",
        dict(owner=OK, manager=OK, va=OK, qa=OK, client=403),
    ),
    ("PUT", "/api/v1/{slug}/members/{membership_id}/working-hours", dict(qa=403, client=403)),
    (
        "GET",
        "/api/v1/{slug}/time-off",
        dict(owner=OK, manager=OK, va=OK, qa=OK, client=403),
    ),
    (
        "POST",
        "/api/v1/{slug}/time-off/{time_off_id}/approve",
        dict(va=403, qa=403, client=403),
    ),
    (
        "GET",
        "/api/v1/{slug}/clients/{client_id}/business-hours",
        dict(owner=OK, manager=OK, va=403, qa=403, client=403),
    ),
    (
        "GET",
        "/api/v1/{slug}/meeting-slots",
        dict(owner=OK, manager=OK, va=403, qa=403, client=403),
    ),
    ("DELETE", "/api/v1/{slug}/meeting-slots/{slot_id}", dict(va=403, qa=403, client=403)),
    # the master calendar and one's own feed: staff; client contacts have none
    ("GET", "/{slug}/calendar", dict(owner=OK, manager=OK, va=OK, qa=OK, client=403)),
    ("POST", "/{slug}/calendar/feed", dict(client=403)),
    ("POST", "/{slug}/calendar/feed/revoke", dict(client=403)),
    (
        "GET",
        "/api/v1/{slug}/calendar/events",
        dict(owner=OK, manager=OK, va=OK, qa=OK, client=403),
    ),
    ("GET", "/api/v1/{slug}/calendar/feed", dict(owner=OK, manager=OK, va=OK, qa=OK, client=403)),
    ("POST", "/api/v1/{slug}/calendar/feed", dict(client=403)),
    ("DELETE", "/api/v1/{slug}/calendar/feed", dict(client=403)),
    # payouts: owners handle every statement (managers only when the agency lets them see
    # costs, off in the walker agency); a VA reads their own reviewed statements
    ("GET", "/{slug}/payouts", dict(owner=OK, manager=OK, va=403, qa=403, client=403)),
    (
        "GET",
        "/{slug}/payouts/settings",
        dict(owner=OK, manager=403, va=403, qa=403, client=403),
    ),
    ("GET", "/{slug}/my/payouts", dict(owner=OK, manager=OK, va=OK, qa=403, client=403)),
    (
        "GET",
        "/{slug}/payouts/{statement_id}",
        dict(owner=OK, manager=404, va=OK, qa=403, client=403),
    ),
    (
        "GET",
        "/{slug}/payouts/{statement_id}/csv",
        dict(owner=OK, manager=404, va=OK, qa=403, client=403),
    ),
    ("POST", "/{slug}/payouts/generate", dict(manager=403, va=403, qa=403, client=403)),
    (
        "POST",
        "/{slug}/payouts/{statement_id}/paid",
        dict(manager=403, va=403, qa=403, client=403),
    ),
    ("GET", "/api/v1/{slug}/payouts", dict(owner=OK, manager=OK, va=OK, qa=403, client=403)),
    (
        "GET",
        "/api/v1/{slug}/payouts/{statement_id}",
        dict(owner=OK, manager=404, va=OK, qa=403, client=403),
    ),
    (
        "POST",
        "/api/v1/{slug}/payouts/{statement_id}/adjustments",
        dict(manager=404, va=403, qa=403, client=403),
    ),
    (
        "POST",
        "/api/v1/{slug}/payouts/{statement_id}/paid",
        dict(manager=403, va=403, qa=403, client=403),
    ),
    ("PATCH", "/api/v1/{slug}/clients/{client_id}", dict(va=403, qa=403, client=403)),
    ("POST", "/api/v1/{slug}/clients", dict(va=403, qa=403, client=403)),
    ("POST", "/api/v1/{slug}/invitations", dict(va=403, qa=403, client=403)),
    # week planner: a VA plans their own week, owners and managers anyone's; QA reviewers
    # and client contacts have none
    ("GET", "/{slug}/planner", dict(owner=OK, manager=OK, va=OK, qa=403, client=403)),
    (
        "GET",
        "/{slug}/planner/{membership_id}",
        dict(owner=OK, manager=OK, va=OK, qa=403, client=403),
    ),
    ("POST", "/{slug}/planner/blocks/{block_id}/delete", dict(qa=403, client=403)),
    (
        "GET",
        "/api/v1/{slug}/members/{membership_id}/time-blocks",
        dict(owner=OK, manager=OK, va=OK, qa=403, client=403),
    ),
    ("DELETE", "/api/v1/{slug}/time-blocks/{block_id}", dict(qa=403, client=403)),
]


def _table_url(template: str, world) -> str:
    return template.format(
        slug=world.slug,
        member_id=world.members["va"],
        membership_id=world.members["va"],
        package_id=world.package_id,
        client_id=world.client_id,
        other_client_id=world.other_client_id,
        contact_id=world.contact_id,
        invoice_id=world.invoice_id,
        work_item_id=world.work_item_id,
        email_id=world.sent_email_id,
        entry_id=world.time_entry_id,
        entry_uid=world.vault_entry_uid,
        retainer_id=world.retainer_id,
        timesheet_id=world.timesheet_id,
        time_off_id=world.time_off_id,
        slot_id=world.meeting_slot_id,
        statement_id=world.payout_statement_id,
        block_id=world.time_block_id,
        series_id=world.series_id,
    )


def _matches(expect, resp, world) -> bool:
    if expect == OK:
        return _is_ok(resp)
    if expect == OWN_ONLY:
        if resp.status_code == 403:
            return True
        if resp.status_code in (302, 303):  # straight to their one client
            own = f"/{world.slug}/clients/{world.client_id}"
            return urlsplit(resp.headers["Location"]).path == own
        body = resp.get_data(as_text=True)
        return (
            resp.status_code == 200
            and world.client_name in body
            and world.other_client_name not in body
        )
    return resp.status_code == expect


@pytest.mark.parametrize(
    ("method", "template", "expect"),
    [pytest.param(m, t, e, id=f"{m} {t}") for m, t, e in PAGES],
)
def test_pages_answer_each_role_as_the_brief_intends(app, method, template, expect):
    world = build_agency("Brief")
    url = _table_url(template, world)
    clients = {role: signed_in_client(app, world.users[role]) for role in expect}
    before = snapshot_all()
    failures = []
    for role, want in expect.items():
        http = clients[role]
        if is_api(url):
            body = {} if method in ("POST", "PATCH", "PUT") else None
            resp = http.request(method, url, headers=bearer(world.token(role)), json=body)
        else:
            resp = http.request(method, url, data={})
        if not _matches(want, resp, world):
            failures.append(f"{role}: expected {want}, got {_describe(resp)}")
    assert not failures, f"{method} {url}:\n" + "\n".join(failures)
    if method != "GET" or all(v != OK for v in expect.values()):
        assert not diff_snapshots(before, snapshot_all())


def test_the_intent_table_names_existing_routes(app):
    """A renamed route must not silently drop out of the table above."""
    known = {
        (m, r.rule.replace("<int:", "<")) for r in app.url_map.iter_rules() for m in methods(r)
    }
    missing = []
    for method, template, _ in PAGES:
        rule = template.replace("{slug}", "<agency_slug>")
        for name in (
            "member_id",
            "package_id",
            "client_id",
            "contact_id",
            "invoice_id",
            "work_item_id",
            "email_id",
            "entry_id",
            "retainer_id",
            "timesheet_id",
            "time_off_id",
            "slot_id",
            "membership_id",
            "statement_id",
            "block_id",
            "entry_uid",
            "series_id",
        ):
            rule = rule.replace("{" + name + "}", f"<{name}>")
        rule = rule.replace("{other_client_id}", "<client_id>")
        if (method, rule) not in known:
            missing.append(f"{method} {rule}")
    assert not missing, "routes of the intent table are missing:\n" + "\n".join(missing)


@pytest.mark.parametrize("role", ["va", "qa", "client"])
def test_rates_are_for_owners_and_managers_only(app, role):
    """Bill rates and cost rates are business figures: the API never shows them to VAs,
    QA or client contacts."""
    world = build_agency("Rates")
    http = fresh(app.test_client())
    resp = http.get(
        f"/api/v1/{world.slug}/clients/{world.client_id}", headers=bearer(world.token(role))
    )
    assert resp.status_code == 200, _describe(resp)
    assert resp.get_json().get("bill_rate_minor") is None
    owner_view = http.get(
        f"/api/v1/{world.slug}/clients/{world.client_id}", headers=bearer(world.token("owner"))
    )
    assert owner_view.get_json().get("bill_rate_minor") == 4500


# --- (d) anonymous callers -------------------------------------------------------------

GUARDED = [
    pytest.param(r.rule, m, id=f"{m} {r.rule}")
    for r in RULES
    for m in methods(r)
    if (d := access(APP, r, m)) is not None and d[0] != PUBLIC
]


@pytest.mark.parametrize(("rule_str", "method"), GUARDED)
def test_anonymous_callers_must_sign_in(app, rule_str, method):
    world = build_agency("Anon")
    url = fill(rule_str, {**world.ids(), "agency_slug": world.slug})
    before = snapshot_all()
    resp = fresh(app.test_client()).request(method, url, data={} if not is_api(url) else None)
    if is_api(url):
        assert resp.status_code == 401, _describe(resp)
        assert resp.is_json and resp.get_json()["code"] == 401
    else:
        assert resp.status_code == 302, _describe(resp)
        location = urlsplit(resp.headers["Location"])
        assert location.path == "/login"
        assert parse_qs(location.query)["next"] == [url]
    assert not diff_snapshots(before, snapshot_all())


def test_api_ignores_the_browser_session_cookie(app):
    """The API is exempt from CSRF, so a signed-in browser must not authenticate it."""
    world = build_agency("Cookie")
    http = signed_in_client(app, world.users["owner"])
    assert http.get(f"/{world.slug}/").status_code == 200
    resp = http.get(f"/api/v1/{world.slug}/agency")
    assert resp.status_code == 401
    resp = http.open(f"/api/v1/{world.slug}/agency", method="PATCH", json={"name": "Hijacked"})
    assert resp.status_code == 401
    db.session.expunge_all()
    assert db.session.get(Agency, world.agency_id).name == world.name


@pytest.mark.parametrize("case", ["unknown", "revoked", "malformed"])
def test_api_refuses_bad_tokens(app, case):
    world = build_agency("Tokens")
    token = world.token("owner")
    if case == "unknown":
        token = token[:-4] + "abcd"
        header = bearer(token)
    elif case == "revoked":
        with all_tenants():
            row = db.session.get(ApiToken, world.owner_token_id)
            row.revoked_at = dt.datetime.now(dt.UTC)
            db.session.flush()
        header = bearer(token)
    else:
        header = {"Authorization": f"Token {token}"}
    resp = fresh(app.test_client()).get(f"/api/v1/{world.slug}/agency", headers=header)
    assert resp.status_code == 401
    assert resp.get_json()["code"] == 401


def test_disabled_member_loses_access_at_once(app):
    world = build_agency("Disabled")
    http = signed_in_client(app, world.users["va"])
    assert http.get(f"/{world.slug}/").status_code == 200
    with all_tenants():
        m = db.session.get(Membership, world.members["va"])
        m.status = "disabled"
        m.disabled_at = dt.datetime.now(dt.UTC)
        db.session.flush()
    assert http.get(f"/{world.slug}/").status_code in (302, 403, 404)
    api = fresh(app.test_client()).get(
        f"/api/v1/{world.slug}/agency", headers=bearer(world.token("va"))
    )
    assert api.status_code in (401, 403, 404)
