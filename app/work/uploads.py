"""Evidence uploads: what may be uploaded, decided from the file's bytes, never its name.

Allowed: PDF, PNG, JPEG, GIF, WebP, plain text and CSV, Word (.docx) and Excel (.xlsx).
Anything else is refused, HTML and SVG included (they could run script when opened), and so
is a file whose name claims another type than its content (e.g. HTML named `photo.png`).
The size cap is the `EVIDENCE_MAX_BYTES` setting (10 MB by default).
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import IO

from app.core.errors import ValidationFailed
from app.core.translation import gettext

DEFAULT_MAX_BYTES = 10 * 1024 * 1024

# detected type -> (content type, extensions a file of that type may have)
TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "pdf": ("application/pdf", (".pdf",)),
    "png": ("image/png", (".png",)),
    "jpeg": ("image/jpeg", (".jpg", ".jpeg")),
    "gif": ("image/gif", (".gif",)),
    "webp": ("image/webp", (".webp",)),
    "text": ("text/plain", (".txt", ".text", ".md", ".log", ".csv")),
    "csv": ("text/csv", (".csv",)),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (".docx",),
    ),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)),
}
EVIDENCE_MEDIA_TYPES = tuple(dict.fromkeys(t for t, _ in TYPES.values()))
ALLOWED_LABEL = "PDF, PNG, JPEG, GIF, WebP, plain text, CSV, Word (.docx) or Excel (.xlsx)"
# Markup that a browser would render (and run) if it ever sniffed the file as HTML or SVG.
_MARKUP = re.compile(
    rb"<\s*(!doctype|html|head|body|script|svg|iframe|object|embed|img|a|meta|style|\?xml)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class DetectedFile:
    """An upload that passed the checks: a safe display name, the detected type, the bytes."""

    filename: str
    content_type: str
    data: bytes


def _zip_kind(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return None


def _text_kind(data: bytes, extension: str) -> str | None:
    if b"\x00" in data:
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    if _MARKUP.search(data[:4096]) or text.lstrip().startswith("<"):
        return None
    return "csv" if extension == ".csv" else "text"


def detect_kind(data: bytes, extension: str = "") -> str | None:
    """The allowed type the bytes are, or None (unknown or refused)."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    return _text_kind(data, extension)


def safe_filename(name: str | None) -> str:
    """The uploader's file name, for display and download only: no path, no control or
    odd characters, at most 200 characters."""
    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(c for c in name if c.isprintable() and c not in '<>:"|?*').strip(" .")
    if not name:
        name = "evidence"
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:190] + dot + ext[:9]) if dot and len(ext) <= 9 else name[:200]
    return name


def _extension(name: str) -> str:
    _, dot, ext = name.rpartition(".")
    return f".{ext.lower()}" if dot else ""


def read_upload(stream: IO[bytes], filename: str | None, max_bytes: int) -> DetectedFile:
    """Read and check an upload; bad ones raise ValidationFailed naming `file`."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        limit = (
            f"{max_bytes / (1024 * 1024):.0f} MB"
            if max_bytes >= 1024 * 1024
            else f"{max_bytes} bytes"
        )
        raise ValidationFailed(
            {"file": [gettext("The file is larger than %(limit)s.", limit=limit)]}
        )
    if not data:
        raise ValidationFailed({"file": [gettext("The file is empty.")]})
    name = safe_filename(filename)
    extension = _extension(name)
    kind = detect_kind(data, extension)
    if kind is None:
        raise ValidationFailed(
            {
                "file": [
                    gettext(
                        "This type of file is not accepted; upload a %(types)s file.",
                        types=ALLOWED_LABEL,
                    )
                ]
            }
        )
    content_type, extensions = TYPES[kind]
    if extension and extension not in extensions:
        raise ValidationFailed(
            {
                "file": [
                    gettext(
                        "The file's content (%(kind)s) does not match its name (%(extension)s).",
                        kind=kind.upper(),
                        extension=extension,
                    )
                ]
            }
        )
    if not extension:
        name = f"{name}{extensions[0]}"
    return DetectedFile(filename=name, content_type=content_type, data=data)
