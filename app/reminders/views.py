"""HTML pages of payment reminders: the agency's ladder (owners), a step's editor with a
preview, an invoice's reminder history, and the pause / dispute switches.

The invoice page includes `reminders/_panel.html`, which reads its data through the
`reminder_panel(invoice)` template global registered here (plain values, one query each
for the history, the steps and the client's pause flag).

Each view: load (404 when not visible) -> authorize (403) -> parse with the domain schema
(422 with messages beside the fields) -> service -> commit once -> redirect.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from app.clients.queries import get_client_or_404
from app.core.errors import Conflict, ValidationFailed
from app.core.formatting import format_number, localise_digits, reader_locale
from app.core.idempotency import once_per_form
from app.core.permissions import MANAGERS, roles
from app.core.permissions import authorize as _authorize
from app.core.schemas import load_form
from app.core.translation import gettext as _
from app.core.translation import lazy_gettext, ngettext
from app.core.uow import commit
from app.extensions import db
from app.invoices.policy import can_flag_invoice, can_manage_billing, can_send_reminder_now
from app.invoices.queries import get_invoice_or_404
from app.invoices.services import set_client_reminders_paused, set_disputed, set_reminders_paused
from app.invoices.settings import update_invoice_settings
from app.reminders.manual import send_reminder_now
from app.reminders.messages import (
    BODY_MAX,
    SUBJECT_MAX,
    describe_variables,
    render_reminder,
    sample_values,
)
from app.reminders.policy import can_edit_ladder, can_see_reminders, reminder_block_reason
from app.reminders.schedule import SEND_TIME
from app.reminders.schemas import (
    DisputeIn,
    LadderIn,
    PauseIn,
    StepIn,
)
from app.reminders.services import (
    STEP_FIELDS,
    create_step,
    default_steps,
    delete_step,
    ensure_ladder,
    get_step_or_404,
    invoice_reminders,
    ladder_steps,
    reminders_enabled,
    sends_per_step,
    update_step,
)
from app.reminders.texts import block_reason_text, skip_reason_text

bp = Blueprint("reminders", __name__, template_folder="templates")


@bp.app_template_global()
def reminder_panel(invoice: Any) -> dict | None:
    """What `_reminders.html` shows for `invoice`, or None for viewers who see no reminders."""
    actor = g.get("actor")
    if actor is None or invoice is None or not can_see_reminders(actor, invoice):
        return None
    state = invoice_reminders(invoice)
    return {
        "state": state,
        "invoice": invoice,
        "can_flag": can_flag_invoice(actor, invoice),
        "can_send_now": can_send_reminder_now(actor, invoice)
        and reminder_block_reason(invoice, client_paused=False, agency_enabled=True, by_hand=True)
        is None,
        "can_pause_client": can_manage_billing(actor, None),
        "can_edit_ladder": can_edit_ladder(actor),
        "slug": actor.agency.slug,
        "blocked_reason": block_reason_text(state.blocked_reason),
    }


# What each template variable holds (app.reminders.messages.VARIABLES), for the pages.
_VARIABLE_DESCRIPTIONS = {
    "client_name": lazy_gettext("The client's name"),
    "invoice_number": lazy_gettext("The invoice number"),
    "amount_due": lazy_gettext("The balance still due, formatted in the client's locale"),
    "due_date": lazy_gettext("The due date, written in the client's locale"),
    "days_overdue": lazy_gettext("Whole days past the due date (0 before it)"),
    "days_until_due": lazy_gettext("Whole days until the due date (0 on or after it)"),
    "invoice_link": lazy_gettext("A link to the invoice"),
    "agency_name": lazy_gettext("Your agency's name"),
}


def _variables() -> list[dict[str, str]]:
    return [
        {**v, "description": str(_VARIABLE_DESCRIPTIONS.get(v["name"], v["description"]))}
        for v in describe_variables()
    ]


@bp.app_template_global()
def reminder_step_label(offset: int) -> str:
    """'3 days before due', 'on the due date', '7 days after due', in the reader's language
    (`label_offset` keeps the English for audit summaries)."""
    if offset == 0:
        return _("on the due date")
    days = abs(offset)
    if offset < 0:
        return ngettext("%(num)d day before due", "%(num)d days before due", days)
    return ngettext("%(num)d day after due", "%(num)d days after due", days)


@bp.app_template_global()
def reminder_offset(offset: int) -> str:
    """A step's offset in days, signed, in the reader's digits: '+14', '-3', '0' ('+١٤' in
    ar_EG)."""
    return format_number(offset, pattern="+#,##0;-#,##0") if offset else format_number(0)


@bp.app_template_global()
def reminder_skip_reason(reason: str | None) -> str | None:
    """Why a step was skipped, in the reader's language (the record keeps English)."""
    return skip_reason_text(reason, reminder_step_label)


