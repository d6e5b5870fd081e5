"""What people read: one duration format, one date format, role names and states in words,
and "This field is required." instead of marshmallow's "Missing data for required field."."""

from __future__ import annotations

import datetime as dt

from app.core.formatting import (
    format_datetime,
    format_day,
    format_duration,
    format_relative,
    role_label,
)
from app.core.tenancy import all_tenants
from app.extensions import db
from tests.work.support import Flow, fetch_item, web


def test_the_formatters_say_one_thing_per_kind():
    assert [format_duration(m) for m in (None, 0, 45, 60, 150, 860)] == [
        "—",
        "0 min",
        "45 min",
        "1 h",
        "2 h 30 min",
        "14 h 20 min",
    ]
    assert format_day(dt.date(2026, 11, 27)) == "27 Nov 2026"
    at = dt.datetime(2026, 11, 27, 14, 0, tzinfo=dt.UTC)
    assert format_datetime(at, "America/New_York") == "Fri 27 Nov, 09:00 EST"
    assert format_relative(at - dt.timedelta(days=3), now=at) == "3 days ago"
    assert format_relative(at + dt.timedelta(hours=2), now=at) == "in 2 hours"
    assert format_relative(at, now=at) == "just now"
    assert [role_label(r) for r in ("owner", "manager", "va", "qa", "client")] == [
        "Owner",
        "Manager",
        "VA",
        "QA reviewer",
        "Client contact",
    ]


def test_the_estimate_reads_the_same_on_the_item_and_in_the_sop_library(app, desk):
    flow = Flow(app, desk)
    with all_tenants():
        fetch_item(flow.id).estimate_minutes = 860
        db.session.flush()
    html = web(app, desk.owner).get(f"/{desk.slug}/work/{flow.id}").get_data(as_text=True)
    assert "14 h 20 min" in html and "860 min" not in html
    library = web(app, desk.owner).get(f"/{desk.slug}/sops").get_data(as_text=True)
    assert format_duration(desk.sop_version.estimate_minutes) in library


def test_role_names_are_words_not_codes(app, desk):
    html = web(app, desk.va).get(f"/{desk.slug}/").get_data(as_text=True)
    assert "Signed in as VA" in html
    html = web(app, desk.qa).get(f"/{desk.slug}/").get_data(as_text=True)
    assert "Signed in as QA reviewer" in html
    form = web(app, desk.owner).get(f"/{desk.slug}/clients/{desk.client.id}/work/new")
    html = form.get_data(as_text=True)
    assert f"{desk.qa.user.name} (QA reviewer)" in html and "(qa)" not in html


def test_a_missing_field_says_this_field_is_required(app, desk):
    flow = Flow(app, desk)
    resp = flow.owner.post(f"/clients/{desk.client.id}/work-items", json={"title": "x"})
    assert resp.status_code == 422
    messages = resp.json["errors"]
    assert messages["sop_version_id"] == ["This field is required."]
    assert "Missing data" not in str(resp.json)


def test_a_refusal_names_the_state_in_words(app, desk):
    flow = Flow(app, desk).to("in_review")
    flow.request_changes()
    resp = flow.qa.post(flow.url("/take"), json={})
    assert resp.status_code == 409
    text = str(resp.json)
    assert "with the VA for the changes QA asked for" in text
    assert "waiting for changes QA requested" not in text
