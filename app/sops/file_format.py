"""The SOP file format: YAML text in and out.

An SOP is YAML text (a file in `sops/`, a textarea, an upload or an API body) that is
loaded safely (no tags beyond plain data, no aliases, no duplicate keys, a size cap) and
validated by app.sops.definition; `parse_sop` gives the definition, its hash and the text as
stored. Uploads are decoded here, and a definition can be written back as YAML (or an
existing text retitled, comments and layout kept) for a clone.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import yaml

from app.core.catalogues import N_
from app.core.errors import CodedMessage
from app.sops.definition import (
    TOP_LEVEL_ORDER,
    Problem,
    SopInvalid,
    content_hash,
    say,
    validate_definition,
)

MAX_YAML_CHARS = 100_000


# --- safe YAML ---------------------------------------------------------------------------


class _SopLoader(yaml.SafeLoader):
    """PyYAML's safe loader (plain data only: no Python objects, no custom tags), refusing
    aliases (which make "billion laughs" bombs) and duplicate keys (the last would win
    silently)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None,
                None,
                say(N_("Not valid YAML: aliases (*name) are not allowed in SOP files.")),
                event.start_mark,
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
                        None,
                        None,
                        say(N_("Not valid YAML: duplicate key {key}."), key=repr(key)),
                        key_node.start_mark,
                    )
        return super().construct_mapping(node, deep=deep)


def _count() -> str:
    return f"{MAX_YAML_CHARS:,}"


def _mark(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    if mark is None:
        return ""
    return say(N_("line {line}, column {column}"), line=mark.line + 1, column=mark.column + 1)


def load_yaml(text: str, *, source: str | None = None, field: str = "yaml") -> Any:
    """Parse YAML text safely into plain data, or raise SopInvalid."""
    if len(text) > MAX_YAML_CHARS:
        raise SopInvalid(
            [Problem("", say(N_("Too long: at most {count} characters."), count=_count()))],
            source=source,
            field=field,
        )
    try:
        return yaml.load(text, Loader=_SopLoader)  # noqa: S506 - _SopLoader is a SafeLoader
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc)
        where = _mark(exc)
        message = say(N_("Not valid YAML: {problem}."), problem=problem)
        if isinstance(problem, CodedMessage):
            message = problem  # ours (_SopLoader), already a whole sentence
        if "could not determine a constructor" in str(exc):
            message = say(
                N_("Not valid YAML: tags (!something) are not allowed; write plain values.")
            )
        raise SopInvalid([Problem(where, message)], source=source, field=field) from exc
    except RecursionError as exc:
        raise SopInvalid(
            [Problem("", say(N_("Not valid YAML: nested too deeply.")))],
            source=source,
            field=field,
        ) from exc


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
            [Problem("", say(N_("Too large: at most {count} characters."), count=_count()))],
            source=source,
            field=field,
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SopInvalid(
            [Problem("", say(N_("Not UTF-8 text; save the file as UTF-8 YAML.")))],
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
