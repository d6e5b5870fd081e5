"""The rows of each accounting format, from the rows of app.ledger.queries.

Amounts are decimals in the document's currency with its own decimals (app.core.money:
1250 EUR minor units -> 12.50, JPY none, KWD three); dates are ISO (YYYY-MM-DD), which the
tools read whatever the organisation's region. People's text (client and person names,
descriptions, references) goes through app.core.spreadsheet.safe_cell: a cell that would
start a spreadsheet formula begins with a quote.

The texts written into the files (journal names, descriptions) are fixed English: these are
files for another program's importer, read by the same rules whatever the reader's language.

Xero and QuickBooks lines are tax-exclusive (Xero asks on import whether the file's amounts
are inclusive or exclusive: choose exclusive); a discounted or tax-inclusive line is written
as 1 x its net amount, so every line's product is exactly what the invoice says.

Account codes are agency-neutral defaults that the accountant maps on import:
1000 Bank, 1100 Receivables, 2200 Tax, 4000 Revenue.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from app.core.money import from_minor
from app.core.spreadsheet import safe_cell
from app.invoices.csv_export import plain
from app.reports.csv_export import hours_text

BANK, RECEIVABLES, TAX, REVENUE = "1000", "1100", "2200", "4000"
ACCOUNTS = {BANK: "Bank", RECEIVABLES: "Receivables", TAX: "Tax", REVENUE: "Revenue"}
# Xero's TaxType for a line without tax (the accountant maps named rates to their own).
XERO_NO_TAX = "Tax Exempt"
QUICKBOOKS_ITEM = "Services"

JOURNAL_COLUMNS = (
    "date", "journal", "account", "debit", "credit", "currency", "reference", "description",
)  # fmt: skip
XERO_INVOICE_COLUMNS = (
    "*ContactName", "EmailAddress", "*InvoiceNumber", "Reference", "*InvoiceDate", "*DueDate",
    "*Description", "*Quantity", "*UnitAmount", "*AccountCode", "*TaxType", "TaxAmount",
    "Currency",
)  # fmt: skip
# Xero's bank statement import (to reconcile receipts against the imported invoices).
XERO_PAYMENT_COLUMNS = (
    "*Date", "*Amount", "Payee", "Description", "Reference", "Currency",
)  # fmt: skip
QUICKBOOKS_INVOICE_COLUMNS = (
    "InvoiceNo", "Customer", "InvoiceDate", "DueDate", "Memo", "Item(Product/Service)",
    "ItemDescription", "ItemQuantity", "ItemRate", "ItemAmount", "ItemTaxCode",
    "ItemTaxAmount", "Currency",
)  # fmt: skip
QUICKBOOKS_PAYMENT_COLUMNS = (
    "PaymentDate", "Customer", "InvoiceNo", "Amount", "Currency", "PaymentMethod",
    "ReferenceNo", "Memo",
)  # fmt: skip
TIME_COLUMNS = (
    "date", "person", "client", "work_item", "hours", "billable", "invoice_number",
)  # fmt: skip


def money(minor: int, currency: str) -> str:
    """Minor units as a decimal in major units: 1250 EUR -> "12.50"."""
    return str(from_minor(minor, currency))


def _signed_lines(
    date: str, journal: str, currency: str, reference: str, text: str, amounts: dict[str, int]
) -> Iterator[list]:
    """Journal lines of one document: a positive amount is a debit, a negative a credit."""
    for account, minor in amounts.items():
        if minor == 0:
            continue
        debit = money(minor, currency) if minor > 0 else ""
        credit = money(-minor, currency) if minor < 0 else ""
        yield [date, journal, account, debit, credit, currency, reference, text]


def journal_document_rows(rows: Iterable[Any], zone: Any) -> Iterator[list]:
    """Receivables against revenue and tax per invoice; a credit note's negative totals
    reverse the same lines (revenue and tax debited, receivables credited)."""
    for _id, kind, number, issued_at, currency, total, tax, client, credited in rows:
        date = issued_at.astimezone(zone).date().isoformat()
        if kind == "credit_note":
            text = f"Credit note {number} on {credited or '-'} - {client}"
        else:
            text = f"Invoice {number} - {client}"
        amounts = {RECEIVABLES: total, REVENUE: -(total - tax), TAX: -tax}
        yield from _signed_lines(
            date, "sales", currency, safe_cell(number), safe_cell(text), amounts
        )


def journal_payment_rows(rows: Iterable[Any]) -> Iterator[list]:
    """Bank against receivables per payment; a refund the other way round."""
    for _id, paid_on, kind, method, reference, amount, number, currency, client in rows:
        signed = -amount if kind == "refund" else amount
        label = "Refund" if kind == "refund" else "Payment"
        text = f"{label} ({method}) on {number} - {client}" + (
            f" - {reference}" if reference else ""
        )
        yield from _signed_lines(
            paid_on.isoformat(), "bank", currency, safe_cell(number), safe_cell(text),
            {BANK: signed, RECEIVABLES: -signed},
        )  # fmt: skip


def _quantity_and_unit(
    quantity: Decimal, unit_minor: int, discount: Decimal, inclusive: bool, net: int, cur: str
) -> tuple[str, str]:
    """Quantity and tax-exclusive unit amount whose product is the line's net amount: as
    written on the line when it is, else 1 x the net (a discounted or tax-inclusive line)."""
    if not inclusive and not discount:
        return plain(quantity), money(unit_minor, cur)
    return "1", money(net, cur)


def xero_invoice_rows(rows: Iterable[Any]) -> Iterator[list]:
    """One row per line; a credit note's lines are negative (Xero makes it a credit note)."""
    for (_id, kind, number, issue_date, due_date, cur, client, email, _pos, description,
         quantity, unit, discount, tax_name, tax_rate, inclusive, net, tax,
         credited) in rows:  # fmt: skip
        qty, unit_amount = _quantity_and_unit(quantity, unit, discount, inclusive, net, cur)
        reference = f"Credit on {credited}" if kind == "credit_note" and credited else ""
        yield [
            safe_cell(client), safe_cell(email or ""), safe_cell(number), safe_cell(reference),
            issue_date.isoformat(), (due_date or issue_date).isoformat(),
            safe_cell(description), qty, unit_amount, REVENUE,
            safe_cell(tax_name) if tax_rate else XERO_NO_TAX, money(tax, cur), cur,
        ]  # fmt: skip


