"""A work item's history reads in the reader's language: the entries the server writes
(a checklist item ticked, evidence added, sent to the client) are said in Arabic to an
Arabic reader, naming the checklist item as their SOP has it in Arabic, and stay English
for an English reader. An evidence entry written before its details were kept shows its
stored English."""

from __future__ import annotations

import re

from app.core.tenancy import tenant
from app.extensions import db
from app.work.models import WorkEvent
from tests.helpers import speaks
from tests.work.support import Flow, web
from tests.work.test_sop_translations import _translated_version


def _history(page: str) -> str:
    return re.search(r'data-testid="history">(.*?)</ul>', page, re.S).group(1)


def test_an_arabic_reader_reads_the_history_in_arabic(app, desk):
    version = _translated_version(desk)
    speaks(desk.va, "ar")
    flow = Flow(app, desk, sop_version_id=version.id)
    flow.start()
    flow.complete_checklist()

    arabic = _history(web(app, desk.va).get(f"/{desk.slug}/work/{flow.id}").text)
    assert "حُدِّد: اجمع الأرقام" in arabic
    assert "دليل «أرفق رابط المسودة»: https://docs.example.test/draft" in arabic
    assert "دليل «أرفق التقرير»: الملف report.pdf" in arabic
    assert "Ticked" not in arabic and "Evidence for" not in arabic

    english = _history(web(app, desk.owner).get(f"/{desk.slug}/work/{flow.id}").text)
    assert "Ticked: Collect the figures" in english
    assert "Evidence for Link the draft: https://docs.example.test/draft" in english


def test_an_evidence_entry_from_before_keeps_its_english(app, desk):
    speaks(desk.va, "ar")
    flow = Flow(app, desk)
    with tenant(desk.agency.id):
        db.session.add(
            WorkEvent(
                work_item_id=flow.id,
                kind="evidence",
                body="Evidence for Link the draft: note",
                data={"item_key": "draft", "kind": "note"},  # written before `text` was kept
            )
        )
        db.session.commit()
    arabic = _history(web(app, desk.va).get(f"/{desk.slug}/work/{flow.id}").text)
    assert "Evidence for Link the draft: note" in arabic
