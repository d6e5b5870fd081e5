"""Storing and revealing vault secrets: the round trip, a tampered or moved ciphertext that
refuses to decrypt, tenant isolation, and no trace of a secret in clear in the database, in
what is sent to it, or in the logs."""

from __future__ import annotations

import base64
import logging

import pytest
import sqlalchemy as sa

from app.core.tenancy import CrossTenantWrite, TenantContextMissing, all_tenants, tenant
from app.extensions import db
from app.vault import crypto
from app.vault.crypto import DecryptionFailed, VaultError
from app.vault.models import VaultEntry, VaultKey
from app.vault.services import (
    master_keys,
    reveal_secret,
    rewrap_data_keys,
    rotate_data_key,
    store_secret,
)
from tests.vault.conftest import make_entry, new_master_key

SECRET = "Owl-canary-7731-zq!Passw0rd"


def _reload(entry_id: int, agency_id: int) -> VaultEntry:
    db.session.expunge_all()
    with tenant(agency_id):
        return db.session.get(VaultEntry, entry_id)


def _reveal(entry: VaultEntry) -> str:
    with tenant(entry.agency_id):
        return reveal_secret(entry)


# --- round trip ------------------------------------------------------------------------------


def test_a_stored_secret_reveals_as_written_and_is_stored_only_encrypted(agencies):
    entry = make_entry(agencies["a1"], SECRET, username="ops@alder.test")
    again = make_entry(agencies["a1"], SECRET, name="Same password, other site")

    loaded = _reload(entry.id, entry.agency_id)
    assert _reveal(loaded) == SECRET
    assert SECRET.encode() not in loaded.secret_ciphertext
    # A fresh nonce each time: the same password twice does not look the same.
    assert loaded.secret_ciphertext != _reload(again.id, again.agency_id).secret_ciphertext
    assert len(loaded.uid) >= 20 and loaded.uid != str(loaded.id)


def test_the_agency_data_key_is_made_on_first_use_and_then_reused(agencies):
    with tenant(agencies["a"].id):
        assert db.session.scalars(sa.select(VaultKey)).all() == []
    make_entry(agencies["a1"], "first")
    make_entry(agencies["a2"], "second")
    with tenant(agencies["a"].id):
        keys = db.session.scalars(sa.select(VaultKey)).all()
    assert [(k.version, k.retired_at, k.master_key_id) for k in keys] == [
        (1, None, crypto.DEV_MASTER_KEY_ID)
    ]
    assert len(keys[0].wrapped_key) == crypto.NONCE_BYTES + crypto.KEY_BYTES + 16


def test_unicode_and_empty_secrets_round_trip(agencies):
    for secret in ("", "пароль-🔑-密码", "x" * 5000):
        entry = make_entry(agencies["a1"], secret)
        assert _reveal(_reload(entry.id, entry.agency_id)) == secret


# --- tampering -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "position", [0, 11, 12, -17, -1], ids=["nonce", "nonce-end", "body", "body-end", "tag"]
)
def test_a_flipped_byte_in_the_secret_fails_to_decrypt(agencies, position):
    entry = make_entry(agencies["a1"], SECRET)
    sealed = bytearray(entry.secret_ciphertext)
    sealed[position] ^= 0x01
    with tenant(entry.agency_id):
        entry.secret_ciphertext = bytes(sealed)
        db.session.flush()
    with pytest.raises(DecryptionFailed):
        _reveal(_reload(entry.id, entry.agency_id))


def test_a_flipped_byte_in_the_wrapped_data_key_fails_to_decrypt(agencies):
    entry = make_entry(agencies["a1"], SECRET)
    with tenant(entry.agency_id):
        key = db.session.scalars(sa.select(VaultKey)).one()
        wrapped = bytearray(key.wrapped_key)
        wrapped[20] ^= 0x80
        key.wrapped_key = bytes(wrapped)
        db.session.flush()
    with pytest.raises(DecryptionFailed):
        _reveal(_reload(entry.id, entry.agency_id))


# --- a ciphertext moved elsewhere ------------------------------------------------------------