def xero_payment_rows(rows: Iterable[Any]) -> Iterator[list]:
    """Receipts positive, refunds negative, as a bank statement shows them."""
    for _id, paid_on, kind, method, reference, amount, number, currency, client in rows:
        signed = -amount if kind == "refund" else amount
        yield [
            paid_on.isoformat(), money(signed, currency), safe_cell(client),
            safe_cell(f"{'Refund' if kind == 'refund' else 'Payment'} ({method})"),
            safe_cell(" ".join(p for p in (number, reference) if p)), currency,
        ]  # fmt: skip


def quickbooks_invoice_rows(rows: Iterable[Any]) -> Iterator[list]:
    """One row per line; amounts tax-exclusive, a credit note's negative."""
    for (_id, kind, number, issue_date, due_date, cur, client, _email, _pos, description,
         quantity, unit, discount, tax_name, tax_rate, inclusive, net, tax,
         credited) in rows:  # fmt: skip
        qty, rate = _quantity_and_unit(quantity, unit, discount, inclusive, net, cur)
        memo = f"Credit note on {credited}" if kind == "credit_note" and credited else ""
        yield [
            safe_cell(number), safe_cell(client), issue_date.isoformat(),
            (due_date or issue_date).isoformat(), safe_cell(memo), QUICKBOOKS_ITEM,
            safe_cell(description), qty, rate, money(net, cur),
            safe_cell(tax_name) if tax_rate else "", money(tax, cur), cur,
        ]  # fmt: skip


def quickbooks_payment_rows(rows: Iterable[Any]) -> Iterator[list]:
    """One row per payment against its invoice; a refund negative."""
    for _id, paid_on, kind, method, reference, amount, number, currency, client in rows:
        signed = -amount if kind == "refund" else amount
        yield [
            paid_on.isoformat(), safe_cell(client), safe_cell(number),
            money(signed, currency), currency, method, safe_cell(reference or ""),
            "Refund" if kind == "refund" else "",
        ]  # fmt: skip


def time_rows(rows: Iterable[Any]) -> Iterator[list]:
    """One row per approved entry: decimal hours to two places."""
    for day, person, client, item, seconds, billable, number in rows:
        yield [
            day.isoformat(), safe_cell(person), safe_cell(client), safe_cell(item or ""),
            hours_text(seconds or 0), "yes" if billable else "no", safe_cell(number or ""),
        ]  # fmt: skip
