"""File storage: keys the server makes, checksums, no way out of the folder."""

from __future__ import annotations

import pytest

from app.core import storage


def test_put_and_get_with_checksum(app):
    stored = storage.put(storage.make_key("agency", 7, "invoice", 3, "v1.pdf"), b"abc")
    assert stored.size == 3
    assert storage.get(stored.key, stored.sha256) == b"abc"


def test_a_changed_file_is_refused(app):
    stored = storage.put(storage.make_key("agency", 7, "x.bin"), b"original")
    storage.put(stored.key, b"tampered")
    with pytest.raises(ValueError, match="checksum"):
        storage.get(stored.key, stored.sha256)


@pytest.mark.parametrize("part", ["..", "../etc", "a/b", "", ".hidden", "x" * 200, "a\x00b"])
def test_unsafe_key_parts_are_refused(app, part):
    with pytest.raises(ValueError):
        storage.make_key("agency", part)
