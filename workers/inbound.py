"""`python -m workers.inbound`: the intake mail receiver (requests by email, app.inbound).

LMTP by default (behind the agency's MTA, e.g. Postfix `lmtp:inet:host:port`), plain SMTP
with `--smtp` (an MX pointing straight at it). Host and port come from the arguments, else
INBOUND_HOST / INBOUND_PORT (127.0.0.1:2424).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workers.inbound", description=__doc__)
    parser.add_argument("--host", default=os.environ.get("INBOUND_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("INBOUND_PORT", "2424")))
    parser.add_argument("--smtp", action="store_true", help="speak SMTP instead of LMTP")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    from app.inbound.receiver import make_controller
    from workers.app import get_app

    controller = make_controller(get_app(), args.host, args.port, lmtp=not args.smtp)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    controller.start()
    logging.getLogger("baton.inbound").info(
        "receiving %s on %s:%s", "SMTP" if args.smtp else "LMTP", args.host, args.port
    )
    stopping.wait()
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
