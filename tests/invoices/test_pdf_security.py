"""SSRF and local-file payloads never reach anything while rendering PDFs.

A local HTTP listener records every request it gets (and answers with a redirect to a local
file, the classic escalation). Payloads go where users can type: branding fields, client
names, line descriptions, notes. The invoice template escapes them, so they print as text;
the raw HTML cases check the URL fetcher itself, as if escaping had failed.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest

from app.core.pdf import make_fetcher, render_pdf
from app.core.tenancy import tenant
from app.documents.rendering import invoice_context, render_invoice_html, render_invoice_pdf
from tests.factories import ClientFactory
from tests.invoices.pdf_helpers import embedded_files, make_invoice, pdf_text, set_branding

SECRET_FILE_MARKER = "root:x:0:0"  # the first line of /etc/passwd


class Listener:
    """An HTTP server on 127.0.0.1 that records hits and redirects to file:///etc/passwd."""

    def __init__(self) -> None:
        hits: list[str] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                hits.append(self.path)
                self.send_response(302)
                self.send_header("Location", "file:///etc/passwd")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        self.hits = hits
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Listener:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    with Listener() as server:
        yield server


def payloads(url: str) -> list[str]:
    return [
        f'<img src="{url}/img">',
        '<img src="file:///etc/passwd">',
        '<link rel="attachment" href="file:///etc/passwd">',
        '<a rel="attachment" href="file:///etc/passwd">passwd</a>',
        f'<link rel="stylesheet" href="{url}/css">',
        f"<style>body {{ background: url({url}/bg) }} @import url({url}/imp);</style>",
        f"<div style=\"background-image: url('{url}/inline')\">x</div>",
        f'<iframe src="{url}/frame"></iframe><object data="{url}/obj"></object>',
        f'<svg><image href="{url}/svg"/></svg>',
        f"@font-face {{ font-family: x; src: url({url}/font) }}",
        "url(file:///etc/passwd)",
        "file:///etc/passwd",
    ]


def _pdf_of(invoice) -> tuple[str, bytes]:
    with tenant(invoice.agency_id):
        context = invoice_context(invoice.id)
        return render_invoice_html(context), render_invoice_pdf(context)


def test_payloads_in_branding_and_lines_fetch_nothing_and_attach_nothing(app, listener):
    evil = payloads(listener.url)
    client = ClientFactory(name=evil[0][:150], locale="en")
    set_branding(
        client.agency_id,
        address="\n".join(evil[:4]),
        tax_id=evil[10][:60],
        bank_details="\n".join(evil[4:8]),
        footer_text=evil[8][:500],
        # Valid http(s) links point at the listener: printed as links, never fetched.
        paypal_url=f"{listener.url}/paypal",
        wise_url=f"{listener.url}/wise",
    )
    invoice = make_invoice(
        client,
        lines=[(p[:500], "1", 100) for p in evil],
        notes="\n".join(evil),
    )
    html, pdf = _pdf_of(invoice)

    assert listener.hits == [], f"the renderer reached the network: {listener.hits}"
    assert embedded_files(pdf) == []
    text = pdf_text(pdf)
    assert SECRET_FILE_MARKER not in text
    # Escaped: the payloads are text on the page, not markup.
    assert '<a rel="attachment" href="file:///etc/passwd">passwd</a>' in text
    assert "<img" not in html.replace("&lt;img", "")
    assert 'rel="attachment"' not in html


def test_the_fetcher_alone_stops_raw_html_payloads(app, listener):
    """Defence in depth: even unescaped markup reaches no URL and embeds no file."""
    html = "<html><body><p>Invoice</p>" + "".join(payloads(listener.url)) + "</body></html>"
    fetcher = make_fetcher({})
    pdf = render_pdf(html, assets={}, fetcher=fetcher)

    assert listener.hits == []
    assert embedded_files(pdf) == []
    assert SECRET_FILE_MARKER not in pdf_text(pdf)
    assert b"root:x:0:0" not in pdf
    blocked = " ".join(fetcher.blocked)
    assert "file:///etc/passwd" in blocked and f"{listener.url}/img" in blocked
    assert fetcher.served == []


def test_attachments_are_dropped_even_for_bundled_assets(app):
    """<link rel=attachment> to an asset the fetcher would serve still embeds nothing."""
    html = (
        '<html><head><link rel="attachment" href="baton-asset:invoice.css"></head>'
        '<body><a rel="attachment" href="baton-asset:invoice.css">css</a></body></html>'
    )
    pdf = render_pdf(html, assets={"invoice.css": b"p { color: red }"})
    assert embedded_files(pdf) == []


def test_redirects_are_never_followed(app, listener):
    """The listener answers 302 -> file:///etc/passwd; the fetcher never even asks."""
    fetcher = make_fetcher({})
    with pytest.raises(ValueError):
        fetcher.fetch(f"{listener.url}/redirect")
    assert listener.hits == []


def test_bundled_assets_are_served(app):
    pdf = render_pdf(
        '<html><head><link rel="stylesheet" href="baton-asset:a.css"></head>'
        "<body><p class=x>styled</p></body></html>",
        assets={"a.css": b".x { color: #ff0000 }"},
    )
    assert "styled" in pdf_text(pdf)
