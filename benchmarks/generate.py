"""Benchmark data: one large agency plus many small ones, all in one PostgreSQL database.

Full scale (the default): a large agency with 20,000 clients, 200 members and 60,000
assignments, plus 100 small agencies (50 clients, 6 members, 100 assignments each).
`--scale 0.1` makes a tenth of everything. Rows are written with COPY after Alembic has
made the schema, so a full run takes seconds, not minutes.

    python -m benchmarks.generate --database baton_bench --scale 1
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import time
from dataclasses import dataclass

import psycopg

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
ZONES = [
    ("America/New_York", "USD", "en_US", "US"), ("Europe/Berlin", "EUR", "de_DE", "DE"),
    ("Asia/Dubai", "AED", "ar_AE", "AE"), ("Australia/Sydney", "AUD", "en_AU", "AU"),
    ("Africa/Cairo", "EGP", "ar_EG", "EG"), ("Asia/Tokyo", "JPY", "ja_JP", "JP"),
    ("Europe/London", "GBP", "en_GB", "GB"), ("America/Sao_Paulo", "BRL", "pt_BR", "BR"),
]  # fmt: skip
STATUSES = ["active"] * 6 + ["onboarding", "prospect", "paused", "ended"]
WORDS = [
    "Harbour",
    "Lumen",
    "Atlas",
    "Nile",
    "Sakura",
    "Pampas",
    "Cedar",
    "Maple",
    "Orchid",
    "Summit",
    "Coastal",
    "Granite",
    "Willow",
    "Aurora",
    "Beacon",
    "Copper",
    "Delta",
    "Ember",
    "Falcon",
    "Juniper",
    "Kestrel",
    "Lotus",
    "Meridian",
    "Nimbus",
    "Opal",
]
KINDS = (
    "Bakery",
    "Dental",
    "Logistics",
    "Crafts",
    "Studio",
    "Coffee",
    "Legal",
    "Realty",
    "Fitness",
)
# argon2 hash of the benchmark password "bench-password-1", made once with app.core.security.
BENCH_PASSWORD = "bench-password-1"  # noqa: S105 - benchmark-only data


@dataclass
class Shape:
    clients: int
    members: int
    assignments: int
    small_agencies: int
    small_clients: int = 50
    small_members: int = 6
    small_assignments: int = 100


def shape_for(scale: float) -> Shape:
    return Shape(
        clients=max(20, int(20_000 * scale)),
        members=max(10, int(200 * scale)),
        assignments=max(40, int(60_000 * scale)),
        small_agencies=max(2, int(100 * scale)),
    )


def recreate_database(name: str) -> str:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def migrate(url: str) -> None:
    from flask_migrate import upgrade

    from app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None})
    with app.app_context():
        upgrade()
        from app.extensions import db

        db.engine.dispose()


def _copy(cur: psycopg.Cursor, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _ids(cur: psycopg.Cursor, sql: str, params: tuple = ()) -> list[int]:
    return [r[0] for r in cur.execute(sql, params).fetchall()]


def fill(url: str, shape: Shape, seed: int = 7) -> dict:
    """Write the data set; returns the large agency's slug, its owner's email and counts."""
    from app.core.security import hash_password

    rnd = random.Random(seed)
    pw = hash_password(BENCH_PASSWORD)
    now = dt.datetime.now(dt.UTC)
    today = dt.date.today()
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain) as conn, conn.cursor() as cur:
        agencies = [("bench-large", "Large Bench Agency")] + [
            (f"small-{i:03d}", f"Small Agency {i}") for i in range(shape.small_agencies)
        ]
        _copy(
            cur,
            "agencies",
            (
                "slug",
                "name",
                "time_zone",
                "base_currency",
                "locale",
                "require_owner_2fa",
                "created_at",
            ),
            [(s, n, "Europe/London", "USD", "en", False, now) for s, n in agencies],
        )
        agency_ids = dict(cur.execute("SELECT slug, id FROM agencies").fetchall())
        counts = {"agencies": len(agencies), "clients": 0, "members": 0, "assignments": 0}
        owner_email = None
        for slug, _name in agencies:
            large = slug == "bench-large"
            aid = agency_ids[slug]
            n_members = shape.members if large else shape.small_members
            n_clients = shape.clients if large else shape.small_clients
            n_assign = shape.assignments if large else shape.small_assignments
            emails = [f"m{i}@{slug}.bench" for i in range(n_members)]
            _copy(
                cur,
                "users",
                ("email", "name", "password_hash", "time_zone", "locale", "created_at"),
                [(e, f"Member {i} of {slug}", pw, "UTC", "en", now) for i, e in enumerate(emails)],
            )
            user_ids = _ids(
                cur, "SELECT id FROM users WHERE email LIKE %s ORDER BY id", (f"%@{slug}.bench",)
            )
            roles = ["owner", "manager"] + ["qa"] * max(1, n_members // 10)
            roles += ["va"] * (n_members - len(roles))
            _copy(
                cur,
                "memberships",
                ("agency_id", "user_id", "role", "status", "joined_at", "capacity_hours_week"),
                [(aid, uid, roles[i], "active", now, 30) for i, uid in enumerate(user_ids)],
            )
            va_ids = _ids(
                cur, "SELECT id FROM memberships WHERE agency_id = %s AND role = 'va'", (aid,)
            )
            client_rows = []
            for i in range(n_clients):
                zone, cur_code, loc, country = ZONES[i % len(ZONES)]
                name = f"{rnd.choice(WORDS)} {rnd.choice(KINDS)} {i:05d}"
                channels = json.dumps({"urgent": "phone", "routine": "email"})
                client_rows.append(
                    (aid, name, zone, cur_code, loc, country, rnd.choice(STATUSES), channels,
                     50, 15, 24, 4000 + i % 50 * 100, now, now)
                )  # fmt: skip
            _copy(
                cur,
                "clients",
                ("agency_id", "name", "time_zone", "currency", "locale", "country", "status",
                 "channels", "deposit_percent", "net_days", "response_time_hours",
                 "bill_rate_minor", "created_at", "updated_at"),
                client_rows,
            )  # fmt: skip
            client_ids = _ids(
                cur, "SELECT id FROM clients WHERE agency_id = %s ORDER BY id", (aid,)
            )
            _copy(
                cur,
                "contacts",
                ("agency_id", "client_id", "name", "email", "preferred_channel", "is_billing"),
                [
                    (aid, cid, f"Contact {cid}", f"office{cid}@client.bench", "email", True)
                    for cid in client_ids
                ],
            )
            assign_rows = []
            for i in range(n_assign):
                cid = client_ids[i % len(client_ids)]
                ended = i >= 2 * len(client_ids)  # beyond a primary and a backup: history
                starts = today - dt.timedelta(days=400 if ended else 90)
                assign_rows.append(
                    (aid, cid, va_ids[rnd.randrange(len(va_ids))],
                     "primary" if i < len(client_ids) else "backup", starts,
                     today - dt.timedelta(days=100) if ended else None, now)
                )  # fmt: skip
            _copy(
                cur,
                "assignments",
                (
                    "agency_id",
                    "client_id",
                    "membership_id",
                    "kind",
                    "starts_on",
                    "ends_on",
                    "created_at",
                ),
                assign_rows,
            )
            counts["clients"] += n_clients
            counts["members"] += n_members
            counts["assignments"] += n_assign
            if large:
                owner_email = emails[0]
        conn.commit()
    # COPY leaves no visibility map: without VACUUM the planner skips index-only and
    # GIN (trigram) plans that a live database, vacuumed by autovacuum, would use.
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return {"slug": "bench-large", "owner_email": owner_email, "counts": counts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", default="baton_bench")
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    t0 = time.perf_counter()
    url = recreate_database(args.database)
    migrate(url)
    info = fill(url, shape_for(args.scale))
    print(json.dumps(info, indent=2), f"\n{time.perf_counter() - t0:.1f}s")


if __name__ == "__main__":
    main()
