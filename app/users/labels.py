"""How the users pages name roles and member statuses, in the reader's language.

The stored values ("va", "disabled") and the English labels of emails and audit summaries
(app.core.formatting.ROLE_LABELS) stay as they are; these are for the screens only.
"""

from __future__ import annotations

from flask_babel import lazy_gettext, ngettext

ROLE_NAMES = {
    "owner": lazy_gettext("Owner"),
    "manager": lazy_gettext("Manager"),
    "va": lazy_gettext("VA"),
    "qa": lazy_gettext("QA reviewer"),
    "client": lazy_gettext("Client contact"),
}
MEMBER_STATUS_NAMES = {"active": lazy_gettext("active"), "disabled": lazy_gettext("disabled")}


def role_name(role: str | None) -> str:
    """A role as the reader says it ("qa" -> "QA reviewer", "مراجع الجودة")."""
    if not role:
        return ""
    return str(ROLE_NAMES.get(role, role.replace("_", " ").capitalize()))


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
    return f"{n} {role_name(role)}"
