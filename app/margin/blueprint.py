"""The margin blueprint ("margin": every endpoint is margin.<view>)."""

from __future__ import annotations

from flask import Blueprint

from app.core.money import page_money

bp = Blueprint("margin", __name__, template_folder="templates")


@bp.context_processor
def _helpers() -> dict:
    return {"money": page_money}
