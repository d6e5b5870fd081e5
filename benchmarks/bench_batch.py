"""Month-end batch: N draft invoices issued, rendered and emailed by 2 worker processes.

One agency with N clients, each with a billing contact and one 8-line draft for this month.
The owner starts "issue and send all drafts" (the batch job on the `default` queue); each
issue publishes its PDF job (`pdf` queue), each PDF job queues one email (`email` queue)
with the PDF attached, delivered to a local aiosmtpd server. Two `python -m workers`
processes (SimpleWorker, queues email > default > pdf) do all of it. Measured: the time from
the batch's commit to the Nth message accepted by the SMTP server, the batch job's own
time, and each worker's peak RSS (VmHWM from /proc, plus polled VmRSS).

    python -m benchmarks.bench_batch --invoices 1000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

from benchmarks.bench_pdf import machine
from benchmarks.generate import migrate, recreate_database

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")


class CountingSMTP:
    """Accepts every message; remembers when each arrived and how big it was."""

    def __init__(self) -> None:
        self.arrivals: list[float] = []
        self.sizes: list[int] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        with self.lock:
            self.arrivals.append(time.monotonic())
            self.sizes.append(len(envelope.content))
        return "250 2.0.0 OK"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _memory(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process in KiB."""
    rss = hwm = 0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
    except OSError:
        pass
    return rss, hwm


