"""Benchmark data for the owner's cockpit, on top of the time data set
(benchmarks/generate_time.py: 200 members, 20,000 clients, 200,000 work items and
2,000,000 time entries in the large agency): what margin, payouts and the forecast read.

* an hourly cost rate for every staff member (USD, 8.00-25.00 an hour), and a fee per item
  of five SOPs for a tenth of the VAs;
* 2,000 issued invoices a month over the last 12 months (24,000), one line each, in the
  client's currency with its rate to the base currency; two thirds paid (a payment 5-40
  days after issue), 1 in 50 credited in part by a credit note.

Idempotent: a second call adds nothing (the invoices are numbered BENCH-<n>).

    python -m benchmarks.generate_cockpit postgresql+psycopg://postgres@127.0.0.1:5432/DB
"""

from __future__ import annotations

import sys

import sqlalchemy as sa

INVOICES = 24_000
RATE_TO_BASE = {  # units of USD for one unit of the currency (fixed, made up)
    "USD": "1",
    "EUR": "1.08",
    "GBP": "1.27",
    "EGP": "0.021",
    "JPY": "0.0067",
    "AUD": "0.66",
    "BRL": "0.18",
    "AED": "0.27",
}


def add_cockpit_data(url: str) -> dict:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        aid = conn.scalar(sa.text("SELECT id FROM agencies WHERE slug = 'bench-large'"))
        newest = conn.scalar(
            sa.text("SELECT max(entry_date) FROM time_entries WHERE agency_id = :a"), {"a": aid}
        )
        params = {"a": aid, "newest": newest}
        conn.execute(
            sa.text(
                "INSERT INTO cost_rates (agency_id, membership_id, kind, scope, sop_id, "
                "rate_minor, currency, effective_from, created_at) "
                "SELECT m.agency_id, m.id, 'hourly', 'hourly', NULL, 800 + (m.id * 37) % 1700, "
                "'USD', DATE '2000-01-01', now() FROM memberships m "
                "WHERE m.agency_id = :a AND m.role IN ('owner', 'manager', 'va', 'qa') "
                "ON CONFLICT DO NOTHING"
            ),
            params,
        )
        conn.execute(
            sa.text(
                "INSERT INTO cost_rates (agency_id, membership_id, kind, scope, sop_id, "
                "rate_minor, currency, effective_from, created_at) "
                "SELECT m.agency_id, m.id, 'per_item', 'sop:' || s.id, s.id, 3000, 'USD', "
                "DATE '2000-01-01', now() FROM memberships m "
                "CROSS JOIN (SELECT id FROM sops WHERE agency_id = :a ORDER BY id LIMIT 5) s "
                "WHERE m.agency_id = :a AND m.role = 'va' AND m.id % 10 = 0 "
                "ON CONFLICT DO NOTHING"
            ),
            params,
        )
        made = conn.scalar(
            sa.text("SELECT count(*) FROM invoices WHERE agency_id = :a AND number LIKE 'BENCH-%'"),
            params,
        )
        if not made:
            rates = ", ".join(f"('{c}', {r})" for c, r in RATE_TO_BASE.items())
            conn.execute(
                sa.text(
                    f"WITH cl AS (SELECT id, currency, time_zone, "  # noqa: S608 - constants
                    f"row_number() OVER (ORDER BY id) AS rn FROM clients WHERE agency_id = :a), "
                    f"n AS (SELECT count(*) AS n FROM cl), fx(currency, rate) AS (VALUES {rates}) "
                    f"INSERT INTO invoices (agency_id, client_id, kind, number, status, currency, "
                    f"locale, client_time_zone, rounding, issue_date, due_date, net_days, "
                    f"is_deposit, subtotal_minor, tax_minor, total_minor, paid_minor, "
                    f"credited_minor, rate_to_base, disputed, reminders_paused, created_at, "
                    f"updated_at, issued_at, paid_at, lock_version) "
                    f"SELECT :a, cl.id, 'invoice', 'BENCH-' || g, "
                    f"CASE WHEN g % 3 > 0 THEN 'paid' ELSE 'sent' END, cl.currency, 'en', "
                    f"cl.time_zone, 'per_line', d, d + 15, 15, false, amt, 0, amt, "
                    f"CASE WHEN g % 3 > 0 THEN amt ELSE 0 END, 0, coalesce(fx.rate, 1), "
                    f"false, false, d, d, d, "
                    f"CASE WHEN g % 3 > 0 THEN d + CAST(5 + g % 36 AS int) ELSE NULL END, 1 "
                    f"FROM generate_series(1::bigint, {INVOICES}) g CROSS JOIN n "
                    f"JOIN cl ON cl.rn = 1 + (g * 7919) % n.n "
                    f"LEFT JOIN fx ON fx.currency = cl.currency "
                    f"CROSS JOIN LATERAL (SELECT "
                    f"CAST(:newest AS date) - CAST(g % 365 AS int) AS d, "
                    f"20000 + (g * 104729) % 400000 AS amt) v"
                ),
                params,
            )
            conn.execute(
                sa.text(
                    "INSERT INTO invoice_lines (agency_id, invoice_id, position, kind, "
                    "description, quantity, unit_price_minor, discount_percent, tax_rate, "
                    "tax_inclusive, net_minor, tax_minor, gross_minor) "
                    "SELECT agency_id, id, 1, 'manual', 'Assistance, ' || issue_date, 1, "
                    "subtotal_minor, 0, 0, false, subtotal_minor, 0, subtotal_minor "
                    "FROM invoices WHERE agency_id = :a AND number LIKE 'BENCH-%'"
                ),
                params,
            )
            conn.execute(
                sa.text(
                    "INSERT INTO payments (agency_id, invoice_id, paid_on, method, "
                    "amount_minor, rate_to_base, created_at, kind) "
                    "SELECT agency_id, id, paid_at::date, 'bank_transfer', total_minor, "
                    "rate_to_base, paid_at, 'payment' FROM invoices "
                    "WHERE agency_id = :a AND number LIKE 'BENCH-%' AND status = 'paid'"
                ),
                params,
            )
            conn.execute(
                sa.text(
                    "INSERT INTO invoices (agency_id, client_id, kind, number, status, "
                    "currency, locale, client_time_zone, rounding, issue_date, net_days, "
                    "is_deposit, credited_invoice_id, subtotal_minor, tax_minor, total_minor, "
                    "paid_minor, credited_minor, rate_to_base, disputed, reminders_paused, "
                    "created_at, updated_at, issued_at, lock_version) "
                    "SELECT agency_id, client_id, 'credit_note', 'BENCH-CN-' || id, 'issued', "
                    "currency, locale, client_time_zone, rounding, issue_date + 3, 0, false, "
                    "id, subtotal_minor / 4, 0, total_minor / 4, 0, 0, rate_to_base, false, "
                    "false, issued_at, issued_at, issued_at, 1 FROM invoices "
                    "WHERE agency_id = :a AND number LIKE 'BENCH-%' AND kind = 'invoice' "
                    "AND id % 50 = 0"
                ),
                params,
            )
            conn.execute(
                sa.text(
                    "UPDATE invoices i SET credited_minor = c.total_minor FROM invoices c "
                    "WHERE c.credited_invoice_id = i.id AND c.number LIKE 'BENCH-CN-%' "
                    "AND i.agency_id = :a"
                ),
                params,
            )
        counts = dict(
            conn.execute(
                sa.text(
                    "SELECT 'invoices', count(*) FROM invoices WHERE agency_id = :a UNION ALL "
                    "SELECT 'cost_rates', count(*) FROM cost_rates WHERE agency_id = :a"
                ),
                params,
            ).all()
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        # work_items too: a migration run on a reused data set (0043 filled logged_seconds)
        # rewrites its rows, and a live database's autovacuum would have caught up since.
        for table in ("invoices", "invoice_lines", "payments", "cost_rates", "work_items"):
            conn.execute(sa.text(f"VACUUM ANALYZE {table}"))
    engine.dispose()
    return counts


if __name__ == "__main__":
    print(add_cockpit_data(sys.argv[1]))
