"""The QA rubric of a work item's SOP: a reviewer's scores checked against it, and a
review's scores in rubric order for pages and emails."""

from __future__ import annotations

from typing import Any

from app.core.errors import ValidationFailed
from app.core.translation import gettext
from app.work.models import Review
from app.work.richtext import sanitize_html


def criterion_label(criterion: dict) -> str:
    return str(criterion.get("text") or criterion["key"])


def evaluate_rubric(rubric: list[dict], scores: dict, reasons: dict) -> dict[str, dict]:
    """Normalise a reviewer's scores against the SOP's rubric: {key: {"score", "passed",
    "reason"}} for each scored criterion. Unknown criteria and values of the wrong kind
    are bad input (422 naming `scores`)."""
    by_key = {str(c["key"]): c for c in rubric}
    errors: dict[str, list[str]] = {}
    for key in list(scores) + list(reasons):
        if key not in by_key:
            errors[key] = [gettext("Not a criterion of this SOP's rubric.")]
    out: dict[str, dict] = {}
    for key, value in scores.items():
        criterion = by_key.get(key)
        if criterion is None:
            continue
        if criterion.get("kind") == "score":
            if isinstance(value, bool) or not isinstance(value, int):
                errors[key] = [gettext("Score this criterion from 1 to 5.")]
                continue
            mark = int(criterion.get("pass_mark") or 1)
            out[key] = {"score": value, "passed": value >= mark}
        else:
            if not isinstance(value, bool):
                errors[key] = [gettext("Mark this criterion pass or fail.")]
                continue
            out[key] = {"score": None, "passed": value}
    if errors:
        field = "scores" if any(k in scores for k in errors) or not reasons else "reasons"
        raise ValidationFailed({field: errors})
    for key, entry in out.items():
        reason = sanitize_html(reasons.get(key)) if reasons.get(key) else None
        entry["reason"] = reason
    return out


def describe_failure(criterion: dict, entry: dict) -> str:
    label = criterion_label(criterion)
    if entry["score"] is None:
        return label
    return gettext(
        "%(criterion)s (%(score)s, pass mark %(mark)s)",
        criterion=label,
        score=entry["score"],
        mark=criterion.get("pass_mark"),
    )


def review_summary(review: Review, rubric: list[dict]) -> list[dict[str, Any]]:
    """The review's scores in rubric order, for pages and emails."""
    out = []
    for criterion in rubric:
        entry = (review.scores or {}).get(str(criterion["key"]))
        if entry is not None:
            out.append({"label": criterion_label(criterion), **entry})
    return out
