"""The accounting export's choice (the page's form and the API's query string, one schema)."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from app.core.schemas import BaseSchema
from app.core.translation import gettext as _

FORMATS = ("journal", "xero", "quickbooks")
SUBJECTS = ("documents", "payments", "time")
# A year and a day at most: an export is a period's books, not the whole history at once.
MAX_DAYS = 366


class LedgerArgs(BaseSchema):
    """What to export, in which format, for which days (in the agency's time zone)."""

    format = fields.String(
        load_default="journal",
        validate=validate.OneOf(FORMATS),
        metadata={
            "description": "journal (generic double-entry CSV, the default), xero or "
            "quickbooks (their import columns). Time has one format whatever this says."
        },
    )
    what = fields.String(
        load_default="documents",
        validate=validate.OneOf(SUBJECTS),
        metadata={
            "description": "documents (issued invoices and credit notes, the default), "
            "payments (and refunds) or time (approved time entries)."
        },
    )
    date_from = fields.Date(
        metadata={"description": "First day, inclusive (with date_to; neither: last month)."}
    )
    date_to = fields.Date(
        metadata={"description": "Last day, inclusive (with date_from; neither: last month)."}
    )

    @validates_schema
    def _range(self, data: dict, **kwargs: Any) -> None:
        start, end = data.get("date_from"), data.get("date_to")
        if bool(start) != bool(end):
            missing = "date_to" if start else "date_from"
            raise ValidationError(_("Give both the first and the last day."), missing)
        if start and end and start > end:
            raise ValidationError(_("The end of the period is before its start."), "date_to")
        if start and end and (end - start).days >= MAX_DAYS:
            raise ValidationError(_("A period is at most %(days)d days.", days=MAX_DAYS), "date_to")
