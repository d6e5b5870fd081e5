"""The owner's "Sent mail" pages in the embedded default (no SMTP_URL): the list of emails
Baton wrote for the agency, and one email's text with its links clickable, so a newcomer
trying Baton can follow an invitation link without a mail server."""

from __future__ import annotations

import re

from flask import Blueprint, current_app, g, render_template, request
from flask.typing import ResponseReturnValue
from markupsafe import Markup, escape
from werkzeug.exceptions import NotFound

from app.core.errors import Forbidden
from app.core.pagination import paginate
from app.core.permissions import roles
from app.core.translation import gettext as _
from app.mailbox.policy import can_read_sent_mail
from app.mailbox.queries import get_sent_email_or_404, visible_sent_mail

bp = Blueprint("mailbox", __name__, template_folder="templates")

PER_PAGE = 25
# Links in an email's text: http(s) up to white space (a trailing full stop or bracket is
# the sentence's, not the link's).
_LINK = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")


def mail_is_embedded() -> bool:
    """Whether emails stay inside Baton (no SMTP server configured)."""
    return not current_app.config.get("SMTP_URL")


def linkify(text: str) -> Markup:
    """The email's text, escaped, with its links made clickable."""
    out, last = [], 0
    for match in _LINK.finditer(text):
        out.append(escape(text[last : match.start()]))
        url = escape(match.group(0))
        out.append(Markup('<a href="{0}" rel="noreferrer">{0}</a>').format(url))
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def _authorize() -> None:
    if not mail_is_embedded():
        # With a real mail server the page does not exist (the menu does not show it).
        raise NotFound()
    if not can_read_sent_mail(g.actor, embedded=True):
        raise Forbidden(_("Only owners can read the agency's sent mail."))


@bp.app_template_global()
def sent_mail_in_menu() -> bool:
    """Whether the menu offers "Sent mail" (owners, embedded default only)."""
    actor = g.get("actor")
    return actor is not None and can_read_sent_mail(actor, mail_is_embedded())


@bp.get("/<agency_slug>/sent-mail")
@roles("owner")
def list_sent_mail(agency_slug: str) -> ResponseReturnValue:
    _authorize()
    page_no = max(1, request.args.get("page", 1, type=int) or 1)
    page = paginate(visible_sent_mail(g.actor), page_no, PER_PAGE)
    return render_template("mailbox/list.html", page=page)


@bp.get("/<agency_slug>/sent-mail/<int:email_id>")
@roles("owner")
def show_sent_email(agency_slug: str, email_id: int) -> ResponseReturnValue:
    _authorize()
    email = get_sent_email_or_404(g.actor, email_id)
    return render_template("mailbox/show.html", email=email, body=linkify(email.text_body))
