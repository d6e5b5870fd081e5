"""File storage for generated and uploaded files (PDFs, exports, evidence, logos).

Files live under STORAGE_DIR (default instance/storage) at keys made by the server from
ids, never from user input, so no path can escape the folder. Each write returns the
SHA-256 checksum that callers keep beside the key.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

_KEY_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


@dataclass(frozen=True)
class StoredFile:
    key: str
    sha256: str
    size: int


def root() -> Path:
    return Path(current_app.config["STORAGE_DIR"])


def make_key(*parts: object) -> str:
    """Join server-made parts into a key, refusing anything that could leave the folder."""
    items = [str(p) for p in parts]
    for item in items:
        if not _KEY_PART.match(item) or item in (".", ".."):
            raise ValueError(f"unsafe storage key part {item!r}")
    return "/".join(items)


def _path(key: str) -> Path:
    parts = key.split("/")
    make_key(*parts)  # validates
    return root().joinpath(*parts)


def put(key: str, data: bytes) -> StoredFile:
    """Write atomically (temp file + rename) and return the checksum."""
    path = _path(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return StoredFile(key=key, sha256=hashlib.sha256(data).hexdigest(), size=len(data))


def get(key: str, sha256: str | None = None) -> bytes:
    """Read a stored file; with `sha256`, refuse a file that changed since it was written."""
    data = _path(key).read_bytes()
    if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
        raise ValueError(f"stored file {key} does not match its checksum")
    return data


def exists(key: str) -> bool:
    return _path(key).is_file()
