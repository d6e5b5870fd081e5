"""Reminder email templates: owner-written Jinja, rendered in a locked-down sandbox.

Owners edit each step's subject and body. Those templates run in Jinja's
`ImmutableSandboxedEnvironment` with no globals, no tests and a handful of string filters,
and are checked on save against a whitelist of template constructs: the documented
variables (`VARIABLES`), literals, `{% if %}` / `{% elif %}` / `{% else %}`, comparisons,
`and` / `or` / `not`, `~` (joining text) and the filters in `FILTERS`. Attribute or item
access, calls, loops, imports, includes, macros and assignments are refused with a message
naming the line, and so is any variable that is not documented. A template that passes is
also rendered once with sample values, so a runtime error shows up beside the field, not
in a worker.

Three renderings of one template:
- the subject and the plain-text body: autoescape off (it is text, not HTML);
- the HTML body: autoescape on, and the owner's literal text is escaped too (it is text as
  well), so neither a client's name nor the template itself can put markup in the email.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from jinja2.visitor import NodeTransformer
from markupsafe import Markup

from app.core.catalogues import N_
from app.core.translation import gettext as _

# The documented variables: name -> (what it holds, a sample value for previews).
VARIABLES: dict[str, tuple[str, Any]] = {
    "client_name": ("The client's name", "Harbour Bakery"),
    "invoice_number": ("The invoice number", "INV-2026-00042"),
    "amount_due": ("The balance still due, formatted in the client's locale", "$1,250.00"),
    "due_date": ("The due date, written in the client's locale", "November 30, 2026"),
    "days_overdue": ("Whole days past the due date (0 before it)", 7),
    "days_until_due": ("Whole days until the due date (0 on or after it)", 0),
    "invoice_link": ("A link to the invoice", "https://baton.example/northwind/invoices/42"),
    "agency_name": ("Your agency's name", "Northwind Assist"),
}
FILTERS = ("upper", "lower", "title", "capitalize", "trim", "default", "d")
SUBJECT_MAX = 200
BODY_MAX = 10_000

# Template constructs that cannot reach anything beyond the variables.
_ALLOWED_NODES: tuple[type[nodes.Node], ...] = (
    nodes.Template,
    nodes.Output,
    nodes.TemplateData,
    nodes.Name,
    nodes.Const,
    nodes.If,
    nodes.CondExpr,
    nodes.Not,
    nodes.Neg,
    nodes.Pos,
    nodes.And,
    nodes.Or,
    nodes.Compare,
    nodes.Operand,
    nodes.Filter,
    nodes.Concat,
)
_REFUSED_NAMES: dict[type[nodes.Node], str] = {
    nodes.Getattr: N_("Attributes (a dot after a value)"),
    nodes.Getitem: N_("Items (square brackets)"),
    nodes.Call: N_("Function calls"),
    nodes.For: N_("Loops"),
    nodes.Import: N_("Imports"),
    nodes.FromImport: N_("Imports"),
    nodes.Include: N_("Includes"),
    nodes.Extends: N_("Extending templates"),
    nodes.Macro: N_("Macros"),
    nodes.CallBlock: N_("Macros"),
    nodes.Assign: N_("Setting variables"),
    nodes.AssignBlock: N_("Setting variables"),
    nodes.Block: N_("Blocks"),
    nodes.With: N_("With blocks"),
    nodes.FilterBlock: "Filter blocks",
    nodes.Test: "Tests (is ...)",
    nodes.Keyword: "Keyword arguments",
    nodes.Add: "Arithmetic",
    nodes.Sub: "Arithmetic",
    nodes.Mul: "Arithmetic",
    nodes.Div: "Arithmetic",
    nodes.FloorDiv: "Arithmetic",
    nodes.Mod: "Arithmetic",
    nodes.Pow: "Arithmetic",
    nodes.List: "Lists",
    nodes.Tuple: "Lists",
    nodes.Dict: "Dictionaries",
}


class TemplateProblem(ValueError):
    """A template that may not be saved; the message is shown beside its field."""


def _finalize(value: Any) -> Any:
    return "" if value is None else value


@functools.cache
def environment(html: bool) -> ImmutableSandboxedEnvironment:
    """The sandbox for reminder templates (one for text, one autoescaping for HTML)."""
    env = ImmutableSandboxedEnvironment(
        autoescape=html,
        undefined=StrictUndefined,
        finalize=_finalize,
        keep_trailing_newline=False,
    )
    env.globals.clear()  # no range, lipsum, dict, cycler, joiner, namespace
    env.tests.clear()
    env.filters = {name: env.filters[name] for name in FILTERS}
    return env


class _LiteralTextAsText(NodeTransformer):
    """Turn the template's literal text into constants, which autoescape escapes too."""

    def visit_TemplateData(self, node: nodes.TemplateData) -> nodes.Const:  # noqa: N802
        return nodes.Const(node.data, lineno=node.lineno)


