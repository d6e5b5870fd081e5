"""The edit-form page the client, contract, contact and package views share.

GET shows the form with the stored values; POST loads the form with the schema, saves,
commits, flashes and redirects; bad input shows the form again with the messages naming
the fields (422) and nothing changed (the session is rolled back).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import flash, redirect, render_template, request
from flask.typing import ResponseReturnValue
from marshmallow import Schema

from app.core.errors import ValidationFailed
from app.core.schemas import load_form
from app.core.uow import commit
from app.extensions import db


def form_page(
    template: str,
    schema: Schema,
    values: dict[str, Any],
    save: Callable[[dict], Any],
    done: Callable[[Any], tuple[str, str]],
    *,
    context: Callable[[], dict[str, Any]] | None = None,
    checkboxes: Iterable[str] = (),
) -> ResponseReturnValue:
    """The page of one form. `save(data)` runs the service (flushes, never commits);
    `done(saved)` gives the success message and the URL to go to; `context()` the
    template's other values (called only when the form is shown); `checkboxes` are
    echoed back as ticked or not when the form is shown again."""
    errors: dict = {}
    if request.method == "POST":
        values = request.form.to_dict()
        for name in checkboxes:
            values[name] = name in request.form
        try:
            saved = save(load_form(schema, request.form))
            commit()
            message, url = done(saved)
            flash(message, "success")
            return redirect(url)
        except ValidationFailed as exc:
            db.session.rollback()
            errors = exc.errors
    extra = context() if context else {}
    return render_template(template, values=values, errors=errors, **extra), (
        422 if errors else 200
    )