# --- the ladder ------------------------------------------------------------------------------


def _render_ladder(errors: dict | None = None, status: int = 200) -> ResponseReturnValue:
    steps = ladder_steps()
    return render_template(
        "reminders/ladder.html",
        installed=bool(steps),
        steps=steps or default_steps(),
        sent=sends_per_step(),
        enabled=reminders_enabled(),
        variables=_variables(),
        send_time=localise_digits(SEND_TIME.strftime("%H:%M"), reader_locale()),
        errors=errors or {},
    ), status


@bp.route("/<agency_slug>/settings/reminders", methods=["GET", "POST"])
@roles("owner")
def edit_ladder(agency_slug: str) -> ResponseReturnValue:
    """The ladder and the agency's on/off switch (the switch is the POST)."""
    _authorize(can_edit_ladder(g.actor))
    if request.method == "POST":
        try:
            data = load_form(LadderIn(), request.form)
            update_invoice_settings(g.actor, {"reminders_enabled": data["enabled"]})
            commit()
        except ValidationFailed as exc:
            db.session.rollback()
            return _render_ladder(exc.errors, 422)
        flash(
            _("Payment reminders on.") if data["enabled"] else _("Payment reminders off."),
            "success",
        )
        return redirect(url_for("reminders.edit_ladder", agency_slug=agency_slug))
    return _render_ladder()


@bp.post("/<agency_slug>/settings/reminders/install")
@roles("owner")
def install_ladder(agency_slug: str) -> ResponseReturnValue:
    """Save the default ladder so its steps can be edited."""
    _authorize(can_edit_ladder(g.actor))
    ensure_ladder(g.actor)
    commit()
    flash(_("The default ladder is saved; edit any step below."), "success")
    return redirect(url_for("reminders.edit_ladder", agency_slug=agency_slug))


def _form_and_action() -> tuple[MultiDict, str]:
    """The posted form without the button that was pressed (save or preview)."""
    form = request.form.copy()
    action = form.pop("action", "save")
    return form, action


def _preview(data: dict) -> dict:
    rendered = render_reminder(data["subject_template"], data["body_template"], sample_values())
    return {"subject": rendered.subject, "text": rendered.text, "html": rendered.html}


def _step_page(step: Any, values: dict, errors: dict, preview: dict | None, status: int):
    return render_template(
        "reminders/step.html",
        step=step,
        values=values,
        errors=errors,
        preview=preview,
        variables=_variables(),
        subject_max=SUBJECT_MAX,
        body_max=BODY_MAX,
    ), status


@bp.route("/<agency_slug>/settings/reminders/steps/new", methods=["GET", "POST"])
@roles("owner")
def new_step(agency_slug: str) -> ResponseReturnValue:
    _authorize(can_edit_ladder(g.actor))
    values: dict = {"offset_days": 21, "active": True}
    defaults = default_steps()
    values.update(subject_template=defaults[-1].subject_template,
                  body_template=defaults[-1].body_template)  # fmt: skip
    errors: dict = {}
    preview = None
    if request.method == "POST":
        form, action = _form_and_action()
        values = form.to_dict()
        values["active"] = "active" in form
        try:
            data = load_form(StepIn(), form)
            if action == "preview":
                return _step_page(None, values, {}, _preview(data), 200)
            step = create_step(g.actor, data)
            commit()
            flash(_("Step %(step)s added.", step=reminder_step_label(step.offset_days)), "success")
            return redirect(url_for("reminders.edit_ladder", agency_slug=agency_slug))
        except ValidationFailed as exc:
            db.session.rollback()
            errors = exc.errors
    return _step_page(None, values, errors, preview, 422 if errors else 200)


