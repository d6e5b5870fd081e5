"""JSON API of recurring work series: create (with the first item), list a client's, read,
change, pause, resume and end. Routes on the work API blueprint; the same services as the
pages (app.work.series)."""

from __future__ import annotations

from flask import g
from flask.views import MethodView

from app.clients.models import Client
from app.clients.queries import get_client_or_404
from app.core.idempotency import idempotent
from app.core.permissions import MANAGERS, STAFF, roles
from app.core.permissions import authorize as _authorize
from app.core.uow import commit
from app.work import policy, series
from app.work.api import blp, loads_client
from app.work.models import WorkSeries
from app.work.schemas import TransitionIn
from app.work.series_schemas import (
    WorkSeriesCreatedOut,
    WorkSeriesDetailOut,
    WorkSeriesIn,
    WorkSeriesListOut,
    WorkSeriesPatchIn,
)


def _detail(found: WorkSeries) -> WorkSeries:
    return found


@blp.route("/clients/<int:client_id>/series")
class ClientSeries(MethodView):
    @roles(*STAFF)
    @blp.response(200, WorkSeriesListOut)
    def get(self, agency_slug: str, client_id: int) -> dict:
        """The client's recurring series (staff who see the client's work)."""
        client = get_client_or_404(g.actor, client_id)
        return {"items": series.client_series(g.actor, client.id)}

    @roles(*MANAGERS)
    @idempotent
    @loads_client
    @blp.arguments(WorkSeriesIn)
    @blp.response(201, WorkSeriesCreatedOut)
    def post(self, data: dict, agency_slug: str, client: Client) -> dict:
        """Create a recurring series and its first item (owners and managers): the body of
        a new work item, with `title` as the pattern and `repeats` the cadence. Each next
        item is made once, one cadence later, when the one before is delivered (or at the
        client's approval where the SOP says `next_in_series: on_client_approval`)."""
        made, item = series.create_series(g.actor, client, data)
        commit()
        return {"series": made, "item": item}


@blp.route("/series/<int:series_id>")
class SeriesResource(MethodView):
    @roles(*STAFF)
    @blp.response(200, WorkSeriesDetailOut)
    def get(self, agency_slug: str, series_id: int) -> WorkSeries:
        """A series with its items in order."""
        return _detail(series.get_series_or_404(g.actor, series_id))

    @roles(*MANAGERS)
    @blp.arguments(WorkSeriesPatchIn(partial=True))
    @blp.response(200, WorkSeriesDetailOut)
    def patch(self, data: dict, agency_slug: str, series_id: int) -> WorkSeries:
        """Change the pattern, cadence or people of the next items (owners and managers)."""
        found = series.get_series_or_404(g.actor, series_id)
        _authorize(policy.can_manage_series(g.actor))
        data.pop("lock_version", None)
        series.update_series(g.actor, found, data)
        commit()
        return _detail(found)


def _status_route(path: str, status: str, name: str, doc: str) -> None:
    class StatusChange(MethodView):
        @roles(*MANAGERS)
        @blp.arguments(TransitionIn, required=False)
        @blp.response(200, WorkSeriesDetailOut)
        def post(self, data: dict, agency_slug: str, series_id: int) -> WorkSeries:
            found = series.get_series_or_404(g.actor, series_id)
            _authorize(policy.can_manage_series(g.actor))
            series.set_series_status(g.actor, found, status)
            commit()
            return _detail(found)

    StatusChange.post.__doc__ = doc
    StatusChange.__name__ = name
    blp.route(f"/series/<int:series_id>/{path}", endpoint=name)(StatusChange)


_status_route("pause", "paused", "WorkSeriesPause", "Pause a series: no next item is made.")
_status_route("resume", "active", "WorkSeriesResume", "Resume a paused series.")
_status_route("end", "ended", "WorkSeriesEnd", "End a series for good (its items stay).")
