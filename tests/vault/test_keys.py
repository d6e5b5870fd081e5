"""Changing vault keys without downtime: re-wrapping data keys under a new master key (the
old one can then leave the configuration), rotating one agency's data key in batches while
every secret stays readable, and the `flask vault` commands."""

from __future__ import annotations

import base64

import pytest
import sqlalchemy as sa

import app.vault.services as vault_services
from app.core.tenancy import all_tenants, tenant
from app.extensions import db
from app.vault import crypto
from app.vault.crypto import VaultError
from app.vault.models import VaultEntry, VaultKey
from app.vault.services import reveal_secret, rewrap_data_keys, rotate_data_key
from tests.vault.conftest import make_entry, new_master_key

DEV = f"{crypto.DEV_MASTER_KEY_ID}:{base64.b64encode(crypto.DEV_MASTER_KEY).decode()}"


def _reveal_all(expected: dict[int, str]) -> dict[int, str]:
    """Reveal every entry afresh from the database, each as its own agency."""
    db.session.expunge_all()
    with all_tenants():
        agency_of = dict(
            db.session.execute(
                sa.select(VaultEntry.id, VaultEntry.agency_id).where(VaultEntry.id.in_(expected))
            ).all()
        )
    out = {}
    for entry_id, agency_id in agency_of.items():
        with tenant(agency_id):
            out[entry_id] = reveal_secret(db.session.get(VaultEntry, entry_id))
    return out


def _keys_of(agency_id: int) -> list[tuple[int, str, bool]]:
    with tenant(agency_id):
        rows = db.session.scalars(
            sa.select(VaultKey).order_by(VaultKey.version).execution_options(populate_existing=True)
        ).all()
    return [(k.version, k.master_key_id, k.retired_at is not None) for k in rows]


@pytest.fixture
def secrets_of_both(agencies) -> dict[int, str]:
    """Three entries in agency A (two clients), two in agency B: id -> secret."""
    made = {}
    for n, client in enumerate(["a1", "a1", "a2", "b1", "b1"]):
        entry = make_entry(agencies[client], f"secret-{client}-{n}")
        made[entry.id] = f"secret-{client}-{n}"
    return made


# --- master key rotation ---------------------------------------------------------------------


def test_rewrap_under_a_new_master_key_lets_the_old_one_be_removed(
    app, agencies, secrets_of_both, monkeypatch
):
    new = f"k2026:{new_master_key()}"
    monkeypatch.setitem(app.config, "VAULT_MASTER_KEYS", f"{new},{DEV}")
    # Before the re-wrap, both keys are configured and everything reads.
    assert _reveal_all(secrets_of_both) == secrets_of_both

    assert rewrap_data_keys() == 2  # one data key per agency
    for agency in (agencies["a"], agencies["b"]):
        assert _keys_of(agency.id) == [(1, "k2026", False)]
    assert rewrap_data_keys() == 0  # nothing left to move

    monkeypatch.setitem(app.config, "VAULT_MASTER_KEYS", new)
    assert _reveal_all(secrets_of_both) == secrets_of_both
    # The secrets themselves were not touched, only the wrapping of their data keys.
    with all_tenants():
        assert {e.key_version for e in db.session.scalars(sa.select(VaultEntry))} == {1}


def test_removing_a_master_key_before_the_rewrap_makes_its_secrets_unreadable(
    app, agencies, secrets_of_both, monkeypatch
):
    monkeypatch.setitem(app.config, "VAULT_MASTER_KEYS", f"k2026:{new_master_key()}")
    with pytest.raises(VaultError, match="dev-insecure"):
        _reveal_all(secrets_of_both)
    with pytest.raises(VaultError, match="rewrap-keys"):
        rewrap_data_keys()


def test_rewrap_of_one_agency_leaves_the_others(app, agencies, secrets_of_both, monkeypatch):
    monkeypatch.setitem(app.config, "VAULT_MASTER_KEYS", f"k2:{new_master_key()},{DEV}")
    assert rewrap_data_keys(agencies["b"].id) == 1
    assert _keys_of(agencies["a"].id) == [(1, crypto.DEV_MASTER_KEY_ID, False)]
    assert _keys_of(agencies["b"].id) == [(1, "k2", False)]


def test_new_data_keys_are_wrapped_by_the_first_master_key(app, agencies, monkeypatch):
    monkeypatch.setitem(app.config, "VAULT_MASTER_KEYS", f"fresh:{new_master_key()},{DEV}")
    make_entry(agencies["a1"], "made after the new key was put first")
    assert _keys_of(agencies["a"].id) == [(1, "fresh", False)]


# --- data key rotation -----------------------------------------------------------------------


def _ciphertexts(agency_id: int) -> dict[int, tuple[int, bytes]]:
    with tenant(agency_id):
        return {
            row.id: (row.key_version, row.secret_ciphertext)
            for row in db.session.execute(
                sa.select(VaultEntry.id, VaultEntry.key_version, VaultEntry.secret_ciphertext)
            )
        }


