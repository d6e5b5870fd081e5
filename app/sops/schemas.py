"""Schemas of SOPs: the YAML file format, its validation and hash, and the forms and API.

An SOP is YAML text (a file in `sops/`, a textarea, an upload or an API body) that is
loaded safely (no tags beyond plain data, no aliases, no duplicate keys, a size cap) and
validated by `SopDefinition`. Every problem is reported with the path of the field in the
file, e.g. `sops/client-onboarding.yaml: stages.2.items.0.evidence: Must be one of: none,
link, file, note.` The validated definition has every optional field filled in, so the
same SOP always gives the same canonical JSON (sorted keys) and the same SHA-256 hash,
whatever its comments, key order or formatting.
"""

from __future__ import annotations

import hashlib
import json
import numbers
import re
from dataclasses import dataclass
from typing import Any

import yaml
from marshmallow import ValidationError, fields, validate

from app.core.errors import ValidationFailed
from app.core.permissions import ALL_ROLES
from app.core.schemas import BaseSchema, PageArgs
from app.sops.models import EVIDENCE_KINDS, RUBRIC_KINDS, SOP_SOURCES

MAX_YAML_CHARS = 100_000
MAX_STAGES = 30
MAX_ITEMS_PER_STAGE = 60
MAX_RUBRIC = 30
MAX_DUE_OFFSET_DAYS = 250  # business days, about a year
MAX_ESTIMATE_MINUTES = 2400  # a 40-hour week

SLUG_RE = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SLUG_HELP = "Use lower-case letters, digits and single hyphens (e.g. client-onboarding)."
KEY_RE = r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$"
KEY_HELP = "Use lower-case letters, digits, - and _ (e.g. signed_contract)."
TOP_LEVEL_ORDER = (
    "slug",
    "title",
    "version",
    "description",
    "roles",
    "client_approval",
    "stages",
    "rubric",
)


# --- problems ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an SOP: the dotted path of the field ('' for the whole file)."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class SopInvalid(ValidationFailed):
    """An SOP that does not load or validate. `errors` puts every problem, path first, under
    one form/API field (`yaml` for text, `file` for an upload); `lines()` adds the source
    (the file name) in front, for the CLI."""

    def __init__(self, problems: list[Problem], *, source: str | None = None, field: str = "yaml"):
        self.problems = problems
        self.source = source
        self.field = field
        prefix = f"{source}: " if source else ""
        super().__init__({field: [prefix + str(p) for p in problems]})

    def lines(self) -> list[str]:
        return [f"{self.source or '<text>'}: {p}" for p in self.problems]


# --- safe YAML ---------------------------------------------------------------------------


class _SopLoader(yaml.SafeLoader):
    """PyYAML's safe loader (plain data only: no Python objects, no custom tags), refusing
    aliases (which make "billion laughs" bombs) and duplicate keys (the last would win
    silently)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in SOP files", event.start_mark
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if isinstance(node, yaml.MappingNode):
            seen: set = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                try:
                    duplicate = key in seen
                    seen.add(key)
                except TypeError:
                    continue  # unhashable: construct_mapping reports it
                if duplicate:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key!r}", key_node.start_mark
                    )
        return super().construct_mapping(node, deep=deep)


def _mark(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    if mark is None:
        return ""
    return f"line {mark.line + 1}, column {mark.column + 1}"


def load_yaml(text: str, *, source: str | None = None, field: str = "yaml") -> Any:
    """Parse YAML text safely into plain data, or raise SopInvalid."""
    if len(text) > MAX_YAML_CHARS:
        raise SopInvalid(
            [Problem("", f"Too long: at most {MAX_YAML_CHARS:,} characters.")],
            source=source,
            field=field,
        )
    try:
        return yaml.load(text, Loader=_SopLoader)  # noqa: S506 - _SopLoader is a SafeLoader
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc)
        where = _mark(exc)
        message = f"Not valid YAML: {problem}."
        if "could not determine a constructor" in str(exc):
            message = "Not valid YAML: tags (!something) are not allowed; write plain values."
        raise SopInvalid([Problem(where, message)], source=source, field=field) from exc
    except RecursionError as exc:
        raise SopInvalid(
            [Problem("", "Not valid YAML: nested too deeply.")], source=source, field=field
        ) from exc


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
            raise ValidationError('Write the version in quotes, e.g. version: "1.0".')
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
    items = fields.List(
        fields.Nested(ItemDefinition),
        required=True,
        validate=validate.Length(
            min=1,
            max=MAX_ITEMS_PER_STAGE,
            error="Add between {min} and {max} checklist items.",
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
    description = _text(5000, required=True)
    roles = fields.List(
        fields.String(validate=validate.OneOf(ALL_ROLES)),
        required=True,
        validate=validate.Length(min=1, error="Name at least one role."),
    )
    client_approval = _flag(load_default=False)
    stages = fields.List(
        fields.Nested(StageDefinition),
        required=True,
        validate=validate.Length(
            min=1, max=MAX_STAGES, error="Add between {min} and {max} stages."
        ),
    )
    rubric = fields.List(
        fields.Nested(RubricCriterion),
        required=True,
        validate=validate.Length(
            min=1, max=MAX_RUBRIC, error="Add between {min} and {max} rubric criteria."
        ),
    )


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
        out.append(Problem(".".join(prefix), str(messages)))
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
                out.append(
                    Problem(f"{here}.key", f"Duplicate stage key {key!r} (also {stage_keys[key]}).")
                )
            stage_keys.setdefault(key, f"{here}.key")
        due = stage.get("due_offset_days")
        if isinstance(due, int) and not isinstance(due, bool):
            if previous_due is not None and due < previous_due:
                out.append(
                    Problem(
                        f"{here}.due_offset_days",
                        f"Must not be earlier than the previous stage's ({previous_due}).",
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
                            f"Duplicate item key {key!r} (also {item_keys[key]}); item keys "
                            "are unique across the whole SOP.",
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
                        f"{here}.key", f"Duplicate rubric key {key!r} (also {rubric_keys[key]})."
                    )
                )
            rubric_keys.setdefault(key, f"{here}.key")
        kind, mark = criterion.get("kind"), criterion.get("pass_mark")
        if kind == "score" and mark is None:
            out.append(Problem(f"{here}.pass_mark", "Score criteria need a pass mark (1-5)."))
        if kind == "pass_fail" and mark is not None:
            out.append(
                Problem(f"{here}.pass_mark", "Only score criteria have a pass mark; remove it.")
            )
    roles = data.get("roles")
    if isinstance(roles, list):
        seen: set = set()
        for i, role in enumerate(roles):
            if isinstance(role, str) and role in seen:
                out.append(Problem(f"roles.{i}", f"{role!r} is listed twice."))
            if isinstance(role, str):
                seen.add(role)
    return out


_FIELD_ORDER = {
    name: i
    for i, name in enumerate(
        (
            "key", "slug", "title", "text", "version", "description", "roles", "client_approval",
            "kind", "due_offset_days", "required", "evidence", "estimate_minutes", "pass_mark",
            "items", "stages", "rubric",
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
    documented order (the hash does not depend on it: the canonical JSON sorts keys)."""
    for stage in loaded["stages"]:
        stage["description"] = stage.get("description") or None
    return {key: loaded[key] for key in TOP_LEVEL_ORDER}


