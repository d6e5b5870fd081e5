"""Write side of suggestions: set the skill tags of a VA, an SOP or a client (the whole
set at once, normalised: lowercase, inner spaces as hyphens, no duplicates), audited."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from app.audit.services import record
from app.core.errors import ValidationFailed
from app.core.permissions import Actor
from app.core.translation import gettext as _
from app.extensions import db
from app.suggestions.models import TAG_MAX, TAG_MODELS, TAGS_PER_TARGET
from app.suggestions.queries import tags_of

TAG_RE = re.compile(r"^[\w+#.&-]+$")
TARGET_COLUMN = {"member": "membership_id", "sop": "sop_id", "client": "client_id"}


def split_tags(text: str) -> list[str]:
    """A form's "bookkeeping, Xero, data entry" as a list (commas or new lines)."""
    return [part for part in re.split(r"[,\n;]+", text or "") if part.strip()]


def normalise_tags(raw: Iterable[str]) -> list[str]:
    """Lowercase, trimmed, inner spaces as hyphens, duplicates dropped, sorted; raises
    ValidationFailed naming `tags` on a tag too long, with odd characters, or too many."""
    tags: set[str] = set()
    for item in raw:
        tag = re.sub(r"\s+", "-", str(item).strip().lower())
        if not tag:
            continue
        if len(tag) > TAG_MAX:
            raise ValidationFailed({"tags": [_("A tag has at most %(n)d characters.", n=TAG_MAX)]})
        if not TAG_RE.match(tag) or not re.search(r"[^\W_]", tag):
            raise ValidationFailed(
                {"tags": [_("Use letters, digits and - + # . & only in a tag.")]}
            )
        tags.add(tag)
    if len(tags) > TAGS_PER_TARGET:
        raise ValidationFailed({"tags": [_("At most %(n)d tags.", n=TAGS_PER_TARGET)]})
    return sorted(tags)


def set_tags(actor: Actor, kind: str, target: Any, raw: Iterable[str]) -> list[str]:
    """Replace the tags of `target` (a membership, SOP or client) with `raw`, normalised."""
    tags = normalise_tags(raw)
    before = tags_of(kind, target.id)
    if before == tags:
        return tags
    model, column = TAG_MODELS[kind]
    removed = [t for t in before if t not in tags]
    if removed:
        db.session.execute(sa.delete(model).where(column == target.id, model.tag.in_(removed)))
    for tag in tags:
        if tag not in before:
            db.session.add(
                model(agency_id=actor.agency_id, tag=tag, **{TARGET_COLUMN[kind]: target.id})
            )
    db.session.flush()
    record(
        actor,
        "skills.tags_changed",
        target,
        summary=f"Skill tags changed: {', '.join(tags) or '-'}",
        before={"tags": before},
        after={"tags": tags},
    )
    return tags
