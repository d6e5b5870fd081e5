"""The steps of an onboarding run, and where other domains plug in their own.

Baton's own steps are `work_item`, `invitations` and `welcome_packet`
(`app.onboarding.services`). A domain that adds a step (the intake questionnaire will add
`intake`) registers it at start-up, from its own code, without editing this package:

    from app.onboarding.steps import StepOutcome, register_step

    def send_intake(actor, client, run) -> StepOutcome:
        ...  # flush, never commit: the run and the client's change commit together
        return StepOutcome("done", {"sent": 2})

    register_step("intake", lazy_gettext("Intake sent"), send_intake)

A step runs once per run, right after Baton's own steps, in the same transaction. It
answers a state (`pending`, `done`, `skipped` or `failed`) and a detail of plain values
(JSON); `reason` in the detail may be a message to show (translated when the card renders
it through `describe`). A step that raises fails the run's start like any other error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.core.translation import lazy_gettext


@dataclass(frozen=True)
class StepOutcome:
    state: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RegisteredStep:
    key: str
    label: Any  # a lazy string
    run: Callable[..., StepOutcome]
    describe: Callable[[dict], str] | None = None


BUILT_IN_LABELS = {
    "work_item": lazy_gettext("Work item started"),
    "invitations": lazy_gettext("Portal invitations sent"),
    "welcome_packet": lazy_gettext("Welcome packet sent"),
}
EXTRA_STEPS: list[RegisteredStep] = []


def register_step(
    key: str,
    label: Any,
    run: Callable[..., StepOutcome],
    describe: Callable[[dict], str] | None = None,
) -> None:
    """Add a step to every run started from now on (once per key)."""
    if key in BUILT_IN_LABELS or any(s.key == key for s in EXTRA_STEPS):
        return
    EXTRA_STEPS.append(RegisteredStep(key, label, run, describe))


def step_label(key: str) -> str:
    if key in BUILT_IN_LABELS:
        return str(BUILT_IN_LABELS[key])
    extra = next((s for s in EXTRA_STEPS if s.key == key), None)
    return str(extra.label) if extra else key
