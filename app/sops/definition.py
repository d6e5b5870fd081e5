"""The SOP definition: what a valid SOP is, the problems found in one, and its identity.

`SopDefinition` validates the data loaded from an SOP file (see app.sops.file_format and
sops/README.md); every problem is reported with the path of the field in the file, e.g.
`sops/client-onboarding.yaml: stages.2.items.0.evidence: Must be one of: none, link, file,
note.`, and rules across fields (unique keys, due offsets that never go backwards, pass
marks) are checked too, so one report lists everything. The validated definition has every
optional field filled in, so the same SOP always gives the same canonical JSON (sorted keys)
and the same SHA-256 hash, whatever its comments, key order or formatting.
"""

from __future__ import annotations

import hashlib
import json
import numbers
from dataclasses import dataclass
from typing import Any

from marshmallow import ValidationError, fields, validate

from app.core.catalogues import N_
from app.core.errors import CodedMessage, ValidationFailed
from app.core.i18n import LANGUAGES
from app.core.permissions import ALL_ROLES
from app.core.schemas import BaseSchema
from app.sops.models import EVIDENCE_KINDS, RUBRIC_KINDS
from app.sops.translations_format import check_translations

MAX_STAGES = 30
MAX_ITEMS_PER_STAGE = 60
MAX_RUBRIC = 30
MAX_DUE_OFFSET_DAYS = 250  # business days, about a year
MAX_ESTIMATE_MINUTES = 2400  # a 40-hour week

SLUG_RE = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SLUG_HELP = N_("Use lower-case letters, digits and single hyphens (e.g. client-onboarding).")
KEY_RE = r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$"
KEY_HELP = N_("Use lower-case letters, digits, - and _ (e.g. signed_contract).")
TOP_LEVEL_ORDER = (
    "slug",
    "title",
    "version",
    "language",
    "description",
    "roles",
    "client_approval",
    "next_in_series",
    "stages",
    "rubric",
    "translations",
)
# When the next item of a recurring series is made: at the client's first approval of an
# item (a mid-SOP stage counts), or when the item is delivered (the default).
NEXT_IN_SERIES = ("on_delivery", "on_client_approval")
SOURCE_LANGUAGE = "en"  # an SOP's `language` when it does not say


# --- problems ----------------------------------------------------------------------------


def say(template: str, code: str = "invalid", **params: Any) -> CodedMessage:
    """A problem's message from an English template marked with N_(): English as it is (the
    CLI, logs), said again in the reader's language where a page or the API shows it."""
    return CodedMessage(template.format(**params), code, template=template, params=params)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an SOP: the dotted path of the field ('' for the whole file).
    The path is kept as written (`stages.2.items.0.text`); the message, and a path that is
    words ("line 3, column 5"), may be CodedMessages, translated where shown."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message

    def translated(self) -> Problem:
        path = self.path.translated() if isinstance(self.path, CodedMessage) else self.path
        message = self.message
        coded = message if isinstance(message, CodedMessage) else CodedMessage(str(message))
        return Problem(path, coded.translated())


class ProblemLine(CodedMessage):
    """One line of an SOP's problem report (`file: path: message`) as a field message: the
    message's code for the API, the whole line said again in the reader's language by
    `translated()` (app.core.errors.in_reader_language), file name and path kept."""

    problem: Problem
    prefix: str

    def __new__(cls, problem: Problem, prefix: str = "") -> ProblemLine:
        message = problem.message
        coded = message if isinstance(message, CodedMessage) else CodedMessage(str(message))
        self = super().__new__(
            cls, prefix + str(problem), coded.code, template=coded.template, params=coded.params
        )
        self.problem = problem
        self.prefix = prefix
        return self

    def translated(self) -> ProblemLine:
        return ProblemLine(self.problem.translated(), self.prefix)


