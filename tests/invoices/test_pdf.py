"""Invoice PDFs: the plain-values context, the template in English and Arabic (right to
left, shaped, text extractable with pypdf), locale formatting, and the catalogues."""

from __future__ import annotations

import datetime as dt
import decimal
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from app.core.money import compute, format_money
from app.core.pdf import make_fetcher
from app.core.tenancy import tenant
from app.documents.rendering import (
    css_page_label,
    first_strong_direction,
    font_stack,
    invoice_context,
    isolate,
    render_invoice_html,
    render_invoice_pdf,
)
from tests.factories import ClientFactory, ContactFactory
from tests.invoices.pdf_helpers import (
    LINE_TEXTS,
    embedded_files,
    font_names,
    make_invoice,
    pdf_reader,
    pdf_text,
    set_branding,
)

TRANSLATIONS = Path(__file__).resolve().parents[2] / "app" / "documents" / "translations"
ARABIC_NAME = "شركة الأفق للتجارة"


def _render(invoice) -> tuple[dict, str, bytes]:
    with tenant(invoice.agency_id):
        context = invoice_context(invoice.id)
        return context, render_invoice_html(context), render_invoice_pdf(context)


def _plain(value, path="context") -> list[str]:
    """Paths of values in the context that are not plain (ORM objects, Decimals, dates)."""
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _plain(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _plain(v, f"{path}[{i}]")]
    if value is None or isinstance(value, str | int | float | bool):
        return []
    return [f"{path}: {type(value).__name__}"]


def test_english_invoice_is_one_branded_page_with_totals_and_instructions(app):
    client = ClientFactory(locale="en_US", currency="EUR", name="Harbour & Co")
    ContactFactory(client=client, name="Sam Ops", is_billing=False)  # first, not billing
    ContactFactory(client=client, name="No Address", email=None, is_billing=True)
    ContactFactory(client=client, name="Olivia Stone", is_billing=True)
    set_branding(
        client.agency_id,
        address="12 Baker Street\nLondon NW1",
        tax_id="GB123456789",
        bank_details="Account: Juniper Desk Ltd\nIBAN GB29 NWBK 6016 1331 9268 19",
        paypal_url="https://paypal.me/juniperdesk",
        wise_url="https://wise.com/pay/me/juniperdesk",
        footer_text="Thank you for your business",
        font="Noto Serif",
        primary_color="#0f766e",
    )
    invoice = make_invoice(client, tax_rate="0.2", tax_name="VAT", notes="Net 15.", paid_minor=5000)
    context, html, pdf = _render(invoice)

    assert not _plain(context), _plain(context)
    reader = pdf_reader(pdf)
    assert len(reader.pages) == 1, "ten lines fit on one page"
    text = pdf_text(pdf)
    for line in LINE_TEXTS:
        assert line in text
    with tenant(client.agency_id):
        totals = compute(invoice.lines, "per_line")
    for minor in (totals.subtotal, totals.tax, totals.total, totals.total - 5000):
        assert format_money(minor, "EUR", "en_US") in text
    assert format_money(-5000, "EUR", "en_US") in text  # the payment deducted
    labels = ("Invoice", "BILL TO", "Subtotal", "Tax (VAT 20%)", "Total", "Amount due",
              "PAYMENT INSTRUCTIONS", "Bank transfer", "PayPal", "Wise", "Page 1 of 1")  # fmt: skip
    for label in labels:
        assert label in text, label
    assert "IBAN GB29 NWBK 6016 1331 9268 19" in text
    assert "https://paypal.me/juniperdesk" in text
    assert "Thank you for your business" in text
    assert "INV-2026-00042" in text and "November 30, 2026" in text
    assert "Olivia Stone" in text and "Sam Ops" not in text
    assert {"Noto-Serif", "Noto-Serif-Bold"} <= font_names(pdf)
    assert "#0f766e" in html
    assert embedded_files(pdf) == []


