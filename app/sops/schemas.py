"""Schemas of the SOP pages and API: the forms and request bodies (the SOP itself travels
as YAML text, checked by app.sops.file_format and app.sops.definition) and the API's output.
"""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate

from app.core.schemas import BaseSchema, PageArgs
from app.sops.definition import SLUG_HELP, SLUG_RE
from app.sops.file_format import MAX_YAML_CHARS
from app.sops.localize import languages_of
from app.sops.models import SOP_SOURCES

# --- forms and API input -----------------------------------------------------------------

YAML_HELP = "The SOP as YAML text (see sops/README.md); errors name the path of each field."


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("Write the SOP here; it cannot be blank.")


class SopCreateIn(BaseSchema):
    yaml = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=MAX_YAML_CHARS), _not_blank],
        metadata={"description": YAML_HELP},
    )

    def _clean(self, key: str, value: Any) -> Any:
        # YAML is indentation: the text is kept as written, not trimmed like other fields.
        if key == "yaml":
            return value
        return super()._clean(key, value)


class SopUpdateIn(SopCreateIn):
    base_version = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1),
        metadata={
            "description": "The version number you edited; if the SOP has moved on since, "
            "the save is refused (409) instead of overwriting someone else's change."
        },
    )


class SopImportIn(BaseSchema):
    """The import form: the file itself comes in `request.files`."""


class SopCloneIn(BaseSchema):
    slug = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=80), validate.Regexp(SLUG_RE, error=SLUG_HELP)],
        metadata={"description": "The new SOP's slug (unique in the agency)."},
    )
    title = fields.String(required=True, validate=validate.Length(min=1, max=160))


class SopFilterArgs(PageArgs):
    q = fields.String(
        validate=validate.Length(max=200),
        metadata={"description": "Part of the title or slug."},
    )
    include_archived = fields.Boolean(load_default=False)


# --- output ------------------------------------------------------------------------------


class SopPageMetaOut(BaseSchema):
    page = fields.Integer(dump_only=True)
    per_page = fields.Integer(dump_only=True)
    total = fields.Integer(dump_only=True)
    pages = fields.Integer(dump_only=True)


class SopVersionSummaryOut(BaseSchema):
    id = fields.Integer(dump_only=True)
    sop_id = fields.Integer(dump_only=True)
    number = fields.Integer(
        dump_only=True, metadata={"description": "1, 2, 3 ... in order of saving."}
    )
    label = fields.String(dump_only=True, metadata={"description": "The author's `version`."})
    content_hash = fields.String(dump_only=True)
    stage_count = fields.Integer(dump_only=True)
    item_count = fields.Integer(dump_only=True)
    client_approval = fields.Boolean(dump_only=True)
    languages = fields.Function(
        lambda v: languages_of(v.definition),
        dump_only=True,
        metadata={
            "description": "The languages the version can be read in: its own `language` "
            "first, then those of its `translations`."
        },
    )
    created_at = fields.AwareDateTime(dump_only=True)
    created_by_id = fields.Integer(dump_only=True, allow_none=True)


class SopVersionOut(SopVersionSummaryOut):
    definition = fields.Dict(dump_only=True)
    yaml = fields.String(dump_only=True, attribute="yaml_text")


class SopVersionPageOut(BaseSchema):
    items = fields.List(fields.Nested(SopVersionSummaryOut), dump_only=True)
    meta = fields.Nested(SopPageMetaOut, dump_only=True)


class SopOut(BaseSchema):
    id = fields.Integer(dump_only=True)
    slug = fields.String(dump_only=True)
    title = fields.String(dump_only=True)
    source = fields.String(
        dump_only=True,
        metadata={
            "description": f"One of {', '.join(SOP_SOURCES)}: 'file' SOPs follow `flask sops "
            "sync`; editing one in the app makes it 'app'."
        },
    )
    archived = fields.Boolean(dump_only=True, attribute="is_archived")
    archived_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    created_at = fields.AwareDateTime(dump_only=True)
    current_version = fields.Nested(SopVersionSummaryOut, dump_only=True, allow_none=True)


class SopDetailOut(SopOut):
    current_version = fields.Nested(SopVersionOut, dump_only=True, allow_none=True)


class SopPageOut(BaseSchema):
    items = fields.List(fields.Nested(SopOut), dump_only=True)
    meta = fields.Nested(SopPageMetaOut, dump_only=True)
