"""The SOP file format: every kind of mistake is reported naming the file and the field path,
YAML is loaded safely (no tags, aliases, duplicate keys, bombs), and the hash of the
canonical form identifies a version whatever the comments and layout."""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest

from app.sops.definition import SopInvalid, content_hash
from app.sops.file_format import (
    MAX_YAML_CHARS,
    definition_to_yaml,
    parse_sop,
    retitle_yaml,
)
from app.sops.services import load_library
from tests.sops.support import VALID, to_yaml, valid_data, valid_yaml

SOURCE = "sops/case.yaml"


def _set(path: str, value: object) -> Callable[[dict], None]:
    """A change to a copy of VALID: set (or with value DELETE, remove) a dotted path."""

    def change(data: dict) -> None:
        *parents, last = path.split(".")
        node: object = data
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            if value is DELETE:
                del node[int(last)]
            else:
                node[int(last)] = value
        elif value is DELETE:
            del node[last]
        else:
            node[last] = value

    return change


DELETE = object()


def _dup_stage_key(data: dict) -> None:
    data["stages"][1]["key"] = "prepare"


def _dup_item_key_across_stages(data: dict) -> None:
    data["stages"][1]["items"][0]["key"] = "gather"


def _dup_rubric_key(data: dict) -> None:
    data["rubric"][1]["key"] = "complete"


def _earlier_due(data: dict) -> None:
    data["stages"][1]["due_offset_days"] = 0


# (id, change to VALID, path named, part of the message)
CASES = [
    ("slug missing", _set("slug", DELETE), "slug", "This field is required."),
    ("slug not a slug", _set("slug", "Client Onboarding"), "slug", "lower-case letters"),
    ("slug too long", _set("slug", "a" * 81), "slug", "Length must be between 1 and 80."),
    ("title blank", _set("title", "  "), "title", "Length must be between 1 and 160."),
    ("title too long", _set("title", "t" * 161), "title", "Length must be between 1 and 160."),
    ("version a decimal", _set("version", 1.1), "version", 'version: "1.0"'),
    ("version missing", _set("version", DELETE), "version", "This field is required"),
    ("description missing", _set("description", DELETE), "description", "This field is required"),
    ("description a list", _set("description", ["a"]), "description", "Not a valid string."),
    ("roles empty", _set("roles", []), "roles", "at least one role"),
    ("role unknown", _set("roles", ["va", "boss"]), "roles.1", "Must be one of"),
    ("role twice", _set("roles", ["va", "va"]), "roles.1", "listed twice"),
    ("roles not a list", _set("roles", "va"), "roles", "Not a valid list."),
    ("client_approval text", _set("client_approval", "maybe"), "client_approval", "true or false"),
    ("client_approval 1", _set("client_approval", 1), "client_approval", "true or false"),
    ("stages missing", _set("stages", DELETE), "stages", "This field is required"),
    ("stages empty", _set("stages", []), "stages", "Add between 1 and 30 stages."),
    ("stages not a list", _set("stages", {"a": 1}), "stages", "Not a valid list."),
    ("stage not a mapping", _set("stages.0", "prepare"), "stages.0", "Invalid input type."),
    ("stage key duplicate", _dup_stage_key, "stages.1.key", "Duplicate stage key 'prepare'"),
    ("stage key not a key", _set("stages.0.key", "Prep Work"), "stages.0.key", "lower-case"),
    (
        "stage title missing",
        _set("stages.1.title", DELETE),
        "stages.1.title",
        "This field is required",
    ),
    ("stage unknown field", _set("stages.0.owner", "me"), "stages.0.owner", "Unknown field."),
    (
        "due offset negative",
        _set("stages.0.due_offset_days", -1),
        "stages.0.due_offset_days",
        "greater than or equal to 0",
    ),
    (
        "due offset too far",
        _set("stages.1.due_offset_days", 251),
        "stages.1.due_offset_days",
        "less than or equal to 250",
    ),
    (
        "due offset text",
        _set("stages.0.due_offset_days", "two"),
        "stages.0.due_offset_days",
        "Not a valid integer.",
    ),
    (
        "due offset fraction",
        _set("stages.0.due_offset_days", 1.5),
        "stages.0.due_offset_days",
        "Not a valid integer.",
    ),
    (
        "due offset earlier than the stage before",
        _earlier_due,
        "stages.1.due_offset_days",
        "earlier than the previous stage's (1)",
    ),
    ("items empty", _set("stages.1.items", []), "stages.1.items", "Add between 1 and 60"),
    ("items missing", _set("stages.0.items", DELETE), "stages.0.items", "This field is required"),
    (
        "item key duplicate across stages",
        _dup_item_key_across_stages,
        "stages.1.items.0.key",
        "Duplicate item key 'gather' (also stages.0.items.0.key)",
    ),
    (
        "item key missing",
        _set("stages.0.items.1.key", DELETE),
        "stages.0.items.1.key",
        "This field is required",
    ),
    (
        "item text too long",
        _set("stages.0.items.0.text", "x" * 501),
        "stages.0.items.0.text",
        "Length must be between 1 and 500.",
    ),
    (
        "item required text",
        _set("stages.0.items.0.required", "yes please"),
        "stages.0.items.0.required",
        "true or false",
    ),
    (
        "evidence unknown",
        _set("stages.1.items.0.evidence", "screenshot"),
        "stages.1.items.0.evidence",
        "Must be one of: none, link, file, note.",
    ),
    (
        "estimate zero",
        _set("stages.0.items.0.estimate_minutes", 0),
        "stages.0.items.0.estimate_minutes",
        "greater than or equal to 1",
    ),
    (
        "estimate true",
        _set("stages.0.items.0.estimate_minutes", True),
        "stages.0.items.0.estimate_minutes",
        "Not a valid integer.",
    ),
    (
        "estimate missing",
        _set("stages.0.items.1.estimate_minutes", DELETE),
        "stages.0.items.1.estimate_minutes",
        "This field is required",
    ),
    (
        "item unknown field",
        _set("stages.0.items.0.evidance", "link"),
        "stages.0.items.0.evidance",
        "Unknown field.",
    ),
    ("rubric missing", _set("rubric", DELETE), "rubric", "This field is required"),
    ("rubric empty", _set("rubric", []), "rubric", "Add between 1 and 30 rubric criteria."),
    ("rubric key duplicate", _dup_rubric_key, "rubric.1.key", "Duplicate rubric key 'complete'"),
    ("rubric kind unknown", _set("rubric.0.kind", "stars"), "rubric.0.kind", "pass_fail, score"),
    (
        "score without a pass mark",
        _set("rubric.1.pass_mark", DELETE),
        "rubric.1.pass_mark",
        "need a pass mark (1-5)",
    ),
    ("pass mark 6", _set("rubric.1.pass_mark", 6), "rubric.1.pass_mark", "less than or equal to 5"),
    ("pass mark 0", _set("rubric.1.pass_mark", 0), "rubric.1.pass_mark", "greater than or equal"),
    (
        "pass mark on pass_fail",
        _set("rubric.0.pass_mark", 3),
        "rubric.0.pass_mark",
        "Only score criteria have a pass mark",
    ),
    ("unknown top-level field", _set("owner", "Amira"), "owner", "Unknown field."),
]


