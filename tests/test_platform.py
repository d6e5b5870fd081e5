"""The platform around the features: safe production settings, security headers, cookie
flags, error reports without secrets, the health check and the API documentation."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
import textwrap
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from app import create_app
from app.config import DEFAULT_SECRET, ConfigError
from app.core.observability import init_sentry, scrub_event
from tests.factories import PASSWORD
from tests.objects import bearer, build_agency, fresh, signed_in_client

ROOT = Path(__file__).resolve().parent.parent
GOOD_KEY = "k" * 20 + "-a-random-looking-secret-key-0123456789"


def _app(**overrides):
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "RATELIMIT_STORAGE_URI": "memory://",
            "REDIS_URL": None,
            **overrides,
        }
    )


# --- production settings ---------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [None, "", DEFAULT_SECRET, "short-secret", "x" * 31],
    ids=["missing", "empty", "default", "short", "31-chars"],
)
def test_production_refuses_to_start_with_a_weak_secret_key(monkeypatch, key):
    monkeypatch.setenv("BATON_ENV", "production")
    monkeypatch.delenv("SENTRY_DSN", raising=False)
    if key is None:
        monkeypatch.delenv("SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_production_starts_with_a_good_secret_key_and_secure_cookies(monkeypatch):
    monkeypatch.setenv("BATON_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    monkeypatch.setenv("BATON_VAULT_MASTER_KEYS", "vault1:" + "A" * 43 + "=")  # 32 bytes
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    monkeypatch.delenv("SENTRY_DSN", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "RATELIMIT_STORAGE_URI": "memory://"})
    assert app.config["SECRET_KEY"] == GOOD_KEY
    assert app.config["WTF_CSRF_ENABLED"] is True
    resp = app.test_client().get("/login")  # the CSRF token puts something in the session
    assert resp.status_code == 200
    cookie = _session_cookie(resp)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_development_starts_with_the_default_key(monkeypatch):
    monkeypatch.setenv("BATON_ENV", "development")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    assert _app().config["SECRET_KEY"] == DEFAULT_SECRET


# --- headers and cookies ---------------------------------------------------------------


def _session_cookie(resp) -> str:
    cookies = [c for c in resp.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, f"no session cookie set: {resp.headers.getlist('Set-Cookie')}"
    return cookies[-1]


def _assert_secure_headers(resp, *, docs: bool = False) -> None:
    csp = resp.headers.get("Content-Security-Policy", "")
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    assert directives.get("default-src") == ["'self'"], csp
    assert directives.get("frame-ancestors") == ["'none'"], csp
    assert directives.get("object-src") == ["'none'"], csp
    script = directives.get("script-src", [])
    assert "'self'" in script and not any(s.startswith(("http", "*")) for s in script), csp
    if not docs:
        assert "'unsafe-inline'" not in script, csp
    assert resp.headers.get("X-Content-Type-Options") == "nosniff"
    assert resp.headers.get("X-Frame-Options") == "DENY"
    assert resp.headers.get("Referrer-Policy")


def test_security_headers_on_public_pages_errors_and_api(app):
    http = fresh(app.test_client())
    for url in ("/login", "/signup", "/healthz", "/this-page-does-not-exist"):
        _assert_secure_headers(http.get(url))
    world = build_agency("Headers")
    _assert_secure_headers(
        http.get(f"/api/v1/{world.slug}/agency", headers=bearer(world.owner_token))
    )


def test_signed_in_pages_have_secure_headers_and_are_not_cached(app):
    world = build_agency("Headers")
    http = signed_in_client(app, world.users["owner"])
    for url in (f"/{world.slug}/", f"/{world.slug}/clients", "/profile"):
        resp = http.get(url)
        assert resp.status_code == 200, url
        _assert_secure_headers(resp)
        assert "no-store" in resp.headers.get("Cache-Control", ""), url


def test_session_cookie_is_httponly_and_samesite_lax(app):
    world = build_agency("Cookies")
    from app.extensions import db
    from app.users.models import User

    email = db.session.get(User, world.users["owner"]).email
    resp = fresh(app.test_client()).post("/login", data={"email": email, "password": PASSWORD})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    cookie = _session_cookie(resp)
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # development over plain http; production: see above


# --- error reports ---------------------------------------------------------------------

API_TOKEN = "baton_" + "T" * 43
SECRETS = {
    "password": "hunter2-correct-horse",
    "new password": "another-secret-pass",
    "api token": API_TOKEN,
    "cookie": "s3ss10n-c00k13",
    "csrf": "csrf-s3cr3t",
    "db password": "db-pa55word",
    "redis password": "r3d1s-pa55",
    "smtp password": "smtp-pa55",
    "reset token": "reset-t0ken-abcdefghijklmnop",
    "invite token": "inv1te-t0ken-abcdefghijklmnop",
    "query token": "qu3ry-t0ken",
    "totp secret": "JBSWY3DPEHPK3PXP",
}


def _event() -> dict:
    s = SECRETS
    return {
        "message": "kaboom while saving a client",
        "transaction": f"/reset-password/{s['reset token']}",
        "request": {
            "url": f"https://baton.example/reset-password/{s['reset token']}",
            "method": "POST",
            "query_string": f"token={s['query token']}&page=2",
            "headers": {
                "Authorization": f"Bearer {s['api token']}",
                "Cookie": f"session={s['cookie']}",
                "X-CSRFToken": s["csrf"],
                "User-Agent": "pytest",
            },
            "cookies": {"session": s["cookie"]},
            "data": {
                "email": "person@example.test",
                "password": s["password"],
                "new_password": s["new password"],
                "csrf_token": s["csrf"],
            },
        },
        "extra": {
            "database": f"postgresql://baton:{s['db password']}@db:5432/baton",
            "redis": f"rediss://:{s['redis password']}@redis:6379/0",
            "smtp": f"smtp+starttls://mailer:{s['smtp password']}@mail.example:587",
            "totp_secret": s["totp secret"],
        },
        "exception": {
            "values": [
                {
                    "type": "RuntimeError",
                    "value": "kaboom",
                    "stacktrace": {
                        "frames": [
                            {
                                "function": "_bearer_user",
                                "vars": {
                                    "raw": s["api token"],
                                    "header": f"Bearer {s['api token']}",
                                    "password": s["password"],
                                },
                            }
                        ]
                    },
                }
            ]
        },
        "breadcrumbs": {
            "values": [
                {"category": "http", "data": {"url": f"/invite/{s['invite token']}"}},
                {"message": f"connecting to postgresql://baton:{s['db password']}@db/baton"},
            ]
        },
        "user": {"id": 7, "email": "person@example.test", "ip_address": "192.0.2.7"},
    }


def test_scrub_event_removes_every_secret_and_keeps_the_story():
    scrubbed = json.dumps(scrub_event(copy.deepcopy(_event())))
    leaked = [name for name, value in SECRETS.items() if value in scrubbed]
    assert not leaked, f"secrets left in the Sentry event: {leaked}"
    assert "kaboom while saving a client" in scrubbed
    assert "RuntimeError" in scrubbed and "_bearer_user" in scrubbed
    assert "baton.example/reset-password/" in scrubbed  # which page, without the token
    assert "db:5432/baton" in scrubbed
    assert "page=2" in scrubbed
    event = scrub_event(copy.deepcopy(_event()))
    assert "cookies" not in event["request"]
    assert event["user"] == {"id": 7}


def test_scrub_event_drops_raw_request_bodies():
    event = {"request": {"data": "email=a%40b.test&password=hunter2-raw-body"}}
    assert "hunter2" not in json.dumps(scrub_event(event))


def test_sentry_is_off_without_a_dsn(monkeypatch):
    import sentry_sdk

    monkeypatch.delenv("SENTRY_DSN", raising=False)
    app = _app()
    assert app.config["SENTRY_DSN"] is None
    assert init_sentry(app) is False
    assert not sentry_sdk.get_client().is_active()


SENTRY_PROBE = textwrap.dedent(
    """
    import json, os
    import sentry_sdk
    from app import create_app
    from app.core.permissions import public

    secrets = json.loads(os.environ.pop("PROBE_SECRETS"))
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": "sqlite://",
        "RATELIMIT_STORAGE_URI": "memory://",
        "SENTRY_DSN": "https://publickey@127.0.0.1:9/1",
        "WTF_CSRF_ENABLED": False,
    })
    events = []
    transport = sentry_sdk.get_client().transport
    transport.capture_envelope = lambda envelope: events.extend(
        item.payload.json for item in envelope.items if item.payload.json
    )

    @public
    def boom():
        raw = secrets["api token"]  # a local variable holding a secret
        assert raw
        raise RuntimeError("kaboom in a request")

    app.add_url_rule("/boom", "boom", boom, methods=["POST"])
    client = app.test_client()
    client.set_cookie("session", secrets["cookie"])
    resp = client.post(
        "/boom?token=" + secrets["query token"],
        data={"email": "p@example.test", "password": secrets["password"]},
        headers={"Authorization": "Bearer " + secrets["api token"]},
    )
    sentry_sdk.flush(timeout=5)
    print(json.dumps({"status": resp.status_code, "events": events}))
    """
)


def _probe(code: str, env: dict) -> dict:
    """Run `code` in a fresh Python process (from the checkout, with `env` only) and return
    the JSON it printed last."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.no_db
