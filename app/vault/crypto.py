"""Envelope encryption for the credential vault, with AES-256-GCM and nothing else.

Two layers of keys, so a leaked database alone reveals nothing and keys can be changed
without downtime:

- master keys live only in configuration (`BATON_VAULT_MASTER_KEYS`, never in the database):
  "id:base64key,id:base64key"; the first is the active one (it wraps new data keys), the
  others are still accepted for unwrapping until `flask vault rewrap-keys` has moved every
  data key to the active one;
- data keys are random per agency and stored wrapped (nonce + ciphertext) by a master key;
  they encrypt the secrets.

Every ciphertext carries associated data naming what it belongs to (the agency and version
of a data key; the agency, client, entry uid and key version of a secret), so a ciphertext
copied onto another row fails to decrypt instead of revealing its secret there.

This module is pure: no Flask, no database. It never logs and never puts key material or
plaintext into an exception message.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # the size AES-GCM is specified for; random per encryption
KEY_ID_PATTERN = re.compile(r"[A-Za-z0-9_.-]{1,64}")

# The development and test master key, used only when BATON_VAULT_MASTER_KEYS is unset
# outside production (app.config refuses to start production without real keys, and refuses
# this one). Derived from a public phrase on purpose: anyone can compute it, so it protects
# nothing, and that is why it is named "insecure".
DEV_MASTER_KEY_ID = "dev-insecure"
DEV_MASTER_KEY = hashlib.sha256(b"baton development vault master key - not a secret").digest()


class VaultError(RuntimeError):
    """A vault operation cannot be done (unknown master key, missing data key, ...)."""


class DecryptionFailed(VaultError):
    """A ciphertext did not authenticate: tampered with, moved to another row, or wrong key."""


class MasterKeysInvalid(ValueError):
    """BATON_VAULT_MASTER_KEYS is malformed; the message names the entry, never the key."""


@dataclass(frozen=True)
class MasterKeys:
    """The configured master keys: `active_id` wraps new data keys, all of `keys` unwrap."""

    active_id: str
    keys: Mapping[str, bytes]

    def key(self, key_id: str) -> bytes:
        """The master key `key_id`, or VaultError when it is no longer configured."""
        try:
            return self.keys[key_id]
        except KeyError:
            raise VaultError(
                f"vault master key {key_id!r} is not configured (BATON_VAULT_MASTER_KEYS); "
                "put it back, or it was removed before `flask vault rewrap-keys` ran"
            ) from None


def parse_master_keys(value: str) -> MasterKeys:
    """Parse "id:base64key,id:base64key" (the first is active); MasterKeysInvalid if any
    entry is not `id:key` with a simple id, a unique id and a base64 key of 32 bytes."""
    keys: dict[str, bytes] = {}
    active_id = ""
    for number, part in enumerate(value.split(","), start=1):
        key_id, sep, encoded = part.strip().partition(":")
        key_id = key_id.strip()
        if not sep or not KEY_ID_PATTERN.fullmatch(key_id):
            raise MasterKeysInvalid(
                f"BATON_VAULT_MASTER_KEYS entry {number} is not 'id:base64key' "
                "(id of letters, digits, '.', '_' or '-')"
            )
        if key_id in keys:
            raise MasterKeysInvalid(f"BATON_VAULT_MASTER_KEYS names the key {key_id!r} twice")
        try:
            raw = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != KEY_BYTES:
            raise MasterKeysInvalid(
                f"BATON_VAULT_MASTER_KEYS key {key_id!r} must be the base64 of "
                f"{KEY_BYTES} random bytes"
            )
        keys[key_id] = raw
        active_id = active_id or key_id
    return MasterKeys(active_id=active_id, keys=keys)


def master_keys_from_config(config: Mapping) -> MasterKeys:
    """The master keys of an app config: VAULT_MASTER_KEYS, or the development key when it
    is unset (app.config.check_config makes sure that never happens in production)."""
    value = config.get("VAULT_MASTER_KEYS")
    if not value:
        return MasterKeys(active_id=DEV_MASTER_KEY_ID, keys={DEV_MASTER_KEY_ID: DEV_MASTER_KEY})
    return parse_master_keys(value)


def new_data_key() -> bytes:
    """A fresh random data key."""
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def encrypt(key: bytes, plaintext: bytes, associated_data: bytes) -> bytes:
    """AES-GCM encrypt under a fresh random nonce; returns nonce + ciphertext (with tag)."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, associated_data)


def decrypt(key: bytes, sealed: bytes, associated_data: bytes) -> bytes:
    """Open nonce + ciphertext from `encrypt`; DecryptionFailed unless the key, the bytes
    and the associated data are exactly those it was sealed with."""
    if len(sealed) < NONCE_BYTES + 16:
        raise DecryptionFailed("vault ciphertext is truncated")
    try:
        return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], associated_data)
    except InvalidTag:
        raise DecryptionFailed("vault ciphertext failed authentication") from None


def data_key_context(agency_id: int, version: int) -> bytes:
    """Associated data of a wrapped data key: a wrapped key copied to another agency or
    version does not unwrap."""
    return f"baton-vault/data-key/v1|agency={agency_id}|version={version}".encode()


def secret_context(agency_id: int, client_id: int, uid: str, key_version: int) -> bytes:
    """Associated data of a secret: a ciphertext copied to another entry, client or agency
    does not decrypt."""
    return (
        f"baton-vault/secret/v1|agency={agency_id}|client={client_id}|entry={uid}|key={key_version}"
    ).encode()


def wrap_data_key(
    keys: MasterKeys, data_key: bytes, agency_id: int, version: int
) -> tuple[str, bytes]:
    """Wrap `data_key` under the active master key: (master key id, nonce + ciphertext)."""
    sealed = encrypt(keys.key(keys.active_id), data_key, data_key_context(agency_id, version))
    return keys.active_id, sealed


def unwrap_data_key(
    keys: MasterKeys, master_key_id: str, wrapped: bytes, agency_id: int, version: int
) -> bytes:
    """The data key wrapped by master key `master_key_id` (VaultError if it is gone)."""
    return decrypt(keys.key(master_key_id), wrapped, data_key_context(agency_id, version))
