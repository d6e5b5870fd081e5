"""The `translations:` part of an SOP file: its texts in other languages.

    language: en                  # the language the SOP is written in (default en)
    translations:
      ar:
        title: ...
        description: ...
        stages:
          intake: {title: ..., description: ...}
        items:
          call_held: {text: ...}
        rubric:
          complete: {text: ...}

Each language Baton speaks (app.core.i18n.LANGUAGES) other than the SOP's own may carry
any of the SOP's texts, keyed like the SOP itself: stages and rubric criteria by their key,
checklist items by their key (unique across the SOP). A translation may be partial (what
it lacks is read in the source language); it may not name a stage, item or criterion the
SOP does not have, use a field the SOP does not translate, or leave a text empty. Texts
have the same length limits as the texts they translate. See sops/README.md.
"""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate

from app.core.catalogues import N_
from app.core.errors import CodedMessage
from app.core.i18n import LANGUAGES
from app.core.schemas import BaseSchema

TRANSLATED_PARTS = ("stages", "items", "rubric")


def _text(max_len: int, **kw: Any) -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=max_len), **kw)


class _LanguageTexts(BaseSchema):
    title = _text(160)
    description = _text(5000)
    stages = fields.Raw()
    items = fields.Raw()
    rubric = fields.Raw()


class _StageTexts(BaseSchema):
    title = _text(160)
    description = _text(2000)


class _ItemTexts(BaseSchema):
    text = _text(500, required=True)


class _CriterionTexts(BaseSchema):
    text = _text(500, required=True)


_PART_SCHEMAS = {"stages": _StageTexts, "items": _ItemTexts, "rubric": _CriterionTexts}
# What a part's problems say, one sentence per part (a translator needs whole sentences).
_NOT_A_MAPPING = {
    "stages": N_("Must be a mapping of stage keys to their translated texts."),
    "items": N_("Must be a mapping of checklist item keys to their translated texts."),
    "rubric": N_("Must be a mapping of rubric criterion keys to their translated texts."),
}
_NO_SUCH_KEY = {
    "stages": N_("The SOP has no stage with the key {key}."),
    "items": N_("The SOP has no checklist item with the key {key}."),
    "rubric": N_("The SOP has no rubric criterion with the key {key}."),
}


def _say(template: str, **params: Any) -> CodedMessage:
    """As app.sops.definition.say (which imports this module)."""
    return CodedMessage(template.format(**params), template=template, params=params)


def _flat(messages: Any, prefix: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            out += _flat(value, prefix if key == "_schema" else f"{prefix}.{key}")
    elif isinstance(messages, list | tuple):
        for message in messages:
            out += _flat(message, prefix)
    else:
        out.append((prefix, messages))
    return out


def _keys(data: dict) -> dict[str, set[str]]:
    """The keys a translation may name: the SOP's stages, items and rubric criteria (from the
    raw data, so a translation is checked even when another part of the SOP is wrong)."""
    stages = [s for s in data.get("stages") or [] if isinstance(s, dict)]
    return {
        "stages": {str(s.get("key")) for s in stages},
        "items": {
            str(i.get("key"))
            for s in stages
            if isinstance(s.get("items"), list)
            for i in s["items"]
            if isinstance(i, dict)
        },
        "rubric": {str(c.get("key")) for c in data.get("rubric") or [] if isinstance(c, dict)},
    }


def _check_part(
    part: str, value: Any, known: set[str], here: str
) -> tuple[dict, list[tuple[str, str]]]:
    if not isinstance(value, dict):
        return {}, [(here, _NOT_A_MAPPING[part])]
    out: dict = {}
    problems: list[tuple[str, str]] = []
    for key, texts in value.items():
        path = f"{here}.{key}"
        if str(key) not in known:
            problems.append((path, _say(_NO_SUCH_KEY[part], key=repr(str(key)))))
            continue
        if not isinstance(texts, dict):
            field = "title" if part == "stages" else "text"
            message = _say(N_("Must be a mapping of translated texts ({field}: ...)."), field=field)
            problems.append((path, message))
            continue
        try:
            loaded = _PART_SCHEMAS[part]().load(texts)
        except ValidationError as exc:
            problems += _flat(exc.messages, path)
            continue
        if not loaded:
            problems.append((path, N_("Empty: translate its title or description, or remove it.")))
            continue
        out[str(key)] = loaded
    return out, problems


def check_translations(data: dict) -> tuple[dict, list[tuple[str, str]]]:
    """The SOP's translations, cleaned ({language: {title, description, stages, items,
    rubric}} with only what is translated), and every problem as (path, message)."""
    raw = data.get("translations")
    if raw is None:
        return {}, []
    if not isinstance(raw, dict):
        return {}, [
            (
                "translations",
                N_("Must be a mapping of languages (e.g. ar, fr) to translated texts."),
            )
        ]
    source = data.get("language") if isinstance(data.get("language"), str) else "en"
    others = [code for code in LANGUAGES if code != source]
    known = _keys(data)
    out: dict = {}
    problems: list[tuple[str, str]] = []
    for language, entry in raw.items():
        here = f"translations.{language}"
        if language not in LANGUAGES:
            problems.append(
                (
                    here,
                    _say(
                        N_("Baton does not speak {language}; use one of: {languages}."),
                        language=repr(language),
                        languages=", ".join(others),
                    ),
                )
            )
            continue
        if language == source:
            problems.append(
                (
                    here,
                    _say(
                        N_("This is the SOP's own language (language: {language}); remove it."),
                        language=source,
                    ),
                )
            )
            continue
        if not isinstance(entry, dict) or not entry:
            problems.append(
                (
                    here,
                    N_(
                        "Must be a mapping of translated texts (title, description, stages, "
                        "items, rubric)."
                    ),
                )
            )
            continue
        try:
            loaded = _LanguageTexts().load(entry)
        except ValidationError as exc:
            problems += _flat(exc.messages, here)
            continue
        texts = {k: loaded[k] for k in ("title", "description") if k in loaded}
        for part in TRANSLATED_PARTS:
            if part in loaded:
                cleaned, found = _check_part(part, loaded[part], known[part], f"{here}.{part}")
                problems += found
                if cleaned:
                    texts[part] = cleaned
        if texts:
            out[language] = texts
    return out, problems