def _fill(n: int) -> tuple[int, int, str]:
    """The agency, its owner membership and N clients with one draft each (bulk ORM)."""
    from app.agencies.models import Agency
    from app.clients.models import Client, Contact
    from app.core.money import compute
    from app.core.tenancy import all_tenants
    from app.documents.models import Branding
    from app.extensions import db
    from app.invoices.batch import this_month_in
    from app.invoices.models import Invoice, InvoiceLine
    from app.users.models import Membership, User

    with all_tenants():
        agency = Agency(name="Bench Batch Agency", slug="bench-batch", time_zone="Europe/London",
                        base_currency="USD")  # fmt: skip
        db.session.add(agency)
        db.session.flush()
        user = User(name="Owner", email="owner@bench-batch.test", password_hash="x")
        db.session.add(user)
        db.session.flush()
        owner = Membership(agency_id=agency.id, user_id=user.id, role="owner")
        db.session.add(owner)
        db.session.add(
            Branding(agency_id=agency.id, address="12 Baker Street\nLondon NW1",
                     bank_details="IBAN GB29 NWBK 6016 1331 9268 19",
                     paypal_url="https://paypal.me/bench", footer_text="Bench Batch Agency Ltd")
        )  # fmt: skip
        db.session.flush()
        texts = ["Inbox management", "Calendar and travel", "Weekly report", "CRM clean-up",
                 "Social media scheduling", "Customer support hours", "Bookkeeping entries",
                 "Monthly retainer"]  # fmt: skip
        for i in range(n):
            arabic = i % 10 == 0  # one client in ten is Arabic (right to left)
            client = Client(
                agency_id=agency.id,
                name=f"Client {i:05d}",
                time_zone="America/New_York",
                currency="USD",
                locale="ar" if arabic else "en",
                status="active",
            )
            db.session.add(client)
            db.session.flush()
            contact = Contact(agency_id=agency.id, client_id=client.id, name=f"Billing {i}",
                              email=f"billing{i}@client{i}.test", is_billing=True)  # fmt: skip
            db.session.add(contact)
            invoice = Invoice(agency_id=agency.id, client_id=client.id, kind="invoice",
                              status="draft", currency="USD", locale=client.locale,
                              client_time_zone=client.time_zone, net_days=15)  # fmt: skip
            db.session.add(invoice)
            db.session.flush()
            lines = [
                InvoiceLine(
                    agency_id=agency.id,
                    invoice_id=invoice.id,
                    position=p + 1,
                    kind="manual",
                    description=t,
                    quantity=Decimal(1 + p % 3),
                    unit_price_minor=9000 + 500 * p,
                    tax_rate=Decimal("0.2"),
                    tax_name="VAT",
                )  # fmt: skip
                for p, t in enumerate(texts)
            ]
            totals = compute(lines, "per_line")
            for line, a in zip(lines, totals.lines, strict=True):
                line.net_minor, line.tax_minor, line.gross_minor = a.net, a.tax, a.gross
            invoice.subtotal_minor, invoice.tax_minor = totals.subtotal, totals.tax
            invoice.total_minor = totals.total
            db.session.add_all(lines)
            if i % 200 == 199:
                db.session.flush()
        db.session.commit()
        return agency.id, owner.id, this_month_in(agency.time_zone)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invoices", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args()
    from aiosmtpd.controller import Controller
    from redis import Redis

    url = recreate_database("baton_bench_batch")
    migrate(url)
    storage = tempfile.mkdtemp(prefix="baton-bench-batch-")
    port = free_port()
    handler = CountingSMTP()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    smtp_url = f"smtp://127.0.0.1:{port}?timeout=30"
    Redis.from_url(REDIS_URL).flushdb()

    from app import create_app

    config = {"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": REDIS_URL, "SMTP_URL": smtp_url,
              "STORAGE_DIR": storage}  # fmt: skip
    app = create_app(config)
    env = dict(os.environ, DATABASE_URL=url, REDIS_URL=REDIS_URL, SMTP_URL=smtp_url,
               STORAGE_DIR=storage, PYTHONPATH=str(ROOT),
               MAIL_FROM="billing@bench.test")  # fmt: skip
    out: dict = {"machine": machine(), "invoices": args.invoices, "workers": args.workers}
    procs: list[subprocess.Popen] = []
    peaks: dict[int, int] = {}
    stop = threading.Event()

    def poll_memory() -> None:
        while not stop.is_set():
            for proc in procs:
                rss, _ = _memory(proc.pid)
                peaks[proc.pid] = max(peaks.get(proc.pid, 0), rss)
            time.sleep(0.2)

    with app.app_context():
        from app.core.jobs import OutboxJob
        from app.core.permissions import Actor
        from app.core.tenancy import tenant
        from app.core.uow import commit
        from app.extensions import db
        from app.invoices.batch import start_batch
        from app.users.models import Membership

        t_fill = time.monotonic()
        agency_id, owner_id, month = _fill(args.invoices)
        out["fill_seconds"] = round(time.monotonic() - t_fill, 1)
        for n in range(args.workers):
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "workers", "--name", f"bench-batch-{n}"],
                    env=env,
                    cwd=ROOT,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )  # fmt: skip
            )
        poller = threading.Thread(target=poll_memory, daemon=True)
        poller.start()
        time.sleep(4)  # workers import the app (WeasyPrint loads on the first PDF)
        idle = {p.pid: _memory(p.pid)[0] for p in procs}
        try:
            with tenant(agency_id):
                member = db.session.get(Membership, owner_id)
                actor = Actor(user=member.user, agency=member.agency, membership=member)
                t0 = time.monotonic()
                job = start_batch(actor, {"month": month})
                commit()
                batch_id = job.id
            deadline = t0 + args.timeout
            batch_done = None
            while len(handler.arrivals) < args.invoices and time.monotonic() < deadline:
                time.sleep(0.5)
                if batch_done is None:
                    db.session.expire_all()
                    row = db.session.get(OutboxJob, batch_id)
                    if row.status in ("succeeded", "failed"):
                        batch_done = time.monotonic()
                        out["batch_status"] = row.status
                        out["batch_result"] = {k: v for k, v in (row.result or {}).items()
                                               if k != "issued_invoices"}  # fmt: skip
                    db.session.rollback()
            t_end = handler.arrivals[-1] if handler.arrivals else time.monotonic()
            hwm = {p.pid: _memory(p.pid)[1] for p in procs}
        finally:
            stop.set()
            for proc in procs:
                proc.terminate()
            for proc in procs:
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
            controller.stop()
        db.session.expire_all()
        failed = db.session.query(OutboxJob).filter(OutboxJob.status == "failed").count()
        db.engine.dispose()

    emails = len(handler.arrivals)
    total = t_end - t0
    out.update(
        {
            "emails_received": emails,
            "failed_jobs": failed,
            "total_seconds": round(total, 1),
            "total_minutes": round(total / 60, 2),
            "batch_issue_seconds": round((batch_done or t_end) - t0, 1),
            "invoices_per_minute": round(emails / total * 60, 1) if total else None,
            "mean_email_kib": round(sum(handler.sizes) / max(1, emails) / 1024, 1),
            "worker_idle_rss_mib": [round(v / 1024, 1) for v in idle.values()],
            "worker_peak_rss_mib_polled": [round(v / 1024, 1) for v in peaks.values()],
            "worker_peak_rss_mib_vmhwm": [round(v / 1024, 1) for v in hwm.values()],
        }
    )
    out["machine"]["load_avg_end"] = os.getloadavg()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "batch.json").write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
