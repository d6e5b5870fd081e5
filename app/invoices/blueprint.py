"""The billing pages' and API's blueprints, made here once: `bp` (the invoice, payment,
retainer and settings pages) and `blp` (the invoices API, which also carries payments,
receivables, deposits, tax rates and retainers: one group in the API documents). Route
modules of app.invoices, app.payments and app.retainers add their routes to them; the app
factory imports those modules. The status and method labels and the helpers every billing
template uses live here too.
"""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, g
from flask_smorest import Blueprint as ApiBlueprint

from app.core.formatting import format_number
from app.core.money import format_plain, input_value, page_money
from app.core.translation import lazy_gettext
from app.invoices.csv_export import plain
from app.invoices.lines import shown_label
from app.invoices.models import Invoice
from app.invoices.queries import display_status, get_invoice_or_404

bp = Blueprint("invoices", __name__, template_folder="templates")

STATUS_LABELS = {
    "draft": lazy_gettext("Draft"),
    "issued": lazy_gettext("Issued"),
    "sent": lazy_gettext("Sent"),
    "partially_paid": lazy_gettext("Partly paid"),
    "paid": lazy_gettext("Paid"),
    "void": lazy_gettext("Void"),
    "overdue": lazy_gettext("Overdue"),
}
METHOD_LABELS = {
    "bank_transfer": lazy_gettext("Bank transfer"),
    "paypal": lazy_gettext("PayPal"),
    "wise": lazy_gettext("Wise"),
    "card": lazy_gettext("Card"),
    "cash": lazy_gettext("Cash"),
    "other": lazy_gettext("Other"),
}


@bp.context_processor
def _helpers() -> dict:
    return {
        "money": page_money,
        "plain_money": format_plain,
        "input_value": input_value,
        "STATUS_LABELS": STATUS_LABELS,
        "METHOD_LABELS": METHOD_LABELS,
        "display_status": display_status,
        "invoice_label": shown_label,
        "num": plain,
        "exact": exact_number,
    }


def exact_number(value: Decimal | None) -> str:
    """A rate or quantity in the reader's digits, every decimal it has ('1.0834' -> '١٫٠٨٣٤'
    in ar_EG), where `num` writes it for a form's input (Latin digits)."""
    return "" if value is None else format_number(value, pattern="#,##0.##########")


blp = ApiBlueprint(
    "invoices_api",
    __name__,
    url_prefix="/api/v1/<agency_slug>",
    description="Invoices, credit notes, lines, payments, receivables, tax rates, retainers",
)


def fresh(invoice: Invoice) -> Invoice:
    """The invoice as committed (lines in order), for the response."""
    return get_invoice_or_404(g.actor, invoice.id)
