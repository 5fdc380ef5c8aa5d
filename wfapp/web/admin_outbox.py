"""The outbox for admins: messages by status, each readable, dead ones with their error."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from wfapp.database import db
from wfapp.models import OutboxMessage, OutboxStatus, Program
from wfapp.permissions import VIEW_OUTBOX, authorize
from wfapp.services import mail

bp = Blueprint("admin_outbox", __name__, url_prefix="/admin/outbox")

STATUS_LABELS = {
    OutboxStatus.PENDING: "待发送",
    OutboxStatus.SENDING: "发送中",
    OutboxStatus.SENT: "已发送",
    OutboxStatus.DEAD: "发送失败",
}


class RetryForm(FlaskForm):
    pass


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


def _programs() -> set[int]:
    """The programs whose mail the user administers; 403 when none."""
    ids = {
        p.id
        for p in db.session.scalars(db.select(Program))
        if authorize(current_user, VIEW_OUTBOX, p)
    }
    if not ids:
        abort(403)
    return ids


@bp.get("")
@login_required
def index():
    programs = _programs()
    status = request.args.get("status") or None
    if status not in (None, *STATUS_LABELS):
        status = None
    return render_template(
        "admin/outbox.html",
        items=mail.list_messages(programs, status),
        counts=mail.counts(programs),
        status=status,
        labels=STATUS_LABELS,
        smtp_configured=bool(mail.SmtpSettings.from_config().host),
    )


@bp.get("/<int:message_id>")
@login_required
def show(message_id: int):
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.program_id not in _programs():
        abort(404)
    return render_template(
        "admin/outbox_message.html", m=message, labels=STATUS_LABELS, form=RetryForm()
    )


@bp.post("/<int:message_id>/retry")
@login_required
def retry(message_id: int):
    if RetryForm().validate_on_submit():
        mail.retry_dead(message_id, _programs())
    return redirect(url_for("admin_outbox.show", message_id=message_id))