def _move_secret(source: VaultEntry, target: VaultEntry) -> None:
    """What someone with write access to the table could do: copy the sealed bytes."""
    db.session.execute(
        sa.text("UPDATE vault_entries SET secret_ciphertext = :c, key_version = :v WHERE id = :id"),
        {"c": source.secret_ciphertext, "v": source.key_version, "id": target.id},
    )


def test_a_secret_copied_to_another_client_of_the_same_agency_fails(agencies):
    source = make_entry(agencies["a1"], SECRET)
    target = make_entry(agencies["a2"], "the other client's own password")
    _move_secret(source, target)  # same agency: same data key, only the binding differs
    with pytest.raises(DecryptionFailed):
        _reveal(_reload(target.id, target.agency_id))
    assert _reveal(_reload(source.id, source.agency_id)) == SECRET


def test_a_secret_copied_to_another_entry_of_the_same_client_fails(agencies):
    source = make_entry(agencies["a1"], SECRET)
    target = make_entry(agencies["a1"], "another password", name="Email")
    _move_secret(source, target)
    with pytest.raises(DecryptionFailed):
        _reveal(_reload(target.id, target.agency_id))


def test_an_entry_row_moved_to_another_client_fails(agencies):
    """Same row, same uid, same data key: only the client binding stops it (moving an
    entry for real means revealing and storing it again)."""
    entry = make_entry(agencies["a1"], SECRET)
    db.session.execute(
        sa.text("UPDATE vault_entries SET client_id = :c WHERE id = :id"),
        {"c": agencies["a2"].id, "id": entry.id},
    )
    with pytest.raises(DecryptionFailed):
        _reveal(_reload(entry.id, entry.agency_id))


def test_a_secret_copied_to_another_agency_fails(agencies):
    source = make_entry(agencies["a1"], SECRET)
    target = make_entry(agencies["b1"], "agency B's password")
    _move_secret(source, target)
    with pytest.raises(DecryptionFailed):
        _reveal(_reload(target.id, target.agency_id))


def test_an_entry_row_moved_to_another_agency_fails(agencies):
    entry = make_entry(agencies["a1"], SECRET)
    make_entry(agencies["b1"], "gives agency B a data key")
    db.session.execute(
        sa.text("UPDATE vault_entries SET agency_id = :b, client_id = :c WHERE id = :id"),
        {"b": agencies["b"].id, "c": agencies["b1"].id, "id": entry.id},
    )
    with pytest.raises(DecryptionFailed):
        _reveal(_reload(entry.id, agencies["b"].id))


def test_the_associated_data_alone_tells_agencies_apart():
    key = crypto.new_data_key()
    sealed = crypto.encrypt(key, b"secret", crypto.secret_context(1, 10, "u1", 1))
    assert crypto.decrypt(key, sealed, crypto.secret_context(1, 10, "u1", 1)) == b"secret"
    for other in (
        crypto.secret_context(2, 10, "u1", 1),
        crypto.secret_context(1, 11, "u1", 1),
        crypto.secret_context(1, 10, "u2", 1),
        crypto.secret_context(1, 10, "u1", 2),
    ):
        with pytest.raises(DecryptionFailed):
            crypto.decrypt(key, sealed, other)


def test_a_wrapped_data_key_is_bound_to_its_agency_and_version():
    keys = crypto.MasterKeys("m1", {"m1": crypto.new_data_key()})
    data_key = crypto.new_data_key()
    master_key_id, wrapped = crypto.wrap_data_key(keys, data_key, 1, 1)
    assert crypto.unwrap_data_key(keys, master_key_id, wrapped, 1, 1) == data_key
    for agency_id, version in ((2, 1), (1, 2)):
        with pytest.raises(DecryptionFailed):
            crypto.unwrap_data_key(keys, master_key_id, wrapped, agency_id, version)


# --- tenant isolation ------------------------------------------------------------------------


