"""The suggestions blueprint ("suggestions": every endpoint is suggestions.<view>)."""

from __future__ import annotations

from flask import Blueprint

from app.core.translation import lazy_gettext

bp = Blueprint("suggestions", __name__, template_folder="templates")

KIND_LABELS = {
    "member": lazy_gettext("Team member"),
    "sop": lazy_gettext("SOP"),
    "client": lazy_gettext("Client"),
}