@pytest.mark.parametrize(
    ("change", "path", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_mistake_names_the_file_and_the_field_path(change, path, message):
    data = copy.deepcopy(VALID)
    change(data)
    with pytest.raises(SopInvalid) as caught:
        parse_sop(to_yaml(data), source=SOURCE)
    lines = caught.value.lines()
    prefix = f"{SOURCE}: {path}: "
    matching = [line for line in lines if line.startswith(prefix)]
    assert matching, f"no problem at {path!r}: {lines}"
    assert any(message in line for line in matching), lines
    # The form and API carry the same problems, path first, under the field they came in.
    assert caught.value.errors == {"yaml": [f"{SOURCE}: {p}" for p in caught.value.problems]}


def test_every_problem_is_reported_at_once_in_file_order():
    data = valid_data()
    data["stages"][1]["items"][0]["evidence"] = "photo"
    data["stages"][0]["items"][0]["estimate_minutes"] = "soon"
    data["rubric"][0]["kind"] = "vibes"
    data["stages"][1]["key"] = "prepare"
    with pytest.raises(SopInvalid) as caught:
        parse_sop(to_yaml(data), source=SOURCE)
    assert [p.path for p in caught.value.problems] == [
        "stages.0.items.0.estimate_minutes",
        "stages.1.key",
        "stages.1.items.0.evidence",
        "rubric.0.kind",
    ]


def test_the_issue_example_reads_as_promised():
    data = valid_data()
    data["stages"].append(
        {
            "key": "third",
            "title": "Third",
            "due_offset_days": 5,
            "items": [{"key": "z", "text": "Z", "evidence": "photo", "estimate_minutes": 5}],
        }
    )
    with pytest.raises(SopInvalid) as caught:
        parse_sop(to_yaml(data), source="sops/client-onboarding.yaml")
    assert caught.value.lines() == [
        "sops/client-onboarding.yaml: stages.2.items.0.evidence: "
        "Must be one of: none, link, file, note."
    ]


@pytest.mark.parametrize(
    ("text", "path", "message"),
    [
        pytest.param("- just\n- a list\n", "", "Must be a mapping", id="not a mapping"),
        pytest.param("", "", "Must be a mapping", id="empty"),
        pytest.param("slug: [unclosed\n", "line 2, column 1", "Not valid YAML", id="syntax"),
        pytest.param(
            "slug: a\ntitle: b\nslug: c\n", "line 3, column 1", "duplicate key 'slug'", id="dup"
        ),
        pytest.param(
            "slug: !!python/object/apply:os.system ['echo pwned']\n",
            "line 1, column 7",
            "tags (!something) are not allowed",
            id="python tag",
        ),
        pytest.param(
            "slug: !!python/name:os.system\n", "line 1, column 7", "tags", id="python name"
        ),
        pytest.param("slug: !custom x\n", "line 1, column 7", "tags", id="custom tag"),
        pytest.param(
            'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
            "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
            "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
            "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
            "e: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n",
            "line 2, column 8",
            "aliases (*name) are not allowed",
            id="billion laughs",
        ),
        pytest.param("[" * 5000 + "]" * 5000, "", "", id="deep nesting"),
        pytest.param("x: " + "y" * MAX_YAML_CHARS, "", "Too long", id="too long"),
    ],
)
def test_unsafe_or_broken_yaml_is_refused_naming_the_place(text, path, message):
    with pytest.raises(SopInvalid) as caught:
        parse_sop(text, source=SOURCE)
    problems = caught.value.problems
    assert len(problems) == 1
    assert problems[0].path == path
    assert message in problems[0].message
    assert caught.value.lines()[0].startswith(f"{SOURCE}: ")


def test_text_for_humans_is_trimmed_and_defaults_are_filled_in():
    data = valid_data()
    del data["client_approval"]
    del data["stages"][0]["items"][0]["required"]
    del data["stages"][0]["items"][0]["evidence"]
    data["title"] = "  Test SOP  "
    definition = parse_sop(to_yaml(data)).definition
    assert definition["client_approval"] is False
    item = definition["stages"][0]["items"][0]
    assert (item["required"], item["evidence"]) == (True, "none")
    assert definition["title"] == "Test SOP"
    assert definition["stages"][0]["description"] is None
    assert definition["rubric"][0]["pass_mark"] is None
    assert list(definition) == [
        "slug", "title", "version", "description", "roles", "client_approval", "stages", "rubric",
    ]  # fmt: skip


def test_a_whole_number_version_is_read_as_text():
    assert parse_sop(valid_yaml(version=3)).definition["version"] == "3"


def test_the_hash_ignores_comments_layout_and_key_order():
    plain = parse_sop(valid_yaml())
    data = valid_data()
    reordered = {k: data[k] for k in reversed(list(data))}
    commented = "# A comment that changes nothing\n" + to_yaml(reordered).replace(
        "title: Test SOP", "title:   'Test SOP'   # the title"
    )
    other = parse_sop(commented)
    assert other.content_hash == plain.content_hash
    assert other.yaml_text != plain.yaml_text
    assert len(plain.content_hash) == 64
    # Defaults written out or left implicit are the same SOP.
    explicit = parse_sop(valid_yaml(client_approval=False))
    implicit_data = valid_data()
    del implicit_data["client_approval"]
    assert parse_sop(to_yaml(implicit_data)).content_hash == explicit.content_hash


def test_any_change_of_content_changes_the_hash():
    base = content_hash(parse_sop(valid_yaml()).definition)
    data = valid_data()
    data["stages"][0]["items"][0]["estimate_minutes"] = 16
    assert content_hash(parse_sop(to_yaml(data)).definition) != base
    assert content_hash(parse_sop(valid_yaml(version="1.1")).definition) != base


def test_shipped_sops_survive_a_round_trip_through_yaml():
    for parsed in load_library().files:
        again = parse_sop(definition_to_yaml(parsed.definition))
        assert again.definition == parsed.definition, parsed.slug
        assert again.content_hash == parsed.content_hash


def test_retitling_keeps_comments_and_changes_only_slug_and_title():
    parsed = next(p for p in load_library().files if p.slug == "client-onboarding")
    text = retitle_yaml(parsed.yaml_text, parsed.definition, "onboarding-eu", "Onboarding (EU)")
    assert text.startswith("# Client onboarding")
    new = parse_sop(text).definition
    assert (new["slug"], new["title"]) == ("onboarding-eu", "Onboarding (EU)")
    assert {k: v for k, v in new.items() if k not in ("slug", "title")} == {
        k: v for k, v in parsed.definition.items() if k not in ("slug", "title")
    }
    # A layout it cannot edit in place (a folded title) falls back to a clean dump.
    folded = parsed.yaml_text.replace("title: Client onboarding", "title: >-\n  Client onboarding")
    text = retitle_yaml(folded, parsed.definition, "x-y", 'Quote " and colon: ok')
    assert parse_sop(text).definition["title"] == 'Quote " and colon: ok'
