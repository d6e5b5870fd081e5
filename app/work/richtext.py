"""User-written text of work items (descriptions, comments, notes) and evidence links.

Text is sanitized once, when it is stored: a small set of formatting tags survives, every
attribute is dropped except `href` on links (http, https and mailto only, with
rel="noopener noreferrer" added), and everything else (scripts, event handlers, styles,
iframes, SVG) is removed or escaped. Templates render the stored value with `|safe` only
because of this step; nothing else is ever rendered unescaped.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import nh3

ALLOWED_TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "s", "ul", "ol", "li", "blockquote", "code",
    "pre", "a", "h3", "h4",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href"}}
LINK_SCHEMES = {"http", "https", "mailto"}
MAX_LINK_LENGTH = 2000


def sanitize_html(text: str | None) -> str | None:
    """Sanitized HTML for storage, or None for empty text. Plain text stays as it is
    (escaped where needed); templates keep its line breaks with `white-space: pre-line`."""
    if text is None:
        return None
    cleaned = nh3.clean(
        text,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=LINK_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    ).strip()
    return cleaned or None


def plain_text(html: str | None, limit: int = 300) -> str:
    """The text of stored HTML without tags (emails, summaries), shortened to `limit`."""
    if not html:
        return ""
    text = nh3.clean(html, tags=set(), attributes={})
    text = (
        text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
    )
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def link_problem(url: str) -> str | None:
    """Why a link can't be evidence, or None: http(s) only, a host, at most 2000 chars."""
    if len(url) > MAX_LINK_LENGTH:
        return f"Longer than {MAX_LINK_LENGTH} characters."
    try:
        parts = urlsplit(url)
    except ValueError:
        return "Not a valid link."
    if parts.scheme.lower() not in ("http", "https"):
        return "Only http:// and https:// links are accepted."
    if not parts.hostname or any(c.isspace() or c in "<>\"'`" or ord(c) < 32 for c in url):
        return "Not a valid link."
    return None
