"""Invoice PDFs draw every script a client locale may use: for each script an invoice with
the client's name, a line and the locale's dates and currency in that script is rendered,
and every character must come out as a real glyph of an embedded font, never as a missing
glyph (`.notdef`, the empty box a Japanese client saw for 年月日 and ￥).

The check reads the PDF itself: WeasyPrint embeds each font subset with a ToUnicode map
from glyph id to text. A glyph id of 0 (`.notdef`) or past the end of the embedded font is
a character no installed font had; a character absent from every map was never drawn."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
import unicodedata

import pytest

from app.core.tenancy import tenant
from app.documents.rendering import font_stack, invoice_context, render_invoice_pdf
from tests.factories import ClientFactory
from tests.invoices.pdf_helpers import make_invoice, pdf_reader

# (locale, currency, client name, line text): one client per script.
SCRIPTS = {
    "latin": ("fr_FR", "EUR", "Société Générale d'Études", "Gestion de la boîte mail — façade"),
    "cyrillic": ("ru_RU", "RUB", "ООО «Ромашка»", "Ведение почты и календаря"),
    "greek": ("el_GR", "EUR", "Αθηνά Ε.Π.Ε.", "Διαχείριση ηλεκτρονικού ταχυδρομείου"),
    "arabic": ("ar_AE", "AED", "شركة الأفق للتجارة", "إدارة البريد الإلكتروني"),
    "hebrew": ("he_IL", "ILS", "חברת אופק בע״מ", "ניהול דואר ויומן"),
    "devanagari": ("hi_IN", "INR", "क्षितिज प्राइवेट लिमिटेड", "ईमेल और कैलेंडर प्रबंधन"),
    "thai": ("th_TH", "THB", "บริษัท ขอบฟ้า จำกัด", "จัดการอีเมลและปฏิทิน"),
    "japanese": ("ja_JP", "JPY", "株式会社ホライズン", "受信箱の管理（年月日）￥"),
    "chinese": ("zh_CN", "CNY", "地平线贸易有限公司", "邮件与日程管理"),
    "korean": ("ko_KR", "KRW", "주식회사 호라이즌", "메일 및 일정 관리"),
}


def _embedded_fonts(pdf: bytes):
    """(name, glyph count, {glyph id: text}) of every font the PDF's pages use."""
    from fontTools.ttLib import TTFont

    seen = {}
    for page in pdf_reader(pdf).pages:
        fonts = (page.get("/Resources") or {}).get("/Font") or {}
        for font in fonts.values():
            font = font.get_object()
            name = str(font.get("/BaseFont"))
            if name in seen:
                continue
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            program = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
            glyphs = TTFont(io.BytesIO(program.get_object().get_data()))["maxp"].numGlyphs
            seen[name] = (name, glyphs, _to_unicode(font["/ToUnicode"].get_object().get_data()))
    return list(seen.values())


def _to_unicode(cmap: bytes) -> dict[int, str]:
    """Glyph id -> text from a ToUnicode CMap (the bfchar and bfrange forms)."""
    import re

    out: dict[int, str] = {}
    text = cmap.decode("latin-1")
    for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
        for gid, uni in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>", block):
            out[int(gid, 16)] = bytes.fromhex(uni).decode("utf-16-be")
    for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
        for lo, hi, start in re.findall(r"<(\w+)>\s*<(\w+)>\s*<(\w+)>", block):
            first = ord(bytes.fromhex(start).decode("utf-16-be")[0])
            for offset, gid in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                out[gid] = chr(first + offset)
    return out


def missing_glyphs(pdf: bytes, expected: str) -> set[str]:
    """Characters of `expected` (and any drawn character) that the PDF shows as a missing
    glyph or does not draw at all."""
    drawn, missing = set(), set()
    for _name, glyph_count, mapping in _embedded_fonts(pdf):
        for gid, chars in mapping.items():
            (drawn if 0 < gid < glyph_count else missing).update(chars)
    wanted = {ch for ch in expected if _visible(ch)}
    # Shaping may draw a character as its parts (Thai ำ as ํ + า, where WeasyPrint maps
    # the ํ glyph to no text): drawn when a part of it is.
    not_drawn = {
        ch for ch in wanted - drawn if not set(unicodedata.normalize("NFKD", ch)) - {ch} & drawn
    }
    return {ch for ch in missing if _visible(ch)} | not_drawn


