"""Why a reminder step was skipped is stored in English (the API and the records keep it);
the invoice's reminder panel says it in the reader's language, naming the step as they read
it. A reason the page does not know is shown as stored."""

from __future__ import annotations

from flask_babel import force_locale

from app.reminders.services import label_offset
from app.reminders.sweep import NO_CONTACT
from app.reminders.texts import skip_reason_text
from app.reminders.views import reminder_step_label


def _missed(offset: int) -> str:
    # As app.reminders.sweep writes it.
    return (
        "Missed while reminders were not running; only the latest due step "
        f"({label_offset(offset)}) is sent."
    )


def test_skip_reasons_read_in_arabic_and_french(app):
    with app.test_request_context(), force_locale("ar"):
        assert skip_reason_text(NO_CONTACT, reminder_step_label) != NO_CONTACT
        missed = skip_reason_text(_missed(7), reminder_step_label)
        assert "Missed" not in missed and reminder_step_label(7) in missed
        assert "7" in missed
    with app.test_request_context(), force_locale("fr"):
        on_due = skip_reason_text(_missed(0), reminder_step_label)
        assert reminder_step_label(0) in on_due and "Missed" not in on_due
        early = skip_reason_text("Scheduled before the invoice was issued.", reminder_step_label)
        assert "Scheduled" not in early
        assert skip_reason_text("Something new.", reminder_step_label) == "Something new."
