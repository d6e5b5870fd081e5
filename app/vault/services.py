"""The vault's write side: seal and open secrets, and change keys without downtime.

- `store_secret` / `reveal_secret` encrypt and decrypt an entry's secret with its agency's
  data key (the active one is made on first use);
- `create_vault_entry` / `update_vault_entry` / `delete_vault_entry` / `reveal_vault_entry`
  are what people do, each recorded in the audit trail (never with the secret); like other
  services they flush and leave the commit to the caller;
- `rewrap_data_keys` moves every data key under the active master key, after which older
  master keys can leave the configuration;
- `rotate_data_key` gives an agency a new data key and re-encrypts its entries in batches.

The two key changes are operations work (CLI, jobs): unlike other services they commit, per
agency or per batch, so a long run holds no long transaction and what is done stays done if
it stops half-way (running it again finishes the work). Nothing here logs a secret or a key.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from app.audit.services import changed as changed_fields
from app.audit.services import record
from app.clients.models import Client
from app.core.clock import utcnow
from app.core.permissions import Actor
from app.core.tenancy import all_tenants, current_agency_id, tenant
from app.core.translation import lazy_gettext
from app.core.uow import commit
from app.extensions import db
from app.notices.security import alert_managers
from app.vault.crypto import (
    MasterKeys,
    VaultError,
    decrypt,
    encrypt,
    master_keys_from_config,
    new_data_key,
    secret_context,
    unwrap_data_key,
    wrap_data_key,
)
from app.vault.models import VaultEntry, VaultKey, new_uid

log = logging.getLogger(__name__)

# Attempts to find the active key when it changes under us (first use, a rotation ending).
_ACTIVE_KEY_ATTEMPTS = 5


@dataclass(frozen=True)
class RotationResult:
    """What `rotate_data_key` did: the agency's key went from `old_version` (None: it had
    none) to `new_version`, and `reencrypted` entries were moved to it."""

    agency_id: int
    old_version: int | None
    new_version: int
    reencrypted: int


def master_keys() -> MasterKeys:
    """The master keys of the running app (app.vault.crypto reads the config)."""
    return master_keys_from_config(current_app.config)


# --- data keys ---------------------------------------------------------------------------


def _latest_key(agency_id: int, lock: str | None = None) -> VaultKey | None:
    """The agency's highest data key version, locked FOR SHARE/UPDATE when asked (and
    re-read: a lock may have waited for a change of the row)."""
    stmt = (
        sa.select(VaultKey)
        .where(VaultKey.agency_id == agency_id)
        .order_by(VaultKey.version.desc())
        .limit(1)
        .execution_options(populate_existing=True)
    )
    if lock:
        stmt = stmt.with_for_update(read=lock == "share")
    return db.session.scalars(stmt).first()


def _insert_key(keys: MasterKeys, agency_id: int, version: int) -> bool:
    """Insert data key `version` for the agency unless it exists; True if this call made it.

    ON CONFLICT DO NOTHING instead of a savepoint: a savepoint would flush the caller's
    half-made entry, and a concurrent creator makes us wait, then skip, not fail."""
    master_key_id, wrapped = wrap_data_key(keys, new_data_key(), agency_id, version)
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # An ORM insert (not the bare table), so the tenancy guard checks the agency written.
    stmt = (
        insert(VaultKey)
        .values(
            agency_id=agency_id,
            version=version,
            wrapped_key=wrapped,
            master_key_id=master_key_id,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["agency_id", "version"])
        .returning(VaultKey.id)
    )
    return db.session.execute(stmt).first() is not None


def _active_key_for_writing(keys: MasterKeys, agency_id: int) -> VaultKey:
    """The agency's active data key, made on first use, locked FOR SHARE until the caller's
    transaction ends: a rotation retires a key only once no writer still holds it, so a
    secret is never sealed under a key that has just been retired."""
    for _attempt in range(_ACTIVE_KEY_ATTEMPTS):
        key = _latest_key(agency_id, lock="share")
        if key is None:
            _insert_key(keys, agency_id, 1)
            continue
        if key.retired_at is None:
            return key
        # A rotation finished after this statement's snapshot: its new key is visible now.
    raise VaultError(f"no usable data key for agency {agency_id}")


def _data_key(keys: MasterKeys, key: VaultKey) -> bytes:
    return unwrap_data_key(keys, key.master_key_id, key.wrapped_key, key.agency_id, key.version)


def _data_key_version(keys: MasterKeys, agency_id: int, version: int) -> bytes:
    """Data key `version` of the agency (retired ones too: they still read old secrets)."""
    key = db.session.scalars(
        sa.select(VaultKey).where(VaultKey.agency_id == agency_id, VaultKey.version == version)
    ).first()
    if key is None:
        raise VaultError(f"agency {agency_id} has no vault data key version {version}")
    return _data_key(keys, key)


# --- secrets -------------------------------------------------------------------------------


def store_secret(entry: VaultEntry, plaintext: str) -> None:
    """Encrypt `plaintext` into `entry` under its agency's active data key (the entry is
    not flushed; the caller commits it). The entry needs its client; its agency defaults to
    the current one, and its uid is drawn now, because the ciphertext is bound to all three."""
    if entry.client_id is None:
        raise ValueError("store_secret needs the entry's client_id")
    agency_id = entry.agency_id or current_agency_id()
    if agency_id is None:
        raise ValueError("store_secret needs the entry's agency (or a current agency)")
    entry.agency_id = agency_id
    entry.uid = entry.uid or new_uid()
    keys = master_keys()
    # The entry may already be pending in the session without a ciphertext: a flush now
    # would write it half-made.
    with db.session.no_autoflush:
        key = _active_key_for_writing(keys, agency_id)
        context = secret_context(agency_id, entry.client_id, entry.uid, key.version)
        entry.secret_ciphertext = encrypt(_data_key(keys, key), plaintext.encode(), context)
        entry.key_version = key.version


def _open(entry_row: sa.Row | VaultEntry, data_key: bytes) -> bytes:
    context = secret_context(
        entry_row.agency_id, entry_row.client_id, entry_row.uid, entry_row.key_version
    )
    return decrypt(data_key, entry_row.secret_ciphertext, context)


def reveal_secret(entry: VaultEntry) -> str:
    """The plaintext secret of `entry`. Raises DecryptionFailed when the ciphertext was
    altered or does not belong to this entry, client and agency; VaultError when the data
    key is not visible in the current agency (another tenant's entry) or its master key is
    no longer configured. Callers audit who revealed what; this function only decrypts."""
    keys = master_keys()
    data_key = _data_key_version(keys, entry.agency_id, entry.key_version)
    return _open(entry, data_key).decode()


def seal_for_agency(agency_id: int, plaintext: str, context: bytes) -> tuple[int, bytes]:
    """Encrypt a secret of another domain (e.g. a webhook signing secret) under the agency's
    active data key: (key version, nonce + ciphertext). `context` names the row it belongs
    to, so a ciphertext copied elsewhere does not decrypt; the key version is bound too."""
    keys = master_keys()
    with db.session.no_autoflush:
        key = _active_key_for_writing(keys, agency_id)
        sealed = encrypt(
            _data_key(keys, key), plaintext.encode(), context + f"|key={key.version}".encode()
        )
    return key.version, sealed


def open_for_agency(agency_id: int, key_version: int, sealed: bytes, context: bytes) -> str:
    """The plaintext sealed by `seal_for_agency` with the same agency, version and context."""
    data_key = _data_key_version(master_keys(), agency_id, key_version)
    return decrypt(data_key, sealed, context + f"|key={key_version}".encode()).decode()


# --- entries: what people do, audited ----------------------------------------------------

# The entry's fields the audit trail shows; the secret is never among them.
ENTRY_FIELDS = ("name", "url", "username", "notes")


def _audit_data(entry: VaultEntry) -> dict:
    # The client id in every event lets the client's activity page find them, even after
    # the entry is deleted.
    return {"client_id": entry.client_id, **{k: getattr(entry, k) for k in ENTRY_FIELDS}}


def create_vault_entry(actor: Actor, client: Client, data: dict) -> VaultEntry:
    """A new login of `client`; `data` is a loaded VaultEntryIn (its secret is sealed)."""
    entry = VaultEntry(
        agency_id=client.agency_id,
        client_id=client.id,
        created_by_id=actor.user_id,
        **{k: data.get(k) for k in ENTRY_FIELDS},
    )
    store_secret(entry, data["secret"])
    db.session.add(entry)
    db.session.flush()
    record(
        actor,
        "vault_entry.created",
        entry,
        summary=f"Login {entry.name} added",
        after=_audit_data(entry),
    )
    return entry


def update_vault_entry(actor: Actor, entry: VaultEntry, data: dict) -> VaultEntry:
    """Change an entry's fields; a new secret only when one is given (empty keeps it)."""
    before = _audit_data(entry)
    for key in ENTRY_FIELDS:
        if key in data:
            setattr(entry, key, data[key])
    new_secret = data.get("secret")
    if new_secret:
        store_secret(entry, new_secret)
        entry.updated_at = utcnow()
    db.session.flush()
    old, new = changed_fields(before, _audit_data(entry))
    # Only a flag that the secret changed: its value never reaches the trail.
    if new_secret:
        new["secret_changed"] = True
    old["client_id"] = new["client_id"] = entry.client_id
    new.setdefault("name", entry.name)
    record(
        actor,
        "vault_entry.updated",
        entry,
        summary=f"Login {entry.name} changed",
        before=old,
        after=new,
    )
    return entry


def delete_vault_entry(actor: Actor, entry: VaultEntry) -> None:
    data = _audit_data(entry)
    record(actor, "vault_entry.deleted", entry, summary=f"Login {entry.name} deleted", after=data)
    db.session.delete(entry)
    db.session.flush()


def reveal_vault_entry(actor: Actor, entry: VaultEntry) -> str:
    """The entry's secret, for a person the caller has authorized and re-authenticated; the
    reveal is recorded (who, which entry, when, from where), the secret is not."""
    plaintext = reveal_secret(entry)
    event = record(
        actor,
        "vault_entry.revealed",
        entry,
        summary=f"Login {entry.name} revealed",
        after={"client_id": entry.client_id, "name": entry.name},
    )
    db.session.flush()
    alert_managers(
        actor,
        key=f"security:vault-reveal:{event.id}",
        subject=lazy_gettext("A client login was revealed: %(name)s", name=entry.name),
        heading=lazy_gettext("A login in the vault was revealed"),
        body=lazy_gettext(
            "%(person)s revealed the password of “%(name)s”. If this was not expected, "
            "change the password with the client and check the vault's activity.",
            person=actor.user.name,
            name=entry.name,
        ),
        endpoint="vault.list_entries",
        client_id=entry.client_id,
    )
    return plaintext


# --- master key rotation: re-wrap the data keys ----------------------------------------------


def rewrap_data_keys(agency_id: int | None = None) -> int:
    """Re-wrap the data keys of one agency (or every agency) under the active master key and
    return how many changed. The data keys themselves stay the same, so no secret is
    re-encrypted; afterwards the older master keys can be removed from the configuration.
    Commits per agency; running it again after a stop finishes the rest."""
    keys = master_keys()
    if agency_id is None:
        with all_tenants():
            agency_ids = list(
                db.session.scalars(
                    sa.select(VaultKey.agency_id)
                    .where(VaultKey.master_key_id != keys.active_id)
                    .distinct()
                    .order_by(VaultKey.agency_id)
                )
            )
    else:
        agency_ids = [agency_id]
    changed = 0
    for one_agency in agency_ids:
        with tenant(one_agency):
            try:
                changed += _rewrap_agency(keys, one_agency)
                commit()
            except Exception:
                db.session.rollback()
                raise
    log.info("vault: re-wrapped %d data keys under master key %s", changed, keys.active_id)
    return changed


def _rewrap_agency(keys: MasterKeys, agency_id: int) -> int:
    rows = db.session.scalars(
        sa.select(VaultKey)
        .where(VaultKey.agency_id == agency_id, VaultKey.master_key_id != keys.active_id)
        .order_by(VaultKey.version)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    for key in rows:
        data_key = _data_key(keys, key)
        key.master_key_id, key.wrapped_key = wrap_data_key(keys, data_key, agency_id, key.version)
    return len(rows)


# --- data key rotation: new key, re-encrypt the entries -----------------------------------


def rotate_data_key(agency_id: int, batch: int = 500) -> RotationResult:
    """Give the agency a new data key version and re-encrypt its entries under it.

    The new key is committed first: from then on new secrets use it, while entries of
    older versions still read with their old key. Entries move `batch` at a time, each batch
    committed. Last, the older keys are locked (waiting for any writer still sealing under
    them), their last entries moved, and the keys retired. Stopped half-way, it can simply
    run again: every entry not on the newest key is moved."""
    if batch < 1:
        raise ValueError("batch must be at least 1")
    keys = master_keys()
    with tenant(agency_id):
        try:
            return _rotate(keys, agency_id, batch)
        except Exception:
            db.session.rollback()
            raise


def _rotate(keys: MasterKeys, agency_id: int, batch: int) -> RotationResult:
    current = _latest_key(agency_id, lock="update")
    old_version = current.version if current else None
    new_version = (old_version or 0) + 1
    if not _insert_key(keys, agency_id, new_version):
        raise VaultError(f"agency {agency_id}: another data key rotation is running")
    commit()
    data_keys = {new_version: _data_key_version(keys, agency_id, new_version)}
    moved = _reencrypt(keys, agency_id, new_version, data_keys, batch)
    older = db.session.scalars(
        sa.select(VaultKey)
        .where(
            VaultKey.agency_id == agency_id,
            VaultKey.version < new_version,
            VaultKey.retired_at.is_(None),
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    moved += _reencrypt(keys, agency_id, new_version, data_keys, batch)
    now = utcnow()
    for key in older:
        key.retired_at = now
    commit()
    log.info(
        "vault: agency %s data key v%s -> v%s, %d entries re-encrypted",
        agency_id,
        old_version,
        new_version,
        moved,
    )
    return RotationResult(agency_id, old_version, new_version, moved)


def _reencrypt(
    keys: MasterKeys,
    agency_id: int,
    new_version: int,
    data_keys: dict[int, bytes],
    batch: int,
) -> int:
    """Move every entry of the agency not on `new_version` to it, a batch per commit.

    Rows are read and written as plain rows, not ORM objects: `updated_at` says when a
    person last changed the entry, and re-encryption is not a change they made."""
    table = VaultEntry.__table__
    update = (
        sa.update(table)
        .where(table.c.id == sa.bindparam("b_id"), table.c.agency_id == agency_id)
        .values(
            secret_ciphertext=sa.bindparam("b_secret"),
            key_version=new_version,
            updated_at=table.c.updated_at,
        )
    )
    moved = 0
    while True:
        rows = db.session.execute(
            sa.select(
                VaultEntry.id,
                VaultEntry.agency_id,
                VaultEntry.client_id,
                VaultEntry.uid,
                VaultEntry.key_version,
                VaultEntry.secret_ciphertext,
            )
            .where(VaultEntry.agency_id == agency_id, VaultEntry.key_version != new_version)
            .order_by(VaultEntry.id)
            .limit(batch)
            .with_for_update()
        ).all()
        if not rows:
            return moved
        params = []
        for row in rows:
            if row.key_version not in data_keys:
                data_keys[row.key_version] = _data_key_version(keys, agency_id, row.key_version)
            plaintext = _open(row, data_keys[row.key_version])
            context = secret_context(agency_id, row.client_id, row.uid, new_version)
            sealed = encrypt(data_keys[new_version], plaintext, context)
            params.append({"b_id": row.id, "b_secret": sealed})
        db.session.execute(update, params)
        commit()
        moved += len(rows)
