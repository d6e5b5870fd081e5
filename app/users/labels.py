"""How the users pages name member statuses and count people per role, in the reader's
language. Role names come from app.core.formatting.role_label (translated where shown).

The stored values ("va", "disabled") and the English labels of emails and audit summaries
(app.core.formatting.ROLE_LABELS as is) stay as they are; these are for the screens only.
"""

from __future__ import annotations

from app.core.formatting import role_label
from app.core.translation import lazy_gettext, ngettext
from app.users.models import ROLES

MEMBER_STATUS_NAMES = {"active": lazy_gettext("active"), "disabled": lazy_gettext("disabled")}


def role_names() -> dict[str, str]:
    """Every role as the reader says it ("qa" -> "QA reviewer", "مراجع الجودة")."""
    return {role: role_label(role) for role in ROLES}


def role_count(role: str, n: int) -> str:
    """'2 VAs', '1 owner': how many people of a role, as a whole phrase per language."""
    counts = {
        "owner": lambda: ngettext("%(num)d owner", "%(num)d owners", n),
        "manager": lambda: ngettext("%(num)d manager", "%(num)d managers", n),
        "va": lambda: ngettext("%(num)d VA", "%(num)d VAs", n),
        "qa": lambda: ngettext("%(num)d QA reviewer", "%(num)d QA reviewers", n),
        "client": lambda: ngettext("%(num)d client contact", "%(num)d client contacts", n),
    }
    if role in counts:
        return counts[role]()
    return f"{n} {role_label(role)}"
