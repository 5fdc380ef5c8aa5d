"""What the year's page blueprints share: errors by field, the current user, plan lookups."""

from __future__ import annotations

from collections import defaultdict

from flask import flash, render_template
from flask_login import current_user

from wfapp.models import User
from wfapp.services.errors import ServiceError
from wfapp.services.evidence import Upload


def me() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def errors_by_field(exc: ServiceError) -> dict[str, list[str]]:
    """Problems keyed by the field or row code they belong to, for messages next to them."""
    out: dict[str, list[str]] = defaultdict(list)
    for p in exc.problems or []:
        out[p.code].append(p.message)
    return dict(out)


def render_invalid(template: str, exc: ServiceError, **context):
    """Re-render the page with the service's problems next to the fields (422)."""
    flash(exc.message, "error")
    return render_template(template, errors=errors_by_field(exc), **context), exc.status


def upload_of(field) -> Upload | None:
    """The uploaded file of a FileField, or None when nothing was chosen."""
    data = field.data
    if data is None or not getattr(data, "filename", None):
        return None
    return Upload(data.filename, data.stream)


def version_of(form) -> int | None:
    raw = (form.version.data or "").strip()
    return int(raw) if raw.isdigit() else None