@bp.route("/<agency_slug>/settings/reminders/steps/<int:step_id>", methods=["GET", "POST"])
@roles("owner")
def edit_step(agency_slug: str, step_id: int) -> ResponseReturnValue:
    step = get_step_or_404(g.actor, step_id)
    _authorize(can_edit_ladder(g.actor))
    values: dict = {k: getattr(step, k) for k in STEP_FIELDS}
    errors: dict = {}
    if request.method == "POST":
        form, action = _form_and_action()
        values = form.to_dict()
        values["active"] = "active" in form
        try:
            data = load_form(StepIn(), form)
            if action == "preview":
                return _step_page(step, values, {}, _preview(data), 200)
            update_step(g.actor, step, data)
            commit()
            flash(_("Step %(step)s saved.", step=reminder_step_label(step.offset_days)), "success")
            return redirect(url_for("reminders.edit_ladder", agency_slug=agency_slug))
        except (ValidationFailed, Conflict) as exc:
            db.session.rollback()
            errors = exc.errors or {"_schema": [exc.message]}
            status = exc.status
            return _step_page(step, values, errors, None, status)
    return _step_page(step, values, errors, None, 200)


@bp.post("/<agency_slug>/settings/reminders/steps/<int:step_id>/delete")
@roles("owner")
def remove_step(agency_slug: str, step_id: int) -> ResponseReturnValue:
    step = get_step_or_404(g.actor, step_id)
    _authorize(can_edit_ladder(g.actor))
    label = reminder_step_label(step.offset_days)
    try:
        delete_step(g.actor, step)
        commit()
    except Conflict as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(
            url_for("reminders.edit_step", agency_slug=agency_slug, step_id=step_id)
        ), 303
    flash(_("Step %(step)s removed.", step=label), "success")
    return redirect(url_for("reminders.edit_ladder", agency_slug=agency_slug))


# --- an invoice's reminders ---------------------------------------------------------------


def _back_to_invoice(agency_slug: str, invoice_id: int) -> str:
    """The invoice's own page (its reminder panel), else the reminder page."""
    if "invoices.show_invoice" in current_app.view_functions:
        url = url_for("invoices.show_invoice", agency_slug=agency_slug, invoice_id=invoice_id)
        return url + "#reminders"
    return url_for("reminders.invoice_page", agency_slug=agency_slug, invoice_id=invoice_id)


def _back_to_client(agency_slug: str, client_id: int) -> str:
    """Where the client pause was pressed (the invoice page or the client's billing page)."""
    if _same_app(request.referrer):
        return request.referrer
    if "invoices.client_billing" in current_app.view_functions:
        return url_for("invoices.client_billing", agency_slug=agency_slug, client_id=client_id)
    return url_for("clients.client_detail", agency_slug=agency_slug, client_id=client_id)


@bp.get("/<agency_slug>/invoices/<int:invoice_id>/reminders")
@roles(*MANAGERS)
def invoice_page(agency_slug: str, invoice_id: int) -> ResponseReturnValue:
    """An invoice's reminder history and next step (the invoice page shows the same)."""
    invoice = get_invoice_or_404(g.actor, invoice_id)
    _authorize(can_see_reminders(g.actor, invoice))
    return render_template("reminders/invoice.html", invoice=invoice)


