"""The request page reads a thread of any length with the same number of queries."""

from __future__ import annotations

from app.core import storage
from app.core.tenancy import tenant
from app.extensions import db
from app.inbound.models import RequestFile, RequestMessage
from app.portal.models import WorkRequest
from tests.work.support import make_desk, web


def _add_messages(desk, work_request_id: int, count: int, start: int) -> None:
    with tenant(desk.agency.id):
        for n in range(start, start + count):
            row = RequestMessage(
                agency_id=desk.agency.id,
                work_request_id=work_request_id,
                author_name="Hana Harbour",
                body=f"<p>Message {n}</p>",
                message_id=f"<m{n}@harbour.test>",
            )
            db.session.add(row)
            db.session.flush()
            stored = storage.put(storage.make_key("inbound", desk.agency.id, "q", n), b"note\n")
            db.session.add(
                RequestFile(
                    agency_id=desk.agency.id, work_request_id=work_request_id,
                    message_id=row.id, storage_key=stored.key, sha256=stored.sha256,
                    filename=f"note-{n}.txt", content_type="text/plain", size=stored.size,
                )
            )  # fmt: skip
        db.session.flush()


def test_the_request_page_does_not_query_per_message(app, count_queries):
    desk = make_desk()
    with tenant(desk.agency.id):
        req = WorkRequest(agency_id=desk.agency.id, client_id=desk.client.id, title="Flyer",
                          status="open")  # fmt: skip
        db.session.add(req)
        db.session.flush()
    browser = web(app, desk.owner)
    url = f"/{desk.slug}/requests/{req.id}"
    _add_messages(desk, req.id, 2, 0)
    with count_queries() as few:
        page = browser.get(url)
    assert page.status_code == 200 and "note-1.txt" in page.get_data(as_text=True)
    _add_messages(desk, req.id, 8, 2)
    with count_queries() as many:
        page = browser.get(url)
    assert "note-9.txt" in page.get_data(as_text=True) and "Message 9" in page.get_data(
        as_text=True
    )
    assert len(many) == len(few)
