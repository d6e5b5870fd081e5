"""Every page speaks the reader's language: no English is left on any screen.

The app is made to speak a pseudo-locale built here from every catalogue's English msgids:
each translation is the msgid with every ASCII letter swapped for an accented one, between
⟦ and ⟧ ("Clients" -> "⟦Çļíéñţš⟧"), placeholders and HTML kept. Then every role of a
seeded agency (plus anonymous visitors) opens every HTML page, and whatever run of ASCII
letters is still visible was never translated: a string not marked for translation, a
label built in Python, a state name, or English stored in the database. People's own data
(every string stored in the database, except the columns the app writes in English itself)
is removed first, and a short allow-list keeps the few words that are never translated.

The same sweep runs in Arabic with the real catalogue, which also catches an msgid
"translated" as English by mistake.

The pseudo-locale is Georgian (`ka`): Babel knows it, Baton does not ship it, and its script
is not Latin, so dates, numbers and time-zone names Babel formats in it contain no ASCII
letters either; English formatting left in our code shows up.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Callable

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import list_currencies

from app.core.catalogues import catalogue_roots
from tests.objects import build_agency
from tests.sweep import (
    ENGLISH,
    WORD,
    People,
    Sweep,
    report,
    seed_demo,
    sweep_demo,
    sweep_world,
    user_data,
)

PSEUDO = "ka"

# --- the pseudo catalogue --------------------------------------------------------------

_ACCENTED = dict(
    zip(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "áƀçðéƒĝĥíĵķļɱñóþǫŕšţúṽŵẋýžÁƁÇÐÉƑĜĤÍĴĶĻṀÑÓÞǪŔŠŢÚṼŴẊÝŽ",
        strict=True,
    )
)
# Kept as they are: %(name)s / %s placeholders, {name} fields, HTML tags and entities.
_KEEP = re.compile(r"%\([^)]+\)[a-zA-Z]|%[a-zA-Z%]|\{[^{}]*\}|<[^<>]*>|&#?\w+;")


def pseudo(text: str) -> str:
    out, at = [], 0
    for m in _KEEP.finditer(text):
        out.append("".join(_ACCENTED.get(c, c) for c in text[at : m.start()]))
        out.append(m.group(0))
        at = m.end()
    out.append("".join(_ACCENTED.get(c, c) for c in text[at:]))
    return "⟦" + "".join(out) + "⟧"


def write_pseudo_catalogue(folder) -> int:
    """Every catalogue's msgids, pseudo-translated, as one `ka` .mo under `folder`."""
    catalogue = Catalog(locale=PSEUDO, fuzzy=False)
    for root in catalogue_roots():
        with open(root / "messages.pot", "rb") as f:
            template = read_po(f)
        for message in template:
            if not message.id:
                continue
            if isinstance(message.id, tuple | list):
                string = tuple(pseudo(part) for part in message.id)
            else:
                string = pseudo(message.id)
            catalogue.add(message.id, string, context=message.context)
    target = folder / PSEUDO / "LC_MESSAGES"
    target.mkdir(parents=True)
    with open(target / "messages.mo", "wb") as f:
        write_mo(f, catalogue)
    return len(catalogue)


@pytest.fixture
def speaks_pseudo(app, tmp_path):
    """The app speaks `ka` from the pseudo catalogue for this test only."""
    count = write_pseudo_catalogue(tmp_path)
    babel = app.extensions["babel"]
    babel.translation_directories.append(str(tmp_path))
    babel.instance.domain_instance.cache.clear()
    app.config["BATON_EXTRA_LANGUAGES"] = {PSEUDO: "pseudo"}
    yield count
    app.config.pop("BATON_EXTRA_LANGUAGES", None)
    babel.translation_directories.remove(str(tmp_path))
    babel.instance.domain_instance.cache.clear()


# --- what is left ----------------------------------------------------------------------

# Words that stay as they are in every language, each with its reason.
ALLOWED = {
    "Baton",  # the product's name
    "API",  # a technical term, written so in Arabic and French too
    "SOP",  # kept as the abbreviation in the Arabic and French catalogues
    "WhatsApp",  # a product's name
    "DejaVu",  # font names (DejaVu Sans, Noto Serif): the branding page's font list
    "Noto",
    "Sans",
    "Serif",
    "Xero",  # accounting tools' product names (the accounting exports' formats)
    "QuickBooks",
    "Slack",  # contact channels' product names
    "Teams",
    "IP",  # an IP address: the Arabic and French catalogues keep the abbreviation
    # Locale codes in the examples of a locale field ("en, ar, de_DE").
    "en",
    "ar",
    "fr",
    "de",
    "DE",
    "CA",
    "PDF",  # a file format
    "CSV",  # a file format
    "CSAT",  # the satisfaction scores' names, written as acronyms in every language
    "NPS",
    "UTC",  # the time standard's abbreviation
    "English",  # the language switch names each language in itself
    *list_currencies(),  # ISO 4217 codes (USD, EUR) are written as codes in every language
}
_NOISE = re.compile(
    r"⟦|⟧"
    r"|\S+@\S+"  # an email address
    r"|\b[a-z]+://\S+"  # a URL
    r"|\{[^{}]*\}"  # a numbering format's fields ({year}), shown as the syntax to type
    r"|\b[A-Z]{2,5}-\d[\w-]*"  # a document number (INV-2026-00042)
)
# Dates and times in English: reported for app/core/formatting.py (print), not failed here.
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
_DAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\.?,?"
_ZONE = r"(?:\s+(?:[A-Z]{2,5}|GMT[+-]\d+(?::\d\d)?))?"
ENGLISH_DATE = re.compile(
    rf"(?:{_DAY}\s+)?\d{{1,2}}\s+{_MONTH}(?:\s+\d{{4}})?(?:,\s*\d{{1,2}}:\d\d)?{_ZONE}"
    rf"|{_MONTH}\s+\d{{1,2}},\s+\d{{4}}"
    rf"|\b{_MONTH}\s+\d{{4}}"
)
# A time's zone abbreviation as Babel writes it (EST, GMT+2): formatting, not a message.
ZONE_ABBREVIATION = re.compile(r"(?<=\d\d:\d\d)\s+(?:[A-Z]{2,5}|GMT[+-]\d+(?::\d\d)?)\b")
ENGLISH_DATES: dict[str, set[str]] = defaultdict(set)


