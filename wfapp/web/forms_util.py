"""Putting a service's problems next to the form fields they name."""

from __future__ import annotations

from flask_wtf import FlaskForm

from wfapp.services.errors import ServiceError


def apply_problems(
    form: FlaskForm, exc: ServiceError, aliases: dict[str, str] | None = None
) -> None:
    """Each problem goes to the field of its code (or alias); the rest to the form itself."""
    for problem in exc.problems or []:
        name = (aliases or {}).get(problem.code, problem.code)
        field = form._fields.get(name)
        if field is not None:
            field.errors = [*field.errors, problem.message]
        else:
            form.form_errors.append(problem.message)
    if not exc.problems:
        form.form_errors.append(exc.message)
