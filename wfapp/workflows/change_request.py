"""The change-request workflow (方案调整申请): pending → approved / rejected / withdrawn.

Roles are relations to the request's plan: liaison / unit_head of its unit request and
withdraw; the program's office approves or rejects. Whether the would-be table still holds
its sums is checked when the request is made and again when it is approved.
"""

from __future__ import annotations

from enum import StrEnum

from wfapp.workflows.engine import Guard, GuardContext, Transition, Workflow


class CR(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


STATE_LABELS = {
    CR.PENDING: "待审批",
    CR.APPROVED: "已批准",
    CR.REJECTED: "已驳回",
    CR.WITHDRAWN: "已撤回",
}
ACTION_LABELS = {"approve": "批准", "reject": "驳回", "withdraw": "撤回申请"}


def _has_reason(ctx: GuardContext) -> bool:
    return bool((ctx["comment"] or "").strip())


def _table_valid(ctx: GuardContext) -> bool:
    return not ctx["table_errors"]


HAS_REASON = Guard("has_reason", "驳回必须填写理由", _has_reason, "input")
# The table may have changed since the request was made (another request approved).
STILL_VALID = Guard(
    "table_still_valid",
    "按此申请调整后考评表不再平衡，请驳回或由单位重新申请",
    _table_valid,
    "input",
)

TRANSITIONS = [
    Transition("approve", CR.PENDING, CR.APPROVED, (STILL_VALID,)),
    Transition("reject", CR.PENDING, CR.REJECTED, (HAS_REASON,)),
    Transition("withdraw", CR.PENDING, CR.WITHDRAWN, duty=False),
]

WHO = {
    "approve": {CR.PENDING: frozenset({"office"})},
    "reject": {CR.PENDING: frozenset({"office"})},
    "withdraw": {CR.PENDING: frozenset({"liaison", "unit_head"})},
}

CHANGE_REQUEST_WORKFLOW = Workflow(
    "change_request", list(CR), TRANSITIONS, WHO, STATE_LABELS, ACTION_LABELS
)
