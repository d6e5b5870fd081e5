"""Serving the time entries CSV as a streamed download, for the report page and the API alike.

Always an attachment with `X-Content-Type-Options: nosniff`. The rows are read and written
while the response is sent, after the view has returned: Flask has torn the request down by
then (the tenant reset, the session removed), so the stream runs inside the request's
context again (`stream_with_context`) and says its tenant once more, the agency of the URL
the actor was loaded from, for a fresh session of its own.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from flask import Response, stream_with_context

from app.core.clock import today_in, utcnow
from app.core.permissions import Actor
from app.core.tenancy import tenant
from app.reports.csv_export import time_entries_csv
from app.reports.queries import resolve_period
from app.time.queries import person_zone


def _as_tenant(agency_id: int, chunks: Iterator[str]) -> Iterator[str]:
    with tenant(agency_id):
        yield from chunks


def time_csv_download(actor: Actor, args: dict) -> Response:
    """The CSV of the entries `args` selects, named time-<agency>-<first>-<last day>.csv."""
    period = resolve_period(args, today_in(person_zone(actor.membership)))
    span = "-".join(d.isoformat() for d in (period.start, period.end) if d) or "all"
    chunks = time_entries_csv(actor, args, period, utcnow())
    # The header row is sent as it is (a WSGI server asks for the first chunk at once);
    # the contexts are entered only for the rows, so a download never read leaves none
    # pushed behind it.
    header = next(chunks)
    return Response(
        itertools.chain([header], stream_with_context(_as_tenant(actor.agency_id, chunks))),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="time-{actor.agency.slug}-{span}.csv"',
            "X-Content-Type-Options": "nosniff",
        },
    )
