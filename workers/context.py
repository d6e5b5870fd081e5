"""The job class that gives every job an app context and, from `agency_id`, a tenant."""

from __future__ import annotations

from typing import Any

from rq.job import Job

_app = None


def get_app():
    """One Flask app per worker process, created lazily on the first job."""
    global _app
    if _app is None:
        from app import create_app

        _app = create_app()
    return _app


class AppContextJob(Job):
    def perform(self) -> Any:
        from app.core.tenancy import tenant
        from app.extensions import db

        app = get_app()
        with app.app_context():
            try:
                agency_id = self.kwargs.get("agency_id")
                if agency_id is not None:
                    with tenant(int(agency_id)):
                        return super().perform()
                return super().perform()
            finally:
                db.session.remove()
