"""Translation catalogues: one per domain package that has its own (`app/<domain>/translations`)
and `app/translations` for everything else (the shared templates, core, and every package
without one). Each holds `messages.pot` and a `messages.po`/`.mo` per translated language.
Flask-Babel loads them all (`translation_directories`).

    python -m app.core.catalogues update [DOMAIN]   # extract; new strings get an empty msgstr
    python -m app.core.catalogues compile [DOMAIN]  # write the .mo files (they are committed)
    python -m app.core.catalogues check [DOMAIN]    # list what is untranslated; exit 1 if any

DOMAIN is a package with its own catalogue (`users`), or `shared` for app/translations;
without it, every catalogue.

To give a domain its own catalogue, create `app/<domain>/translations/` and run `update`.
tests/test_i18n.py fails when a marked string is missing from its catalogue, left
untranslated, or a .mo is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

APP = Path(__file__).resolve().parent.parent
SHARED = APP / "translations"
TRANSLATED = ("ar", "fr")
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
    "N_": None,
}
SOURCE_MAP = [
    ("**.py", "python"),
    ("**/templates/**.html", "jinja2"),
    ("**/templates/**.txt", "jinja2"),
    ("templates/**.html", "jinja2"),
    ("templates/**.txt", "jinja2"),
]


def N_(text: str) -> str:  # noqa: N802 - gettext's name for "mark, translate later"
    """Mark `text` for the catalogue without translating it here (a constant that is also
    sent as is, e.g. an error title in JSON); `gettext(text)` translates it where shown."""
    return text


def catalogue_roots() -> list[Path]:
    """The shared catalogue first, then the domains' own, by name."""
    own = sorted(p for p in APP.glob("*/translations") if p.is_dir() and p != SHARED)
    return [SHARED, *own]


def translation_directories() -> str:
    """For Flask-Babel: the catalogue folders relative to the app package, `;`-separated."""
    return ";".join(str(p.relative_to(APP)) for p in catalogue_roots())


def _sources(root: Path) -> tuple[Path, list[tuple[str, str]]]:
    if root == SHARED:
        owners = [p.parent.name for p in catalogue_roots()[1:]]
        skip = [(f"{name}/**", "ignore") for name in owners]
        return APP, [*skip, ("static/**", "ignore"), *SOURCE_MAP]
    return root.parent, SOURCE_MAP


def extract(root: Path) -> Catalog:
    """The strings the sources of `root`'s catalogue mark for translation."""
    folder, method_map = _sources(root)
    template = Catalog(project="Baton", fuzzy=False)
    for _path, _line, message, comments, context in extract_from_dir(
        str(folder), method_map=method_map, keywords=KEYWORDS, comment_tags=("Translators:",)
    ):
        template.add(message, None, [], auto_comments=comments, context=context)
    return template


def _po(root: Path, language: str) -> Path:
    return root / language / "LC_MESSAGES" / "messages.po"


def read_catalogue(root: Path, language: str) -> Catalog:
    path = _po(root, language)
    if not path.exists():
        return Catalog(locale=Locale.parse(language), project="Baton", fuzzy=False)
    with path.open("rb") as fh:
        return read_po(fh, locale=language)


def _write_po(path: Path, catalogue: Catalog, *, header: bool = True) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(
            fh,
            catalogue,
            sort_output=True,
            include_lineno=False,
            no_location=True,
            ignore_obsolete=True,
            omit_header=not header,
        )


def update(root: Path) -> None:
    template = extract(root)
    _write_po(root / "messages.pot", template, header=False)
    for language in TRANSLATED:
        catalogue = read_catalogue(root, language)
        created = catalogue.creation_date  # kept: a header that changes on every run
        catalogue.update(template, no_fuzzy_matching=True)  # would only make conflicts
        catalogue.creation_date = created
        catalogue.obsolete.clear()
        _write_po(_po(root, language), catalogue)


def compile_catalogues(root: Path) -> None:
    for language in TRANSLATED:
        catalogue = read_catalogue(root, language)
        with _po(root, language).with_suffix(".mo").open("wb") as fh:
            write_mo(fh, catalogue)


def is_translated(message) -> bool:
    if isinstance(message.string, str):
        return bool(message.string)
    return bool(message.string) and all(message.string)


def untranslated(root: Path) -> dict[str, list]:
    found = {}
    for language in TRANSLATED:
        missing = [m.id for m in read_catalogue(root, language) if m.id and not is_translated(m)]
        if missing:
            found[language] = missing
    return found


def _name(root: Path) -> str:
    return "shared" if root == SHARED else root.parent.name


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else ""
    if command not in {"update", "compile", "check"}:
        print("usage: python -m app.core.catalogues update|compile|check", file=sys.stderr)
        return 2
    only = argv[2] if len(argv) > 2 else None
    roots = [r for r in catalogue_roots() if only in (None, _name(r))]
    if not roots:
        print(f"no catalogue named {only!r}", file=sys.stderr)
        return 2
    status = 0
    for root in roots:
        if command == "update":
            update(root)
        elif command == "compile":
            compile_catalogues(root)
        else:
            for language, missing in untranslated(root).items():
                status = 1
                print(f"{root.relative_to(APP.parent)} {language}: {len(missing)} untranslated")
                for message in missing:
                    print(f"  {message!r}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
