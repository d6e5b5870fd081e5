"""The "Send reminder now" form carries a one-time token: sent twice from one render (a
double click), it sends one reminder and the second answer says it was already done."""

from __future__ import annotations

import re

import sqlalchemy as sa

from app.core.mail import OutboundEmail
from app.extensions import db
from tests.invoices.test_reminders_web import clock, shop, web  # noqa: F401 - fixtures


def test_the_send_reminder_form_sent_twice_sends_one_reminder(app, shop):  # noqa: F811
    http = web(app, shop, "manager")
    base = f"/{shop.slug}/invoices/{shop.invoice_id}/reminders"
    page = http.get(base).get_data(as_text=True)
    form = re.search(rf'<form[^>]*action="{re.escape(base)}/send"(.*?)</form>', page, re.S)
    token = re.search(r'name="form_token" value="([^"]+)"', form.group(1)).group(1)
    first = http.post(f"{base}/send", data={"form_token": token})
    second = http.post(f"{base}/send", data={"form_token": token})
    assert first.status_code == 302
    assert second.status_code == 303 and second.location == first.location
    shown = http.get(second.location).get_data(as_text=True)
    assert "already done" in shown and "already sent by hand today" not in shown
    sent = db.session.scalars(
        sa.select(OutboundEmail).where(OutboundEmail.to_addr == "ap@harbour.test")
    ).all()
    assert len(sent) == 1
