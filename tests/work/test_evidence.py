"""Evidence and user text: links validated, notes/comments/descriptions sanitized, uploads
capped, typed from their bytes, stored under server-made keys and served as downloads only
to people who can see the item."""

from __future__ import annotations

import copy
import io
import zipfile

import pytest
import sqlalchemy as sa

from app.core import storage
from app.core.tenancy import all_tenants
from app.extensions import db
from app.work.models import EvidenceFile
from tests.factories import DEFAULT_SOP_DEFINITION, SopFactory, SopVersionFactory
from tests.work.support import PDF, PNG, Flow, api, checks, events, upload, web

XSS = (
    '<script>alert("x")</script><img src=x onerror=alert(1)>Hi <b>there</b> '
    '<a href="javascript:alert(2)">bad</a> '
    '<a href="https://ok.example.test/" onclick="steal()">ok</a>'
    '<svg onload=alert(3)></svg><iframe src="https://evil.test"></iframe>'
)


def _assert_clean(html: str) -> None:
    lowered = html.lower()
    for bad in (
        "<script",
        "onerror",
        "onclick",
        "onload",
        "javascript:",
        "<svg",
        "<iframe",
        "<img",
    ):
        assert bad not in lowered, (bad, html)


def test_comments_notes_and_descriptions_are_sanitized(app, desk):
    flow = Flow(app, desk, description=XSS)
    flow.start()
    resp = flow.va.post(flow.url("/comments"), json={"body": XSS})
    assert resp.status_code == 201
    stored = resp.json["body"]
    _assert_clean(stored)
    assert "<b>there</b>" in stored
    assert '<a href="https://ok.example.test/" rel="noopener noreferrer">ok</a>' in stored
    resp = flow.va.post(flow.url(f"/checklist/{flow.ids['notes']}/evidence"), json={"note": XSS})
    assert resp.status_code == 200
    _assert_clean(resp.json["evidence_note"])
    _assert_clean(flow.owner.get(flow.url()).json["description"])
    page = web(app, desk.owner).get(f"/{desk.slug}/work/{flow.id}").get_data(as_text=True)
    _assert_clean(page.split("<main", 1)[1].split("</main>", 1)[0])


def test_a_comment_of_nothing_but_markup_is_refused(app, desk):
    flow = Flow(app, desk)
    resp = flow.va.post(flow.url("/comments"), json={"body": "<script>alert(1)</script>"})
    assert resp.status_code == 422 and resp.json["errors"]["body"] == ["Write a comment."]
    assert events(flow.id, "comment") == []


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://files.example.test/report",
        "https://",
        "https://example.test/" + "a" * 2000,
        "not a link",
        'https://example.test/"><script>alert(1)</script>',
    ],
)
def test_bad_links_are_refused(app, desk, link):
    flow = Flow(app, desk)
    flow.start()
    resp = flow.va.post(flow.url(f"/checklist/{flow.ids['draft']}/evidence"), json={"link": link})
    assert resp.status_code == 422 and "link" in resp.json["errors"], resp.json
    assert checks(flow.id)["draft"].evidence_link is None


def test_evidence_must_be_the_kind_the_sop_asks_for(app, desk):
    flow = Flow(app, desk)
    flow.start()
    resp = flow.va.post(
        flow.url(f"/checklist/{flow.ids['draft']}/evidence"), json={"note": "here it is"}
    )
    assert resp.status_code == 422
    assert resp.json["errors"]["note"] == ["'Link the draft' takes a link as evidence, not a note."]
    resp = flow.va.post(
        flow.url(f"/checklist/{flow.ids['collect']}/evidence"), json={"link": "https://x.test/"}
    )
    assert resp.status_code == 409
    resp = upload(flow.va, flow.id, flow.ids["draft"], PDF, "draft.pdf")
    assert resp.status_code == 422 and "file" in resp.json["errors"]


def _docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("evil.html", "<script>alert(1)</script>")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "content_type"),
    [
        (PDF, "report.pdf", "application/pdf"),
        (PNG, "chart.png", "image/png"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 32, "photo.JPG", "image/jpeg"),
        (b"GIF89a" + b"\x00" * 16, "anim.gif", "image/gif"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 16, "pic.webp", "image/webp"),
        (b"month,total\nJan,10\n", "figures.csv", "text/csv"),
        ("Plain notes, café ✓\n".encode(), "notes.txt", "text/plain"),
        (
            _docx(),
            "letter.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ],
)
def test_allowed_files_are_stored_typed_from_their_bytes(app, desk, data, name, content_type):
    flow = Flow(app, desk)
    flow.start()
    resp = upload(flow.va, flow.id, flow.ids["report"], data, name)
    assert resp.status_code == 200, resp.json
    info = resp.json["evidence_file"]
    assert (info["content_type"], info["filename"], info["size"]) == (content_type, name, len(data))
    with all_tenants():
        row = db.session.get(EvidenceFile, info["id"])
    assert row.storage_key == f"agency/{desk.agency.id}/work/{flow.id}/evidence/{row.id}"
    assert storage.get(row.storage_key, row.sha256) == data


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"<!doctype html><script>alert(1)</script>", "chart.png", "not accepted"),
        (b"<html><body onload=alert(1)>", "page.html", "not accepted"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "logo.svg",
            "not accepted",
        ),
        (b"  <script>alert(1)</script>", "notes.txt", "not accepted"),
        (PDF, "chart.png", "does not match its name (.png)"),
        (PNG, "report.pdf", "does not match its name (.pdf)"),
        (_zip(), "archive.docx", "not accepted"),
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff", "tool.exe", "not accepted"),
        (b"", "empty.txt", "empty"),
    ],
)
def test_refused_files(app, desk, data, name, message):
    flow = Flow(app, desk)
    flow.start()
    resp = upload(flow.va, flow.id, flow.ids["report"], data, name)
    assert resp.status_code == 422, resp.json
    assert message in resp.json["errors"]["file"][0]
    with all_tenants():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(EvidenceFile)) == 0


