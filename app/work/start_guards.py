"""What may hold back the first start of a work item, from outside the work domain.

Work never imports billing (import-linter), yet billing has a say in when work may begin: a
client whose terms ask for a deposit waits for it to be paid. Other domains register a guard
here at start-up (`app.payments.deposit_gate.register_deposit_gate`); a guard takes the item
and answers None (go ahead) or the sentence that says why it cannot start yet.
"""

from __future__ import annotations

from collections.abc import Callable

from app.work.models import WorkItem

StartGuard = Callable[[WorkItem], "str | None"]
START_GUARDS: list[StartGuard] = []


def register_start_guard(guard: StartGuard) -> None:
    if guard not in START_GUARDS:
        START_GUARDS.append(guard)


def start_blocker(item: WorkItem) -> str | None:
    """Why the item may not start yet, or None. Only the first start is held: work that has
    started once (and came back for changes) resumes freely."""
    if item.started_at is not None or item.state != "todo":
        return None
    for guard in START_GUARDS:
        reason = guard(item)
        if reason:
            return reason
    return None
