"""Export jobs. They run with the tenant of their agency_id, so they see only that agency."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa

from app.agencies.models import Agency
from app.clients.models import Client
from app.core.clock import utcnow
from app.core.jobs import report_progress
from app.core.spreadsheet import safe_cell
from app.exports.models import Export
from app.extensions import db

COLUMNS = (
    "id", "name", "status", "time_zone", "currency", "locale", "country", "deposit_percent",
    "net_days", "response_time_hours", "bill_rate_minor", "archived",
)  # fmt: skip
BATCH = 500


def build_clients_csv(agency_id: int, export_id: int) -> dict:
    """Write every client of the agency to CSV, reporting progress per batch."""
    export = db.session.get(Export, export_id)
    if export is None or export.status == "ready":
        return {"status": "nothing to do"}
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Client)) or 0
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    done, last_id = 0, 0
    report_progress(0, total, "Starting")
    while True:
        batch = db.session.scalars(
            sa.select(Client).where(Client.id > last_id).order_by(Client.id).limit(BATCH)
        ).all()
        if not batch:
            break
        for c in batch:
            writer.writerow(
                [c.id, safe_cell(c.name), c.status, c.time_zone, c.currency, c.locale,
                 c.country or "", c.deposit_percent, c.net_days, c.response_time_hours,
                 c.bill_rate_minor or "", "yes" if c.archived_at else "no"]
            )  # fmt: skip
        done += len(batch)
        last_id = batch[-1].id
        report_progress(done, total, f"{done} of {total} clients")
    export.content = out.getvalue()
    export.row_count = done
    export.status = "ready"
    export.finished_at = utcnow()
    slug = db.session.scalar(sa.select(Agency.slug).where(Agency.id == agency_id))
    db.session.commit()
    return {"rows": done, "download": f"/{slug}/exports/{export_id}/download"}