def validate_definition(data: Any, *, source: str | None = None, field: str = "yaml") -> dict:
    """Validate loaded YAML data; returns the definition or raises SopInvalid naming every
    problem's path."""
    if not isinstance(data, dict):
        raise SopInvalid(
            [Problem("", "Must be a mapping of fields (slug, title, version, ...).")],
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
    if problems or loaded is None:
        raise SopInvalid(sorted(problems, key=_path_order), source=source, field=field)
    return _clean_definition(loaded)


def canonical_json(definition: dict) -> str:
    """The canonical form of a definition: JSON with sorted keys and no spaces."""
    return json.dumps(definition, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(definition: dict) -> str:
    """SHA-256 (hex) of the canonical form: the identity of an SOP version."""
    return hashlib.sha256(canonical_json(definition).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ParsedSop:
    definition: dict
    content_hash: str
    yaml_text: str
    source: str | None = None

    @property
    def slug(self) -> str:
        return self.definition["slug"]

    @property
    def title(self) -> str:
        return self.definition["title"]


def normalize_text(text: str) -> str:
    """The stored YAML text: Unix line ends, no blank lines around it, one final newline
    (indentation is meaning in YAML, so the first line keeps its own)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").rstrip()
    return re.sub(r"\A(?:[ \t]*\n)+", "", text) + "\n"


def parse_sop(text: str, *, source: str | None = None, field: str = "yaml") -> ParsedSop:
    """YAML text -> validated definition and its hash, or SopInvalid (naming `source`)."""
    data = load_yaml(text, source=source, field=field)
    definition = validate_definition(data, source=source, field=field)
    return ParsedSop(definition, content_hash(definition), normalize_text(text), source)


def decode_upload(raw: bytes, *, source: str, field: str = "file") -> str:
    """An uploaded file's bytes as text (UTF-8, a byte-order mark allowed)."""
    if len(raw) > MAX_YAML_CHARS * 4:
        raise SopInvalid(
            [Problem("", f"Too large: at most {MAX_YAML_CHARS:,} characters.")],
            source=source,
            field=field,
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SopInvalid(
            [Problem("", "Not UTF-8 text; save the file as UTF-8 YAML.")],
            source=source,
            field=field,
        ) from exc


class _Dumper(yaml.SafeDumper):
    """Block style, long texts folded at a readable width, lists indented under keys."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> Any:
        return super().increase_indent(flow, False)


def definition_to_yaml(definition: dict) -> str:
    """A definition written back as YAML in the documented key order (no comments)."""
    ordered = {key: definition[key] for key in TOP_LEVEL_ORDER if key in definition}
    stages = []
    for stage in ordered.get("stages", []):
        st = {k: stage[k] for k in ("key", "title", "description", "due_offset_days") if k in stage}
        if st.get("description") is None:
            st.pop("description", None)
        st["items"] = [
            {k: item[k] for k in ("key", "text", "required", "evidence", "estimate_minutes")}
            for item in stage["items"]
        ]
        stages.append(st)
    if "stages" in ordered:
        ordered["stages"] = stages
    if "rubric" in ordered:
        ordered["rubric"] = [
            {k: v for k, v in c.items() if not (k == "pass_mark" and v is None)}
            for c in ordered["rubric"]
        ]
    return yaml.dump(
        ordered, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=92, indent=2
    )


def retitle_yaml(text: str, definition: dict, slug: str, title: str) -> str:
    """`text` with its slug and title replaced, comments and layout kept; falls back to a
    fresh dump of the definition when the text is laid out in a way this cannot edit."""
    expected = {**definition, "slug": slug, "title": title}
    quoted = json.dumps(title, ensure_ascii=False)  # a JSON string is a YAML scalar
    new, n_slug = re.subn(r"(?m)^slug:[^\n]*$", f"slug: {slug}", text, count=1)
    new, n_title = re.subn(r"(?m)^title:[^\n]*$", lambda _: f"title: {quoted}", new, count=1)
    if n_slug == 1 and n_title == 1:
        try:
            if parse_sop(new).definition == expected:
                return new
        except SopInvalid:
            pass
    return definition_to_yaml(expected)


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