def test_arabic_invoice_is_right_to_left_shaped_and_extractable(app):
    client = ClientFactory(locale="ar", currency="KWD", name=ARABIC_NAME)
    ContactFactory(client=client, name="ليلى حداد", is_billing=True)
    set_branding(client.agency_id, address="12 Baker Street\nLondon NW1", font="Noto Sans",
                 bank_details="IBAN KW81 CBKU 0000 0000 0000 1234 5601 01")  # fmt: skip
    invoice = make_invoice(
        client,
        lines=[("دعم البريد الإلكتروني", "1", 250000), ("Inbox management", "2", 100500)],
        tax_rate="0.05",
        tax_name="VAT",
        notes="شكرا لتعاملكم معنا",
    )
    context, html, pdf = _render(invoice)

    assert context["doc"] == {
        "lang": "ar",
        "dir": "rtl",
        "locale": "ar",
        "font_stack": font_stack("Noto Sans", "rtl", "ar"),
    }
    assert '<html lang="ar" dir="rtl">' in html
    # An LTR run starting with a digit keeps its order inside right-to-left text.
    assert '<span dir="ltr">12 Baker Street</span>' in html

    text = pdf_text(pdf)
    lines = text.splitlines()
    # Labels come out of the PDF exactly as their logical strings: shaped glyphs
    # (including the lam-alef ligature of الإجمالي) map back to the right characters.
    for label in ("فاتورة", "فاتورة إلى", "رقم الفاتورة", "تاريخ الإصدار", "الإجمالي",
                  "المبلغ المستحق", "تعليمات الدفع", "تحويل بنكي", "ملاحظات"):  # fmt: skip
        assert any(label in line for line in lines), label
    assert ARABIC_NAME in lines
    assert "ليلى حداد" in lines
    assert "دعم البريد الإلكتروني" in text
    assert "شكرا لتعاملكم معنا" in lines
    assert "12 Baker Street" in text  # not "Baker Street 12"
    # Amounts: Babel's Arabic pattern (Latin digits, the dinar sign, bidi marks).
    assert "250.000" in text and "473.550" in text and "د.ك" in text
    # Arabic glyphs come from Noto Sans Arabic (Debian's fonts-noto-core).
    assert "Noto-Sans-Arabic" in font_names(pdf)

    # Right to left on the page: the description column is the rightmost one, so in the
    # visual (layout) extraction a line row ends with its description.
    layout = pdf_reader(pdf).pages[0].extract_text(extraction_mode="layout").splitlines()
    row = next(line for line in layout if "Inbox management" in line)
    assert row.rstrip().endswith("Inbox management")
    assert row.lstrip().startswith(".ك.د")  # the amount, in the leftmost column


def test_english_rows_read_left_to_right(app):
    client = ClientFactory(locale="en", currency="USD")
    invoice = make_invoice(client, lines=[("Inbox management", "2", 4500)])
    _, html, pdf = _render(invoice)
    assert 'dir="ltr"' in html
    layout = pdf_reader(pdf).pages[0].extract_text(extraction_mode="layout").splitlines()
    row = next(line for line in layout if "Inbox management" in line)
    assert row.lstrip().startswith("Inbox management")
    assert row.rstrip().endswith("$90.00")


def test_amounts_and_dates_follow_the_client_locale_labels_its_language(app):
    client = ClientFactory(locale="de_DE", currency="EUR")
    invoice = make_invoice(client, lines=[("Buchhaltung", "1.5", 123456)])
    context, _, pdf = _render(invoice)
    text = pdf_text(pdf)
    assert context["doc"]["lang"] == "en"  # no German catalogue: English labels
    assert "1.851,84\xa0€" in text  # 1.5 x 1,234.56 in German notation
    assert "1,5" in text
    assert "30. November 2026" in text
    assert "Amount due" in text


@pytest.mark.parametrize(
    ("currency", "minor", "digits"),
    [("JPY", 123456, "123,456"), ("EUR", 123456, "1,234.56"), ("KWD", 1234567, "1,234.567")],
)
def test_currency_exponents_on_the_pdf(app, currency, minor, digits):
    client = ClientFactory(locale="en", currency=currency)
    invoice = make_invoice(client, lines=[("Retainer", "1", minor)])
    _, _, pdf = _render(invoice)
    shown = format_money(minor, currency, "en")
    assert digits in shown and shown.replace("\xa0", " ") in pdf_text(pdf).replace("\xa0", " ")


