"""我的待办: what waits for the signed-in user, most urgent first."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from wfapp.services import inbox
from wfapp.web.cache import per_request

bp = Blueprint("inbox", __name__)


def count_for_nav() -> int:
    """The count in the navigation, computed once per request and only when shown."""
    if not current_user.is_authenticated:
        return 0
    return per_request("inbox_count", lambda: inbox.count(current_user))


@bp.get("/inbox")
@login_required
def index():
    items = inbox.items(current_user)
    request.environ.setdefault("wfapp.cache", {})["inbox_count"] = len(items)
    return render_template("inbox/index.html", items=items)
