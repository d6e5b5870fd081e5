"""How the jobs pages name a job and its queue in the reader's language.

A job's `label` is written in English when it is queued (logs and search read it). The pages
derive the name from what the job runs and its arguments instead; a job they do not know
keeps its stored label."""

from __future__ import annotations

import re

from app.core.formatting import month_label
from app.core.i18n import current_locale
from app.core.jobs import OutboxJob
from app.core.jobs.recovery import WORKER_LOST
from app.core.translation import gettext as _
from app.core.translation import lazy_gettext, ngettext

QUEUE_LABELS = {
    "default": lazy_gettext("general"),
    "email": lazy_gettext("email"),
    "pdf": lazy_gettext("PDF"),
}
_FIXED = {
    "app.exports.jobs.build_clients_csv": lazy_gettext("Export clients to CSV"),
    "app.users.services.send_password_reset": lazy_gettext("Password reset request"),
    "app.users.services.send_signup_email": lazy_gettext("Sign-up confirmation"),
}
BATCH = "app.invoices.batch.issue_and_send_drafts"
RENDER = "app.documents.services.render_and_send"
PAYOUT_RENDER = "app.payouts.documents.render_statement"
PACKET_RENDER = "app.onboarding.packet.render_packet"
EMAIL = "app.core.mail.send_email"
_EMAIL = re.compile(r"Email '(.*)' to (\S+)", re.DOTALL)


def queue_label(queue: str) -> str:
    return str(QUEUE_LABELS.get(queue, queue))


def _after(label: str, prefix: str) -> str | None:
    return label[len(prefix) :] if label.startswith(prefix) else None


def job_title(job: OutboxJob) -> str:
    """The job's name in the reader's language (its stored English label if unknown)."""
    if job.func in _FIXED:
        return str(_FIXED[job.func])
    kwargs = job.kwargs or {}
    if job.func == BATCH and kwargs.get("month"):
        return ngettext(
            "Issue and send %(num)d draft for %(month)s",
            "Issue and send %(num)d drafts for %(month)s",
            len(kwargs.get("invoice_ids") or []),
            month=month_label(kwargs["month"], current_locale()),
        )
    if job.func == RENDER:
        number = _after(job.label, "Render and send ")
        if number is not None:
            return _("Render and send %(number)s", number=number)
        number = _after(job.label, "Render PDF of ")
        if number is not None:
            return _("Render the PDF of %(number)s", number=number)
    if job.func == PAYOUT_RENDER and isinstance(kwargs.get("statement_id"), int):
        return _("The PDF of payout statement %(number)d", number=kwargs["statement_id"])
    if job.func == PACKET_RENDER and isinstance(kwargs.get("run_id"), int):
        return _("The welcome packet of onboarding %(number)d", number=kwargs["run_id"])
    email = _EMAIL.fullmatch(job.label) if job.func == EMAIL else None
    if email:
        return _("Email “%(subject)s” to %(address)s", subject=email[1], address=email[2])
    name = _after(job.label, "Periodic: ")
    if name is not None:
        return _("Periodic: %(name)s", name=name)
    return job.label


_PROGRESS = (
    (re.compile(r"Starting"), lambda m: _("Starting")),
    (
        re.compile(r"(\d+) of (\d+) clients"),
        lambda m: _("%(done)s of %(total)s clients", done=m[1], total=m[2]),
    ),
    (
        re.compile(r"Issuing (\d+) drafts"),
        lambda m: ngettext("Issuing %(num)d draft", "Issuing %(num)d drafts", int(m[1])),
    ),
    (
        re.compile(r"(\d+) issued, (\d+) not issued"),
        lambda m: _("%(issued)s issued, %(failed)s not issued", issued=m[1], failed=m[2]),
    ),
)


def progress_text(message: str | None) -> str:
    """A running job's progress message (stored in English) in the reader's language; one
    this module does not know is shown as stored."""
    for pattern, say in _PROGRESS:
        found = pattern.fullmatch(message or "")
        if found:
            return say(found)
    return message or ""


_ERRORS = {
    WORKER_LOST: lazy_gettext("The worker running this job stopped and it ran out of attempts.")
}


def error_text(error: str | None) -> str:
    """Why a job failed: Baton's own reasons in the reader's language; an exception's text
    (a program's words, for whoever fixes it) as stored."""
    known = _ERRORS.get(error or "")
    return str(known) if known is not None else error or ""
