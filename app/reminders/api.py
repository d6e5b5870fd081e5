"""JSON API of payment reminders: the ladder, its steps, a preview, an invoice's reminder
history and the pause / dispute switches.

Routes with an id load the object first, before the body is parsed, so another agency's id
is a 404 whatever the body holds.
"""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from app.clients.models import Client
from app.clients.queries import get_client_or_404
from app.core.idempotency import idempotent
from app.core.permissions import MANAGERS, loads, roles
from app.core.permissions import authorize as _authorize
from app.core.schemas import error_response
from app.core.uow import commit
from app.invoices.models import Invoice
from app.invoices.policy import can_flag_invoice, can_manage_billing, can_send_reminder_now
from app.invoices.queries import get_invoice_or_404
from app.invoices.services import set_client_reminders_paused, set_disputed, set_reminders_paused
from app.invoices.settings import update_invoice_settings
from app.reminders.manual import send_reminder_now
from app.reminders.messages import describe_variables, render_reminder, sample_values
from app.reminders.models import ReminderStep
from app.reminders.policy import can_edit_ladder, can_see_ladder, can_see_reminders
from app.reminders.schedule import SEND_TIME
from app.reminders.schemas import (
    ClientRemindersOut,
    InvoiceRemindersOut,
    InvoiceRemindersPatchIn,
    LadderIn,
    LadderOut,
    PauseIn,
    PreviewIn,
    PreviewOut,
    StepIn,
    StepOut,
    StepPatchIn,
)
from app.reminders.services import (
    create_step,
    default_steps,
    delete_step,
    get_step_or_404,
    invoice_reminders,
    ladder_steps,
    reminders_enabled,
    sends_per_step,
    update_step,
)

blp = Blueprint(
    "reminders_api",
    __name__,
    url_prefix="/api/v1/<agency_slug>",
    description="Payment reminders: the ladder, previews, invoice histories and pauses",
)


def _step_out(step: ReminderStep, sent: dict[int, int]) -> dict:
    return {
        "id": step.id,
        "offset_days": step.offset_days,
        "subject_template": step.subject_template,
        "body_template": step.body_template,
        "active": step.active,
        "sent_count": sent.get(step.id, 0) if step.id else 0,
    }


def _ladder() -> dict:
    steps = ladder_steps()
    sent = sends_per_step()
    return {
        "enabled": reminders_enabled(),
        "installed": bool(steps),
        "send_time": SEND_TIME.strftime("%H:%M"),
        "steps": [_step_out(s, sent) for s in steps or default_steps()],
        "variables": describe_variables(),
    }


@blp.route("/reminders/ladder")
class LadderResource(MethodView):
    @roles(*MANAGERS)
    @blp.response(200, LadderOut)
    def get(self, agency_slug: str) -> dict:
        """The reminder ladder: steps (the defaults until first saved), the agency switch,
        the local send time and the template variables."""
        _authorize(can_see_ladder(g.actor))
        return _ladder()

    @roles("owner")
    @blp.arguments(LadderIn)
    @blp.response(200, LadderOut)
    def patch(self, data: dict, agency_slug: str) -> dict:
        """Turn payment reminders on or off for the agency (owners)."""
        _authorize(can_edit_ladder(g.actor))
        update_invoice_settings(g.actor, {"reminders_enabled": data["enabled"]})
        commit()
        return _ladder()


@blp.route("/reminders/steps")
class StepsResource(MethodView):
    @roles("owner")
    @blp.arguments(StepIn)
    @blp.response(201, StepOut)
    def post(self, data: dict, agency_slug: str) -> dict:
        """Add a step (owners). Saves the default ladder first if it was never saved.
        Templates are checked: syntax errors, unknown variables and anything beyond the
        documented variables, `if` and the string filters are a 422 naming the field."""
        _authorize(can_edit_ladder(g.actor))
        step = create_step(g.actor, data)
        commit()
        return _step_out(step, {})


