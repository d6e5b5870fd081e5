"""Helpers for tests: signing in through the real login form and making API tokens."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa
from flask import Flask

from app.core.security import new_token, token_hash
from app.core.tenancy import all_tenants
from app.extensions import db
from app.users.models import ApiToken, Membership
from tests.factories import PASSWORD, MembershipFactory


def login(client, user, password: str = PASSWORD):
    """Sign in through the login form; returns the response."""
    return client.post("/login", data={"email": user.email, "password": password})


def member(agency, role: str = "va", **kw) -> Membership:
    return MembershipFactory(agency=agency, role=role, **kw)


def api_token(membership: Membership, name: str = "test") -> str:
    """A fresh personal API token for the membership's person in its agency."""
    raw = new_token("baton_")
    with all_tenants():
        db.session.add(
            ApiToken(
                agency_id=membership.agency_id,
                user_id=membership.user_id,
                name=name,
                prefix=raw[:12],
                token_hash=token_hash(raw),
            )
        )
        db.session.flush()
    return raw


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


# Settings every app that commits for real shares: cheap hashing, no Redis, no CSRF.
COMMITTED_DEFAULTS = {
    "TESTING": True,
    "REDIS_URL": None,
    "RATELIMIT_STORAGE_URI": "memory://",
    "WTF_CSRF_ENABLED": False,
    "ARGON2_TIME_COST": 1,
    "ARGON2_MEMORY_KIB": 8192,
}


@contextlib.contextmanager
def committed_app(database_url: str, **config: object) -> Iterator[Flask]:
    """An app on the session's test database whose data is committed for real (threads,
    worker processes and a live server see it), with its context pushed; every table is
    emptied afterwards. `config` overrides COMMITTED_DEFAULTS."""
    from app import create_app

    real = create_app({**COMMITTED_DEFAULTS, "SQLALCHEMY_DATABASE_URI": database_url, **config})
    ctx = real.app_context()
    ctx.push()
    try:
        yield real
    finally:
        db.session.remove()
        empty_every_table()
        db.engine.dispose()
        ctx.pop()


@contextlib.contextmanager
def committed_data(app: Flask) -> Iterator[Flask]:
    """The test app with its context pushed and data committed for real (other threads and
    connections see it); every table is emptied afterwards. For `no_db` tests."""
    ctx = app.app_context()
    ctx.push()
    db.session.remove()
    try:
        yield app
    finally:
        db.session.remove()
        empty_every_table()
        ctx.pop()


def race(
    app: Flask,
    work: Callable[[Callable[[], None]], Any],
    *,
    runs: int = 2,
    timeout: float = 60,
) -> list[Any]:
    """Run `work(go)` on `runs` threads at once, each in its own app context (its own
    session and PostgreSQL connection), on committed data. Each calls `go()` where the race
    starts (after its own set-up): nobody passes it until all are there. Returns what each
    returned, or the exception it raised, in the order they finished."""
    start = threading.Barrier(runs)
    results: list[Any] = []

    def go() -> None:
        start.wait(timeout)

    def run() -> None:
        with app.app_context():
            try:
                results.append(work(go))
            except BaseException as exc:  # noqa: BLE001 - returned to the test
                start.abort()  # the others stop waiting for this one
                results.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(runs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout * 2)
    return results


def empty_every_table() -> None:
    tables = ", ".join(t.name for t in db.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def speaks(member: Membership, locale: str, *, commit: bool = False) -> None:
    """The member's user reads Baton in `locale` from the next request on."""
    from app.users.models import User

    db.session.get(User, member.user_id).locale = locale
    if commit:
        db.session.commit()
    else:
        db.session.flush()


def html_tag(page: str) -> str:
    """The page's opening <html> tag (its lang and dir)."""
    import re

    return re.search(r"<html[^>]*>", page).group(0)


def flashes(page: str) -> str:
    """The flash messages of a page (empty if none)."""
    import re

    found = re.search(r'<div class="flash-stack">(.*?)</main>', page, re.S)
    return found.group(1) if found else ""
