"""The forecast blueprint ("forecast": every endpoint is forecast.<view>)."""

from __future__ import annotations

from flask import Blueprint

from app.core.money import page_money

bp = Blueprint("forecast", __name__, template_folder="templates")


@bp.context_processor
def _helpers() -> dict:
    return {"money": page_money}
