"""`python -m workers.inbound` as it runs in production: a subprocess on its own port,
speaking SMTP (`--smtp`) or LMTP (the default), turning a contact's mail into a request."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import subprocess_pythonpath
from tests.inbound.conftest import CONFIG
from tests.inbound.support import PDF, files, mail, requests, send
from tests.workers.conftest import free_port, wait_for

pytestmark = pytest.mark.no_db
ROOT = Path(__file__).resolve().parents[2]


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.parametrize("mode", ["--smtp", "lmtp"])
def test_the_receiver_process_takes_a_contacts_mail(intake, database_url, storage_dir, mode,
                                                    tmp_path):  # fmt: skip
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "SENTRY"))}
    env.pop("REDIS_URL", None)
    env.update(
        DATABASE_URL=database_url,
        STORAGE_DIR=storage_dir,
        INBOUND_DOMAIN=CONFIG["INBOUND_DOMAIN"],
        INBOUND_PORT=str(port),
        EVIDENCE_MAX_BYTES=str(CONFIG["EVIDENCE_MAX_BYTES"]),
        PYTHONPATH=subprocess_pythonpath(ROOT),
    )
    args = [sys.executable, "-m", "workers.inbound"] + ([mode] if mode == "--smtp" else [])
    log = tmp_path / "inbound.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: _listening(port) or proc.poll() is not None, timeout=60)
        assert proc.poll() is None, log.read_text()
        msg = mail(intake.contact_email, intake.address,
                   files=(("brief.pdf", PDF, "application/pdf"),))  # fmt: skip
        assert send(port, msg, lmtp=mode != "--smtp") == {}
        [req] = requests(intake.agency_id)
        assert req.title == "Easter newsletter" and len(files(req.id)) == 1
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0, log.read_text()
    assert "receiving" in log.read_text()