def test_another_agency_cannot_load_or_reveal_the_entry(agencies):
    entry = make_entry(agencies["a1"], SECRET)
    entry_id, uid = entry.id, entry.uid
    db.session.expunge_all()

    with tenant(agencies["b"].id):
        assert db.session.get(VaultEntry, entry_id) is None
        assert db.session.scalars(sa.select(VaultEntry).where(VaultEntry.uid == uid)).all() == []
        assert db.session.scalars(sa.select(VaultKey)).all() == []
    with all_tenants():
        stolen = db.session.get(VaultEntry, entry_id)  # an object leaked across tenants
    with tenant(agencies["b"].id), pytest.raises(VaultError):
        reveal_secret(stolen)
    db.session.expunge_all()
    with pytest.raises(TenantContextMissing):
        db.session.get(VaultEntry, entry_id)
    with tenant(agencies["a"].id):
        assert reveal_secret(db.session.get(VaultEntry, entry_id)) == SECRET


def test_an_entry_of_another_agency_cannot_be_sealed_from_this_one(agencies):
    """Even its agency's first data key is not made from another tenant's context."""
    entry = VaultEntry(client_id=agencies["a1"].id, agency_id=agencies["a"].id, name="Bank")
    with tenant(agencies["b"].id), pytest.raises(CrossTenantWrite):
        store_secret(entry, SECRET)
    with all_tenants():
        assert db.session.scalars(sa.select(VaultKey)).all() == []


def test_storing_needs_the_client_and_an_agency(agencies):
    with pytest.raises(ValueError, match="client_id"):
        store_secret(VaultEntry(name="No client"), SECRET)
    with pytest.raises(ValueError, match="agency"):
        store_secret(VaultEntry(name="No agency", client_id=agencies["a1"].id), SECRET)


# --- no secret in clear anywhere -------------------------------------------------------------


def _columns_holding(needle: str) -> list[str]:
    """Every column of every table in which `needle` appears: bytes columns searched for its
    UTF-8 bytes, every other column through its text form (text, json, arrays, ...)."""
    columns = db.session.execute(
        sa.text(
            "SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c "
            "JOIN information_schema.tables t USING (table_schema, table_name) "
            "WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'"
        )
    ).all()
    assert ("vault_entries", "secret_ciphertext", "bytea") in columns
    found = []
    for table, column, data_type in columns:
        if data_type == "bytea":
            where, value = f'position(CAST(:v AS bytea) IN "{column}") > 0', needle.encode()
        else:
            where, value = f'strpos(CAST("{column}" AS text), :v) > 0', needle
        hits = db.session.execute(
            sa.text(f'SELECT count(*) FROM "{table}" WHERE {where}'),  # noqa: S608 - catalogue names
            {"v": value},
        ).scalar_one()
        if hits:
            found.append(f"{table}.{column}")
    return found


def test_no_secret_in_clear_in_any_column_in_what_is_sent_or_in_the_logs(
    app, agencies, caplog, monkeypatch
):
    caplog.set_level(logging.DEBUG)
    sent: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        sent.append(f"{statement} {parameters!r}")

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        entry = make_entry(
            agencies["a1"],
            SECRET,
            name="Canary bank portal",
            url="https://bank.example.test/login",
            username="treasurer@alder.test",
            notes="Ask the owner before changing the password.",
        )
        make_entry(agencies["b1"], SECRET)
        assert _reveal(_reload(entry.id, entry.agency_id)) == SECRET
        rotate_data_key(agencies["a"].id, batch=1)
        old = base64.b64encode(crypto.DEV_MASTER_KEY).decode()
        monkeypatch.setitem(
            app.config, "VAULT_MASTER_KEYS", f"k2:{new_master_key()},dev-insecure:{old}"
        )
        rewrap_data_keys()
        assert _reveal(_reload(entry.id, entry.agency_id)) == SECRET
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)

    # The scan finds what is stored in clear (the entry's name), so it can find the secret.
    assert _columns_holding("Canary bank portal") == ["vault_entries.name"]
    assert _columns_holding(SECRET) == []
    assert sent and not [s for s in sent if SECRET in s]
    assert "re-encrypted" in caplog.text  # the logs were captured
    assert SECRET not in caplog.text
    assert SECRET not in repr(entry)


def test_master_keys_default_to_the_development_key_in_tests(app):
    keys = master_keys()
    assert keys.active_id == crypto.DEV_MASTER_KEY_ID
    assert keys.keys == {crypto.DEV_MASTER_KEY_ID: crypto.DEV_MASTER_KEY}
