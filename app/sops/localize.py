"""An SOP's texts as a reader sees them: in the page's language where the version carries a
translation (see app.sops.translations_format), else in the SOP's own language.

Every screen that shows SOP text (the library and training pages, the work item's
checklist and QA rubric, the client portal) reads it through `localized()`. Each text it
gives is a `SopText`, a str that knows when it is *not* in the reader's language (a
fallback to the source): templates put `{{ lang_attrs(text) }}` on the element holding it,
so screen readers pronounce it in its own language and right-to-left pages lay it out
left to right (`lang="en" dir="ltr"`).

A work item keeps the SOP version it started with, so a translation added in a later
version does not show on older work.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from markupsafe import Markup

from app.core.i18n import LANGUAGES, current_language, text_direction
from app.sops.definition import SOURCE_LANGUAGE


class SopText(str):
    """A text of an SOP; `lang` is the language it is written in when that is not the
    reader's (it fell back to the SOP's source language), else None."""

    lang: str | None

    def __new__(cls, value: str, lang: str | None = None) -> SopText:
        text = super().__new__(cls, value)
        text.lang = lang
        return text


def source_language(definition: Mapping[str, Any]) -> str:
    return str(definition.get("language") or SOURCE_LANGUAGE)


def languages_of(definition: Mapping[str, Any]) -> list[str]:
    """The languages a version can be read in: its own first, then its translations."""
    source = source_language(definition)
    return [source] + [code for code in definition.get("translations") or {} if code != source]


def translation_languages(definition: Mapping[str, Any]) -> list[str]:
    """The languages the version is translated into (not its own), in Baton's order."""
    translated = set(definition.get("translations") or {})
    return [code for code in LANGUAGES if code in translated]


def _pick(value: Any, translated: Any, fallback: str | None) -> SopText | None:
    if value is None:
        return None
    if isinstance(translated, str) and translated:
        return SopText(translated)
    return SopText(str(value), fallback)


def localized(definition: Mapping[str, Any], language: str | None = None) -> dict:
    """A copy of `definition` whose title, description, stage titles and descriptions,
    checklist item texts and rubric texts are `SopText`s in `language` (the page's
    language by default) where translated, else in the source language, marked so."""
    language = language or current_language()
    source = source_language(definition)
    if language == source:
        texts: Mapping[str, Any] = {}
        fallback = None
    else:
        texts = (definition.get("translations") or {}).get(language) or {}
        fallback = source
    stages_t = texts.get("stages") or {}
    items_t = texts.get("items") or {}
    rubric_t = texts.get("rubric") or {}
    out = dict(definition)
    out["title"] = _pick(definition.get("title"), texts.get("title"), fallback)
    out["description"] = _pick(definition.get("description"), texts.get("description"), fallback)
    stages = []
    for stage in definition.get("stages") or []:
        st = stages_t.get(stage.get("key")) or {}
        items = [
            {
                **item,
                "text": _pick(
                    item.get("text"), (items_t.get(item.get("key")) or {}).get("text"), fallback
                ),
            }
            for item in stage.get("items") or []
        ]
        stages.append(
            {
                **stage,
                "title": _pick(stage.get("title"), st.get("title"), fallback),
                "description": _pick(stage.get("description"), st.get("description"), fallback),
                "items": items,
            }
        )
    out["stages"] = stages
    out["rubric"] = [
        {
            **criterion,
            "text": _pick(
                criterion.get("text"),
                (rubric_t.get(criterion.get("key")) or {}).get("text"),
                fallback,
            ),
        }
        for criterion in definition.get("rubric") or []
    ]
    return out


def item_texts(shown: Mapping[str, Any]) -> dict[str, SopText]:
    """Checklist item key -> text, from a `localized()` definition."""
    return {
        str(item["key"]): item["text"]
        for stage in shown.get("stages") or []
        for item in stage.get("items") or []
    }


def localized_titles(
    definitions: Iterable[tuple[Any, Mapping[str, Any]]], language: str | None = None
) -> dict[Any, SopText]:
    """id -> the SOP title of each (id, definition), as `localized()` gives it."""
    language = language or current_language()
    out: dict[Any, SopText] = {}
    for ident, definition in definitions:
        source = source_language(definition)
        texts = {} if language == source else (definition.get("translations") or {}).get(language)
        out[ident] = _pick(
            definition.get("title", ""),
            (texts or {}).get("title"),
            None if language == source else source,
        )
    return out


def lang_attrs(text: object) -> Markup:
    """` lang="en" dir="ltr"` for a text shown in its source language instead of the
    reader's (see `SopText`); nothing for any other value."""
    lang = getattr(text, "lang", None)
    if not lang:
        return Markup("")
    return Markup(' lang="{}" dir="{}"').format(lang, text_direction(lang))
