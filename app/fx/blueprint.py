"""The exchange rates blueprint ("fx": every endpoint is fx.<view>)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("fx", __name__, template_folder="templates")


def rate_text(rate: object) -> str:
    """A rate in the reader's digits with every decimal it has: 1.0842, ١٫٠٨٤٢."""
    from decimal import Decimal

    from app.core.formatting import format_number

    return format_number(Decimal(str(rate)).normalize(), pattern="#,##0.##########")


@bp.context_processor
def _helpers() -> dict:
    return {"fx_rate": rate_text}
