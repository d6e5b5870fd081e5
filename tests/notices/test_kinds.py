"""Every notification email names a kind people can choose for, and every kind on the
page is one that some email really uses (no dead choices)."""

from __future__ import annotations

import re
from pathlib import Path

from app.notices.kinds import KINDS

APP = Path(__file__).resolve().parents[2] / "app"


def _named_in_code() -> set[str]:
    found: set[str] = set()
    for path in APP.rglob("*.py"):
        if path.name == "kinds.py":
            continue
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r'notice="([a-z_]+)"', text))
    return found


def test_every_kind_in_code_is_known_and_every_kind_is_used():
    codes = {k.code for k in KINDS}
    used = _named_in_code()
    assert used - codes == set(), "emails name kinds nobody can choose for"
    assert codes - used == set(), "kinds on the page that no email uses"


def test_each_audience_has_its_kinds_and_security_is_fixed_for_owners_only():
    staff = [k for k in KINDS if k.audience == "staff"]
    client = [k for k in KINDS if k.audience == "client"]
    assert staff and client
    fixed = {k.code: k.fixed_for for k in KINDS if k.fixed_for}
    assert fixed == {"security": ("owner",)}
