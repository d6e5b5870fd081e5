"""A run as the client page's card and the API show it: steps with words and a progress."""

from __future__ import annotations

from typing import Any

from app.core.translation import gettext, lazy_gettext, ngettext
from app.onboarding.models import OnboardingRun
from app.onboarding.steps import EXTRA_STEPS, step_label

STATE_LABELS = {
    "pending": lazy_gettext("Pending"),
    "done": lazy_gettext("Done"),
    "skipped": lazy_gettext("Skipped"),
    "failed": lazy_gettext("Failed"),
}
REASONS = {
    "no_sop": lazy_gettext("No onboarding SOP: choose one on the package or add the "
                           "“client-onboarding” SOP."),
    "no_primary_va": lazy_gettext("No primary VA on the client yet: nobody to assign the work to."),
    "no_reviewer": lazy_gettext("No QA reviewer, manager or owner to review the work."),
    "no_contacts": lazy_gettext("No contact with an email address."),
    "rendering": lazy_gettext("Being prepared."),
}  # fmt: skip


def step_note(key: str, detail: dict) -> str:
    """What the card says under a step."""
    extra = next((s for s in EXTRA_STEPS if s.key == key), None)
    if extra is not None and extra.describe is not None:
        return extra.describe(detail)
    reason = detail.get("reason")
    if reason in REASONS:
        return str(REASONS[reason])
    if reason == "refused":
        return str(detail.get("message") or "")
    if key == "work_item" and detail.get("sop"):
        return gettext("From the SOP %(sop)s.", sop=detail["sop"])
    if key == "invitations" and "invited" in detail:
        text = ngettext("%(num)d contact invited.", "%(num)d contacts invited.", detail["invited"])
        if detail.get("refused"):
            text += " " + ngettext(
                "%(num)d address could not be invited.",
                "%(num)d addresses could not be invited.",
                detail["refused"],
            )
        return text
    if key == "welcome_packet" and detail.get("emailed"):
        return ngettext("Emailed to %(num)d contact.", "Emailed to %(num)d contacts.",
                        detail["emailed"])  # fmt: skip
    return str(detail.get("reason") or "")


def run_values(run: OnboardingRun) -> dict[str, Any]:
    steps = [
        {
            "key": s.key,
            "label": step_label(s.key),
            "state": s.state,
            "state_label": str(STATE_LABELS.get(s.state, s.state)),
            "note": step_note(s.key, s.detail or {}),
            "detail": s.detail or {},
        }
        for s in run.steps
    ]
    finished = sum(1 for s in steps if s["state"] != "pending")
    done = sum(1 for s in steps if s["state"] == "done")
    return {
        "id": run.id,
        "engagement": run.engagement,
        "started_at": run.started_at,
        "ended_at": run.ended_at,
        "work_item_id": run.work_item_id,
        "has_packet": bool(run.packet_key),
        "packet_rendered_at": run.packet_rendered_at,
        "steps": steps,
        "done": done,
        "total": len(steps),
        "percent": round(100 * finished / len(steps)) if steps else 0,
    }