def test_rotation_re_encrypts_only_the_asked_agency_and_everything_reads_after(
    agencies, secrets_of_both
):
    a, b = agencies["a"].id, agencies["b"].id
    before_a, before_b = _ciphertexts(a), _ciphertexts(b)
    with tenant(a):
        edited_before = {e.id: e.updated_at for e in db.session.scalars(sa.select(VaultEntry))}

    result = rotate_data_key(a, batch=2)

    assert (result.old_version, result.new_version, result.reencrypted) == (1, 2, 3)
    after_a = _ciphertexts(a)
    assert {version for version, _ in after_a.values()} == {2}
    assert all(after_a[i][1] != before_a[i][1] for i in before_a)
    assert _keys_of(a) == [
        (1, crypto.DEV_MASTER_KEY_ID, True),
        (2, crypto.DEV_MASTER_KEY_ID, False),
    ]
    assert _ciphertexts(b) == before_b
    assert _keys_of(b) == [(1, crypto.DEV_MASTER_KEY_ID, False)]
    assert _reveal_all(secrets_of_both) == secrets_of_both
    with tenant(a):  # re-encryption is not an edit somebody made
        assert {e.id: e.updated_at for e in db.session.scalars(sa.select(VaultEntry))} == (
            edited_before
        )

    newer = make_entry(agencies["a2"], "written after the rotation")
    assert newer.key_version == 2


def test_entries_stay_readable_at_every_step_of_a_rotation(agencies, secrets_of_both, monkeypatch):
    """Every commit of the rotation is a moment other requests see: at each one, every
    secret of both agencies reads, and a secret written meanwhile uses the new key."""
    a = agencies["a"].id
    real_commit = vault_services.commit
    seen: list[list[int]] = []

    def commit_then_read() -> None:
        real_commit()
        versions = sorted(v for v, _ in _ciphertexts(a).values())
        seen.append(versions)
        assert _reveal_all(secrets_of_both) == secrets_of_both
        if len(seen) == 1:  # the new key exists, no entry has moved yet
            entry = make_entry(agencies["a1"], "written during the rotation")
            assert entry.key_version == 2
            secrets_of_both[entry.id] = "written during the rotation"

    monkeypatch.setattr(vault_services, "commit", commit_then_read)
    rotate_data_key(a, batch=1)

    # new key; then one entry per batch (three); then the old key retired.
    assert seen[0] == [1, 1, 1]
    assert seen[1:4] == [[1, 1, 2, 2], [1, 2, 2, 2], [2, 2, 2, 2]]
    assert _reveal_all(secrets_of_both) == secrets_of_both


def test_a_second_rotation_moves_to_the_third_version(agencies, secrets_of_both):
    a = agencies["a"].id
    rotate_data_key(a)
    result = rotate_data_key(a)
    assert (result.old_version, result.new_version, result.reencrypted) == (2, 3, 3)
    assert [v for v, _m, retired in _keys_of(a) if not retired] == [3]
    assert _reveal_all(secrets_of_both) == secrets_of_both


def test_rotating_an_agency_without_a_vault_gives_it_its_first_key(agencies):
    result = rotate_data_key(agencies["b"].id)
    assert (result.old_version, result.new_version, result.reencrypted) == (None, 1, 0)
    assert _keys_of(agencies["b"].id) == [(1, crypto.DEV_MASTER_KEY_ID, False)]


# --- the CLI ---------------------------------------------------------------------------------


def _cli(app, *args: str):
    return app.test_cli_runner().invoke(args=["vault", *args])


@pytest.mark.parametrize(
    "args",
    [
        ("rotate-data-key", "--agency", "no-such-agency"),
        ("rewrap-keys", "--agency", "no-such-agency"),
    ],
    ids=["rotate", "rewrap"],
)
def test_the_cli_refuses_an_unknown_agency_with_exit_code_2(app, agencies, args):
    result = _cli(app, *args)
    assert result.exit_code == 2, result.output
    assert "No agency with the slug 'no-such-agency'" in result.output


def test_the_cli_rotates_one_agency_and_rewraps_all(app, agencies, secrets_of_both, monkeypatch):
    result = _cli(app, "rotate-data-key", "--agency", agencies["a"].slug, "--batch", "2")
    assert result.exit_code == 0, result.output
    assert "data key version 2, 3 entries re-encrypted" in result.output
    assert _keys_of(agencies["b"].id) == [(1, crypto.DEV_MASTER_KEY_ID, False)]

    monkeypatch.setitem(app.config, "VAULT_MASTER_KEYS", f"k9:{new_master_key()},{DEV}")
    result = _cli(app, "rewrap-keys")
    assert result.exit_code == 0, result.output
    assert "3 data keys re-wrapped" in result.output  # A's two versions and B's one
    assert _reveal_all(secrets_of_both) == secrets_of_both


def test_the_cli_says_why_a_rewrap_cannot_be_done(app, agencies, secrets_of_both, monkeypatch):
    monkeypatch.setitem(app.config, "VAULT_MASTER_KEYS", f"k9:{new_master_key()}")
    result = _cli(app, "rewrap-keys")
    assert result.exit_code == 1
    assert "'dev-insecure' is not configured" in result.output
