"""Serving evidence files: always as a download, with the type detected at upload time.

`Content-Disposition: attachment` and `X-Content-Type-Options: nosniff` keep a browser from
rendering the file in Baton's origin; a sandboxing Content-Security-Policy is a last line
in case it ever does. Callers load the file through the item's visibility first.
"""

from __future__ import annotations

import io

from flask import Response, send_file

from app.core import storage
from app.work.models import EvidenceFile


def evidence_response(evidence: EvidenceFile) -> Response:
    """The stored bytes (checked against their checksum) as an attachment."""
    data = storage.get(evidence.storage_key, evidence.sha256)
    resp = send_file(
        io.BytesIO(data),
        mimetype=evidence.content_type,
        as_attachment=True,
        download_name=evidence.filename,
        max_age=0,
        conditional=False,
        etag=False,
    )
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    resp.headers["Cache-Control"] = "private, no-store"
    return resp
