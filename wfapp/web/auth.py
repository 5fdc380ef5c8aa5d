"""Login and logout. wfapp.services.directory decides between the local password and the
directory; throttling lives in wfapp.services.auth (DB-backed, per username and per
address); messages never reveal whether a username exists."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from wfapp.extensions import login_ceiling
from wfapp.services import auth, directory
from wfapp.services.errors import Invalid, ServiceError
from wfapp.web.forms import LoginForm, PasswordChangeForm, PostForm

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("inbox.index")


@bp.route("/login", methods=["GET", "POST"])
@login_ceiling
def login():
    if current_user.is_authenticated:
        return redirect(url_for("inbox.index"))
    form = LoginForm()
    status, retry_after = 200, None
    if form.validate_on_submit():
        try:
            user = directory.authenticate(
                form.username.data, form.password.data, request.remote_addr
            )
        except ServiceError as exc:  # wrong password, throttled, disabled, directory down
            form.form_errors.append(exc.message)
            status = exc.status
            retry_after = getattr(exc, "retry_after", None)
        else:
            login_user(user)
            flash(f"欢迎，{user.display_name}", "success")
            return redirect(_safe_next(request.args.get("next")))
    elif form.is_submitted():
        status = 422
    response = make_response(render_template("auth/login.html", form=form), status)
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


@bp.post("/logout")
@login_required
def logout():
    form = PostForm()
    if form.validate_on_submit():
        auth.end_sessions(current_user)  # a copied cookie of this session stops working too
        logout_user()
        flash("您已安全退出", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = auth.change_password(
                current_user,
                form.current.data,
                form.new.data,
                form.confirm.data,
                request.remote_addr or "",
            )
        except Invalid as exc:
            for problem in exc.problems:
                getattr(form, problem.code).errors.append(problem.message)
            status = exc.status
        else:
            login_user(user)  # this browser goes on under the new session token
            flash("密码已修改；其他设备上的登录和访问令牌均已失效", "success")
            return redirect(url_for("inbox.index"))
    elif form.is_submitted():
        status = 422
    return render_template("auth/password.html", form=form), status
