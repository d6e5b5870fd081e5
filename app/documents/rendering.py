"""An invoice as plain values, as HTML and as a PDF.

`invoice_context(invoice_id)` reads the invoice, its lines, client, agency and branding and
returns strings, numbers, booleans, lists and dicts of those only (no ORM objects reach the
template). Amounts come from `app.core.money.compute` and are formatted with
`format_money` in the invoice's locale; labels are translated with Flask-Babel into the
invoice's language (English or Arabic; Arabic documents are laid out right to left).
`render_invoice_pdf(context)` renders the autoescaped template with WeasyPrint through
`app.core.pdf.render_pdf`, which serves only the bundled CSS and the logo.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from babel import Locale
from flask import render_template
from flask_babel import force_locale
from markupsafe import Markup, escape

from app.agencies.models import Agency
from app.clients.models import Client
from app.core import storage
from app.core.formatting import babel_locale, format_long_date, format_number, format_percent
from app.core.i18n import speaking_locale
from app.core.money import compute, format_money
from app.core.pdf import render_pdf
from app.documents.branding import brand_context, branding_values, find_branding, text_lines
from app.extensions import db
from app.invoices.models import Invoice, InvoiceLine

TEMPLATE = "documents/pdf/invoice.html"
CSS_PATH = Path(__file__).resolve().parent / "templates" / "documents" / "pdf" / "invoice.css"
DOCUMENT_LANGUAGES = ("en", "ar")  # languages with a catalogue in app/documents/translations
DEDUCTION_KINDS = ("deposit_deduction",)

# The brand font and the fonts that carry Arabic in its style; every family is installed
# from Debian's fonts-dejavu-core and fonts-noto-core (see .ci/run).
FONT_STACKS = {
    "DejaVu Sans": ('"DejaVu Sans"', '"Noto Sans Arabic"'),
    "Noto Sans": ('"Noto Sans"', '"Noto Sans Arabic"', '"DejaVu Sans"'),
    "Noto Serif": ('"Noto Serif"', '"Noto Naskh Arabic"', '"DejaVu Serif"'),
}
ARABIC_FIRST = {
    "DejaVu Sans": '"Noto Sans Arabic"',
    "Noto Sans": '"Noto Sans Arabic"',
    "Noto Serif": '"Noto Naskh Arabic"',
}


# --- languages and direction ------------------------------------------------------------------


def _parse_locale(value: str | None) -> Locale:
    return babel_locale(value)


def document_language(locale: str | None) -> str:
    """The language labels are printed in: the locale's language when we have a catalogue
    for it, else English (amounts and dates still follow the full locale)."""
    language = _parse_locale(locale).language
    return language if language in DOCUMENT_LANGUAGES else "en"


def text_direction(language: str) -> str:
    return "rtl" if _parse_locale(language).character_order == "right-to-left" else "ltr"


def first_strong_direction(text: str) -> str | None:
    """'ltr' or 'rtl' from the first strong character (as HTML's dir=auto), 'ltr' for text
    of digits and punctuation only, None for empty text."""
    digits = False
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
        if kind in ("EN", "AN"):
            digits = True
    return "ltr" if digits else None


def isolate(value: Any, doc_dir: str) -> Markup:
    """`value` escaped, wrapped in <span dir="..."> when its direction differs from the
    document's: in an Arabic invoice '12 Baker Street' would otherwise print as
    'Baker Street 12' (WeasyPrint ignores <bdi>, so a span with dir it is)."""
    text = "" if value is None else str(value)
    direction = first_strong_direction(text)
    if direction is None or direction == doc_dir:
        return escape(text)
    return Markup('<span dir="{}">{}</span>').format(direction, text)


def css_page_label(label: str) -> Markup:
    """The translated 'Page {page} of {pages}' as a CSS `content` value with counters.
    Literal parts are CSS strings with every quote, backslash and '<' escaped."""

    def css_string(part: str) -> str:
        out = []
        for ch in part:
            if ch in '"\\<>' or ord(ch) < 0x20:
                out.append(f"\\{ord(ch):x} ")
            else:
                out.append(ch)
        return '"' + "".join(out) + '"'

    pieces = re.split(r"(\{page\}|\{pages\})", str(label))
    css = []
    for piece in pieces:
        if piece == "{page}":
            css.append("counter(page)")
        elif piece == "{pages}":
            css.append("counter(pages)")
        elif piece:
            css.append(css_string(piece))
    return Markup(" ".join(css) or '""')  # noqa: S704 - literals CSS-escaped above


# Fonts for every script a client locale may use, after the brand font: Debian's
# fonts-noto-core (Latin, Cyrillic, Greek, Arabic, Hebrew, Devanagari, Thai) and
# fonts-noto-cjk (Chinese, Japanese, Korean), installed by docker/Dockerfile and .ci/run.
# Naming them keeps the choice fixed instead of leaving it to fontconfig's fallback order.
SCRIPT_FALLBACKS = (
    '"Noto Sans"',
    '"Noto Sans Arabic"',
    '"Noto Sans Hebrew"',
    '"Noto Sans Devanagari"',
    '"Noto Sans Thai"',
)
# Han characters are drawn differently in Japan, China, Taiwan and Korea: the document's
# language picks which CJK face comes first; the others follow for mixed text.
CJK_BY_LANGUAGE = {
    "ja": '"Noto Sans CJK JP"',
    "ko": '"Noto Sans CJK KR"',
    "zh": '"Noto Sans CJK SC"',
    "zh_Hant": '"Noto Sans CJK TC"',
}
CJK_ORDER = ('"Noto Sans CJK JP"', '"Noto Sans CJK KR"', '"Noto Sans CJK SC"',
             '"Noto Sans CJK TC"')  # fmt: skip


def font_stack(font: str | None, doc_dir: str, lang: str = "") -> str:
    """A CSS font-family list from fixed names only (never from stored text): the brand
    font, then a Noto face for every script (CJK in the order `lang` prefers)."""
    stack = list(FONT_STACKS.get(font or "", FONT_STACKS["DejaVu Sans"]))
    if doc_dir == "rtl":
        first = ARABIC_FIRST.get(font or "", '"Noto Sans Arabic"')
        stack = [first] + [f for f in stack if f != first]
    base = lang.replace("-", "_").split("_")[0]
    hant = base == "zh" and any(t in lang for t in ("Hant", "TW", "HK", "MO"))
    preferred = CJK_BY_LANGUAGE["zh_Hant"] if hant else CJK_BY_LANGUAGE.get(base)
    cjk = [preferred] if preferred else []
    cjk += [f for f in CJK_ORDER if f not in cjk]
    out: list[str] = []
    for name in [*stack, *SCRIPT_FALLBACKS, *cjk, '"DejaVu Sans"', "sans-serif"]:
        if name not in out:
            out.append(name)
    return ", ".join(out)


# --- the plain-values context ------------------------------------------------------------------


def _web_link(value: str | None) -> str | None:
    return value if value and value.lower().startswith(("https://", "http://")) else None


def _quantity(value: Decimal, locale: Locale) -> str:
    return format_number(Decimal(value).normalize(), str(locale), pattern="#,##0.######")


def _date(value: dt.date | None, locale: Locale) -> str | None:
    return format_long_date(value, str(locale)) if value else None


def _rate(rate: Decimal, locale: Locale) -> str:
    return format_percent(Decimal(rate), str(locale), pattern="#,##0.###%")


def _row(kind: str, amount: str, detail: str = "", *, inclusive: bool = False) -> dict[str, Any]:
    return {"kind": kind, "amount": amount, "detail": detail, "inclusive": inclusive}


def _recipient(client: Client | None) -> tuple[str | None, str | None]:
    """The billing contact shown under 'Bill to' (first billing contact with an email,
    else the first contact with an email)."""
    with_email = [c for c in (client.contacts if client else []) if c.email]
    if not with_email:
        return None, None
    first = min(with_email, key=lambda c: (not c.is_billing, c.id))
    return first.name, first.email


def invoice_context(invoice_id: int) -> dict[str, Any]:
    """Everything the invoice template shows, as plain values (tenant-scoped: the invoice
    must belong to the current agency)."""
    # One statement for the invoice, its client and the agency (the client's contacts come
    # with it: the relationship loads by SELECT IN), then the lines and the branding.
    found = db.session.execute(
        sa.select(Invoice, Client, Agency)
        .outerjoin(Client, Client.id == Invoice.client_id)
        .join(Agency, Agency.id == Invoice.agency_id)
        .where(Invoice.id == invoice_id)
    ).first()
    if found is None:
        raise LookupError(f"invoice {invoice_id} not found in this agency")
    invoice, client, agency = found
    lines: list[InvoiceLine] = list(
        db.session.scalars(
            sa.select(InvoiceLine)
            .where(InvoiceLine.invoice_id == invoice_id)
            .order_by(InvoiceLine.position, InvoiceLine.id)
        )
    )
    branding = find_branding()
    number_of = _numbers_of(invoice.deposit_invoice_id, invoice.credited_invoice_id)

    locale_code = invoice.locale or (client.locale if client else None) or "en"
    loc = _parse_locale(locale_code)
    language = document_language(locale_code)
    currency = invoice.currency

    def money(minor: int) -> str:
        return format_money(minor, currency, str(loc))

    totals = compute(lines, invoice.rounding)
    shown: list[dict[str, Any]] = []
    deductions: list[tuple[InvoiceLine, Any]] = []
    tax_groups: dict[tuple[str, Decimal, bool], int] = {}
    subtotal = tax = gross_total = 0
    any_discount = False
    for line, amounts in zip(lines, totals.lines, strict=True):
        if line.kind in DEDUCTION_KINDS:
            deductions.append((line, amounts))
            continue
        subtotal += amounts.net
        tax += amounts.tax
        gross_total += amounts.gross
        rate = Decimal(line.tax_rate or 0)
        tax_label = ""
        if rate:
            key = (line.tax_name or "", rate.normalize(), bool(line.tax_inclusive))
            tax_groups[key] = tax_groups.get(key, 0) + amounts.tax
            tax_label = _rate(rate, loc)
        discount = Decimal(line.discount_percent or 0)
        any_discount = any_discount or bool(discount)
        shown.append(
            {
                "description": line.description,
                "quantity": _quantity(line.quantity, loc),
                "unit_price": money(line.unit_price_minor),
                "discount": _rate(discount / 100, loc) if discount else "",
                "tax": tax_label,
                # What the line adds to the document: net for exclusive tax, gross when the
                # price includes tax (so the column adds up to the subtotal or total shown).
                "amount": money(amounts.gross if line.tax_inclusive else amounts.net),
            }
        )

    rows: list[dict[str, Any]] = [_row("subtotal", money(subtotal))]
    for (name, rate, inclusive), amount in sorted(tax_groups.items(), key=lambda kv: kv[0][1]):
        detail = " ".join(p for p in (name, _rate(rate, loc)) if p)
        rows.append(_row("tax", money(amount), detail, inclusive=inclusive))
    is_credit = invoice.kind == "credit_note"
    rows.append(_row("credit" if is_credit else "total", money(gross_total)))
    deducted = 0
    for _line, amounts in deductions:
        deducted += amounts.gross
        detail = number_of.get(invoice.deposit_invoice_id or 0) or ""
        rows.append(_row("deposit", money(amounts.gross), detail))
    paid = int(invoice.paid_minor or 0)
    if paid:
        rows.append(_row("paid", money(-paid)))
    credited = int(getattr(invoice, "credited_minor", 0) or 0)
    if credited:
        rows.append(_row("credited", money(-credited)))
    due = totals.total - paid - credited
    if not is_credit:
        rows.append(_row("due", money(due)))

    contact_name, contact_email = _recipient(client)
    values = branding_values(branding)
    brand = brand_context(branding, tax_id=True)
    payment = {
        "bank_lines": text_lines(values["bank_details"]),
        "paypal_url": _web_link(values["paypal_url"]),
        "wise_url": _web_link(values["wise_url"]),
    }
    payment["any"] = bool(payment["bank_lines"] or payment["paypal_url"] or payment["wise_url"])
    title_kind = "credit_note" if is_credit else ("deposit" if invoice.is_deposit else "invoice")
    return {
        "doc": document_context(language, str(loc), brand["font"]),
        "agency": {"id": invoice.agency_id, "name": agency.name if agency else ""},
        "brand": brand,
        "client": {
            "id": invoice.client_id,
            "name": client.name if client else "",
            "contact_name": contact_name or "",
            "contact_email": contact_email or "",
        },
        "invoice": {
            "id": invoice.id,
            "kind": invoice.kind,
            "title_kind": title_kind,
            "number": invoice.number or "",
            "status": invoice.status,
            "currency": currency,
            "issue_date": _date(invoice.issue_date, loc),
            "due_date": _date(invoice.due_date, loc),
            "period_label": invoice.period_label or "",
            "credited_number": number_of.get(invoice.credited_invoice_id or 0) or "",
            "notes_lines": text_lines(invoice.notes),
            "total_minor": totals.total,
            "due_minor": due,
            "deducted_minor": deducted,
            "lock_version": invoice.lock_version,
        },
        "lines": shown,
        "show_discount": any_discount,
        "show_tax": bool(tax_groups),
        "totals": rows,
        "payment": payment,
    }


def _numbers_of(*invoice_ids: int | None) -> dict[int, str]:
    ids = [i for i in invoice_ids if i]
    if not ids:
        return {}
    rows = db.session.execute(sa.select(Invoice.id, Invoice.number).where(Invoice.id.in_(ids)))
    return {row.id: row.number or "" for row in rows}


# --- HTML and PDF -------------------------------------------------------------------------------


@functools.cache
def _base_css() -> bytes:
    return CSS_PATH.read_bytes()


def document_context(language: str, locale: str, font: str | None) -> dict[str, str]:
    """The `doc` values of every PDF: language, direction, full locale and font stack."""
    doc_dir = text_direction(language)
    return {
        "lang": language,
        "dir": doc_dir,
        "locale": locale,
        "font_stack": font_stack(font, doc_dir, locale),
    }


def render_document_html(template: str, context: dict[str, Any]) -> str:
    """A PDF template's HTML in the document's language, with the `bidi` and
    `css_page_label` helpers every PDF template uses."""
    doc = context["doc"]
    with force_locale(speaking_locale(doc["locale"], doc["lang"])):
        return render_template(
            template,
            **context,
            bidi=functools.partial(isolate, doc_dir=doc["dir"]),
            css_page_label=css_page_label,
        )


def render_document_pdf(template: str, context: dict[str, Any]) -> bytes:
    """A PDF template as PDF bytes with the bundled CSS and the agency's logo."""
    doc = context["doc"]
    with force_locale(speaking_locale(doc["locale"], doc["lang"])):
        return render_pdf(render_document_html(template, context), assets=invoice_assets(context))


def render_invoice_html(context: dict[str, Any]) -> str:
    """The final HTML of the invoice, labels in the document's language."""
    return render_document_html(TEMPLATE, context)


def invoice_assets(context: dict[str, Any]) -> dict[str, bytes]:
    """The bundled files the HTML may reference: the CSS and the logo (checksum verified)."""
    assets = {"invoice.css": _base_css()}
    brand = context["brand"]
    if brand["has_logo"]:
        assets[brand["logo_name"]] = storage.get(brand["logo_key"], brand["logo_sha256"])
    return assets


def render_invoice_pdf(context: dict[str, Any]) -> bytes:
    """The invoice as PDF bytes (rendered in a worker, never per web request)."""
    return render_pdf(render_invoice_html(context), assets=invoice_assets(context))
