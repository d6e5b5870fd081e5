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

import html
import re
import time
from collections import defaultdict
from collections.abc import Callable
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import list_currencies

from app.core.catalogues import catalogue_roots
from app.core.tenancy import all_tenants
from app.extensions import db
from app.reminders.messages import VARIABLES
from tests.objects import (
    ROLES,
    build_agency,
    fill,
    fresh,
    is_api,
    our_rules,
    route_app,
    rule_params,
    signed_in_client,
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


# --- what a reader sees ----------------------------------------------------------------

# Code, and textareas: what a textarea holds is a value the reader edits (a SOP's YAML, a
# reminder's email template: email text is checked with the emails).
_SKIPPED_TAGS = {"script", "style", "code", "pre", "svg", "textarea"}
_SHOWN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")


class VisibleText(HTMLParser):
    """Text nodes, the attributes a reader sees or hears, and submit buttons' values."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping.append(tag)
        if self._skipping:
            return
        a = {k: v or "" for k, v in attrs}
        self.parts.extend(a[name] for name in _SHOWN_ATTRIBUTES if a.get(name))
        if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
            self.parts.append(a["value"])

    def handle_endtag(self, tag: str) -> None:
        if self._skipping and self._skipping[-1] == tag:
            self._skipping.pop()

    def handle_data(self, data: str) -> None:
        if not self._skipping and data.strip():
            self.parts.append(data)


def visible_text(page: str) -> list[str]:
    parser = VisibleText()
    parser.feed(page)
    return parser.parts


# --- people's own data -----------------------------------------------------------------

# Columns the app itself writes in English (or codes): what they hold must be translated
# when shown, so it is not removed as people's data.
APP_WRITTEN = {
    ("audit_events", "summary"),
    ("audit_events", "action"),
    ("audit_events", "entity_type"),
    ("outbox_jobs", "label"),
    ("outbox_jobs", "queue"),
    ("reminder_sends", "reason"),
}
_CODE = re.compile(r"[a-z][a-z0-9_.]*")  # states, kinds, actions: shown translated
_TAG = re.compile(r"<[^<>]*>")
_YAML_FLOW_TEXT = re.compile(r"\b(?:text|title|description):\s*([^,{}]+)")
_URL_SPLIT = re.compile(r"\s*\b[a-z]+://\S+\s*")
_YAML_VALUE = re.compile(r"^\s*(?:-\s+)?(?:[\w-]+:\s+)?[>|]?\s*[\"']?(.*?)[\"']?\s*$")


def _pieces(value: str) -> set[str]:
    """A stored text and the pieces of it a page may show on their own: its lines (an
    HTML body's text, a YAML source's values), the text around a URL."""
    value = html.unescape(value)
    out = {value}
    for line in _TAG.sub("\n", value).splitlines():
        line = line.strip()
        if not line:
            continue
        out.add(line)
        yaml_value = _YAML_VALUE.match(line)
        if yaml_value:
            out.add(yaml_value.group(1))
        out.update(v.strip() for v in _YAML_FLOW_TEXT.findall(line))
        out.update(p.strip() for p in _URL_SPLIT.split(line))
    # Only what could be taken for English: text with a run of ASCII letters.
    return {p for p in out if _ENGLISH.search(p)}


class People:
    """People's stored texts, indexed by their first word, to take out of a page's text."""

    def __init__(self, values: set[str]) -> None:
        self.by_word: dict[str, list[str]] = defaultdict(list)
        for value in sorted((v for v in values if _ENGLISH.search(v)), key=len, reverse=True):
            self.by_word[_WORD.search(value).group(0)].append(value)

    def sub(self, replacement: str, text: str) -> str:
        """`text` without the stored texts it contains, the longest first."""
        words = set(_WORD.findall(text))
        candidates = [v for w in words for v in self.by_word.get(w, ())]
        for value in sorted(candidates, key=len, reverse=True):
            text = text.replace(value, replacement)
        return text


def user_data() -> People:
    """Every string stored in the database (the test's agencies are all it holds)."""
    found: set[str] = set()

    def collect(value) -> None:
        if isinstance(value, str):
            value = value.strip()
            if len(value) >= 2 and not _CODE.fullmatch(value):
                found.update(_pieces(value))
        elif isinstance(value, dict):
            for v in value.values():
                collect(v)
        elif isinstance(value, list | tuple):
            for v in value:
                collect(v)

    db.session.flush()
    with all_tenants():
        for table in db.metadata.sorted_tables:
            columns = [
                c
                for c in table.columns
                if (table.name, c.name) not in APP_WRITTEN
                and (isinstance(c.type, sa.JSON) or c.type.python_type is str)
            ]
            if not columns:
                continue
            for row in db.session.execute(sa.select(*columns)):
                for value in row:
                    collect(value)
        # The reminder settings preview their messages with sample values (names, a date).
        found.update(str(sample) for _, sample in VARIABLES.values())
        # A greeting uses a person's first name.
        for table in ("users", "contacts"):
            for (name,) in db.session.execute(sa.text(f"SELECT name FROM {table}")):  # noqa: S608
                if name and name.split():
                    found.add(name.split()[0])
    return People(found)


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
_WORD = re.compile(r"[^\W\d_]+")
_ENGLISH = re.compile(r"[A-Za-z]{2,}")


# Shown on the SOP pages from the SOP's own text (its roles as written in its YAML) and the
# codes of the languages an SOP is translated into ("AR · FR"): SOP display is translated
# by its own work (issue #11); listed here so the rest of those pages is enforced.
ELSEWHERE = {"/sops": {"va", "qa", "owner", "manager", "client", "AR", "FR", "EN"}}
_ARABIC = re.compile(r"[\u0600-\u06ff]")


def english_words(part: str, people: People, language: str) -> frozenset[str]:
    """The English words left in one part of a page. In Arabic, a part that has Arabic in
    it is translated (a technical term inside an Arabic sentence, "رمز ISO 4217", is
    deliberate); a part with none is not."""
    if (language == "ar" and _ARABIC.search(part)) or not _ENGLISH.search(part):
        return frozenset()
    text = people.sub(" ", part)
    for date in ENGLISH_DATE.findall(text):
        ENGLISH_DATES[date].add(part)
    text = _NOISE.sub(" ", ZONE_ABBREVIATION.sub(" ", ENGLISH_DATE.sub(" ", text)))
    return frozenset(w for w in _WORD.findall(text) if _ENGLISH.fullmatch(w) and w not in ALLOWED)


def english_left(
    parts: list[str], words_of: Callable[[str], frozenset[str]], url: str = ""
) -> list[str]:
    """The parts of a page with English left in them (`words_of`: english_words, cached)."""
    exempt = set().union(*(words for where, words in ELSEWHERE.items() if where in url))
    return [" ".join(part.split())[:120] for part in parts if words_of(part) - exempt]


# --- the sweep -------------------------------------------------------------------------

APP = route_app()
PAGE_RULES = [
    r
    for r in our_rules(APP)
    if "GET" in r.methods and not is_api(r) and "filename" not in rule_params(r)
]


def _token_for(rule: str, world) -> str:
    if "reset" in rule:
        return world.reset_token
    if "signup" in rule:
        return world.signup_token
    return world.invitation_token


def _urls(world) -> list[str]:
    urls = []
    for rule in PAGE_RULES:
        values = {**world.ids(), "agency_slug": world.slug, "token": _token_for(rule.rule, world)}
        urls.append(fill(rule.rule, values))
    return sorted(set(urls))


def _speak(user_ids, language: str) -> None:
    from app.users.models import User

    with all_tenants():
        for user_id in user_ids:
            db.session.get(User, user_id).locale = language
        db.session.commit()


class Sweep:
    """Pages read in one language, and the English found on them."""

    def __init__(self, language: str, people: People) -> None:
        self.language = language
        self.people = people
        self.found: dict = defaultdict(list)
        self.pages = 0
        self._words: dict[str, frozenset[str]] = {}

    def words_of(self, part: str) -> frozenset[str]:
        """english_words, once per distinct text (menus repeat on every page)."""
        if part not in self._words:
            self._words[part] = english_words(part, self.people, self.language)
        return self._words[part]

    def read(self, who: str, http, url: str) -> str | None:
        """Read one page; its HTML (None for a redirect, a file or an error)."""
        resp = http.get(url)
        if resp.status_code >= 500:
            self.found[(url, who)].append(f"HTTP {resp.status_code}")
            return None
        if resp.status_code in (301, 302, 303, 307, 308):
            return None
        if not resp.content_type.startswith("text/html"):
            return None
        self.pages += 1
        page = resp.get_data(as_text=True)
        fragments = english_left(visible_text(page), self.words_of, url)
        if fragments:
            self.found[(url, who)].extend(dict.fromkeys(fragments))
        return page if resp.status_code == 200 else None


def sweep_world(app, world, check: Sweep) -> None:
    """Every role of `world` and an anonymous visitor open every page of the url_map."""
    _speak(world.users.values(), check.language)
    visitors = [(role, signed_in_client(app, world.users[role])) for role in ROLES]
    anonymous = app.test_client()
    anonymous.set_cookie("baton_lang", check.language)
    visitors.append(("anonymous", fresh(anonymous)))
    urls = [*_urls(world), "/no-such-page"]
    for who, http in visitors:
        for url in urls:
            check.read(who, http, url)


_HREF = re.compile(r'href="(/[^"#?]*)')
_ID = re.compile(r"/\d+(?=/|$)")
PER_SHAPE = 2  # pages read per URL shape (/work/#) and person


def seed_demo() -> dict[str, int]:
    """The demo agency (weeks of work, billing, reminders and audit history made by the real
    services): {email: user id} of its people."""
    from app.demo import DEMO_LOGINS, seed_demo_agency
    from app.users.models import User

    started = time.perf_counter()
    seed_demo_agency()
    print(f"\nthe demo agency seeded in {time.perf_counter() - started:.1f} s")
    with all_tenants():
        users = {
            email: db.session.scalar(sa.select(User.id).where(User.email == email))
            for _, email, _ in DEMO_LOGINS
        }
    db.session.commit()
    return users


def sweep_demo(app, users: dict[str, int], check: Sweep) -> None:
    """Every person of the demo agency follows the links of their pages, reading up to
    PER_SHAPE pages of each kind (two work items, two invoices...)."""
    from app.demo import DEMO_LOGINS, DEMO_SLUG

    _speak(users.values(), check.language)
    starts = sorted(
        {
            fill(r.rule, {"agency_slug": DEMO_SLUG})
            for r in PAGE_RULES
            if set(rule_params(r)) <= {"agency_slug"}
        }
    )
    for role, email, _ in DEMO_LOGINS:
        http = signed_in_client(app, users[email])
        who = f"{role} {email.split('@')[0]} (demo)"
        seen: dict[str, int] = defaultdict(int)
        queue, done = list(starts), set()
        while queue:
            url = queue.pop(0)
            shape = _ID.sub("/#", url)
            if url in done or seen[shape] >= PER_SHAPE:
                continue
            done.add(url)
            seen[shape] += 1
            page = check.read(who, http, url)
            if page is None:
                continue
            for link in _HREF.findall(page):
                if link.startswith((f"/{DEMO_SLUG}/", "/profile")) and link not in done:
                    queue.append(link)


def report(found: dict, language: str) -> str:
    """Grouped by English fragment: where it shows, so each fix is one look."""
    by_fragment: dict[str, list[str]] = defaultdict(list)
    for (url, who), fragments in sorted(found.items()):
        for fragment in fragments:
            by_fragment[fragment].append(f"{url} ({who})")
    lines = [f"English left on pages read in {language!r} ({len(by_fragment)} fragments):"]
    for fragment, where in sorted(by_fragment.items(), key=lambda kv: -len(kv[1])):
        shown = ", ".join(where[:4]) + (f" and {len(where) - 4} more" if len(where) > 4 else "")
        lines.append(f"  {fragment!r}\n      on {shown}")
    return "\n".join(lines)


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
        check = Sweep(language, people)
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
            failures.append(report(check.found, language))
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