def test_deposit_deduction_and_credit_are_shown_in_the_totals(app):
    client = ClientFactory(locale="en", currency="USD")
    deposit = make_invoice(client, lines=[("Deposit 50%", "1", 50000)], number="INV-2026-00001")
    invoice = make_invoice(
        client,
        lines=[
            ("Website launch", "1", 100000),
            ("Less deposit paid", "1", -50000, "deposit_deduction"),
        ],
        number="INV-2026-00002",
        deposit_invoice_id=deposit.id,
    )
    context, _, pdf = _render(invoice)
    kinds = [row["kind"] for row in context["totals"]]
    assert kinds == ["subtotal", "total", "deposit", "due"]
    text = " ".join(pdf_text(pdf).split())
    assert "Less deposit paid (INV-2026-00001)" in text
    assert "-$500.00" in text and "$1,000.00" in text
    assert [line["description"] for line in context["lines"]] == ["Website launch"]
    due = next(r for r in context["totals"] if r["kind"] == "due")
    assert due["amount"] == "$500.00"


def test_template_injection_and_markup_in_text_render_as_text(app):
    client = ClientFactory(locale="en", currency="USD", name="{{ config.SECRET_KEY }}")
    set_branding(client.agency_id, footer_text="{% for x in range(3) %}X{% endfor %}")
    invoice = make_invoice(
        client,
        lines=[("{{ 7*7 }}", "1", 100), ("<b>bold</b> & <script>alert(1)</script>", "1", 100)],
        notes="{{ ''.__class__.__mro__ }}",
    )
    _, html, pdf = _render(invoice)
    text = pdf_text(pdf)
    assert "{{ 7*7 }}" in text and "49" not in text
    assert "{{ config.SECRET_KEY }}" in text
    assert "{% for x in range(3) %}X{% endfor %}" in text and "XXX" not in text
    assert "{{ ''.__class__.__mro__ }}" in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert "<b>bold</b> & <script>alert(1)</script>" in text


def test_context_refuses_stored_values_that_would_break_out_of_css(app):
    """Colours are validated on save; values written another way fall back to defaults."""
    client = ClientFactory()
    set_branding(
        client.agency_id,
        primary_color="red;}x{",
        accent_color="#ABCDEF",
        font="x;src:url(file:///etc/passwd)",
        paypal_url="javascript:alert(1)",
    )
    invoice = make_invoice(client)
    context, html, _ = _render(invoice)
    assert context["brand"]["primary_color"] == "#4f46e5"
    assert context["brand"]["accent_color"] == "#abcdef"
    assert context["brand"]["font"] == "DejaVu Sans"
    assert context["payment"]["paypal_url"] is None
    assert "red;}" not in html and "etc/passwd" not in html and "javascript:" not in html


def test_every_pdf_shares_one_brand_block_with_the_same_checks():
    """The invoice, welcome packet and payout statement read `brand` from brand_context:
    unsafe stored colours and fonts fall back to the defaults for all of them, a logo is
    named only when its checksum is stored, and only the invoice asks for the tax id."""
    from app.documents.branding import brand_context
    from app.documents.models import Branding

    stored = Branding(
        primary_color="red;}x{",
        accent_color="#ABCDEF",
        font="x;src:url(file:///etc/passwd)",
        address=" 12 Baker Street \n\n London ",
        tax_id="GB1",
        logo_key="agency/1/branding/logo.png",
        logo_sha256=None,
        logo_content_type="image/png",
    )
    brand = brand_context(stored)
    assert (brand["primary_color"], brand["accent_color"], brand["font"]) == (
        "#4f46e5",
        "#abcdef",
        "DejaVu Sans",
    )
    assert brand["address_lines"] == ["12 Baker Street", "London"]
    assert (brand["has_logo"], brand["logo_key"]) == (False, None)
    assert "tax_id" not in brand
    assert brand_context(stored, tax_id=True)["tax_id"] == "GB1"
    stored.logo_sha256 = "ab" * 32
    assert brand_context(stored)["logo_name"] == "logo.png"
    assert brand_context(None)["primary_color"] == "#4f46e5"