def test_oversize_files_are_refused(app, desk, monkeypatch):
    monkeypatch.setitem(app.config, "EVIDENCE_MAX_BYTES", 1024)
    flow = Flow(app, desk)
    flow.start()
    resp = upload(flow.va, flow.id, flow.ids["report"], PDF + b"0" * 1024, "big.pdf")
    assert resp.status_code == 422
    assert resp.json["errors"]["file"] == ["The file is larger than 1024 bytes."]
    assert upload(flow.va, flow.id, flow.ids["report"], PDF, "small.pdf").status_code == 200


def test_the_default_cap_is_ten_megabytes(app, desk):
    assert app.config["EVIDENCE_MAX_BYTES"] == 10 * 1024 * 1024
    flow = Flow(app, desk)
    flow.start()
    resp = upload(flow.va, flow.id, flow.ids["report"], PDF + b"0" * (10 * 1024 * 1024), "big.pdf")
    assert resp.status_code == 422
    assert resp.json["errors"]["file"] == ["The file is larger than 10 MB."]


def test_the_uploaders_name_never_becomes_a_path(app, desk):
    flow = Flow(app, desk)
    flow.start()
    resp = upload(flow.va, flow.id, flow.ids["report"], PDF, "../../etc/passwd.pdf")
    assert resp.status_code == 200
    assert resp.json["evidence_file"]["filename"] == "passwd.pdf"


def test_uploads_must_be_multipart(app, desk):
    flow = Flow(app, desk)
    flow.start()
    resp = flow.va.post(
        flow.url(f"/checklist/{flow.ids['report']}/evidence-file"), json={"file": "x"}
    )
    assert resp.status_code == 422 and "file" in resp.json["errors"]


def test_files_are_served_as_downloads_to_those_who_see_the_item(app, desk, other):
    flow = Flow(app, desk, client_approval=True)
    flow.start()
    flow.complete_checklist()
    file_id = flow.va.get(flow.url()).json["checklist"][2]["evidence_file"]["id"]
    path = flow.url(f"/evidence/{file_id}")
    for member in (desk.va, desk.owner, desk.qa):
        resp = api(app, member).get(path)
        assert resp.status_code == 200
        assert resp.data == PDF
        assert resp.headers["Content-Type"] == "application/pdf"
        assert resp.headers["Content-Disposition"] == "attachment; filename=report.pdf"
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
    page = web(app, desk.va).get(f"/{desk.slug}/work/{flow.id}/evidence/{file_id}")
    assert page.status_code == 200 and page.headers["Content-Disposition"].startswith("attachment")
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    # Not (yet) visible: the client before QA approval, a VA not on the client, another agency.
    assert api(app, desk.contact).get(path).status_code == 404
    assert api(app, desk.other_va).get(path).status_code == 404
    assert (
        web(app, desk.other_va).get(f"/{desk.slug}/work/{flow.id}/evidence/{file_id}").status_code
        == 404
    )
    assert api(app, other.owner).get(path.replace(desk.slug, other.slug)).status_code == 404
    flow.submit()
    flow.take()
    flow.approve()
    assert api(app, desk.contact).get(path).status_code == 200
    assert api(app, desk.owner).get(flow.url("/evidence/999999")).status_code == 404


def test_history_quotes_sop_texts_and_file_names_as_text(app, desk):
    definition = copy.deepcopy(DEFAULT_SOP_DEFINITION)
    definition["stages"][0]["items"][0]["text"] = "Check <img src=x onerror=alert(1)>"
    version = SopVersionFactory(sop=SopFactory(agency=desk.agency), definition=definition)
    flow = Flow(app, desk, sop_version_id=version.id)
    flow.start()
    flow.ok(flow.va.patch(flow.url(f"/checklist/{flow.ids['collect']}"), json={"done": True}))
    resp = upload(flow.va, flow.id, flow.ids["report"], PDF, "<b onmouseover=x>r</b>.pdf")
    assert resp.json["evidence_file"]["filename"] == "b.pdf"
    page = web(app, desk.owner).get(f"/{desk.slug}/work/{flow.id}").get_data(as_text=True)
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    assert "<img" not in main and "<b " not in main
    assert "Ticked: Check &lt;img src=x onerror=alert(1)&gt;" in main
