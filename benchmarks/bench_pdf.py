"""One-page invoice PDF on a warm process: our full path vs WeasyPrint on the same HTML.

Full path = `invoice_context()` (the database reads, expired each round so they really run)
+ the Jinja template + `render_pdf()` (our URL fetcher, attachment stripping, write).
Direct = `weasyprint.HTML(string=<the same final HTML>).write_pdf()` with a fetcher that
hands over the same two assets (CSS, logo) and nothing else, and WeasyPrint's default
(fresh) font configuration; ours reuses one per process, so a third variant ("same fonts")
renders the same HTML with that reused configuration: full minus same-fonts is exactly our
own overhead. Each round runs all three, rotating which goes first, so machine noise and
warm caches hit them alike. Wall and process CPU time are both recorded (on a shared
machine wall time includes waiting for other processes). The invoice: A4, PNG
logo, 10 lines with tax, totals, payment instructions, footer and page number; in English
and in Arabic (right to left). Like a `python -m workers` process serving the pdf queue, the
benchmark calls `app.core.pdf.warm_up()` first (fonts loaded, long-lived objects frozen out
of the garbage collector's full passes); all three variants run in that same process.

    python -m benchmarks.bench_pdf --rounds 60
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import time
from decimal import Decimal
from pathlib import Path

from benchmarks.generate import migrate, recreate_database

RESULTS = Path(__file__).resolve().parent / "results"


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": model,
        "cpus": os.cpu_count(),
        "load_avg_start": os.getloadavg(),
    }


def _setup(locale: str, currency: str, name: str) -> tuple[int, int]:
    """An agency with full branding (logo included) and one issued 10-line invoice."""
    from PIL import Image

    from app.agencies.models import Agency
    from app.clients.models import Client, Contact
    from app.core.clock import utcnow
    from app.core.money import compute
    from app.core.permissions import Actor
    from app.core.tenancy import all_tenants, tenant
    from app.documents.branding import set_logo, update_branding
    from app.extensions import db
    from app.invoices.models import Invoice, InvoiceLine
    from app.users.models import Membership, User

    with all_tenants():
        agency = Agency(name=f"Bench {locale} Agency", slug=f"bench-pdf-{locale}",
                        time_zone="Europe/London", base_currency=currency)  # fmt: skip
        db.session.add(agency)
        db.session.flush()
        user = User(name="Owner", email=f"owner-{locale}@bench.test", password_hash="x")
        db.session.add(user)
        db.session.flush()
        member = Membership(agency_id=agency.id, user_id=user.id, role="owner")
        client = Client(agency_id=agency.id, name=name, time_zone="Asia/Kuwait",
                        currency=currency, locale=locale, status="active")  # fmt: skip
        db.session.add_all([member, client])
        db.session.flush()
        db.session.add(Contact(agency_id=agency.id, client_id=client.id, name="Billing",
                               email=f"billing-{locale}@client.test", is_billing=True))  # fmt: skip
        db.session.flush()
    actor = Actor(user=user, agency=agency, membership=member)
    logo = io.BytesIO()
    Image.new("RGB", (600, 200), (15, 118, 110)).save(logo, "PNG")
    with tenant(agency.id):
        update_branding(
            actor,
            {
                "primary_color": "#0f766e",
                "accent_color": "#b45309",
                "font": "Noto Sans",
                "address": "12 Baker Street\nLondon NW1 6XE\nUnited Kingdom",
                "tax_id": "GB123456789",
                "bank_details": "Juniper Desk Ltd\nIBAN GB29 NWBK 6016 1331 9268 19\nBIC NWBKGB2L",
                "paypal_url": "https://paypal.me/juniperdesk",
                "wise_url": "https://wise.com/pay/me/juniperdesk",
                "footer_text": "Juniper Desk Ltd · Registered in England 01234567",
            },
        )
        set_logo(actor, logo.getvalue())
        invoice = Invoice(client_id=client.id, kind="invoice", number="INV-2026-00042",
                          status="sent", currency=currency, locale=locale,
                          client_time_zone=client.time_zone, issue_date=utcnow().date(),
                          due_date=utcnow().date(), net_days=15,
                          notes="Thank you for working with us.")  # fmt: skip
        db.session.add(invoice)
        db.session.flush()
        texts = (["دعم البريد الإلكتروني", "إدارة التقويم", "تقرير أسبوعي", "تنظيف قاعدة العملاء",
                  "جدولة وسائل التواصل", "ساعات دعم العملاء", "بحث: أماكن الفعاليات",
                  "قيود محاسبية", "قائمة الإعداد", "اشتراك شهري"] if locale.startswith("ar")
                 else ["Inbox management", "Calendar and travel booking", "Weekly report",
                       "CRM clean-up", "Social media scheduling", "Customer support hours",
                       "Research: venue options", "Bookkeeping entries",
                       "Onboarding checklist run", "Monthly retainer"])  # fmt: skip
        lines = [
            InvoiceLine(
                invoice_id=invoice.id,
                position=i + 1,
                kind="manual",
                description=t,
                quantity=Decimal(1 + i % 3),
                unit_price_minor=12500 + 750 * i,
                tax_rate=Decimal("0.2"),
                tax_name="VAT",
            )  # fmt: skip
            for i, t in enumerate(texts)
        ]
        totals = compute(lines, "per_line")
        for line, amounts in zip(lines, totals.lines, strict=True):
            line.net_minor, line.tax_minor, line.gross_minor = (
                amounts.net,
                amounts.tax,
                amounts.gross,
            )
        invoice.subtotal_minor, invoice.tax_minor = totals.subtotal, totals.tax
        invoice.total_minor = totals.total
        db.session.add_all(lines)
        db.session.commit()
        return agency.id, invoice.id


def page_count(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def bench(agency_id: int, invoice_id: int, rounds: int, warmup: int) -> dict:
    from weasyprint import HTML

    from app.core.pdf import _font_config, make_fetcher, render_pdf
    from app.core.tenancy import tenant
    from app.documents.rendering import invoice_assets, invoice_context, render_invoice_html
    from app.extensions import db

    full: list[float] = []
    direct: list[float] = []
    # CPU seconds of this process too: on a shared machine wall time includes waiting for
    # other processes; CPU time does not (but misses PostgreSQL's side of the reads).
    full_cpu: list[float] = []
    direct_cpu: list[float] = []
    # WeasyPrint on the same HTML with the same reused font configuration as ours: the
    # difference to `full` is exactly our context, template, fetcher and clean-up.
    same_fonts: list[float] = []
    same_fonts_cpu: list[float] = []
    parts: dict[str, list[float]] = {"context": [], "template": [], "render": []}
    html = ""
    pdf = b""

    def ours() -> tuple[float, float, float, float, str, bytes]:
        db.session.expire_all()
        cpu0 = time.process_time()
        t0 = time.perf_counter()
        context = invoice_context(invoice_id)
        t1 = time.perf_counter()
        page = render_invoice_html(context)
        t2 = time.perf_counter()
        data = render_pdf(page, assets=invoice_assets(context))
        t3 = time.perf_counter()
        cpu = time.process_time() - cpu0
        db.session.rollback()
        return t1 - t0, t2 - t1, t3 - t2, cpu, page, data

    with tenant(agency_id):
        _, _, _, _, html, pdf = ours()
        assets = invoice_assets(invoice_context(invoice_id))
        db.session.rollback()
        for n in range(warmup + rounds):
            # Alternate which goes first, so neither profits from the other's warm caches.
            order = ("ours", "direct", "same_fonts")
            for which in order[n % 3 :] + order[: n % 3]:
                if which == "ours":
                    c, t, r, cpu, html, pdf = ours()
                    if n >= warmup:
                        full.append(c + t + r)
                        full_cpu.append(cpu)
                        parts["context"].append(c)
                        parts["template"].append(t)
                        parts["render"].append(r)
                elif which == "direct":
                    cpu0 = time.process_time()
                    t4 = time.perf_counter()
                    HTML(string=html, url_fetcher=make_fetcher(assets)).write_pdf()
                    if n >= warmup:
                        direct.append(time.perf_counter() - t4)
                        direct_cpu.append(time.process_time() - cpu0)
                else:
                    cpu0 = time.process_time()
                    t4 = time.perf_counter()
                    HTML(string=html, url_fetcher=make_fetcher(assets)).write_pdf(
                        font_config=_font_config()
                    )
                    if n >= warmup:
                        same_fonts.append(time.perf_counter() - t4)
                        same_fonts_cpu.append(time.process_time() - cpu0)
    ms = 1000.0
    return {
        "rounds": rounds,
        "pages": page_count(pdf),
        "pdf_bytes": len(pdf),
        "full_median_ms": round(statistics.median(full) * ms, 1),
        "full_p95_ms": round(p95(full) * ms, 1),
        "direct_median_ms": round(statistics.median(direct) * ms, 1),
        "direct_p95_ms": round(p95(direct) * ms, 1),
        "overhead_ratio_median": round(statistics.median(full) / statistics.median(direct), 3),
        "overhead_ratio_p95": round(p95(full) / p95(direct), 3),
        "parts_median_ms": {k: round(statistics.median(v) * ms, 2) for k, v in parts.items()},
        "full_cpu_median_ms": round(statistics.median(full_cpu) * ms, 1),
        "full_cpu_p95_ms": round(p95(full_cpu) * ms, 1),
        "direct_cpu_median_ms": round(statistics.median(direct_cpu) * ms, 1),
        "direct_cpu_p95_ms": round(p95(direct_cpu) * ms, 1),
        "overhead_ratio_cpu_median": round(
            statistics.median(full_cpu) / statistics.median(direct_cpu), 3
        ),
        "same_fonts_median_ms": round(statistics.median(same_fonts) * ms, 1),
        "same_fonts_p95_ms": round(p95(same_fonts) * ms, 1),
        "same_fonts_cpu_median_ms": round(statistics.median(same_fonts_cpu) * ms, 1),
        "overhead_ratio_vs_same_fonts_median": round(
            statistics.median(full) / statistics.median(same_fonts), 3
        ),
        "overhead_ratio_vs_same_fonts_cpu_median": round(
            statistics.median(full_cpu) / statistics.median(same_fonts_cpu), 3
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()
    url = recreate_database("baton_bench_pdf")
    migrate(url)
    import tempfile

    from app import create_app

    storage = tempfile.mkdtemp(prefix="baton-bench-pdf-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None, "STORAGE_DIR": storage})
    out: dict = {"machine": machine(), "cases": {}}
    with app.app_context():
        from app.core.pdf import warm_up

        warm_up()
        cases = {"en": ("en", "USD", "Harbour & Co"), "ar": ("ar", "KWD", "شركة الأفق للتجارة")}
        for key, (locale, currency, name) in cases.items():
            agency_id, invoice_id = _setup(locale, currency, name)
            out["cases"][key] = bench(agency_id, invoice_id, args.rounds, args.warmup)
            print(key, json.dumps(out["cases"][key]), flush=True)
        from app.extensions import db

        db.engine.dispose()
    out["machine"]["load_avg_end"] = os.getloadavg()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "pdf.json").write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(out, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
