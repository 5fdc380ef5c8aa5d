"""Pages for people (Chinese). Blueprints register here; errors render as Chinese pages."""

from __future__ import annotations

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException

from wfapp.extensions import login_manager
from wfapp.services.auth import load_session_user
from wfapp.services.errors import ServiceError
from wfapp.timeutil import fmt_local

ERROR_TITLES = {
    400: "请求无效",
    401: "请先登录",
    403: "无权访问",
    404: "页面不存在",
    405: "不支持的操作",
    409: "操作冲突",
    413: "文件过大",
    422: "数据校验未通过",
    429: "操作过于频繁",
    500: "服务器内部错误",
}


def init_app(app: Flask) -> None:
    from wfapp.web import (
        admin_outbox,
        calendar,
        change_requests,
        evaluation,
        evidence,
        external,
        feeds,
        notices,
        progress,
        self_assessment,
        year,
    )

    login_manager.user_loader(load_session_user)
    login_manager.login_message = "请先登录"
    app.add_template_filter(fmt_local, "local_time")
    for blueprint_module in (notices, admin_outbox, calendar, feeds):
        blueprint_module.init_app(app)
    # The year's work: each feature its own blueprint.
    for module in (
        year,
        progress,
        evidence,
        change_requests,
        self_assessment,
        evaluation,
        external,
    ):
        app.register_blueprint(module.bp)

    @app.get("/")
    def index():
        return render_template("index.html")


def render_service_error(exc: ServiceError):
    return _render(exc.status, exc.message, [p.message for p in exc.problems])


def render_http_error(exc: HTTPException):
    code = exc.code or 500
    return _render(code, ERROR_TITLES.get(code, exc.name), [])


def _render(code: int, message: str, details: list[str]):
    title = ERROR_TITLES.get(code, "出错了")
    return (
        render_template(
            "errors/error.html", code=code, title=title, message=message, details=details
        ),
        code,
    )