def test_bidi_isolation_of_mixed_runs():
    assert first_strong_direction("12 Baker Street") == "ltr"
    assert first_strong_direction("3 ساعات دعم") == "rtl"
    assert first_strong_direction("123-456") == "ltr"
    assert first_strong_direction("  ") is None
    assert isolate("12 Baker Street", "rtl") == '<span dir="ltr">12 Baker Street</span>'
    assert isolate("شركة", "rtl") == "شركة"
    assert isolate("شركة", "ltr") == '<span dir="rtl">شركة</span>'
    assert isolate("<b>x</b>", "rtl") == '<span dir="ltr">&lt;b&gt;x&lt;/b&gt;</span>'


def test_page_label_is_a_css_value_with_counters_and_escaped_text():
    assert css_page_label("Page {page} of {pages}") == '"Page " counter(page) " of " counter(pages)'
    evil = css_page_label('x"; } </style><img src=x> {page}')
    assert "</style" not in evil and '"; }' not in evil
    assert evil.endswith("counter(page)")


def test_fetcher_serves_bundled_assets_only():
    fetcher = make_fetcher({"invoice.css": b"p{}", "logo.png": b"\x89PNG"})
    response = fetcher.fetch("baton-asset:invoice.css")
    assert response.read() == b"p{}" and response.content_type == "text/css"
    assert fetcher.fetch("baton-asset:logo.png").content_type == "image/png"
    for url in (
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "http://127.0.0.1:1/",
        "https://example.com/x.png",
        "data:text/plain,hello",
        "ftp://example.com/x",
        "baton-asset:../../etc/passwd",
        "baton-asset:missing.css",
        "/etc/passwd",
        "invoice.css",
    ):
        with pytest.raises(ValueError, match="not a bundled asset"):
            fetcher.fetch(url)
    # urllib's opener was emptied: even a direct open cannot reach anything.
    with pytest.raises(ValueError):
        fetcher.open("file:///etc/passwd")
    assert fetcher.handlers == []


def test_context_dates_amounts_are_strings_not_objects(app):
    client = ClientFactory()
    invoice = make_invoice(client)
    with tenant(client.agency_id):
        context = invoice_context(invoice.id)
    flat = _plain(context)
    assert flat == []
    assert not any(isinstance(v, dt.date | decimal.Decimal) for v in context["invoice"].values())


# --- catalogues -----------------------------------------------------------------------------


def test_invoice_template_messages_are_all_in_the_catalogue():
    """Every label the PDF and email templates mark for translation is in the .pot."""
    from babel.messages.extract import extract_from_dir

    root = Path(__file__).resolve().parents[2]
    found = {
        msg[2] if isinstance(msg[2], str) else msg[2][0]
        for msg in extract_from_dir(
            str(root),
            method_map=[
                ("app/documents/templates/documents/pdf/**.html", "jinja2"),
                ("app/documents/templates/mail/**", "jinja2"),
                ("app/documents/services.py", "python"),
            ],
            keywords={"_": None, "gettext": None},
        )
    }
    with open(TRANSLATIONS / "messages.pot", "rb") as fh:
        pot_ids = {m.id for m in read_po(fh) if m.id}
    assert found - pot_ids == set(), "run python -m app.core.catalogues update (see its docstring)"


def test_worker_warm_up_loads_fonts_and_freezes_long_lived_objects():
    """A worker serving the pdf queue calls warm_up() at start: afterwards the objects of
    the imports and font caches sit outside the collector's full passes, and rendering
    still works (run in a child process: freezing is for the life of a process)."""
    import subprocess
    import sys

    code = (
        "import gc\n"
        "from app.core.pdf import render_pdf, warm_up\n"
        "assert gc.get_freeze_count() == 0\n"
        "warm_up()\n"
        "frozen = gc.get_freeze_count()\n"
        "pdf = render_pdf('<p>Harbour &amp; Co</p>', assets={})\n"
        "print(frozen, pdf[:5].decode())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    frozen, magic = done.stdout.split()
    assert int(frozen) > 50_000
    assert magic == "%PDF-"
