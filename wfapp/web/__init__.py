"""Pages for people (Chinese). Blueprints by actor or feature register here; templates get
the helpers every page uses; errors render as Chinese pages."""

from __future__ import annotations

from flask import Flask, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from wfapp.extensions import login_manager
from wfapp.permissions import authorize
from wfapp.services.auth import load_session_user
from wfapp.services.errors import ServiceError
from wfapp.services.layout import fmt_points
from wfapp.services.terms import TERMS
from wfapp.timeutil import fmt_local
from wfapp.workflows.plan import ACTION_LABELS, STATE_LABELS
from wfapp.workflows.rectification import EVENT_LABELS as RECTIFICATION_EVENT_LABELS

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
# What each kind of error means for the person who met it.
ERROR_HINTS = {
    400: "请求缺少必要的内容，或页面已失效（例如表单令牌过期）。请返回上一页刷新后重试。",
    403: "您没有执行此操作的权限。如需开通，请联系本单位绩效联络员或绩效办。",
    404: "您要找的页面不存在，或您无权查看。",
    409: "在您打开页面之后，其他人已处理了此事项（或方案已进入下一环节），您的操作没有执行。",
    413: "上传的文件超过大小限制。",
    500: "服务器处理请求时出错，已记录日志。请稍后重试；如问题持续，请联系系统管理员。",
}
# Audit events that are not workflow actions, as the history shows them.
EVENT_LABELS = {
    **ACTION_LABELS,
    "edit_indicators": "修改考评表",
    "assign_peers": "调整互审单位",
    "publish_results": "公布考评结果",
    **RECTIFICATION_EVENT_LABELS,
}


def init_app(app: Flask) -> None:
    from wfapp.web import (
        admin_outbox,
        auth,
        calendar,
        change_requests,
        dashboard,
        evaluation,
        evidence,
        external,
        feeds,
        history,
        inbox,
        notices,
        office,
        paging,
        plans,
        portal,
        progress,
        rectification,
        results,
        security,
        self_assessment,
        year,
    )

    security.init_app(app)
    login_manager.user_loader(load_session_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录"
    login_manager.login_message_category = "info"

    for bp in (auth.bp, inbox.bp, plans.bp, office.bp, portal.bp):
        app.register_blueprint(bp)
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
        rectification,
        results,
        history,
        dashboard,
    ):
        app.register_blueprint(module.bp)

    app.jinja_env.globals.update(
        authorize=authorize,
        STATE_LABELS=STATE_LABELS,
        ACTION_LABELS=ACTION_LABELS,
        EVENT_LABELS=EVENT_LABELS,
        inbox_count=inbox.count_for_nav,
        nav_programs=office.nav_programs,
        page_url=paging.page_url,
        TERMS=TERMS,
        page_window=paging.window,
    )
    app.jinja_env.filters["local"] = fmt_local
    app.jinja_env.filters["local_time"] = fmt_local
    app.jinja_env.filters["points"] = fmt_points

    @app.get("/")
    def index():
        if current_user.is_authenticated:
            return redirect(url_for("inbox.index"))
        return render_template("index.html")


def render_service_error(exc: ServiceError):
    return _render(exc.status, exc.message, [p.message for p in exc.problems])


def render_http_error(exc: HTTPException):
    code = exc.code or 500
    message = exc.description if code == 400 and "CSRF" in (exc.description or "") else ""
    if message:
        message = "表单已失效（缺少或过期的安全令牌），请刷新页面后重新提交。"
    return _render(code, message or ERROR_TITLES.get(code, exc.name), [])


def _render(code: int, message: str, details: list[str]):
    title = ERROR_TITLES.get(code, "出错了")
    return (
        render_template(
            "errors/error.html",
            code=code,
            title=title,
            message=message,
            details=[d for d in details if d != message],
            hint=ERROR_HINTS.get(code, ""),
        ),
        code,
    )