def test_a_real_request_error_reaches_sentry_without_secrets(tmp_path):
    """End to end in a separate process (Sentry is process-global): a failing request with
    a password, a token and a cookie is reported, and the report holds none of them."""
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "BATON_ENV": "development",
        "PROBE_SECRETS": json.dumps(SECRETS),  # not argv: Sentry reports sys.argv
    }
    result = _probe(SENTRY_PROBE, env)
    assert result["status"] == 500
    events = [e for e in result["events"] if "kaboom in a request" in json.dumps(e)]
    assert events, f"the error was not reported: {result['events']!r:.2000}"
    text = json.dumps(events)
    leaked = [name for name, value in SECRETS.items() if value in text]
    assert not leaked, f"secrets in the Sentry report: {leaked}"
    assert "/boom" in text


# --- health check ----------------------------------------------------------------------


def test_healthz_reports_database_and_redis(app):
    resp = fresh(app.test_client()).get("/healthz")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert "not configured" in body["checks"]["redis"]

    with_redis = _app(
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        REDIS_URL="redis://127.0.0.1:6379/15",
    )
    resp = with_redis.test_client().get("/healthz")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    checks = resp.get_json()["checks"]
    assert (checks["database"], checks["redis"]) == ("ok", "ok")


@pytest.mark.no_db
def test_healthz_degraded_names_the_failure_but_no_secret():
    broken = _app(
        SQLALCHEMY_DATABASE_URI="postgresql+psycopg://baton:db-pa55word@127.0.0.1:1/baton",
        SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 2}},
        REDIS_URL="redis://:r3d1s-pa55@127.0.0.1:1/0",
    )
    with broken.app_context():
        resp = broken.test_client().get("/healthz")
    assert resp.status_code == 503
    body = resp.get_json()
    assert body["status"] == "degraded"
    assert body["checks"]["database"].startswith("error")
    assert body["checks"]["redis"].startswith("error")
    text = resp.get_data(as_text=True)
    for secret in ("db-pa55word", "r3d1s-pa55", "127.0.0.1:1", "baton@"):
        assert secret not in text


