"""Translated sentences whose numbers are written in the reader's digits.

`gettext`, `ngettext` and `lazy_gettext` here take the same arguments as Flask-Babel's and
return the same text, except that a number interpolated into the sentence (an `int`,
`float` or `Decimal` variable, e.g. `ngettext("%(num)d invoice", "%(num)d invoices", n)`) is
written in the digits of the reader's locale (app.core.formatting.reader_locale: 'ar_EG'
writes "٣ فواتير", plain 'ar' and 'fr' "3 ..."). The plural form is still chosen by the
number itself. Only numbers are rewritten: a string variable (an invoice number "INV-0042",
a person's name, a number already formatted by app.core.formatting) is left as it is.

A conversion keeps its meaning: `%(x)d` is the integer, `%(x).1f` one decimal (with the
locale's decimal separator, '٫' in ar_EG), `%(x)5d` keeps its width. A locale that writes
Latin digits takes the fast path: exactly Flask-Babel's result.

Pages use them too: `install_jinja_gettext(app)` replaces the `_`, `gettext` and `ngettext`
globals Flask-Babel gives Jinja (newstyle: the translated text is Markup when autoescaping,
its variables are escaped), so `{{ ngettext(...) }}` and `{% trans count=n %}` blocks write
the reader's digits. `flask_babel.force_locale` is followed: an email rendered under
`force_locale("ar_EG")` writes Arabic-Indic digits.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from flask import Flask
from flask_babel import get_translations
from flask_babel.speaklater import LazyString
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from app.core.formatting import babel_locale, localise_digits, numbering_system, reader_locale

__all__ = ["_", "gettext", "install_jinja_gettext", "lazy_gettext", "lazy_ngettext", "ngettext"]

# One printf conversion: '%%', or '%(name)' with its flags, width, precision and type.
_CONVERSION = re.compile(
    r"%(?:%|\((?P<key>[^)]*)\)(?P<spec>[#0\- +]*(?:\d+)?(?:\.\d+)?[hlL]?)(?P<type>[a-zA-Z]))"
)
# The conversions that write a number in decimal digits (hex, octal, %r, %c are left alone).
_DECIMAL_TYPES = frozenset("diufFeEgGs")
_FLOAT_TYPES = frozenset("fFeEgG")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _signs(locale: str) -> tuple[str, str]:
    """The decimal separator and minus sign of `locale`'s numbering system."""
    symbols = babel_locale(locale).number_symbols.get(numbering_system(locale)) or {}
    return symbols.get("decimal", "."), symbols.get("minusSign", "-")


def _written(value: Any, spec: str, kind: str, locale: str) -> str:
    """`value` as `%<spec><kind>` writes it, in `locale`'s digits and signs."""
    text = ("%" + spec + kind) % value
    decimal, minus = _signs(locale)
    if kind in _FLOAT_TYPES or (kind == "s" and not isinstance(value, int)):
        text = text.replace(".", decimal)
    if "-" in text:
        text = text.replace("-", minus)
    return localise_digits(text, locale)


def interpolate(message: str, variables: dict[str, Any]) -> str:
    """`message % variables`, numbers written in the reader's digits (see the module).
    `message` may be Markup: the variables are then escaped, as `Markup % ...` does."""
    if not any(map(_is_number, variables.values())):
        return message % variables  # nothing to rewrite: no need to know the reader
    locale = reader_locale()
    if numbering_system(locale) == "latn":
        return message % variables
    pieces: list[str] = []
    values = dict(variables)
    end = 0
    for match in _CONVERSION.finditer(message):
        key, kind = match["key"], match["type"]
        if key is None or kind not in _DECIMAL_TYPES or not _is_number(variables.get(key)):
            continue
        written_key = f"{key}\x1f{match['spec']}{kind}"
        values[written_key] = _written(variables[key], match["spec"], kind, locale)
        pieces += [message[end : match.start()], f"%({written_key})s"]
        end = match.end()
    if not end:
        return message % variables
    pieces.append(message[end:])
    rewritten = "".join(pieces)
    # The translated text was Markup already: only the conversions changed.
    safe = Markup(rewritten) if isinstance(message, Markup) else rewritten  # noqa: S704
    return safe % values


def gettext(string: str, /, **variables: Any) -> str:
    """Flask-Babel's `gettext`, numbers in the reader's digits."""
    text = get_translations().ugettext(string)
    return interpolate(text, variables) if variables else text


_ = gettext


def ngettext(singular: str, plural: str, /, num: int | float, **variables: Any) -> str:
    """Flask-Babel's `ngettext` (the form chosen by `num`, `%(num)d` in the text), numbers in
    the reader's digits."""
    variables.setdefault("num", num)
    text = get_translations().ungettext(singular, plural, num)
    return interpolate(text, variables)


def lazy_gettext(string: str, /, **variables: Any) -> LazyString:
    """`gettext` when the text is used (Flask-Babel's lazy string, in that moment's locale)."""
    return LazyString(gettext, string, **variables)


def lazy_ngettext(singular: str, plural: str, /, num: int | float, **variables: Any) -> LazyString:
    return LazyString(ngettext, singular, plural, num, **variables)


# --- Jinja ------------------------------------------------------------------------------------


@pass_context
def _jinja_gettext(context: Context, string: str, /, **variables: Any) -> str:
    text = get_translations().ugettext(string)
    if context.eval_ctx.autoescape:
        text = Markup(text)  # noqa: S704 - the catalogue's text, as Jinja's newstyle gettext
    return interpolate(text, variables)  # always a format string, as Jinja's newstyle


@pass_context
def _jinja_ngettext(
    context: Context, singular: str, plural: str, num: int, /, **variables: Any
) -> str:
    variables.setdefault("num", num)
    text = get_translations().ungettext(singular, plural, num)
    if context.eval_ctx.autoescape:
        text = Markup(text)  # noqa: S704 - the catalogue's text, as Jinja's newstyle gettext
    return interpolate(text, variables)


def install_jinja_gettext(app: Flask) -> None:
    """Templates' `_`, `gettext`, `ngettext` and `{% trans %}` write the reader's digits
    (after Flask-Babel's `init_app`, which installs its own)."""
    app.jinja_env.globals.update(_=_jinja_gettext, gettext=_jinja_gettext, ngettext=_jinja_ngettext)
