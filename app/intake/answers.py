"""Checking a client's answers against the questions of the version they answer.

Every message names the question. Values arrive as plain Python values (from the portal
form or a JSON body); files arrive as uploads and are checked by content (app.work.uploads).
A "tool login" answer keeps its password apart (`LoginToSeal`): the caller seals it in the
vault and stores only the entry's reference in the answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from marshmallow import ValidationError, validate

from app.core.errors import ValidationFailed
from app.core.schemas import text_problem
from app.core.translation import gettext as _
from app.work.uploads import DetectedFile, read_upload

TEXT_MAX = 1000
LONG_TEXT_MAX = 20_000
URL_MAX = 2000
TOOL_MAX = 200
USERNAME_MAX = 320
PASSWORD_MAX = 1000

_url = validate.URL(relative=False, schemes={"http", "https"}, require_tld=True)


@dataclass
class Upload:
    """A file sent for a question: its stream and the name the browser gave."""

    stream: IO[bytes]
    filename: str | None


@dataclass
class LoginToSeal:
    """A tool login whose password goes to the vault (never into the answers)."""

    tool: str
    url: str | None
    username: str | None
    password: str


@dataclass
class CheckedAnswers:
    values: dict[str, Any] = field(default_factory=dict)
    files: dict[str, DetectedFile] = field(default_factory=dict)
    logins: dict[str, LoginToSeal] = field(default_factory=dict)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list):
        return not value
    if isinstance(value, Mapping):
        return all(_is_blank(v) for v in value.values())
    return False


def _check_url(value: str, label: str) -> str:
    if len(value) > URL_MAX:
        raise ValueError(_("“%(question)s”: the address is too long.", question=label))
    try:
        _url(value)
    except ValidationError as exc:
        raise ValueError(
            _(
                "“%(question)s”: enter a full web address starting with https://",
                question=label,
            )
        ) from exc
    return value


def _one(question: dict, value: Any, previous: Any) -> Any:
    """The clean answer to one question (raises ValueError with the message)."""
    label, kind = question["label"], question["kind"]
    if kind in ("text", "long_text", "url", "date", "single_choice"):
        if not isinstance(value, str):
            raise ValueError(_("“%(question)s”: enter text.", question=label))
        problem = text_problem(value)
        if problem:
            raise ValueError(f"“{label}”: {problem}")
        value = value.strip()
    if kind in ("text", "long_text"):
        limit = TEXT_MAX if kind == "text" else LONG_TEXT_MAX
        if len(value) > limit:
            raise ValueError(
                _(
                    "“%(question)s”: at most %(limit)s characters.",
                    question=label,
                    limit=limit,
                )
            )
        return value
    if kind == "url":
        return _check_url(value, label)
    if kind == "date":
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            day = None
        if day is None or not 1900 <= day.year <= 2200:
            raise ValueError(_("“%(question)s”: enter a date (YYYY-MM-DD).", question=label))
        return day.isoformat()
    if kind == "single_choice":
        if value not in question.get("options", []):
            raise ValueError(_("“%(question)s”: choose one of the choices.", question=label))
        return value
    if kind == "multiple_choice":
        chosen = value if isinstance(value, list) else [value]
        options = question.get("options", [])
        if any(not isinstance(c, str) or c not in options for c in chosen):
            raise ValueError(_("“%(question)s”: choose among the choices.", question=label))
        return [o for o in options if o in chosen]
    raise ValueError(_("“%(question)s”: this kind of answer is not accepted here.", question=label))


def _login(question: dict, value: Any, previous: Any) -> LoginToSeal | dict:
    """A tool login: a new one to seal, or the previous answer when only the password was
    left out and nothing else changed (the vault already holds it)."""
    label = question["label"]
    if not isinstance(value, Mapping) or set(value) - {"tool", "url", "username", "password"}:
        raise ValueError(
            _("“%(question)s”: give the tool, its address, user name and password.", question=label)
        )
    parts = {k: value.get(k) for k in ("tool", "url", "username", "password")}
    for part in parts.values():
        if part is not None and not isinstance(part, str):
            raise ValueError(_("“%(question)s”: enter text.", question=label))
        problem = text_problem(part) if part is not None else None
        if problem:
            raise ValueError(f"“{label}”: {problem}")
    tool, url, username = _text(parts["tool"]), _text(parts["url"]), _text(parts["username"])
    password = parts["password"] or ""
    if not tool:
        raise ValueError(_("“%(question)s”: name the tool.", question=label))
    if len(tool) > TOOL_MAX or len(username) > USERNAME_MAX or len(password) > PASSWORD_MAX:
        raise ValueError(_("“%(question)s”: an entry is too long.", question=label))
    if url:
        _check_url(url, label)
    if not password:
        same = isinstance(previous, Mapping) and (
            previous.get("tool"),
            previous.get("url") or "",
            previous.get("username") or "",
        ) == (tool, url, username)
        if same:
            return dict(previous)
        raise ValueError(_("“%(question)s”: enter the password.", question=label))
    return LoginToSeal(tool=tool, url=url or None, username=username or None, password=password)


def check_answers(
    questions: list[dict],
    values: Mapping[str, Any],
    uploads: Mapping[str, Upload],
    previous: Mapping[str, Any] | None,
    *,
    max_bytes: int,
) -> CheckedAnswers:
    """Check every answer; raise ValidationFailed({question key: [message]}) naming each
    question that is wrong, or an unknown key. An unanswered file or login question keeps
    the previous answer (files and passwords are not sent again)."""
    previous = previous or {}
    errors: dict[str, list[str]] = {}
    out = CheckedAnswers()
    keys = {q["key"] for q in questions}
    for key in values:
        if key not in keys:
            errors[str(key)] = [_("Not a question of this questionnaire.")]
    for question in questions:
        key, label, kind = question["key"], question["label"], question["kind"]
        value = values.get(key)
        try:
            if kind == "file":
                upload = uploads.get(key)
                if upload is not None:
                    out.files[key] = _file(upload, label, max_bytes)
                elif not _is_blank(value):
                    raise ValueError(
                        _("“%(question)s”: upload the file from the portal page.", question=label)
                    )
                elif key in previous:
                    out.values[key] = previous[key]
                elif question.get("required"):
                    raise ValueError(_("“%(question)s”: this answer is required.", question=label))
                continue
            if kind == "tool_login" and not _is_blank(value):
                login = _login(question, value, previous.get(key))
                if isinstance(login, LoginToSeal):
                    out.logins[key] = login
                else:
                    out.values[key] = login
                continue
            if _is_blank(value):
                if kind == "tool_login" and key in previous:
                    out.values[key] = previous[key]
                elif question.get("required"):
                    raise ValueError(_("“%(question)s”: this answer is required.", question=label))
                continue
            out.values[key] = _one(question, value, previous.get(key))
        except ValueError as exc:
            errors[key] = [str(exc)]
    if errors:
        raise ValidationFailed(errors)
    return out


def _file(upload: Upload, label: str, max_bytes: int) -> DetectedFile:
    try:
        return read_upload(upload.stream, upload.filename, max_bytes)
    except ValidationFailed as exc:
        messages = exc.errors.get("file") or [exc.message]
        raise ValueError(f"“{label}”: {' '.join(str(m) for m in messages)}") from exc