# --- API documentation -----------------------------------------------------------------


def test_openapi_document_is_served(app):
    resp = fresh(app.test_client()).get("/api/v1/openapi.json")
    assert resp.status_code == 200 and resp.is_json
    doc = resp.get_json()
    assert doc["openapi"].startswith("3.")
    assert doc["info"]["title"] == "Baton API"
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert "/api/v1/{agency_slug}/clients" in doc["paths"]


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            return  # links the reader may follow (back to Baton), not assets the page loads
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.urls.append(value)


def test_api_docs_load_every_asset_from_baton_itself(app):
    http = fresh(app.test_client())
    resp = http.get("/api/v1/docs")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    _assert_secure_headers(resp, docs=True)
    external = re.findall(r"(?:https?:)?//[^\s\"'<>]+", page)
    assert not external, f"the docs page loads from elsewhere: {external}"
    parser = _Assets()
    parser.feed(page)
    assert parser.urls, "no assets found on the docs page"
    for url in parser.urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, url
        asset = http.get(url)
        assert asset.status_code == 200, url
        # Swagger UI's own bundle, not a stub; the small logo of the way back is an image.
        if parts.path.endswith((".js", ".css")):
            assert len(asset.data) > 1000, url
        else:
            assert asset.data and asset.mimetype.startswith("image/"), url
    assert "/api/v1/openapi.json" in page


@pytest.mark.no_db
def test_the_web_process_entry_point_serves_baton_with_its_startup_heap_frozen(tmp_path):
    """`gunicorn app.wsgi:app` (Procfile, Dockerfile): the module makes the app and moves
    what exists at start out of the collector's generations; /healthz answers."""
    probe = (
        "import gc, json\n"
        "from app.wsgi import app\n"
        "frozen = gc.get_freeze_count()\n"
        "resp = app.test_client().get('/healthz')\n"
        "print(json.dumps({'frozen': frozen, 'status': resp.status_code}))\n"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "BATON_ENV": "development",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'baton.db'}",
    }
    result = _probe(probe, env)
    assert result["frozen"] > 10_000
    assert result["status"] in (200, 503)  # answers (503: this empty database is not migrated)
    assert "app.wsgi:app" in (ROOT / "Procfile").read_text()
    assert "app.wsgi:app" in (ROOT / "docker" / "Dockerfile").read_text()
