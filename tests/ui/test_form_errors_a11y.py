"""A form sent back with errors tells a screen reader which field each message is about.

Every field with a message carries aria-invalid="true" and names the message's id in its
aria-describedby (keeping its help text there); a summary at the top (role="alert",
focusable) lists the messages as links to their fields, as GOV.UK's error summary does.
Checked on real forms fed bad input, and over every template: error markup goes through
the macros that do this (macros/forms.html), never written by hand.
"""

from __future__ import annotations

import pathlib
import re
from html.parser import HTMLParser

from tests.factories import PASSWORD, InvoiceFactory
from tests.work.support import Flow, make_desk, web

CONTROLS = ("input", "select", "textarea")


class _Page(HTMLParser):
    """The elements of a page that matter here: form controls, error messages, summaries
    (with their links), and every id."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.controls: list[dict] = []
        self.messages: list[dict] = []
        self.summaries: list[dict] = []
        self._summary_depth: int | None = None
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if a.get("id"):
            self.ids.append(a["id"])
        classes = a.get("class", "").split()
        if tag in CONTROLS and a.get("type") != "hidden":
            self.controls.append({"tag": tag, **a, "classes": classes})
        if "invalid-feedback" in classes:
            self.messages.append(a)
        if tag in ("input", "br", "hr", "img", "meta", "link", "option"):
            return  # void (or not nesting anything we track)
        self._depth += 1
        if "data-error-summary" in a:
            self.summaries.append({**a, "links": []})
            self._summary_depth = self._depth
        elif tag == "a" and self._summary_depth is not None:
            self.summaries[-1]["links"].append(a.get("href", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("input", "br", "hr", "img", "meta", "link", "option"):
            return
        if self._summary_depth is not None and self._depth == self._summary_depth:
            self._summary_depth = None
        self._depth -= 1


def assert_errors_tied_to_fields(html: str, *, expect: set[str], summary: bool = True) -> _Page:
    """`expect`: names of fields that must show a message on this page; `summary`: the
    page has an error summary (a form that is the page's purpose)."""
    page = _Page()
    page.feed(html)
    dupes = {i for i in page.ids if page.ids.count(i) > 1}
    assert not dupes, f"ids used twice: {dupes}"
    by_id = {c.get("id"): c for c in page.controls if c.get("id")}
    names = {c.get("name") for c in page.controls}
    described = {}
    for c in page.controls:
        for ref in c.get("aria-describedby", "").split():
            described.setdefault(ref, []).append(c)
        if "is-invalid" in c["classes"]:
            assert c.get("aria-invalid") == "true", f"{c.get('name')} is-invalid, no aria-invalid"
            refs = c.get("aria-describedby", "").split()
            assert any(r.endswith("-error") and r in page.ids for r in refs), (
                f"{c.get('name')}: aria-describedby {refs} names no message on the page"
            )
        for ref in c.get("aria-describedby", "").split():
            assert ref in page.ids, f"{c.get('name')} describedby {ref!r}: no such element"
    shown = set()
    for m in page.messages:
        field = m.get("data-field-error")
        assert m.get("id"), f"the message of {field!r} has no id"
        if field in names:  # a message about a field the page shows: tied to it
            tied = described.get(m["id"], [])
            assert tied, f"no field names the message {m['id']!r} ({field})"
            assert all(t.get("aria-invalid") == "true" for t in tied), m["id"]
            shown.add(field)
    assert expect <= shown, f"expected messages tied to {expect}, got {shown}"
    # The summary: an alert that can take the focus, a link to each field.
    assert page.summaries or not summary, "no error summary"
    for first in page.summaries[:1]:
        assert first.get("role") == "alert" and first.get("tabindex") == "-1"
    for summary in page.summaries:
        for href in summary["links"]:
            assert href.startswith("#") and href[1:] in by_id, f"summary link {href} goes nowhere"
            target = by_id[href[1:]]
            assert target.get("aria-invalid") == "true", f"{href}: not a field with an error"
    return page


def test_signup_and_login(app, client):
    resp = client.post("/signup", data={"agency_name": "", "email": "not-an-email",
                                        "name": "", "password": "short"})  # fmt: skip
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    page = assert_errors_tied_to_fields(html, expect={"agency_name", "email", "password"})
    # The password keeps its help text in aria-describedby, after the message.
    password = next(c for c in page.controls if c.get("name") == "password")
    assert password["aria-describedby"].split() == ["f-password-error", "f-password-help"]
    assert len(page.summaries[0]["links"]) >= 3

    resp = client.post("/login", data={"email": "", "password": ""})
    assert resp.status_code in (400, 401, 422)
    assert_errors_tied_to_fields(resp.get_data(as_text=True), expect={"email"})


def test_client_form_and_work_item_form(app):
    desk = make_desk()
    owner = web(app, desk.owner)
    resp = owner.post(f"/{desk.slug}/clients/new", data={"name": "", "currency": "XYZ",
                                                         "time_zone": "Mars/Olympus"})  # fmt: skip
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert_errors_tied_to_fields(html, expect={"name", "time_zone", "currency"})

    url = f"/{desk.slug}/clients/{desk.client.id}/work/new"
    resp = owner.post(url, data={"title": "", "sop_version_id": "", "assignee_id": "",
                                 "reviewer_id": "", "due_at": "tomorrow-ish",
                                 "estimate_minutes": "-5"})  # fmt: skip
    assert resp.status_code == 422
    page = assert_errors_tied_to_fields(resp.get_data(as_text=True), expect={"title", "due_at"})
    assert "#f-title" in page.summaries[0]["links"]


def test_work_item_page_forms(app):
    """The item page holds many forms; the one sent back names its fields' messages."""
    desk = make_desk()
    flow = Flow(app, desk)
    owner = web(app, desk.owner)
    resp = owner.post(f"/{desk.slug}/work/{flow.id}/comments", data={"body": ""})
    assert resp.status_code == 422, resp.status_code
    page = assert_errors_tied_to_fields(resp.get_data(as_text=True), expect={"body"})
    assert page.summaries[0]["links"] == ["#f-comment"]


def test_the_qa_review_rubric(app):
    """A score out of range is tied to that criterion's select; the summary says why."""
    desk = make_desk()
    flow = Flow(app, desk).to("in_review")
    qa = web(app, desk.qa)
    resp = qa.post(f"/{desk.slug}/work/{flow.id}/approve",
                   data={"scores.accurate": "pass", "scores.clear": "9"})  # fmt: skip
    assert resp.status_code == 422, resp.status_code
    html = resp.get_data(as_text=True)
    page = assert_errors_tied_to_fields(html, expect=set())
    assert page.summaries[0]["links"] == ["#score-clear"]
    clear = next(c for c in page.controls if c.get("name") == "scores.clear")
    assert clear.get("aria-invalid") == "true"
    assert clear["aria-describedby"] == "f-scores-error"
    accurate = next(c for c in page.controls if c.get("name") == "scores.accurate")
    assert "aria-invalid" not in accurate


def test_ending_an_assignment(app):
    """The small end-date form in the assignments table names its message too."""
    from tests.factories import AssignmentFactory

    desk = make_desk()
    assignment = AssignmentFactory(client=desk.client, membership=desk.other_va)
    owner = web(app, desk.owner)
    resp = owner.post(f"/{desk.slug}/assignments/{assignment.id}/end",
                      data={"ends_on": "2000-01-01"})  # fmt: skip
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    page = assert_errors_tied_to_fields(html, expect=set(), summary=False)
    field = f"end-{assignment.id}-ends_on"
    assert f'aria-describedby="{field}-error"' in html
    assert any(m.get("id") == f"{field}-error" for m in page.messages)


def test_invoice_line_form(app):
    desk = make_desk()
    invoice = InvoiceFactory(client=desk.client, status="draft", number=None, issued_at=None)
    owner = web(app, desk.owner)
    resp = owner.post(f"/{desk.slug}/invoices/{invoice.id}/lines",
                      data={"description": "", "quantity": "lots", "unit_price": "x"})  # fmt: skip
    assert resp.status_code == 422
    page = assert_errors_tied_to_fields(
        resp.get_data(as_text=True), expect={"description", "quantity"}
    )
    assert "#f-line-description" in page.summaries[0]["links"]


def test_sop_import_form(app):
    desk = make_desk()
    owner = web(app, desk.owner)
    resp = owner.post(f"/{desk.slug}/sops/import", data={}, content_type="multipart/form-data")
    assert resp.status_code == 422
    assert_errors_tied_to_fields(resp.get_data(as_text=True), expect={"file"})


def test_assigning_a_va_on_the_client_page(app):
    """The "Assign a VA" form has the summary other forms have: field messages linked,
    a refusal of the whole form (the VA is already assigned) in the alert."""
    from tests.factories import AssignmentFactory

    desk = make_desk()
    owner = web(app, desk.owner)
    url = f"/{desk.slug}/clients/{desk.client.id}/assignments"
    resp = owner.post(url, data={"membership_id": "", "kind": "primary"})
    assert resp.status_code == 422
    page = assert_errors_tied_to_fields(resp.get_data(as_text=True), expect={"membership_id"})
    assert "#f-membership_id" in page.summaries[0]["links"]

    AssignmentFactory(client=desk.client, membership=desk.other_va, kind="backup")
    resp = owner.post(url, data={"membership_id": desk.other_va.id, "kind": "primary"})
    assert resp.status_code == 409
    html = resp.get_data(as_text=True)
    page = assert_errors_tied_to_fields(html, expect=set())
    summary = re.search(r"<div[^>]*data-error-summary.*?</div>\s*</div>", html, re.S).group(0)
    assert "already assigned" in summary


def test_the_portal_request_form(app):
    """A client contact's request form: messages tied to their fields, a field the form
    does not have listed by name in the summary (never a link to nowhere)."""
    desk = make_desk()
    contact = web(app, desk.contact)
    resp = contact.post(f"/{desk.slug}/portal/requests", data={"title": "", "bogus": "x"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    page = assert_errors_tied_to_fields(html, expect={"title"})
    assert page.summaries[0]["links"] == ["#f-title"]
    assert 'data-error-unknown="bogus"' in html
    assert "f-_schema-error" not in html


def test_unknown_fields_on_the_people_pages(app, client):
    """People's forms (here the reset and sign-in forms) list a field they do not have by
    name in their summary, once; nothing outside the macros writes it."""
    resp = client.post("/forgot-password", data={"email": "", "is_admin": "yes"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    page = assert_errors_tied_to_fields(html, expect={"email"})
    assert page.summaries[0]["links"] == ["#f-email"]
    assert html.count('data-error-unknown="is_admin"') == 1
    assert "f-is_admin-error" not in html  # no second, hand-placed copy
    resp = client.post("/login", data={"email": "", "password": "", "remember": "1"})
    html = resp.get_data(as_text=True)
    page = assert_errors_tied_to_fields(html, expect={"email"})
    assert all(link in ("#f-email", "#f-password") for link in page.summaries[0]["links"])


def test_a_correct_form_shows_no_summary(app, client):
    html = client.get("/signup").get_data(as_text=True)
    page = _Page()
    page.feed(html)
    assert not page.summaries and not page.messages
    assert not any(c.get("aria-invalid") for c in page.controls)
    assert PASSWORD  # the factories' password exists (sign-in cases above use bad ones)


TEMPLATES = pathlib.Path(__file__).resolve().parents[2] / "app"
ERROR_MACROS = {"templates/macros/forms.html", "sops/templates/sops/_macros.html"}


def test_error_markup_goes_through_the_macros():
    """No template writes an error message by hand, and every field that can turn
    `is-invalid` also gets the attributes that tie it to its message."""
    tag = re.compile(r"<(?:input|select|textarea)\b(?:[^>{]|\{\{.*?\}\}|\{%.*?%\})*>", re.S)
    problems = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        rel = path.relative_to(TEMPLATES).as_posix()
        if rel in ERROR_MACROS:
            continue
        text = path.read_text()
        if "invalid-feedback" in text:
            problems.append(f"{rel}: writes an error message by hand (use field_errors)")
        for m in tag.finditer(text):
            tied = re.search(r"\b(?:field_)?aria\(|aria-invalid", m.group(0))
            if "is-invalid" in m.group(0) and not tied:
                problems.append(f"{rel}: {m.group(0)[:90]}… is-invalid without field_aria")
    assert not problems, "\n".join(problems)


def test_the_profile_page_holds_two_forms_with_a_name_field_and_no_id_twice(app):
    """The profile form and the API-token form both have a `name` field: each keeps its own
    id, so a label, a message and a summary link reach the right one."""
    desk = make_desk()
    owner = web(app, desk.owner)
    html = owner.get("/profile").get_data(as_text=True)
    assert 'id="f-name"' in html and 'id="token-name"' in html
    resp = owner.post("/profile/tokens", data={"name": "", "agency_id": ""})
    assert resp.status_code == 422
    page = assert_errors_tied_to_fields(resp.get_data(as_text=True), expect={"name"})
    links = [link for s in page.summaries for link in s["links"]]
    assert "#token-name" in links and "#f-name" not in links