def _visible(ch: str) -> bool:
    """Not a space nor an invisible format mark (the bidi marks Babel puts in amounts)."""
    return not ch.isspace() and unicodedata.category(ch) != "Cf"


@pytest.mark.parametrize("script", SCRIPTS)
def test_invoice_pdf_draws_every_character_of_each_script(app, script):
    locale, currency, name, line = SCRIPTS[script]
    client = ClientFactory(locale=locale, currency=currency, name=name)
    invoice = make_invoice(client, lines=[(line, "2", 90000), ("Inbox management", "1", 4500)])
    with tenant(invoice.agency_id):
        context = invoice_context(invoice.id)
        pdf = render_invoice_pdf(context)
    # What the client reads in their script: their name, the line, the dates and the
    # amounts as the locale writes them (年月日 and ￥ for Japan).
    expected = " ".join(
        [name, line, context["invoice"]["issue_date"], context["invoice"]["due_date"]]
        + [row["amount"] for row in context["totals"]]
    )
    if script == "japanese":
        assert "年" in expected and "￥" in expected
    assert missing_glyphs(pdf, expected) == set()


def test_the_font_stack_names_a_font_for_every_script():
    stack = font_stack("DejaVu Sans", "ltr", "ja_JP")
    for family in ("Noto Sans", "Noto Sans Arabic", "Noto Sans Hebrew", "Noto Sans Devanagari",
                   "Noto Sans Thai", "Noto Sans CJK JP", "Noto Sans CJK KR",
                   "Noto Sans CJK SC"):  # fmt: skip
        assert f'"{family}"' in stack
    # Han characters in the shapes the client's country reads.
    assert stack.index("CJK JP") < stack.index("CJK SC")
    zh = font_stack("Noto Sans", "ltr", "zh_CN")
    assert zh.index("CJK SC") < zh.index("CJK JP")
    tw = font_stack("Noto Sans", "ltr", "zh_Hant_TW")
    assert tw.index("CJK TC") < tw.index("CJK SC")


_DEJAVU_ONLY = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>/usr/share/fonts/truetype/dejavu</dir><cachedir>{cache}</cachedir></fontconfig>
"""


def test_the_check_catches_a_machine_with_only_dejavu_fonts(tmp_path):
    """The check above is not vacuous: with only DejaVu installed (what the image had before
    fonts-noto-cjk), a Japanese line renders with missing glyphs and is reported."""
    conf = tmp_path / "fonts.conf"
    conf.write_text(_DEJAVU_ONLY.format(cache=tmp_path / "cache"))
    out = tmp_path / "out.pdf"
    script = textwrap.dedent(
        f"""
        from weasyprint import HTML
        from app.documents.rendering import font_stack
        stack = font_stack("DejaVu Sans", "ltr", "ja_JP")
        text = "株式会社ホライズン 2026年11月30日 ￥90,000 Привет"
        html = f'<p style="font-family: {{stack}}">{{text}}</p>'
        open({str(out)!r}, "wb").write(HTML(string=html).write_pdf())
        """
    )
    env = {**os.environ, "FONTCONFIG_FILE": str(conf)}
    subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=120)
    missing = missing_glyphs(out.read_bytes(), "株式会社ホライズン 2026年11月30日 ￥90,000 Привет")
    assert {"株", "年", "月", "日", "￥"} <= missing
    assert not {"П", "2", "0"} & missing  # DejaVu draws Cyrillic and digits


def test_one_invoice_with_names_in_every_script_and_arabic_indic_digits(app):
    """A client named in every script at once, billed in Egyptian Arabic (ar_EG): the names,
    and the dates and amounts in Arabic-Indic digits, are all drawn with real glyphs."""
    name = " ".join(name.split()[0] for _locale, _currency, name, _line in SCRIPTS.values())
    lines = [line for _locale, _currency, _name, line in SCRIPTS.values()]
    client = ClientFactory(locale="ar_EG", currency="EGP", name=name)
    invoice = make_invoice(client, lines=[(line, "2", 123456) for line in lines])
    with tenant(invoice.agency_id):
        context = invoice_context(invoice.id)
        pdf = render_invoice_pdf(context)
    amounts = [row["amount"] for row in context["totals"]]
    dates = [context["invoice"]["issue_date"], context["invoice"]["due_date"]]
    assert all(set(text) & set("٠١٢٣٤٥٦٧٨٩") for text in amounts + dates)
    expected = " ".join([name, *lines, *dates, *amounts])
    assert missing_glyphs(pdf, expected) == set()
