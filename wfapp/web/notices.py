"""The user's notice list (消息) with the unread count, and marking notices read."""

from __future__ import annotations

from flask import Blueprint, Flask, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

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


@bp.get("/notices")
@login_required
def index():
    items = notices.list_notices(current_user)
    return render_template(
        "notices/index.html",
        items=items,
        unread=notices.unread_count(current_user),
        form=MarkReadForm(),
    )


@bp.post("/notices/<int:notice_id>/read")
@login_required
def mark_read(notice_id: int):
    if MarkReadForm().validate_on_submit():
        notices.mark_read(current_user, notice_id)
    return redirect(url_for("notices.index"))


@bp.post("/notices/read-all")
@login_required
def mark_all_read():
    if MarkReadForm().validate_on_submit():
        notices.mark_all_read(current_user)
    return redirect(url_for("notices.index"))
