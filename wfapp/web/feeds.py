"""The private iCal feed (no login: the signed token is the key) and the page where a user
gets, renews or revokes its URL."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, abort, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from wfapp.services import feeds
from wfapp.workflows.plan import STATE_LABELS

bp = Blueprint("feeds", __name__)


class FeedForm(FlaskForm):
    pass


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.get("/ical/<token>.ics")
def ics(token: str):
    user = feeds.user_for_token(token)
    if user is None:
        abort(404)
    response = Response(feeds.ics(user), mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="wfapp.ics"'
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@bp.get("/me/calendar-feed")
@login_required
def settings():
    token = feeds.feed_token(current_user)
    return render_template(
        "calendar/feed.html",
        url=feeds.feed_url(token) if token else None,
        deadlines=feeds.deadlines_for(current_user),
        form=FeedForm(),
        labels=STATE_LABELS,
    )


@bp.post("/me/calendar-feed/rotate")
@login_required
def rotate():
    if FeedForm().validate_on_submit():
        feeds.rotate(current_user)
    return redirect(url_for("feeds.settings"))


@bp.post("/me/calendar-feed/revoke")
@login_required
def revoke():
    if FeedForm().validate_on_submit():
        feeds.revoke(current_user)
    return redirect(url_for("feeds.settings"))
