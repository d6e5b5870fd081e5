"""The intake mail receiver: an aiosmtpd handler and server (LMTP by default, SMTP on
request) in front of app.inbound.receiving.

The database work of each command runs in a worker thread with an app context of its own,
so a slow message does not stall the other connections. One recipient per message: a
second RCPT gets 452, which tells the sending server to deliver it again separately (so
each address gets its own answer, in LMTP and SMTP alike).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP
from flask import Flask

from app.extensions import db

log = logging.getLogger("baton.inbound")


class IntakeHandler:
    """aiosmtpd handler: known addresses at RCPT, the message at DATA."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def _in_app(self, fn: Any, *args: Any) -> Any:
        with self.app.app_context():
            try:
                return fn(*args)
            finally:
                db.session.remove()

    async def _run(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, self._in_app, fn, *args)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        from app.inbound.receiving import recipient_known

        if envelope.rcpt_tos:
            return "452 4.5.3 One recipient per message, please send again"
        try:
            known = await self._run(recipient_known, address)
        except Exception:  # noqa: BLE001 - the database is down: the sender retries later
            log.exception("intake address look-up failed")
            return "451 4.3.0 Temporary failure, please try again later"
        if not known:
            return "550 5.1.1 No such intake address"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        from app.inbound.receiving import receive_mail

        try:
            outcome = await self._run(receive_mail, envelope.original_content or b"",
                                      envelope.rcpt_tos[0])  # fmt: skip
        except Exception:  # noqa: BLE001 - nothing was kept: the sender retries later
            log.exception("intake mail failed")
            return "451 4.3.0 Temporary failure, please try again later"
        return outcome.reply


class _Controller(Controller):
    def __init__(self, *args: Any, lmtp: bool, **kwargs: Any) -> None:
        self.lmtp = lmtp
        super().__init__(*args, **kwargs)

    def factory(self) -> SMTP:
        server_class = LMTP if self.lmtp else SMTP
        return server_class(self.handler, **self.SMTP_kwargs)


def make_controller(app: Flask, host: str, port: int, *, lmtp: bool = True) -> Controller:
    """A receiver (not started) on host:port; messages over INBOUND_MAX_BYTES get 552."""
    return _Controller(
        IntakeHandler(app),
        hostname=host,
        port=port,
        lmtp=lmtp,
        data_size_limit=app.config["INBOUND_MAX_BYTES"],
        server_hostname=app.config.get("INBOUND_DOMAIN") or None,
        enable_SMTPUTF8=True,
    )
