"""Serving an SOP version's YAML as a download, for the SOP pages and the API alike.

Always an attachment with `X-Content-Type-Options: nosniff`, so a browser never renders
the text in Baton's origin. Callers load the SOP and version through visibility first.
"""

from __future__ import annotations

from flask import Response

from app.sops.models import Sop, SopVersion


def yaml_download(sop: Sop, version: SopVersion) -> Response:
    """A YAML attachment named <slug>-v<number>.yaml."""
    filename = f"{sop.slug}-v{version.number}.yaml"
    return Response(
        version.yaml_text,
        mimetype="application/yaml",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "X-Content-Type-Options": "nosniff",
        },
    )
