"""Re-authentication before a reveal (app.users.reauth and its page), and the pure vault
policy: who may reveal on which day."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pyotp
import pytest
import sqlalchemy as sa
import time_machine

from app.core.tenancy import all_tenants
from app.extensions import db
from app.users.models import User, UserSession
from app.users.reauth import REAUTH_WINDOW, recently_confirmed
from app.vault.policy import can_reveal_vault_entry, can_see_vault
from tests.factories import PASSWORD
from tests.objects import bearer, build_agency, signed_in_client
from tests.users.support import enable_totp

NOON = dt.datetime(2027, 3, 10, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(clock):
    return build_agency("Reauth")


def _user(user_id: int) -> User:
    with all_tenants():
        return db.session.get(User, user_id)


def _reveal_url(world) -> str:
    return f"/{world.slug}/logins/{world.vault_entry_uid}/reveal"


# --- the pure pieces --------------------------------------------------------------------


def test_recently_confirmed_is_ten_minutes_from_the_confirmation():
    row = UserSession(reauth_at=NOON)
    assert not recently_confirmed(None, NOON)
    assert not recently_confirmed(UserSession(), NOON)
    assert recently_confirmed(row, NOON)
    assert recently_confirmed(row, NOON + REAUTH_WINDOW)
    assert not recently_confirmed(row, NOON + REAUTH_WINDOW + dt.timedelta(seconds=1))
    # A confirmation "from the future" (clock moved back) does not count.
    assert not recently_confirmed(row, NOON - dt.timedelta(seconds=1))


def _actor(role: str, membership_id: int = 7, client_id: int | None = None):
    return SimpleNamespace(
        role=role, membership=SimpleNamespace(id=membership_id, client_id=client_id)
    )


def _entry(*assignments):
    client = SimpleNamespace(id=3, assignments=list(assignments))
    return SimpleNamespace(client=client)


def _assignment(membership_id: int, starts: dt.date, ends: dt.date | None):
    def is_current(today: dt.date) -> bool:
        return starts <= today and (ends is None or ends > today)

    return SimpleNamespace(membership_id=membership_id, is_current=is_current)


def test_reveal_policy_by_role_and_day():
    today = dt.date(2027, 3, 10)
    running = _assignment(7, today - dt.timedelta(days=5), None)
    ends_today = _assignment(7, today - dt.timedelta(days=5), today)
    someone_else = _assignment(8, today - dt.timedelta(days=5), None)
    assert can_reveal_vault_entry(_actor("owner"), _entry(), today)
    assert can_reveal_vault_entry(_actor("va"), _entry(running), today)
    assert not can_reveal_vault_entry(_actor("va"), _entry(ends_today), today)
    assert can_reveal_vault_entry(_actor("va"), _entry(ends_today), today - dt.timedelta(days=1))
    assert not can_reveal_vault_entry(_actor("va"), _entry(someone_else), today)
    for role in ("manager", "qa", "client"):
        assert not can_reveal_vault_entry(_actor(role, client_id=3), _entry(running), today)
    assert can_see_vault(_actor("client", client_id=3), _entry().client, today)
    assert not can_see_vault(_actor("client", client_id=4), _entry().client, today)
    assert not can_see_vault(_actor("qa"), _entry(running).client, today)


# --- the page ---------------------------------------------------------------------------


def test_totp_code_confirms_once_and_password_still_works(app, world, clock):
    user = _user(world.users["va"])
    secret = enable_totp(app, user)
    http = signed_in_client(app, world.users["va"])
    code = pyotp.TOTP(secret).at(NOON)
    assert http.post("/confirm-identity", data={"code": code}).status_code == 302
    assert http.post(_reveal_url(world)).status_code == 200
    # The same code again is a replay: refused, and nothing is confirmed by it.
    clock.shift(REAUTH_WINDOW + dt.timedelta(seconds=1))
    other = signed_in_client(app, world.users["va"])
    assert other.post("/confirm-identity", data={"code": code}).status_code == 422
    assert other.post(_reveal_url(world)).status_code == 302
    assert other.post("/confirm-identity", data={"password": PASSWORD}).status_code == 302
    assert other.post(_reveal_url(world)).status_code == 200


def test_confirmation_belongs_to_one_login_session(app, world):
    first = signed_in_client(app, world.users["owner"])
    second = signed_in_client(app, world.users["owner"])
    assert first.post("/confirm-identity", data={"password": PASSWORD}).status_code == 302
    assert first.post(_reveal_url(world)).status_code == 200
    assert second.post(_reveal_url(world)).status_code == 302
    with all_tenants():
        confirmed = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(UserSession)
            .where(UserSession.user_id == world.users["owner"], UserSession.reauth_at.is_not(None))
        )
    assert confirmed == 1


def test_wrong_attempts_are_rate_limited(app, world):
    http = signed_in_client(app, world.users["owner"])
    codes = [
        http.post("/confirm-identity", data={"password": f"wrong-{i}"}).status_code
        for i in range(11)
    ]
    assert codes == [422] * 10 + [429]
    # Even the right password waits for the window to pass.
    assert http.post("/confirm-identity", data={"password": PASSWORD}).status_code == 429


@pytest.mark.parametrize(
    ("target", "lands"),
    [
        ("/somewhere/inside", "/somewhere/inside"),
        ("//evil.example/x", "/profile"),
        ("https://evil.example/x", "/profile"),
        ("/\\evil.example", "/profile"),
    ],
)
def test_next_stays_on_this_site(app, world, target, lands):
    http = signed_in_client(app, world.users["owner"])
    resp = http.post(
        "/confirm-identity", query_string={"next": target}, data={"password": PASSWORD}
    )
    assert resp.status_code == 302
    assert resp.headers["Location"] == lands


def test_page_and_api_reveals_share_one_limit(app, world):
    http = signed_in_client(app, world.users["owner"])
    http.post("/confirm-identity", data={"password": PASSWORD})
    assert [http.post(_reveal_url(world)).status_code for _ in range(29)] == [200] * 29
    api = app.test_client()
    url = f"/api/v1/{world.slug}/vault/{world.vault_entry_uid}/reveal"
    body, headers = {"password": PASSWORD}, bearer(world.token("owner"))
    assert api.post(url, json=body, headers=headers).status_code == 200
    assert api.post(url, json=body, headers=headers).status_code == 429
    # Another person has their own allowance.
    va = app.test_client().post(url, json=body, headers=bearer(world.token("va")))
    assert va.status_code == 200


def test_list_page_query_count_does_not_grow_with_entries(app, world, count_queries):
    from tests.vault.conftest import Ref, make_entry

    http = signed_in_client(app, world.users["va"])
    url = f"/{world.slug}/clients/{world.client_id}/logins"
    http.get(url)
    with count_queries() as few:
        assert http.get(url).status_code == 200
    for i in range(6):
        make_entry(Ref(world.client_id, world.agency_id), f"s-{i}", name=f"Tool {i}")
    with all_tenants():
        db.session.commit()
    with count_queries() as many:
        page = http.get(url)
    assert page.get_data(as_text=True).count('data-testid="vault-entry"') == 7
    assert len(many) == len(few)
