"""Vault master keys from the environment: production refuses to start without them, with
malformed ones or with the development key; development and tests fall back to the
development key; an error message never shows key material."""

from __future__ import annotations

import base64

import pytest

from app import create_app
from app.config import ConfigError
from app.vault import crypto
from app.vault.crypto import MasterKeysInvalid, master_keys_from_config, parse_master_keys

pytestmark = pytest.mark.no_db

GOOD_SECRET = "k" * 20 + "-a-random-looking-secret-key-0123456789"
KEY_A = base64.b64encode(bytes(range(32))).decode()
KEY_B = base64.b64encode(bytes(range(100, 132))).decode()
SHORT = base64.b64encode(b"only-sixteen-byt").decode()
DEV = base64.b64encode(crypto.DEV_MASTER_KEY).decode()

MALFORMED = {
    "no-colon": KEY_A,
    "not-base64": "k1:this is not base64!",
    "short-key": f"k1:{SHORT}",
    "long-key": f"k1:{base64.b64encode(bytes(48)).decode()}",
    "empty-id": f":{KEY_A}",
    "bad-id": f"key one:{KEY_A}",
    "duplicate-id": f"k1:{KEY_A},k1:{KEY_B}",
    "trailing-comma": f"k1:{KEY_A},",
}


def _production(monkeypatch, vault_keys: str | None):
    monkeypatch.setenv("BATON_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", GOOD_SECRET)
    monkeypatch.delenv("SENTRY_DSN", raising=False)
    if vault_keys is None:
        monkeypatch.delenv("BATON_VAULT_MASTER_KEYS", raising=False)
    else:
        monkeypatch.setenv("BATON_VAULT_MASTER_KEYS", vault_keys)
    return create_app(
        {"SQLALCHEMY_DATABASE_URI": "sqlite://", "RATELIMIT_STORAGE_URI": "memory://"}
    )


@pytest.mark.parametrize("value", [None, ""], ids=["missing", "empty"])
def test_production_refuses_to_start_without_vault_master_keys(monkeypatch, value):
    with pytest.raises(ConfigError, match="BATON_VAULT_MASTER_KEYS must be set in production"):
        _production(monkeypatch, value)


@pytest.mark.parametrize("value", list(MALFORMED.values()), ids=list(MALFORMED))
def test_production_refuses_to_start_with_malformed_vault_master_keys(monkeypatch, value):
    with pytest.raises(ConfigError, match="BATON_VAULT_MASTER_KEYS") as raised:
        _production(monkeypatch, value)
    for key in (KEY_A, KEY_B, SHORT):
        assert key not in str(raised.value)


def test_production_refuses_the_development_key(monkeypatch):
    with pytest.raises(ConfigError, match="development key"):
        _production(monkeypatch, f"k1:{KEY_A},old:{DEV}")


def test_production_starts_with_good_keys_the_first_one_active(monkeypatch):
    app = _production(monkeypatch, f" k2: {KEY_B} , k1:{KEY_A}")
    keys = master_keys_from_config(app.config)
    assert keys.active_id == "k2"
    assert keys.keys == {"k2": base64.b64decode(KEY_B), "k1": base64.b64decode(KEY_A)}


def test_development_falls_back_to_the_development_key(monkeypatch):
    monkeypatch.setenv("BATON_ENV", "development")
    monkeypatch.delenv("BATON_VAULT_MASTER_KEYS", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "RATELIMIT_STORAGE_URI": "memory://"})
    keys = master_keys_from_config(app.config)
    assert (keys.active_id, keys.keys) == (
        crypto.DEV_MASTER_KEY_ID,
        {crypto.DEV_MASTER_KEY_ID: crypto.DEV_MASTER_KEY},
    )


def test_development_also_refuses_malformed_keys_rather_than_failing_later(monkeypatch):
    monkeypatch.setenv("BATON_ENV", "development")
    monkeypatch.setenv("BATON_VAULT_MASTER_KEYS", f"k1:{SHORT}")
    with pytest.raises(ConfigError, match="'k1' must be the base64 of 32 random bytes"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "RATELIMIT_STORAGE_URI": "memory://"})


def test_parse_names_the_bad_entry():
    with pytest.raises(MasterKeysInvalid, match="entry 2 is not 'id:base64key'"):
        parse_master_keys(f"k1:{KEY_A},{KEY_B}")


def test_unknown_master_key_names_the_fix():
    keys = parse_master_keys(f"k1:{KEY_A}")
    with pytest.raises(crypto.VaultError, match="'gone' is not configured.*rewrap-keys"):
        keys.key("gone")
