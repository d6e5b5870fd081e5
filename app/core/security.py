"""Secrets handling: password hashes, random tokens stored as hashes, and field encryption."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from cryptography.fernet import Fernet, InvalidToken

_hasher = PasswordHasher()
_dummy_hash: str | None = None


def configure_hasher(time_cost: int | None = None, memory_kib: int | None = None) -> None:
    """Set argon2 cost (ARGON2_TIME_COST / ARGON2_MEMORY_KIB); defaults are argon2-cffi's
    RFC 9106 low-memory profile. Tests use cheaper settings to stay fast."""
    global _hasher, _dummy_hash
    kwargs = {}
    if time_cost:
        kwargs["time_cost"] = time_cost
    if memory_kib:
        kwargs["memory_cost"] = memory_kib
    _hasher = PasswordHasher(**kwargs)
    _dummy_hash = None


def _dummy() -> str:
    # Verified against when the account does not exist, so unknown and known emails take
    # about the same time (no user enumeration through timing).
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash("baton-dummy-password-for-timing")
    return _dummy_hash


MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; always spends one argon2 verification."""
    try:
        return _hasher.verify(password_hash or _dummy(), password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def new_token(prefix: str = "", nbytes: int = 32) -> str:
    """A random URL-safe token; only its hash is ever stored."""
    return prefix + secrets.token_urlsafe(nbytes)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def _fernet(secret_key: str) -> Fernet:
    digest = hashlib.sha256(b"baton-field-encryption:" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt_field(secret_key: str, plaintext: str) -> str:
    return _fernet(secret_key).encrypt(plaintext.encode()).decode()


def decrypt_field(secret_key: str, ciphertext: str) -> str | None:
    try:
        return _fernet(secret_key).decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        return None