class SopInvalid(ValidationFailed):
    """An SOP that does not load or validate. `errors` puts every problem, path first, under
    one form/API field (`yaml` for text, `file` for an upload); `lines()` adds the source
    (the file name) in front, for the CLI."""

    def __init__(self, problems: list[Problem], *, source: str | None = None, field: str = "yaml"):
        self.problems = problems
        self.source = source
        self.field = field
        prefix = f"{source}: " if source else ""
        super().__init__({field: [ProblemLine(p, prefix) for p in problems]})

    def lines(self) -> list[str]:
        return [f"{self.source or '<text>'}: {p}" for p in self.problems]


# --- the definition ----------------------------------------------------------------------


class StrictInteger(fields.Integer):
    """An integer written as a number: not text, not a fraction, not true/false."""

    default_error_messages = {"invalid": "Not a valid integer."}

    def _validated(self, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise self.make_error("invalid")
        return super()._validated(value)


class StrictBoolean(fields.Boolean):
    """A yes/no written as true or false (YAML's yes/no too), not 0/1 or text."""

    default_error_messages = {"invalid": "Must be true or false."}

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


def _flag(**kw: Any) -> fields.Boolean:
    return StrictBoolean(**kw)


class VersionLabel(fields.String):
    """The author's version label: text such as "1.2" or "2026-03"; a whole number is
    accepted as text, a decimal number is not (YAML would read 1.10 as 1.1)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        if isinstance(value, bool):
            raise self.make_error("invalid")
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float):
            raise ValidationError(N_('Write the version in quotes, e.g. version: "1.0".'))
        return super()._deserialize(value, attr, data, **kwargs)


def _text(max_len: int, **kw: Any) -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=max_len), **kw)


def _key(**kw: Any) -> fields.String:
    return fields.String(
        required=True,
        validate=[validate.Length(min=1, max=80), validate.Regexp(KEY_RE, error=KEY_HELP)],
        **kw,
    )


class ItemDefinition(BaseSchema):
    key = _key()
    text = _text(500, required=True)
    required = _flag(load_default=True)
    evidence = fields.String(load_default="none", validate=validate.OneOf(EVIDENCE_KINDS))
    estimate_minutes = StrictInteger(
        required=True, validate=validate.Range(min=1, max=MAX_ESTIMATE_MINUTES)
    )


class StageDefinition(BaseSchema):
    key = _key()
    title = _text(160, required=True)
    description = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=2000)
    )
    due_offset_days = StrictInteger(
        required=True, validate=validate.Range(min=0, max=MAX_DUE_OFFSET_DAYS)
    )
    # The client approves the work up to this stage before the later stages open.
    client_approval = _flag(load_default=False)
    items = fields.List(
        fields.Nested(ItemDefinition),
        required=True,
        validate=validate.Length(
            min=1,
            max=MAX_ITEMS_PER_STAGE,
            error=N_("Add between {min} and {max} checklist items."),
        ),
    )


class RubricCriterion(BaseSchema):
    key = _key()
    text = _text(500, required=True)
    kind = fields.String(required=True, validate=validate.OneOf(RUBRIC_KINDS))
    pass_mark = StrictInteger(
        load_default=None, allow_none=True, validate=validate.Range(min=1, max=5)
    )


class SopDefinition(BaseSchema):
    """One SOP as written in YAML (see sops/README.md); loads to the stored definition."""

    slug = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=80), validate.Regexp(SLUG_RE, error=SLUG_HELP)],
    )
    title = _text(160, required=True)
    version = VersionLabel(required=True, validate=validate.Length(min=1, max=40))
    language = fields.String(
        load_default=SOURCE_LANGUAGE,
        validate=validate.OneOf(
            list(LANGUAGES), error=N_("Must be one of the languages Baton speaks: {choices}.")
        ),
    )
    description = _text(5000, required=True)
    roles = fields.List(
        fields.String(validate=validate.OneOf(ALL_ROLES)),
        required=True,
        validate=validate.Length(min=1, error=N_("Name at least one role.")),
    )
    client_approval = _flag(load_default=False)
    next_in_series = fields.String(
        load_default="on_delivery", validate=validate.OneOf(NEXT_IN_SERIES)
    )
    stages = fields.List(
        fields.Nested(StageDefinition),
        required=True,
        validate=validate.Length(
            min=1, max=MAX_STAGES, error=N_("Add between {min} and {max} stages.")
        ),
    )
    rubric = fields.List(
        fields.Nested(RubricCriterion),
        required=True,
        validate=validate.Length(
            min=1, max=MAX_RUBRIC, error=N_("Add between {min} and {max} rubric criteria.")
        ),
    )
    # Checked apart (app.sops.translations_format), against the stages, items and rubric.
    translations = fields.Raw(load_default=None, allow_none=True)


def _flatten(messages: Any, prefix: tuple[str, ...] = ()) -> list[Problem]:
    """marshmallow's nested messages as (dotted path, message) problems."""
    out: list[Problem] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            parts = prefix if key == "_schema" else (*prefix, str(key))
            out += _flatten(value, parts)
    elif isinstance(messages, list | tuple):
        for message in messages:
            out += _flatten(message, prefix)
    else:
        out.append(Problem(".".join(prefix), messages))
    return out


def _mappings(value: Any) -> list[tuple[int, dict]]:
    return (
        [(i, v) for i, v in enumerate(value) if isinstance(v, dict)]
        if isinstance(value, list)
        else []
    )


def _cross_checks(data: dict) -> list[Problem]:
    """Rules across fields: unique keys (stages; items across the whole SOP; rubric), stage
    due offsets that never go backwards, pass marks exactly on score criteria, no role
    twice. Runs on the raw data too, so one report lists every problem."""
    out: list[Problem] = []
    stage_keys: dict[Any, str] = {}
    item_keys: dict[Any, str] = {}
    previous_due: int | None = None
    for s, stage in _mappings(data.get("stages")):
        here = f"stages.{s}"
        key = stage.get("key")
        if isinstance(key, str):
            if key in stage_keys:
                message = say(
                    N_("Duplicate stage key {key} (also {other})."),
                    key=repr(key),
                    other=stage_keys[key],
                )
                out.append(Problem(f"{here}.key", message))
            stage_keys.setdefault(key, f"{here}.key")
        due = stage.get("due_offset_days")
        if isinstance(due, int) and not isinstance(due, bool):
            if previous_due is not None and due < previous_due:
                out.append(
                    Problem(
                        f"{here}.due_offset_days",
                        say(
                            N_("Must not be earlier than the previous stage's ({days})."),
                            days=previous_due,
                        ),
                    )
                )
            previous_due = due
        for i, item in _mappings(stage.get("items")):
            key = item.get("key")
            if isinstance(key, str):
                if key in item_keys:
                    out.append(
                        Problem(
                            f"{here}.items.{i}.key",
                            say(
                                N_(
                                    "Duplicate item key {key} (also {other}); item keys are "
                                    "unique across the whole SOP."
                                ),
                                key=repr(key),
                                other=item_keys[key],
                            ),
                        )
                    )
                item_keys.setdefault(key, f"{here}.items.{i}.key")
    rubric_keys: dict[Any, str] = {}
    for r, criterion in _mappings(data.get("rubric")):
        here = f"rubric.{r}"
        key = criterion.get("key")
        if isinstance(key, str):
            if key in rubric_keys:
                out.append(
                    Problem(
                        f"{here}.key",
                        say(
                            N_("Duplicate rubric key {key} (also {other})."),
                            key=repr(key),
                            other=rubric_keys[key],
                        ),
                    )
                )
            rubric_keys.setdefault(key, f"{here}.key")
        kind, mark = criterion.get("kind"), criterion.get("pass_mark")
        if kind == "score" and mark is None:
            out.append(Problem(f"{here}.pass_mark", N_("Score criteria need a pass mark (1-5).")))
        if kind == "pass_fail" and mark is not None:
            out.append(
                Problem(f"{here}.pass_mark", N_("Only score criteria have a pass mark; remove it."))
            )
    out += _approval_checks(data)
    roles = data.get("roles")
    if isinstance(roles, list):
        seen: set = set()
        for i, role in enumerate(roles):
            if isinstance(role, str) and role in seen:
                out.append(
                    Problem(f"roles.{i}", say(N_("{role} is listed twice."), role=repr(role)))
                )
            if isinstance(role, str):
                seen.add(role)
    return out


def _approval_checks(data: dict) -> list[Problem]:
    """A stage approval is mid-SOP (the last stage's is the SOP's own `client_approval`);
    the next item of a series can wait for a client's approval only where one is asked."""
    out: list[Problem] = []
    stages = _mappings(data.get("stages"))
    asked = data.get("client_approval") is True
    for s, stage in stages:
        if stage.get("client_approval") is True:
            asked = True
            if s == len(stages) - 1:
                out.append(
                    Problem(
                        f"stages.{s}.client_approval",
                        N_(
                            "The last stage can't ask for a stage approval: set the SOP's "
                            "client_approval instead."
                        ),
                    )
                )
    if data.get("next_in_series") == "on_client_approval" and not asked:
        out.append(
            Problem(
                "next_in_series",
                N_("on_client_approval needs client_approval on the SOP or on a stage."),
            )
        )
    return out


_FIELD_ORDER = {
    name: i
    for i, name in enumerate(
        (
            "key", "slug", "title", "text", "version", "language", "description", "roles",
            "client_approval", "next_in_series", "kind", "due_offset_days", "required", "evidence",
            "estimate_minutes", "pass_mark", "items", "stages", "rubric", "translations",
        )
    )
}  # fmt: skip


def _path_order(problem: Problem) -> tuple:
    """Problems in the order of the file: stage 2 before stage 10, a stage's fields first."""
    return tuple(
        (0, int(part), 0, "") if part.isdigit() else (1, 0, _FIELD_ORDER.get(part, 99), part)
        for part in problem.path.split(".")
        if part
    )


def _clean_definition(loaded: dict) -> dict:
    """The stored form: every field present, empty optional text as null, keys in the
    documented order (the hash does not depend on it: the canonical JSON sorts keys).
    `language` and `translations` are stored only when they say something (a source
    language other than English, at least one translated text), so an SOP without
    translations keeps the hash it had before SOPs could carry them."""
    for stage in loaded["stages"]:
        stage["description"] = stage.get("description") or None
        # Stored only when asked, so SOPs without stage approvals keep their hash.
        if not stage.get("client_approval"):
            stage.pop("client_approval", None)
    if loaded.get("next_in_series") == "on_delivery":
        loaded.pop("next_in_series")
    if loaded.get("language") == SOURCE_LANGUAGE:
        loaded.pop("language")
    if not loaded.get("translations"):
        loaded.pop("translations", None)
    return {key: loaded[key] for key in TOP_LEVEL_ORDER if key in loaded}


def validate_definition(data: Any, *, source: str | None = None, field: str = "yaml") -> dict:
    """Validate loaded YAML data; returns the definition or raises SopInvalid naming every
    problem's path."""
    if not isinstance(data, dict):
        raise SopInvalid(
            [Problem("", N_("Must be a mapping of fields (slug, title, version, ...)."))],
            source=source,
            field=field,
        )
    problems: list[Problem] = []
    loaded: dict | None = None
    try:
        loaded = SopDefinition().load(data)
    except ValidationError as exc:
        problems += _flatten(exc.messages)
    problems += [p for p in _cross_checks(data) if p not in problems]
    translations, found = check_translations(data)
    problems += [Problem(path, message) for path, message in found]
    if problems or loaded is None:
        raise SopInvalid(sorted(problems, key=_path_order), source=source, field=field)
    loaded["translations"] = translations
    return _clean_definition(loaded)


def canonical_json(definition: dict) -> str:
    """The canonical form of a definition: JSON with sorted keys and no spaces."""
    return json.dumps(definition, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(definition: dict) -> str:
    """SHA-256 (hex) of the canonical form: the identity of an SOP version."""
    return hashlib.sha256(canonical_json(definition).encode("utf-8")).hexdigest()
