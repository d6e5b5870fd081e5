"""Reminder templates: owners write Jinja, but only the documented variables, `if`, `~`
and a few string filters get through; injection attempts are refused on save, and
whatever a value holds reaches the email as text."""

from __future__ import annotations

import pytest

from app.reminders.messages import (
    FILTERS,
    VARIABLES,
    check_template,
    environment,
    render_reminder,
    sample_values,
)
from app.reminders.schemas import StepIn
from app.reminders.services import DEFAULT_LADDER

pytestmark = pytest.mark.no_db

ATTACKS = [
    ("{{ ''.__class__.__mro__ }}", "Attributes"),
    ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "Attributes"),
    ("{{ client_name.__class__ }}", "Attributes"),
    ("{{ client_name['__class__'] }}", "Items"),
    ("{% import os %}", "expected token"),
    ("{% import 'os' as os %}", "Imports"),
    ("{% from 'os' import system %}", "Imports"),
    ("{% include '/etc/passwd' %}", "Includes"),
    ("{% extends 'base.html' %}", "Extending templates"),
    ("{{ self }}", "unknown variable 'self'"),
    ("{{ config }}", "unknown variable 'config'"),
    ("{{ request }}", "unknown variable 'request'"),
    ("{{ cycler.__init__.__globals__ }}", "Attributes"),
    ("{{ lipsum() }}", "Function calls"),
    ("{{ range(100000) }}", "Function calls"),
    ("{% for i in range(10) %}x{% endfor %}", "Loops"),
    ("{% set x = 1 %}", "Setting variables"),
    ("{% macro m() %}x{% endmacro %}", "Macros"),
    ("{{ 'a' * 100000000 }}", "Arithmetic"),
    ("{{ 9 ** 999999 }}", "Arithmetic"),
    ("{{ client_name|attr('__class__') }}", "filter 'attr'"),
    ("{{ client_name|format('%s') }}", "filter 'format'"),
    ("{{ [1, 2] }}", "Lists"),
    ("{{ client_name is defined }}", "Tests"),
    ("{{ client_name", "unexpected end of template"),
    ("{% if days_overdue > 0 %}late", "Unexpected end of template"),
]


@pytest.mark.parametrize(("source", "message"), ATTACKS, ids=[a[0] for a in ATTACKS])
def test_injection_attempts_and_mistakes_are_refused_naming_the_problem(source, message):
    problems = check_template(source)
    assert problems, f"{source!r} was accepted"
    assert any(message.lower() in p.lower() for p in problems), problems
    assert all(p.startswith("Line ") or p.startswith("Not allowed") for p in problems)


def test_the_schema_refuses_them_naming_the_field():
    errors = StepIn().validate(
        {
            "offset_days": 7,
            "subject_template": "Invoice {{ invoice_number }} {{ unknown_thing }}",
            "body_template": "{{ ''.__class__.__mro__ }}",
        }
    )
    assert "unknown variable 'unknown_thing'" in " ".join(errors["subject_template"])
    assert "Attributes" in " ".join(errors["body_template"])
    assert set(errors) == {"subject_template", "body_template"}


def test_documented_variables_conditions_and_filters_are_accepted():
    source = (
        "Hello {{ client_name|title }}, {{ invoice_number }} for {{ amount_due }} "
        "{% if days_overdue > 0 %}is {{ days_overdue }} days late{% elif days_until_due %}"
        "is due in {{ days_until_due }} days{% else %}is due today{% endif %}. "
        "{{ invoice_link }} {{ due_date|default('soon') }} {{ agency_name ~ '!' }}"
        "{{ client_name|upper|lower|capitalize|trim }} {{ -1 }}"
    )
    assert check_template(source) == []
    out = render_reminder("Re: {{ invoice_number }}", source, sample_values())
    assert "Hello Harbour Bakery, INV-2026-00042 for $1,250.00 is 7 days late." in out.text
    assert out.subject == "Re: INV-2026-00042"


def test_the_default_ladder_passes_its_own_checks():
    for _offset, subject, body in DEFAULT_LADDER:
        assert check_template(subject) == []
        assert check_template(body) == []


def test_values_are_text_in_the_html_part_and_so_is_the_template():
    values = sample_values()
    values["client_name"] = '<script>alert("x")</script> & Co'
    out = render_reminder(
        "{{ client_name }}\r\nBcc: victim@example.test",
        "Dear {{ client_name }},\n<b>pay</b> {{ amount_due }}",
        values,
    )
    assert "<script>" not in out.html and "<b>" not in out.html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co" in out.html
    assert "&lt;b&gt;pay&lt;/b&gt;" in out.html
    assert "<br>" in out.html  # line breaks kept
    # The plain-text part is text: no escaping needed, none done.
    assert out.text.startswith('Dear <script>alert("x")</script> & Co,\n<b>pay</b>')
    # The subject is one line: no header can be smuggled in.
    assert "\n" not in out.subject and "\r" not in out.subject


def test_an_attribute_access_that_slipped_into_the_database_still_cannot_run():
    """Templates are checked on save; one written straight into the database is refused
    at render time too, and the sandbox would stop it anyway."""
    with pytest.raises(ValueError):
        render_reminder("x", "{{ ''.__class__.__mro__ }}", sample_values())
    env = environment(False)
    from jinja2.sandbox import SecurityError

    with pytest.raises(SecurityError):
        env.from_string("{{ ''.__class__.__mro__ }}").render()
    assert env.globals == {}
    assert set(env.filters) == set(FILTERS)


def test_every_variable_is_documented_with_an_example():
    for name, (description, example) in VARIABLES.items():
        assert description and example is not None, name
