"""What the page sweeps share (tests/test_pseudo_locale.py, tests/test_reader_digits_sweep.py):
the text a reader sees on a page, people's own data to take out of it, and the walks over
every page of every role and over the demo agency's pages."""

from __future__ import annotations

import html
import re
import time
from collections import defaultdict
from html.parser import HTMLParser

import sqlalchemy as sa

from app.core.tenancy import all_tenants
from app.extensions import db
from app.reminders.messages import VARIABLES
from tests.objects import (
    ROLES,
    fill,
    fresh,
    is_api,
    our_rules,
    route_app,
    rule_params,
    signed_in_client,
)

WORD = re.compile(r"[^\W\d_]+")
ENGLISH = re.compile(r"[A-Za-z]{2,}")

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
        self._other_language: list | None = None  # [tag, depth] of a marked subtree

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = {k: v or "" for k, v in attrs}
        if self._other_language:
            if tag == self._other_language[0]:
                self._other_language[1] += 1
            return
        # A sample of what a client receives, in the client's language on purpose (a mail's
        # preview): marked `data-client-language` with its `lang`; not the reader's text.
        if "data-client-language" in a and a.get("lang"):
            self._other_language = [tag, 1]
            return
        if tag in _SKIPPED_TAGS:
            self._skipping.append(tag)
        if self._skipping:
            return
        self.parts.extend(a[name] for name in _SHOWN_ATTRIBUTES if a.get(name))
        if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
            self.parts.append(a["value"])

    def handle_endtag(self, tag: str) -> None:
        if self._other_language:
            if tag == self._other_language[0]:
                self._other_language[1] -= 1
                if self._other_language[1] == 0:
                    self._other_language = None
            return
        if self._skipping and self._skipping[-1] == tag:
            self._skipping.pop()

    def handle_data(self, data: str) -> None:
        if not self._skipping and not self._other_language and data.strip():
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


def _pieces(value: str, keep: re.Pattern) -> set[str]:
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
    # Only what the sweep could take for a finding (`keep`: a run of ASCII letters...).
    return {p for p in out if keep.search(p)}


LABEL_CUT = 80  # app.core.mail: an email job's label quotes the first 80 characters of its subject


class People:
    """People's stored texts, indexed by their first token (a word; a run of digits for
    the digits sweep), to take out of a page's text. Only texts with a `keep` match."""

    def __init__(
        self, values: set[str], keep: re.Pattern = ENGLISH, token: re.Pattern = WORD
    ) -> None:
        self.token = token
        self.by_word: dict[str, list[str]] = defaultdict(list)
        for value in sorted((v for v in values if keep.search(v)), key=len, reverse=True):
            first = token.search(value)
            if first:
                self.by_word[first.group(0)].append(value)

    def sub(self, replacement: str, text: str) -> str:
        """`text` without the stored texts it contains, the longest first."""
        words = set(self.token.findall(text))
        candidates = [v for w in words for v in self.by_word.get(w, ())]
        for value in sorted(candidates, key=len, reverse=True):
            text = text.replace(value, replacement)
        return text


def user_data(keep: re.Pattern = ENGLISH, token: re.Pattern = WORD) -> People:
    """Every string stored in the database (the test's agencies are all it holds)."""
    found: set[str] = set()

    def collect(value) -> None:
        if isinstance(value, str):
            value = value.strip()
            if len(value) >= 2 and not _CODE.fullmatch(value):
                found.update(_pieces(value, keep))
                if len(value) > LABEL_CUT:  # a job's label quotes a mail's subject cut here
                    found.update(_pieces(value[:LABEL_CUT], keep))
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
        # Skill tags are people's words, even when they look like codes ("bookkeeping").
        for table in ("member_skill_tags", "sop_skill_tags", "client_skill_tags"):
            found.update(t for (t,) in db.session.execute(sa.text(f"SELECT tag FROM {table}")))  # noqa: S608
        # A greeting uses a person's first name.
        for table in ("users", "contacts"):
            for (name,) in db.session.execute(sa.text(f"SELECT name FROM {table}")):  # noqa: S608
                if name and name.split():
                    found.add(name.split()[0])
    return People(found, keep, token)


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


def page_urls(world) -> list[str]:
    urls = []
    for rule in PAGE_RULES:
        values = {**world.ids(), "agency_slug": world.slug, "token": _token_for(rule.rule, world)}
        urls.append(fill(rule.rule, values))
    return sorted(set(urls))


def speak(user_ids, language: str) -> None:
    from app.users.models import User

    with all_tenants():
        for user_id in user_ids:
            db.session.get(User, user_id).locale = language
        db.session.commit()


class Sweep:
    """Pages read in one language, and what `left` finds on them (a subclass says what)."""

    def __init__(self, language: str, people: People) -> None:
        self.language = language
        self.people = people
        self.found: dict = defaultdict(list)
        self.pages = 0

    def left(self, parts: list[str], url: str) -> list[str]:
        """The parts of a page that fail the sweep."""
        raise NotImplementedError

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
        fragments = self.left(visible_text(page), url)
        if fragments:
            self.found[(url, who)].extend(dict.fromkeys(fragments))
        return page if resp.status_code == 200 else None


def sweep_world(app, world, check: Sweep) -> None:
    """Every role of `world` and an anonymous visitor open every page of the url_map."""
    speak(world.users.values(), check.language)
    visitors = [(role, signed_in_client(app, world.users[role])) for role in ROLES]
    anonymous = app.test_client()
    anonymous.set_cookie("baton_lang", check.language)
    visitors.append(("anonymous", fresh(anonymous)))
    urls = [*page_urls(world), "/no-such-page"]
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

    speak(users.values(), check.language)
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


def report(found: dict, what: str) -> str:
    """Grouped by fragment: where it shows, so each fix is one look."""
    by_fragment: dict[str, list[str]] = defaultdict(list)
    for (url, who), fragments in sorted(found.items()):
        for fragment in fragments:
            by_fragment[fragment].append(f"{url} ({who})")
    lines = [f"{what} ({len(by_fragment)} fragments):"]
    for fragment, where in sorted(by_fragment.items(), key=lambda kv: -len(kv[1])):
        shown = ", ".join(where[:4]) + (f" and {len(where) - 4} more" if len(where) > 4 else "")
        lines.append(f"  {fragment!r}\n      on {shown}")
    return "\n".join(lines)
