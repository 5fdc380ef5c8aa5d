"""The user's notice list (消息) with the unread count, and marking notices read."""

from __future__ import annotations

from flask import Blueprint, Flask, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from wfapp.models.notice import NOTICE_KINDS
from wfapp.services import notices

bp = Blueprint("notices", __name__)


class MarkReadForm(FlaskForm):
    """A CSRF-protected button; nothing else to fill in."""


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.context_processor
    def _unread_notice_count():
        # A function, so pages that do not show the count do not query it.
        return {"unread_notice_count": lambda: notices.unread_count(current_user)}


def _filters() -> dict[str, str]:
    """The list's filters from the query string: ?unread=1 and ?kind=<one of NOTICE_KINDS>;
    anything else is ignored."""
    out = {}
    if request.args.get("unread") == "1":
        out["unread"] = "1"
    if request.args.get("kind") in NOTICE_KINDS:
        out["kind"] = request.args["kind"]
    return out


@bp.get("/notices")
@login_required
def index():
    filters = _filters()
    items = notices.list_notices(
        current_user, unread_only="unread" in filters, kind=filters.get("kind")
    )
    return render_template(
        "notices/index.html",
        items=items,
        unread=notices.unread_count(current_user),
        by_kind=notices.unread_by_kind(current_user),
        kinds=NOTICE_KINDS,
        filters=filters,
        form=MarkReadForm(),
    )


@bp.post("/notices/<int:notice_id>/read")
@login_required
def mark_read(notice_id: int):
    if MarkReadForm().validate_on_submit():
        notices.mark_read(current_user, notice_id)
    return redirect(url_for("notices.index", **_filters()))


@bp.post("/notices/read-all")
@login_required
def mark_all_read():
    if MarkReadForm().validate_on_submit():
        notices.mark_all_read(current_user)
    return redirect(url_for("notices.index", **_filters()))
