"""The rectification item's workflow (整改事项): open → in_progress → submitted → verified →
closed; the office may reject a submission back to in_progress with a reason.

Roles are relations to the item's plan: liaison / unit_head of its unit carry it out and
submit the result (a statement and at least one evidence file); the program's office
verifies, rejects and closes (销号). Editing the owners and measures is not a transition: the
unit may do it while the item is open or in progress (see wfapp.permissions).
"""

from __future__ import annotations

from enum import StrEnum

from wfapp.workflows.engine import Guard, GuardContext, Transition, Workflow


class R(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    VERIFIED = "verified"
    CLOSED = "closed"


STATE_LABELS = {
    R.OPEN: "待整改",
    R.IN_PROGRESS: "整改中",
    R.SUBMITTED: "已提交待核验",
    R.VERIFIED: "已核验",
    R.CLOSED: "已销号",
}
ACTION_LABELS = {
    "start": "开始整改",
    "submit": "提交整改结果",
    "reject": "退回重新整改",
    "verify": "核验通过",
    "close": "销号",
}

# How the audit trail names the item's events (in the item's and the plan's history).
EVENT_LABELS = {
    **{f"{a}_item": f"整改事项：{label}" for a, label in ACTION_LABELS.items()},
    "create_item": "登记整改事项",
    "create_from_finding": "由考评发现生成整改事项",
    "carry_item": "上年度整改事项转入",
    "edit_item": "修改整改事项",
    "attach_item_evidence": "上传整改佐证材料",
}

# Not yet closed: what carry-over copies and what the record counts as still open.
OPEN_STATES = frozenset({R.OPEN, R.IN_PROGRESS, R.SUBMITTED, R.VERIFIED})
# The unit's turn: reminders run while the item sits here.
UNIT_STATES = frozenset({R.OPEN, R.IN_PROGRESS})


def _has_statement(ctx: GuardContext) -> bool:
    return bool((ctx["result_statement"] or "").strip())


def _has_evidence(ctx: GuardContext) -> bool:
    return ctx["evidence"] > 0


def _has_reason(ctx: GuardContext) -> bool:
    return bool((ctx["comment"] or "").strip())


HAS_STATEMENT = Guard("has_result_statement", "请填写整改结果说明", _has_statement, "input")
HAS_EVIDENCE = Guard("has_evidence", "请至少上传一份整改佐证材料", _has_evidence, "input")
HAS_REASON = Guard("has_reason", "退回必须填写理由", _has_reason, "input")

UNIT = frozenset({"liaison", "unit_head"})
OFFICE = frozenset({"office"})

TRANSITIONS = [
    Transition("start", R.OPEN, R.IN_PROGRESS),
    Transition("submit", R.IN_PROGRESS, R.SUBMITTED, (HAS_STATEMENT, HAS_EVIDENCE)),
    Transition("reject", R.SUBMITTED, R.IN_PROGRESS, (HAS_REASON,)),
    Transition("verify", R.SUBMITTED, R.VERIFIED),
    Transition("close", R.VERIFIED, R.CLOSED),
]

WHO = {
    "start": {R.OPEN: UNIT},
    "submit": {R.IN_PROGRESS: UNIT},
    "reject": {R.SUBMITTED: OFFICE},
    "verify": {R.SUBMITTED: OFFICE},
    "close": {R.VERIFIED: OFFICE},
}

RECTIFICATION_WORKFLOW = Workflow(
    "rectification_item", list(R), TRANSITIONS, WHO, STATE_LABELS, ACTION_LABELS
)
