"""Serving an accounting export as a streamed download, for the page and the API alike.

Always an attachment with `X-Content-Type-Options: nosniff`. The rows are read and written
while the response is sent, after the view has returned: Flask has torn the request down by
then, so the stream runs inside the request's context again (`stream_with_context`) and says
its tenant once more, the agency of the URL the actor was loaded from (as
app.reports.downloads does for the time CSV).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from flask import Response, stream_with_context

from app.core.clock import today_in
from app.core.permissions import Actor
from app.core.tenancy import tenant
from app.ledger.exports import file_name, ledger_csv
from app.ledger.queries import Period


def _as_tenant(agency_id: int, chunks: Iterator[str]) -> Iterator[str]:
    with tenant(agency_id):
        yield from chunks


def ledger_download(actor: Actor, args: dict) -> Response:
    """The export `args` chooses (format, what, date_from, date_to: days in the agency's
    time zone; without dates, last month there)."""
    zone = actor.agency.time_zone or "UTC"
    period = Period.chosen(args, today_in(zone), zone)
    fmt, what = args["format"], args["what"]
    chunks = ledger_csv(fmt, what, period)
    header = next(chunks)  # sent as it is; the contexts are entered only for the rows
    name = file_name(actor.agency.slug, fmt, what, period)
    return Response(
        itertools.chain([header], stream_with_context(_as_tenant(actor.agency_id, chunks))),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
        },
    )
