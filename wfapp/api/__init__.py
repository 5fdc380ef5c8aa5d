"""The JSON API under /api/v1: bearer tokens, pydantic bodies, errors as JSON."""

from __future__ import annotations

from flask import Flask, jsonify, make_response, request
from werkzeug.exceptions import HTTPException

from wfapp.api import dashboard as _dashboard  # noqa: F401  (routes on bp)
from wfapp.api import history as _history  # noqa: F401  (routes on bp)
from wfapp.api import rectification as _rectification  # noqa: F401  (routes on bp)
from wfapp.api import reminders as _reminder_routes  # noqa: F401  (routes on bp)
from wfapp.api import results as _results  # noqa: F401  (registers the results' routes on bp)
from wfapp.api import year as _year  # noqa: F401  (registers the year's routes on bp)
from wfapp.api.routes import bp
from wfapp.extensions import csrf
from wfapp.services.errors import ServiceError

_STATUS_MESSAGES = {
    400: "请求格式错误",
    401: "需要登录",
    403: "无权执行此操作",
    404: "未找到",
    405: "不支持此方法",
    409: "页面已过期，请刷新后重试",
    413: "请求体过大",
    415: "请求体必须是 JSON",
    422: "数据校验未通过",
    429: "请求过于频繁",
    500: "服务器内部错误",
}


def init_app(app: Flask) -> None:
    csrf.exempt(bp)  # bearer tokens only; no cookie, so nothing to forge
    app.register_blueprint(bp)

    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError):
        if request.path.startswith("/api/"):
            response = make_response(jsonify(exc.as_dict()), exc.status)
        else:
            from wfapp.web import render_service_error

            response = make_response(render_service_error(exc))
        retry_after = getattr(exc, "retry_after", None)  # Throttled: the delay's remainder
        if retry_after:
            response.headers["Retry-After"] = str(retry_after)
        return response

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if request.path.startswith("/api/"):
            code = exc.code or 500
            message = _STATUS_MESSAGES.get(code, exc.name)
            body = {"message": message, "errors": [{"code": "http", "message": message}]}
            response = make_response(jsonify(body), code)
        else:
            from wfapp.web import render_http_error

            response = make_response(render_http_error(exc))
        # The exception's own headers: Allow on a 405, Retry-After on a 429 …
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response
