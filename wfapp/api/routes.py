"""/api/v1 routes: parse, authenticate, one service call, answer."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from io import BytesIO
from typing import Any, TypeVar

from flask import Blueprint, g, jsonify, request, send_file
from pydantic import BaseModel, ValidationError
from sqlalchemy import select

from wfapp.api import openapi
from wfapp.api.paging import api_page, paged
from wfapp.api.schemas import (
    ActionRequest,
    IndicatorTableIn,
    TokenRequest,
    event_out,
    plan_detail,
    plan_summary,
)
from wfapp.database import db
from wfapp.models import User
from wfapp.services import audit, auth, excel, plans
from wfapp.services.errors import BadRequest, Invalid, Problem, Unauthorized
from wfapp.workflows.plan import PLAN_WORKFLOW

bp = Blueprint("api", __name__, url_prefix="/api/v1")

M = TypeVar("M", bound=BaseModel)

_PYDANTIC_MESSAGES = {
    "missing": "缺少此字段",
    "extra_forbidden": "不允许的字段",
    "string_type": "应为字符串",
    "int_type": "应为整数",
    "list_type": "应为列表",
    "literal_error": "取值无效",
    "string_too_short": "不能为空",
    "string_too_long": "过长",
    "model_type": "应为对象",
    "bool_type": "应为 true 或 false",
    "value_error": "取值无效",
    "date_type": "应为 YYYY-MM-DD 格式的日期",
    "too_long": "过长",
}


def parse(model: type[M], data: Any = None) -> M:
    """The request body as `model`, or 400 (not JSON) / 422 (each problem named)."""
    if data is None:
        data = request.get_json(silent=True)
        if data is None:
            raise BadRequest(
                "请求体必须是合法的 JSON", [Problem("body", "请求体必须是合法的 JSON")]
            )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [
            Problem(
                ".".join(str(p) for p in err["loc"]) or "body",
                f"{_PYDANTIC_MESSAGES.get(err['type'], err['msg'])}（{err['msg']}）",
            )
            for err in exc.errors()
        ]
        raise Invalid("数据校验未通过", problems) from exc


def token_required(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        user = auth.user_for_token(token.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            raise Unauthorized("需要有效的访问令牌（Authorization: Bearer <token>）")
        g.api_user = user
        return view(*args, **kwargs)

    return wrapper


def _detail(plan) -> dict[str, Any]:
    user: User = g.api_user
    warnings = [p.as_dict() for p in plans.table_check(plan).warnings]
    return plan_detail(plan, plans.available_actions(user, plan), warnings)


@bp.post("/auth/token")
def issue_token():
    body = parse(TokenRequest)
    user = auth.authenticate(body.username, body.password, request.remote_addr or "")
    return jsonify({"token": auth.issue_token(user)})


@bp.get("/plans")
@token_required
def list_plans():
    page = api_page(plans.visible_plans_query(g.api_user))
    return jsonify(paged([plan_summary(p) for p in page.items], page))


@bp.get("/plans/<int:plan_id>")
@token_required
def get_plan(plan_id: int):
    return jsonify(_detail(plans.get_plan(g.api_user, plan_id)))


@bp.put("/plans/<int:plan_id>/indicators")
@token_required
def put_indicators(plan_id: int):
    data = request.get_json(silent=True)
    if isinstance(data, list):  # a bare list of rows is accepted too
        data = {"indicators": data}
    body = parse(IndicatorTableIn, data)
    rows = [row.model_dump() for row in body.indicators]
    plan, _ = plans.replace_indicators(g.api_user, plan_id, rows, body.version)
    return jsonify(_detail(plan))


@bp.get("/plans/<int:plan_id>/indicators.xlsx")
@token_required
def get_indicators_xlsx(plan_id: int):
    name, data = excel.export_plan(g.api_user, plan_id)
    return send_file(
        BytesIO(data), mimetype=excel.XLSX_MIME, as_attachment=True, download_name=name
    )


@bp.put("/plans/<int:plan_id>/indicators.xlsx")
@token_required
def put_indicators_xlsx(plan_id: int):
    """Body: the .xlsx bytes; ?version=N guards against overwriting a newer table."""
    version = request.args.get("version")
    if version is not None and not version.isdigit():
        raise Invalid("version 应为整数", [Problem("version", "应为整数")])
    plan, _ = excel.import_plan(
        g.api_user, plan_id, request.get_data(), int(version) if version else None
    )
    return jsonify(_detail(plan))


@bp.post("/plans/<int:plan_id>/actions/<action>")
@token_required
def fire_action(plan_id: int, action: str):
    body = parse(ActionRequest)
    to_user_id = _user_id(body.to_user) if body.to_user is not None else None
    plan = plans.fire(
        g.api_user,
        plan_id,
        action,
        comment=body.comment,
        version=body.version,
        to_user_id=to_user_id,
        approval_number=body.approval_number,
    )
    return jsonify(_detail(plan))


@bp.get("/plans/<int:plan_id>/history")
@token_required
def history(plan_id: int):
    plan = plans.get_plan(g.api_user, plan_id)
    return jsonify({"items": [event_out(e) for e in audit.plan_events(plan.id)]})


@bp.get("/workflows/plan")
def workflow():
    return jsonify(PLAN_WORKFLOW.describe())


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(openapi.document())


def _user_id(ref: str | int) -> int:
    """A delegate named by id or username; unknown ones are refused the same way."""
    if isinstance(ref, int):
        return ref
    user = db.session.scalars(select(User).where(User.username == ref)).first()
    return user.id if user else 0  # an unknown name is simply not an eligible delegate
