"""HTML page of the accountants' exports: a form (format, what, from, to) whose downloads
are streamed CSV files; a bad choice re-renders the form at 422 with the message beside its
field. Owners and managers only."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from app.core.clock import today_in
from app.core.errors import ValidationFailed
from app.core.permissions import MANAGERS, authorize, roles
from app.core.schemas import load_form
from app.core.translation import lazy_gettext
from app.ledger.downloads import ledger_download
from app.ledger.formats import ACCOUNTS
from app.ledger.policy import can_export_ledger
from app.ledger.queries import Period
from app.ledger.schemas import FORMATS, SUBJECTS, LedgerArgs

bp = Blueprint("ledger", __name__, template_folder="templates")

FORMAT_LABELS = {
    "journal": lazy_gettext("Double-entry journal (generic CSV)"),
    # Product names, written the same in every language.
    "xero": "Xero",
    "quickbooks": "QuickBooks",
}
SUBJECT_LABELS = {
    "documents": lazy_gettext("Invoices and credit notes"),
    "payments": lazy_gettext("Payments and refunds"),
    "time": lazy_gettext("Approved time"),
}
ACCOUNT_LABELS = {
    "1000": lazy_gettext("Bank"),
    "1100": lazy_gettext("Receivables"),
    "2200": lazy_gettext("Tax"),
    "4000": lazy_gettext("Revenue"),
}
assert set(ACCOUNT_LABELS) == set(ACCOUNTS)


def _last_month(zone: str) -> dict[str, str]:
    period = Period.chosen({}, today_in(zone), zone)
    return {
        "format": "journal",
        "what": "documents",
        "date_from": period.start.isoformat(),
        "date_to": period.end.isoformat(),
    }


def _page(values: dict, errors: dict, status: int) -> ResponseReturnValue:
    return render_template(
        "ledger/exports.html",
        values=values,
        errors=errors,
        formats=[(name, FORMAT_LABELS[name]) for name in FORMATS],
        subjects=[(name, SUBJECT_LABELS[name]) for name in SUBJECTS],
        accounts=ACCOUNT_LABELS,
    ), status


@bp.get("/<agency_slug>/accounting-exports")
@roles(*MANAGERS)
def exports_page(agency_slug: str) -> ResponseReturnValue:
    """The form, last month (in the agency's zone) chosen."""
    authorize(can_export_ledger(g.actor))
    return _page(_last_month(g.actor.agency.time_zone or "UTC"), {}, 200)


@bp.get("/<agency_slug>/accounting-exports/download")
@roles(*MANAGERS)
def download_export(agency_slug: str) -> ResponseReturnValue:
    """The chosen export as a CSV download, or the form again naming the wrong field."""
    authorize(can_export_ledger(g.actor))
    known = set(LedgerArgs().fields)
    raw = MultiDict([(k, v) for k, v in request.args.items(multi=True) if k in known])
    try:
        args = load_form(LedgerArgs(), raw)
    except ValidationFailed as exc:
        return _page(raw.to_dict(), exc.errors, 422)
    return ledger_download(g.actor, args)
