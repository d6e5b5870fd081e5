"""A work item's state as a badge label ("In review"), in the reader's language: the one map
the work pages, the boards and the audit log show. (Sentences use `services.state_label`:
"submitted for review".)"""

from __future__ import annotations

from app.core.translation import lazy_gettext

STATE_BADGES = {
    "todo": lazy_gettext("To do"),
    "in_progress": lazy_gettext("In progress"),
    "submitted": lazy_gettext("Submitted"),
    "in_review": lazy_gettext("In review"),
    "changes_requested": lazy_gettext("Changes requested"),
    "approved": lazy_gettext("Approved"),
    "awaiting_client": lazy_gettext("Awaiting client"),
    "client_approved": lazy_gettext("Client approved"),
    "client_changes": lazy_gettext("Client changes"),
    "delivered": lazy_gettext("Delivered"),
    "cancelled": lazy_gettext("Cancelled"),
}
