"""PDF rendering with WeasyPrint, reaching nothing but the assets the caller hands over.

WeasyPrint's default URL fetcher reads `file:` URLs, follows `http(s):` and redirects, and
embeds whatever `<link rel="attachment">` or `<a rel="attachment">` names inside the PDF.
`render_pdf` instead uses `AssetFetcher`, which answers only `baton-asset:<name>` from the
`assets` mapping (the logo bytes, bundled CSS) and raises for every other URL, and it drops
every attachment before writing. WeasyPrint is imported inside the functions that render,
so web processes start without its libraries.
"""

from __future__ import annotations

import gc
import logging
import mimetypes
import threading
from typing import Any

log = logging.getLogger("baton.pdf")

ASSET_SCHEME = "baton-asset"
_TYPES = {
    ".css": "text/css",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff2": "font/woff2",
}


class BlockedURL(ValueError):
    """A document asked for a URL that is not one of its bundled assets."""


def asset_url(name: str) -> str:
    """The URL a template uses for the bundled asset `name` (e.g. `baton-asset:logo.png`)."""
    return f"{ASSET_SCHEME}:{name}"


def content_type_for(name: str) -> str:
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return _TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


_fetcher_class: Any = None


def fetcher_class() -> type:
    """`AssetFetcher`, a `weasyprint.urls.URLFetcher` subclass (built on first use so that
    importing this module does not import WeasyPrint)."""
    global _fetcher_class
    if _fetcher_class is not None:
        return _fetcher_class
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class AssetFetcher(URLFetcher):
        """Serves `baton-asset:<name>` from a dict of bytes; raises for anything else
        (`file:`, `http(s):`, `data:`, `ftp:`, unknown names), so nothing is ever read from
        disk or the network and no redirect can be followed."""

        def __init__(self, assets: dict[str, bytes]) -> None:
            # No handlers at all: even if urllib's opener were reached, it could open nothing.
            super().__init__(timeout=1, allowed_protocols=(ASSET_SCHEME,), allow_redirects=False)
            self.handlers = []
            self.handle_open = {}
            self.process_request = {}
            self.process_response = {}
            self._assets = dict(assets)
            self.served: list[str] = []
            self.blocked: list[str] = []

        def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
            scheme, sep, name = str(url).partition(":")
            if sep and scheme.lower() == ASSET_SCHEME and name in self._assets:
                self.served.append(name)
                return URLFetcherResponse(
                    url,
                    body=self._assets[name],
                    headers={"Content-Type": content_type_for(name)},
                )
            self.blocked.append(str(url)[:200])
            log.warning("PDF rendering refused to fetch %r", str(url)[:200])
            raise BlockedURL(f"not a bundled asset: {str(url)[:200]}")

        def open(self, url: Any, data: Any = None, timeout: Any = None) -> Any:
            target = getattr(url, "full_url", url)
            return self.fetch(target)

        def __call__(self, url: str) -> URLFetcherResponse:
            return self.fetch(url)

    _fetcher_class = AssetFetcher
    return AssetFetcher


def make_fetcher(assets: dict[str, bytes]) -> Any:
    """A fresh fetcher serving `assets` (it records what it served and what it refused)."""
    return fetcher_class()(assets)


_local = threading.local()


def _font_config() -> Any:
    """One FontConfiguration (Pango font map) per thread, reused across renders: building
    it per document costs time, and our documents load no web fonts (@font-face), only the
    installed ones, so nothing document-specific is kept in it."""
    config = getattr(_local, "font_config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _local.font_config = FontConfiguration()
    return config


def render_pdf(html: str, *, assets: dict[str, bytes], fetcher: Any = None) -> bytes:
    """Render `html` to PDF bytes. URLs resolve only to `baton-asset:<name>` entries of
    `assets`; everything else is refused, and no file is ever attached to the PDF."""
    from weasyprint import HTML

    fetcher = fetcher or make_fetcher(assets)
    document = HTML(string=html, base_url=None, url_fetcher=fetcher).render(
        font_config=_font_config()
    )
    # <link rel="attachment"> becomes a document attachment and <a rel="attachment"> a file
    # annotation: drop both, whatever they point to.
    document.metadata.attachments = []
    for page in document.pages:
        page.links = [link for link in page.links if link[0] != "attachment"]
    return document.write_pdf(attachments=None)


# Latin and Arabic text in a table, with a page counter: enough to load every library, the
# installed fonts of both scripts and HarfBuzz's shaping before the first real document.
_WARM_UP_HTML = """<!doctype html><html><head><style>
@page { size: A4; margin: 2cm; @bottom-center { content: counter(page) } }
body { font-family: "Noto Sans", "DejaVu Sans", sans-serif; font-size: 10pt }
td { border-bottom: 1px solid #ccc; padding: 4pt } .ar { direction: rtl }
</style></head><body><h1>Invoice 0001</h1><table>
<tr><td>Inbox management</td><td>1,250.00 &euro;</td></tr>
<tr class="ar"><td>إدارة البريد</td>
<td>١٢٥٫٠٠ د.ك.</td></tr>
</table><p><b>Bold</b> <i>italic</i></p></body></html>"""


def warm_up() -> None:
    """Pay WeasyPrint's one-time costs at process start (imports, the Pango font map, the
    fonts of Latin and Arabic text), then `gc.freeze()` everything alive so far.

    Without the freeze, each full (generation 2) collection walks the hundreds of thousands
    of long-lived objects that the imports and font caches leave behind; measured on a warm
    worker, those collections took ~135 ms each and put the p95 of a one-page invoice at
    2.4 times its median. Frozen objects are never collected (they live as long as the
    process anyway); what jobs allocate later is collected as usual."""
    render_pdf(_WARM_UP_HTML, assets={})
    gc.collect()
    gc.freeze()