# Shown on the SOP pages from the SOP's own text (its roles as written in its YAML) and the
# codes of the languages an SOP is translated into ("AR · FR"): SOP display is translated
# by its own work (issue #11); listed here so the rest of those pages is enforced.
ELSEWHERE = {"/sops": {"va", "qa", "owner", "manager", "client", "AR", "FR", "EN"}}
_ARABIC = re.compile(r"[\u0600-\u06ff]")


def english_words(part: str, people: People, language: str) -> frozenset[str]:
    """The English words left in one part of a page. In Arabic, a part that has Arabic in
    it is translated (a technical term inside an Arabic sentence, "رمز ISO 4217", is
    deliberate); a part with none is not."""
    if (language == "ar" and _ARABIC.search(part)) or not ENGLISH.search(part):
        return frozenset()
    text = people.sub(" ", part)
    for date in ENGLISH_DATE.findall(text):
        ENGLISH_DATES[date].add(part)
    text = _NOISE.sub(" ", ZONE_ABBREVIATION.sub(" ", ENGLISH_DATE.sub(" ", text)))
    return frozenset(w for w in WORD.findall(text) if ENGLISH.fullmatch(w) and w not in ALLOWED)


def english_left(
    parts: list[str], words_of: Callable[[str], frozenset[str]], url: str = ""
) -> list[str]:
    """The parts of a page with English left in them (`words_of`: english_words, cached)."""
    exempt = set().union(*(words for where, words in ELSEWHERE.items() if where in url))
    return [" ".join(part.split())[:120] for part in parts if words_of(part) - exempt]


class EnglishSweep(Sweep):
    """The English left on pages read in one language."""

    def __init__(self, language: str, people: People) -> None:
        super().__init__(language, people)
        self._words: dict[str, frozenset[str]] = {}

    def words_of(self, part: str) -> frozenset[str]:
        """english_words, once per distinct text (menus repeat on every page)."""
        if part not in self._words:
            self._words[part] = english_words(part, self.people, self.language)
        return self._words[part]

    def left(self, parts: list[str], url: str) -> list[str]:
        return english_left(parts, self.words_of, url)


def print_english_dates() -> None:
    """Dates written in English on pages in another language (not failed here: they are
    app/core/formatting.py's), a few of each shape."""
    shapes: dict[str, list[str]] = defaultdict(list)
    for date, where in sorted(ENGLISH_DATES.items()):
        shapes[re.sub(r"\d", "9", re.sub(r"[A-Z]{2,5}$", "ZONE", date))].append(
            f"{date!r} in {sorted(where)[0][:80]!r}"
        )
    print(f"  {len(ENGLISH_DATES)} dates written in English:")
    for examples in shapes.values():
        print("   ", "; ".join(examples[:2]))
    ENGLISH_DATES.clear()


def test_no_english_is_left_on_any_page(app, speaks_pseudo):
    """In the pseudo-locale, then in Arabic, over the same agencies."""
    world = build_agency("Sweep")
    demo = seed_demo()
    people = user_data()
    failures = []
    for language in (PSEUDO, "ar"):
        started = time.perf_counter()
        check = EnglishSweep(language, people)
        sweep_world(app, world, check)
        walked = check.pages
        sweep_demo(app, demo, check)
        print(
            f"\n{language}: {check.pages} pages read ({walked} of every route and role, "
            f"{check.pages - walked} of the demo agency) in {time.perf_counter() - started:.1f} s"
        )
        print_english_dates()
        assert check.pages > 300
        if check.found:
            failures.append(report(check.found, f"English left on pages read in {language!r}"))
    assert not failures, "\n\n".join(failures)


def test_the_sweep_tells_english_from_translations_and_data():
    """The detector itself: what it flags and what it leaves."""
    people = People({"Harbour Bakery", "Weekly update, week of 30 Nov"})
    words = {}

    def words_of(part: str) -> frozenset[str]:
        return words.setdefault(part, english_words(part, people, PSEUDO))

    parts = [
        pseudo("Clients"),  # translated
        pseudo("Invoice %(number)s") % {"number": "INV-2026-00001"},  # a number in it
        "Harbour Bakery",  # people's data
        "Weekly update, week of 30 Nov",  # people's data, with a date in it
        "Baton · USD",  # allowed
        "Save changes",  # English: flagged
        pseudo("Status: %(state)s") % {"state": "pending"},  # an untranslated value
    ]
    assert english_left(parts, words_of) == ["Save changes", "⟦Šţáţúš: pending⟧"]
    english_words("Tue 8 Dec, 19:12 UTC", people, PSEUDO)
    assert "Tue 8 Dec, 19:12 UTC" in ENGLISH_DATES  # reported for the formatting code
    ENGLISH_DATES.clear()
    arabic = People(set())
    assert english_words("رمز ISO 4217", arabic, "ar") == frozenset()  # a term in Arabic
    assert english_words("Save", arabic, "ar") == {"Save"}  # a msgid "translated" as English