@blp.route("/reminders/steps/<int:step_id>")
class StepResource(MethodView):
    @roles(*MANAGERS)
    @loads(get_step_or_404, "step_id", "step")
    @blp.response(200, StepOut)
    def get(self, agency_slug: str, step: ReminderStep) -> dict:
        """One step."""
        _authorize(can_see_ladder(g.actor))
        return _step_out(step, sends_per_step())

    @roles("owner")
    @loads(get_step_or_404, "step_id", "step")
    @blp.arguments(StepPatchIn)
    @blp.response(200, StepOut)
    def patch(self, data: dict, agency_slug: str, step: ReminderStep) -> dict:
        """Change a step (owners); the ladder keeps at least one active step (409)."""
        _authorize(can_edit_ladder(g.actor))
        update_step(g.actor, step, data)
        commit()
        return _step_out(step, sends_per_step())

    @roles("owner")
    @loads(get_step_or_404, "step_id", "step")
    @blp.response(204)
    def delete(self, agency_slug: str, step: ReminderStep) -> None:
        """Remove a step that never went out (409 otherwise: turn it off instead)."""
        _authorize(can_edit_ladder(g.actor))
        delete_step(g.actor, step)
        commit()


@blp.route("/reminders/preview")
class PreviewResource(MethodView):
    @roles(*MANAGERS)
    @blp.arguments(PreviewIn)
    @blp.response(200, PreviewOut)
    def post(self, data: dict, agency_slug: str) -> dict:
        """Render templates with sample values; nothing is saved."""
        _authorize(can_see_ladder(g.actor))
        rendered = render_reminder(data["subject_template"], data["body_template"], sample_values())
        return {"subject": rendered.subject, "text": rendered.text, "html": str(rendered.html)}


@blp.route("/invoices/<int:invoice_id>/reminders")
class InvoiceRemindersResource(MethodView):
    @roles(*MANAGERS)
    @loads(get_invoice_or_404, "invoice_id", "invoice")
    @blp.response(200, InvoiceRemindersOut)
    def get(self, agency_slug: str, invoice: Invoice) -> Any:
        """An invoice's reminders: history (sent and skipped, when, to whom), the next
        planned step, and why none will go out if so."""
        _authorize(can_see_reminders(g.actor, invoice))
        return invoice_reminders(invoice)

    @roles(*MANAGERS)
    @loads(get_invoice_or_404, "invoice_id", "invoice")
    @blp.arguments(InvoiceRemindersPatchIn)
    @blp.response(200, InvoiceRemindersOut)
    def patch(self, data: dict, agency_slug: str, invoice: Invoice) -> Any:
        """Pause or resume the invoice's reminders, or flag or clear a dispute."""
        _authorize(can_flag_invoice(g.actor, invoice))
        if "paused" in data:
            set_reminders_paused(g.actor, invoice, data["paused"])
        if "disputed" in data:
            set_disputed(g.actor, invoice, data["disputed"])
        commit()
        return invoice_reminders(invoice)


@blp.route("/invoices/<int:invoice_id>/reminders/send")
class InvoiceReminderSend(MethodView):
    @roles(*MANAGERS)
    @idempotent
    @loads(get_invoice_or_404, "invoice_id", "invoice")
    @blp.response(201, InvoiceRemindersOut)
    @blp.doc(responses={"409": error_response(
        "No reminder may go out (paid, void, disputed, draft, no contact email, or one was "
        "already sent by hand today).")})  # fmt: skip
    def post(self, agency_slug: str, invoice: Invoice) -> Any:
        """Send a payment reminder now, by hand: the wording of the step the invoice has
        reached, to the client's billing contacts. At most one per invoice and client-local
        day; the automatic ladder carries on as planned."""
        _authorize(can_send_reminder_now(g.actor, invoice))
        send_reminder_now(g.actor, invoice)
        commit()
        return invoice_reminders(invoice)


@blp.route("/clients/<int:client_id>/reminders")
class ClientRemindersResource(MethodView):
    @roles(*MANAGERS)
    @loads(get_client_or_404, "client_id", "client")
    @blp.response(200, ClientRemindersOut)
    def get(self, agency_slug: str, client: Client) -> dict:
        """Whether reminders are paused for every invoice of the client."""
        _authorize(can_manage_billing(g.actor, client))
        return {"client_id": client.id, "paused": client.reminders_paused}

    @roles(*MANAGERS)
    @loads(get_client_or_404, "client_id", "client")
    @blp.arguments(PauseIn)
    @blp.response(200, ClientRemindersOut)
    def patch(self, data: dict, agency_slug: str, client: Client) -> dict:
        """Pause or resume reminders for every invoice of the client."""
        _authorize(can_manage_billing(g.actor, client))
        set_client_reminders_paused(g.actor, client, data["paused"])
        commit()
        return {"client_id": client.id, "paused": client.reminders_paused}