@bp.post("/<agency_slug>/invoices/<int:invoice_id>/reminders/pause")
@roles(*MANAGERS)
def pause_invoice(agency_slug: str, invoice_id: int) -> ResponseReturnValue:
    """Pause (paused=true) or resume (paused=false) the invoice's reminders."""
    invoice = get_invoice_or_404(g.actor, invoice_id)
    _authorize(can_flag_invoice(g.actor, invoice))
    return _flag(agency_slug, invoice, PauseIn(), "paused", set_reminders_paused)


@bp.post("/<agency_slug>/invoices/<int:invoice_id>/reminders/dispute")
@roles(*MANAGERS)
def dispute_invoice(agency_slug: str, invoice_id: int) -> ResponseReturnValue:
    """Flag (disputed=true) or clear (disputed=false) a dispute: no reminders meanwhile."""
    invoice = get_invoice_or_404(g.actor, invoice_id)
    _authorize(can_flag_invoice(g.actor, invoice))
    return _flag(agency_slug, invoice, DisputeIn(), "disputed", set_disputed)


@bp.post("/<agency_slug>/invoices/<int:invoice_id>/reminders/send")
@roles(*MANAGERS)
@once_per_form
def send_now(agency_slug: str, invoice_id: int) -> ResponseReturnValue:
    """Send a payment reminder now, by hand (at most one per invoice and client-local day)."""
    invoice = get_invoice_or_404(g.actor, invoice_id)
    _authorize(can_send_reminder_now(g.actor, invoice))
    target = _back_to_invoice(agency_slug, invoice.id)
    try:
        send = send_reminder_now(g.actor, invoice)
        commit()
    except Conflict as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(target, 303)
    flash(
        _("Reminder sent to %(recipients)s.", recipients=", ".join(send.recipients or [])),
        "success",
    )
    return redirect(target)


_FLAG_MESSAGES = {
    ("paused", True): lazy_gettext("Reminders paused for this invoice."),
    ("paused", False): lazy_gettext("Reminders resumed for this invoice."),
    ("disputed", True): lazy_gettext(
        "Flagged as disputed: no reminders until the dispute is cleared."
    ),
    ("disputed", False): lazy_gettext("Dispute cleared; reminders continue."),
}


def _flag(agency_slug: str, invoice: Any, schema: Any, name: str, service: Any):
    target = _back_to_invoice(agency_slug, invoice.id)
    try:
        data = load_form(schema, request.form)
        service(g.actor, invoice, data[name])
        commit()
    except (ValidationFailed, Conflict) as exc:
        db.session.rollback()
        details = [f"{k}: {' '.join(map(str, v))}" for k, v in (exc.errors or {}).items()]
        flash(" ".join([exc.message, *details]), "danger")
        return redirect(target, 303)
    flash(str(_FLAG_MESSAGES[(name, data[name])]), "success")
    return redirect(target)


@bp.post("/<agency_slug>/clients/<int:client_id>/reminders/pause")
@roles(*MANAGERS)
def pause_client(agency_slug: str, client_id: int) -> ResponseReturnValue:
    """Pause (paused=true) or resume (paused=false) reminders for all of a client's invoices."""
    client = get_client_or_404(g.actor, client_id)
    _authorize(can_manage_billing(g.actor, client))
    target = _back_to_client(agency_slug, client.id)
    try:
        data = load_form(PauseIn(), request.form)
        set_client_reminders_paused(g.actor, client, data["paused"])
        commit()
    except ValidationFailed as exc:
        db.session.rollback()
        flash(f"{exc.message} {exc.errors}", "danger")
        return redirect(target, 303)
    if data["paused"]:
        message = _("Reminders paused for every invoice of %(client)s.", client=client.name)
    else:
        message = _("Reminders resumed for every invoice of %(client)s.", client=client.name)
    flash(message, "success")
    return redirect(target)


def _same_app(url: str | None) -> bool:
    """A referrer on this host (never an open redirect)."""
    if not url:
        return False
    from urllib.parse import urlsplit

    ref, own = urlsplit(url), urlsplit(request.host_url)
    return ref.scheme == own.scheme and ref.netloc == own.netloc and ref.path.startswith("/")
