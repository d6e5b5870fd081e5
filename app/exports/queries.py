"""Read side of exports."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort

from app.core.permissions import Actor
from app.exports.models import Export
from app.extensions import db


def visible_exports(actor: Actor) -> sa.Select:
    if actor.role not in ("owner", "manager"):
        return sa.select(Export).where(sa.false())
    return sa.select(Export)


def get_export_or_404(actor: Actor, export_id: int) -> Export:
    export = db.session.scalar(visible_exports(actor).where(Export.id == export_id))
    if export is None:
        abort(404)
    return export