def _on_line(lineno: int | None, message: str) -> str:
    """A problem with the line it is on, when the template says which."""
    if not lineno:
        return message
    return _("Line %(line)s: %(problem)s", line=lineno, problem=message)


def _problems(tree: nodes.Template) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()

    def add(message: str) -> None:
        if message not in seen:
            seen.add(message)
            out.append(message)

    for node in tree.find_all(nodes.Node):
        lineno = getattr(node, "lineno", None)
        if isinstance(node, nodes.Name):
            if node.ctx != "load" or node.name not in VARIABLES:
                add(
                    _on_line(
                        lineno,
                        _(
                            "unknown variable '%(name)s'. Use one of: %(names)s.",
                            name=node.name,
                            names=", ".join(VARIABLES),
                        ),
                    )
                )
        elif isinstance(node, nodes.Filter):
            if node.name not in FILTERS:
                add(
                    _on_line(
                        lineno,
                        _(
                            "the filter '%(name)s' is not available (%(names)s).",
                            name=node.name,
                            names=", ".join(FILTERS),
                        ),
                    )
                )
        elif not isinstance(node, _ALLOWED_NODES):
            refused = _REFUSED_NAMES.get(type(node))
            what = _(refused) if refused else f"'{type(node).__name__}'"
            add(_on_line(lineno, _("%(what)s can't be used in reminder templates.", what=what)))
    return out


def check_template(source: str) -> list[str]:
    """Problems with one template (empty when it may be saved): syntax errors with their
    line, constructs outside the whitelist, unknown variables, runtime errors with the
    sample values."""
    env = environment(False)
    try:
        tree = env.parse(source)
    except TemplateSyntaxError as exc:
        return [_on_line(exc.lineno, exc.message or "")]
    problems = _problems(tree)
    if problems:
        return problems
    samples = sample_values()
    for html in (False, True):
        try:
            _compiled(source, html).render(samples)
        except SecurityError as exc:
            return [_("Not allowed: %(reason)s", reason=str(exc))]
        except Exception as exc:  # noqa: BLE001 - any failure is a message beside the field
            return [_("This template fails when rendered: %(reason)s", reason=str(exc))]
    return []


def check_step_templates(subject: str | None, body: str | None) -> dict[str, list[str]]:
    """Errors by field name for a step's templates (only the ones given)."""
    errors: dict[str, list[str]] = {}
    for field, source in (("subject_template", subject), ("body_template", body)):
        if source is None:
            continue
        problems = check_template(source)
        if problems:
            errors[field] = problems
    return errors


@functools.lru_cache(maxsize=512)
def _compiled(source: str, html: bool):
    env = environment(html)
    tree = env.parse(source)
    problems = _problems(tree)
    if problems:
        # Templates are checked on save; one that is not (edited in the database) never runs.
        raise TemplateProblem(" ".join(problems))
    if html:
        tree = _LiteralTextAsText().visit(tree)
    return env.from_string(tree)


def sample_values() -> dict[str, Any]:
    """Values for previews and for the check on save."""
    return {name: sample for name, (_, sample) in VARIABLES.items()}


@dataclass(frozen=True)
class RenderedReminder:
    subject: str
    text: str
    html: Markup


def render_reminder(subject_template: str, body_template: str, values: dict) -> RenderedReminder:
    """Render a step for one invoice. `values` holds every name in `VARIABLES`."""
    missing = set(VARIABLES) - set(values)
    if missing:
        raise ValueError(f"missing reminder values: {sorted(missing)}")
    plain = {k: values[k] for k in VARIABLES}
    subject = " ".join(_compiled(subject_template, False).render(plain).split())[:255]
    text = _compiled(body_template, False).render(plain).strip()
    # The HTML rendering escaped every value and every piece of literal text already.
    html_body = Markup(_compiled(body_template, True).render(plain)).strip()  # noqa: S704
    html = Markup("<br>\n").join(html_body.split("\n"))
    return RenderedReminder(subject=subject or "Payment reminder", text=text, html=html)


def describe_variables() -> list[dict[str, str]]:
    """The documented variables for the settings page and the API."""
    return [
        {"name": name, "description": description, "example": str(sample)}
        for name, (description, sample) in VARIABLES.items()
    ]


def format_due_date(day: dt.date, locale: str) -> str:
    """The due date as the client reads it, e.g. 'November 30, 2026' or '30. November 2026'
    (in the client's digits: '٣٠ نوفمبر ٢٠٢٦' for ar_EG)."""
    from app.core.formatting import format_long_date

    return format_long_date(day, locale or "en")
