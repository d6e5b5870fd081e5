"""Settings read from the environment; one place that names every variable Baton reads."""

from __future__ import annotations

import os
from pathlib import Path

from app.vault.crypto import DEV_MASTER_KEY, MasterKeysInvalid, parse_master_keys

DEFAULT_SECRET = "dev-insecure-change-me"  # noqa: S105 - a marker that production refuses
INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


class ConfigError(RuntimeError):
    """Raised when the app is started with settings that are unsafe for its environment."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _timeouts(value: str) -> dict[str, int]:
    """QUEUE_TIMEOUTS="email=60,default=300,pdf=600" (seconds; unnamed queues keep defaults)."""
    out: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in value.split(","))):
        name, _, seconds = part.partition("=")
        if not seconds.strip().isdigit():
            raise ConfigError(f"QUEUE_TIMEOUTS: {part!r} is not name=seconds")
        out[name.strip()] = int(seconds)
    return out


def load_config(overrides: dict | None = None) -> dict:
    """Build the Flask config from environment variables plus explicit overrides."""
    env = os.environ
    baton_env = env.get("BATON_ENV", "development")
    database_url = env.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'baton.db'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgres://") :]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://") :]
    redis_url = env.get("REDIS_URL") or None
    production = baton_env == "production"
    cfg: dict = {
        "BATON_ENV": baton_env,
        "SECRET_KEY": env.get("SECRET_KEY") or DEFAULT_SECRET,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": redis_url,
        "SMTP_URL": env.get("SMTP_URL") or None,
        "STORAGE_DIR": env.get("STORAGE_DIR") or str(INSTANCE_DIR / "storage"),
        "MAIL_FROM": env.get("MAIL_FROM", "baton@localhost"),
        "BASE_URL": env.get("BASE_URL", "http://127.0.0.1:5000"),
        "SENTRY_DSN": env.get("SENTRY_DSN") or None,
        "SENTRY_ENVIRONMENT": env.get("SENTRY_ENVIRONMENT", baton_env),
        "SENTRY_TRACES_SAMPLE_RATE": float(env.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
        "SESSION_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), production),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), production),
        "PERMANENT_SESSION_LIFETIME": int(env.get("SESSION_LIFETIME_SECONDS", str(14 * 86400))),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI") or redis_url or "memory://",
        "RATELIMIT_KEY_PREFIX": env.get("RATELIMIT_KEY_PREFIX", "baton-rl"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Redis down must not stop sign-in: limits then hold per process (logged once by
        # Flask-Limiter, shown on /healthz) until the storage answers again.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        # A Redis that hangs instead of refusing must not hang every request either.
        "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        "LOGIN_RATE_LIMIT_IP": env.get("LOGIN_RATE_LIMIT_IP", "20 per minute"),
        "LOGIN_RATE_LIMIT_ACCOUNT": env.get("LOGIN_RATE_LIMIT_ACCOUNT", "5 per minute"),
        "PASSWORD_RESET_RATE_LIMIT_IP": env.get("PASSWORD_RESET_RATE_LIMIT_IP", "10 per hour"),
        "PASSWORD_RESET_RATE_LIMIT_ACCOUNT": env.get(
            "PASSWORD_RESET_RATE_LIMIT_ACCOUNT", "3 per hour"
        ),
        "INVITATION_TTL_HOURS": int(env.get("INVITATION_TTL_HOURS", "168")),
        "PASSWORD_RESET_TTL_MINUTES": int(env.get("PASSWORD_RESET_TTL_MINUTES", "60")),
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_ENABLED": True,
        "MAX_CONTENT_LENGTH": int(env.get("MAX_CONTENT_LENGTH", str(16 * 1024 * 1024))),
        "EVIDENCE_MAX_BYTES": int(env.get("EVIDENCE_MAX_BYTES", str(10 * 1024 * 1024))),
        # Requests by email (app.inbound): the domain of the intake addresses (default: the
        # host of BASE_URL) and the largest message the receiver takes (552 beyond).
        "INBOUND_DOMAIN": env.get("INBOUND_DOMAIN") or None,
        "INBOUND_MAX_BYTES": int(env.get("INBOUND_MAX_BYTES", str(25 * 1024 * 1024))),
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        # flask-smorest / OpenAPI
        "API_TITLE": "Baton API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "OPENAPI_SWAGGER_UI_URL": "/static/vendor/swagger-ui/",
        "API_SPEC_OPTIONS": {
            "components": {
                "securitySchemes": {
                    "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "token"}
                }
            },
            "security": [{"bearerAuth": []}],
        },
        "QUEUE_TIMEOUTS": _timeouts(env.get("QUEUE_TIMEOUTS", "")),
        "JOB_RETRY_BASE_SECONDS": float(env.get("JOB_RETRY_BASE_SECONDS", "5")),
        "OUTBOX_SWEEP_GRACE_SECONDS": float(env.get("OUTBOX_SWEEP_GRACE_SECONDS", "5")),
        "WORKER_ALIVE_TTL_SECONDS": int(env.get("WORKER_ALIVE_TTL_SECONDS", "15")),
        "EMAIL_UNKNOWN_OUTCOME_DELAY_SECONDS": float(
            env.get("EMAIL_UNKNOWN_OUTCOME_DELAY_SECONDS", "600")
        ),
        "ARGON2_TIME_COST": int(env.get("ARGON2_TIME_COST", "0")) or None,
        "ARGON2_MEMORY_KIB": int(env.get("ARGON2_MEMORY_KIB", "0")) or None,
        # The credential vault's master keys, "id:base64key,..." (app.vault.crypto); unset
        # outside production means the public development key.
        "VAULT_MASTER_KEYS": env.get("BATON_VAULT_MASTER_KEYS") or None,
        # Outgoing webhooks (app.webhooks): consecutive failed deliveries before an endpoint
        # is disabled, and whether private/loopback addresses may receive them (tests only).
        "WEBHOOK_MAX_FAILURES": int(env.get("WEBHOOK_MAX_FAILURES", "15")),
        "WEBHOOKS_ALLOW_PRIVATE": _bool(env.get("WEBHOOKS_ALLOW_PRIVATE"), False),
        "PAGE_SIZE_DEFAULT": 25,
        "PAGE_SIZE_MAX": 100,
    }
    if overrides:
        cfg.update(overrides)
    check_config(cfg)
    return cfg


def check_config(cfg: dict) -> None:
    """Refuse to run in production with settings that would make the deployment unsafe, and
    anywhere with vault master keys that cannot be read."""
    if cfg.get("BATON_ENV") == "production":
        key = cfg.get("SECRET_KEY") or ""
        if not key or key == DEFAULT_SECRET or len(key) < 32:
            raise ConfigError(
                "SECRET_KEY must be set to a random value of at least 32 characters in production"
            )
    _check_vault_keys(cfg)


def _check_vault_keys(cfg: dict) -> None:
    """Malformed vault master keys stop the start everywhere (a typo would otherwise surface
    as "cannot decrypt" later); production also needs them set, and not the development key."""
    value = cfg.get("VAULT_MASTER_KEYS")
    if not value:
        if cfg.get("BATON_ENV") == "production":
            raise ConfigError(
                "BATON_VAULT_MASTER_KEYS must be set in production: 'id:base64key' with a "
                "random 32-byte key (e.g. vault1:$(openssl rand -base64 32))"
            )
        return
    try:
        keys = parse_master_keys(value)
    except MasterKeysInvalid as exc:
        raise ConfigError(str(exc)) from None
    if cfg.get("BATON_ENV") == "production" and DEV_MASTER_KEY in keys.keys.values():
        raise ConfigError("BATON_VAULT_MASTER_KEYS must not contain the development key")
