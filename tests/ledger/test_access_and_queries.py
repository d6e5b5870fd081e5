"""Who may export (owners and managers; VAs, QA and client contacts 403; another agency's
404), bad choices (the form again naming the field at 422, the API 422 with field errors),
the page linked from the invoices list, and statement counts that do not grow with the
number of documents."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.clients.support import api, make_team, web
from tests.factories import ClientFactory
from tests.ledger.support import MARCH, document, parse, payment
from tests.reports.support import add_entry

QUERY = f"format=journal&what=documents&{MARCH}"


def test_owners_and_managers_get_the_page_and_the_link(app):
    team = make_team()
    for member in (team.owner, team.manager):
        listing = web(app, member).get(f"/{team.slug}/invoices").get_data(as_text=True)
        assert f"/{team.slug}/accounting-exports" in listing
        page = web(app, member).get(f"/{team.slug}/accounting-exports")
        assert page.status_code == 200
        assert 'data-testid="ledger-form"' in page.get_data(as_text=True)
        assert (
            web(app, member).get(f"/{team.slug}/accounting-exports/download?{QUERY}").status_code
            == 200
        )
        assert api(app, member).get(f"/accounting-exports?{QUERY}").status_code == 200


@pytest.mark.parametrize("role", ["va", "qa", "contact"])
def test_other_roles_are_refused(app, role):
    team = make_team()
    member = getattr(team, role)
    browser = web(app, member)
    assert browser.get(f"/{team.slug}/accounting-exports").status_code == 403
    assert browser.get(f"/{team.slug}/accounting-exports/download?{QUERY}").status_code == 403
    assert api(app, member).get(f"/accounting-exports?{QUERY}").status_code == 403


def test_another_agency_is_not_found(app):
    team, other = make_team(), make_team()
    browser = web(app, other.owner)
    assert browser.get(f"/{team.slug}/accounting-exports").status_code == 404
    assert browser.get(f"/{team.slug}/accounting-exports/download?{QUERY}").status_code == 404
    outsider = api(app, other.owner)
    outsider.slug = team.slug
    assert outsider.get(f"/accounting-exports?{QUERY}").status_code == 404


@pytest.mark.parametrize(
    "query, field",
    [
        ("format=journal&what=documents&date_from=2026-13-01&date_to=2026-03-31", "date_from"),
        ("format=journal&what=documents&date_from=2026-03-01", "date_to"),
        ("format=journal&what=documents&date_from=2026-03-31&date_to=2026-03-01", "date_to"),
        ("format=journal&what=documents&date_from=2024-01-01&date_to=2026-03-01", "date_to"),
        (f"format=sage&what=documents&{MARCH}", "format"),
        (f"format=journal&what=everything&{MARCH}", "what"),
    ],
)
def test_bad_choices_name_the_field(app, query, field):
    team = make_team()
    page = web(app, team.owner).get(f"/{team.slug}/accounting-exports/download?{query}")
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert f'data-field-error="{field}"' in html and 'data-testid="ledger-form"' in html
    resp = api(app, team.owner).get(f"/accounting-exports?{query}")
    assert resp.status_code == 422 and field in resp.json["errors"], resp.json


def _fill(team, invoices: int) -> None:
    for n in range(invoices):
        client = ClientFactory(agency=team.agency, name=f"Client {n}", currency="EUR")
        inv = document(
            client, f"INV-{n}", dt.datetime(2026, 3, 2 + n % 20, tzinfo=dt.UTC),
            [("Work", "2", 5000, "0.2"), ("More", "1", 700, "0")],
        )  # fmt: skip
        if n % 2:
            document(
                client, f"CN-{n}", dt.datetime(2026, 3, 25, tzinfo=dt.UTC),
                [("Work", "-1", 5000, "0.2")], kind="credit_note", credited=inv,
            )  # fmt: skip
        payment(inv, dt.date(2026, 3, 26), 3000)
        add_entry(team.va, client.id, dt.date(2026, 3, 3), 30, state="approved")


def test_statement_counts_do_not_grow_with_the_number_of_invoices(app, count_queries):
    small, large = make_team(), make_team()
    _fill(small, 1)
    _fill(large, 12)

    callers = {id(t): (web(app, t.owner), api(app, t.owner)) for t in (small, large)}

    def count(team, fmt: str, what: str, is_api: bool) -> tuple[int, int]:
        query = f"format={fmt}&what={what}&{MARCH}"
        browser, client = callers[id(team)]
        if is_api:
            http, path = client, f"/accounting-exports?{query}"
        else:
            http, path = browser, f"/{team.slug}/accounting-exports/download?{query}"
        http.get(path)  # warm-up
        with count_queries() as statements:
            rows = parse(http.get(path))
        return len(statements), len(rows)

    for fmt in ("journal", "xero", "quickbooks"):
        for what in ("documents", "payments", "time"):
            for is_api in (False, True):
                (few, few_rows), (many, many_rows) = (
                    count(small, fmt, what, is_api),
                    count(large, fmt, what, is_api),
                )
                assert many_rows > few_rows > 0, (fmt, what)
                assert few == many, (fmt, what, is_api, few, many)
