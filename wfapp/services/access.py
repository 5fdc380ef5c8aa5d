"""The permission decision as a service error, and the bounds every service's free text shares.

Every service asks `require(user, action, obj)` before it reads or changes anything; it turns
`wfapp.permissions.decide` into the 404 / 403 / 409 the pages and the API show. It lives apart
from the plan service so that evidence, external entries and the rest can ask it without
importing the plan service (which asks them in turn)."""

from __future__ import annotations

from typing import Any

from wfapp.models import User
from wfapp.permissions import Decision, decide
from wfapp.services.errors import Conflict, Forbidden, NotFound

# Comments, reasons and opinions: long enough for a paragraph of 说明, short enough to show.
MAX_COMMENT = 2000

_NOT_FOUND = {
    "Plan": "未找到该方案",
    "ChangeRequest": "未找到该变更申请",
    "RectificationItem": "未找到该整改事项",
    "Program": "未找到该考评项目",
}
_WRONG_STATE = {
    "EvaluationSheet": "评分表或方案已不在可执行此操作的环节，请刷新后查看",
    "RectificationItem": "整改事项已不在可执行此操作的环节（或考评项目已归档），请刷新后查看",
}


def require(user: User, action: str, obj: Any) -> None:
    """The permission decision for a plan (or a change request, sheet …) as a ServiceError."""
    decision = decide(user, action, obj)
    name = type(obj).__name__
    if decision is Decision.NOT_VISIBLE:
        raise NotFound(_NOT_FOUND.get(name, "未找到"))
    if decision is Decision.FORBIDDEN:
        raise Forbidden()
    if decision is Decision.WRONG_STATE:
        raise Conflict(_WRONG_STATE.get(name, "方案已不在可执行此操作的环节，请刷新后查看"))
