"""The evaluation sheet's workflow (集中考评评分表): draft → signed, and back only by the office.

Roles are relations to one sheet: `evaluator` is the sheet's own evaluator (assigned to the
plan, never of its unit), `office` the program's performance office. Saving scores is not a
transition: it is allowed to the evaluator while the sheet is a draft.
"""

from __future__ import annotations

from enum import StrEnum

from wfapp.workflows.engine import Guard, GuardContext, Transition, Workflow


class SheetState(StrEnum):
    DRAFT = "draft"
    SIGNED = "signed"


STATE_LABELS = {SheetState.DRAFT: "草稿", SheetState.SIGNED: "已签名"}
ACTION_LABELS = {"sign": "签名提交", "reopen": "退回重评"}


def _complete(ctx: GuardContext) -> bool:
    return not ctx["unscored"]


def _has_reason(ctx: GuardContext) -> bool:
    return bool((ctx["comment"] or "").strip())


COMPLETE = Guard("sheet_complete", "每个末级指标都须评分后才能签名", _complete, "input")
HAS_REASON = Guard("has_reason", "退回重评必须填写理由", _has_reason, "input")

TRANSITIONS = [
    Transition("sign", SheetState.DRAFT, SheetState.SIGNED, (COMPLETE,)),
    Transition("reopen", SheetState.SIGNED, SheetState.DRAFT, (HAS_REASON,)),
]
WHO = {
    "sign": {SheetState.DRAFT: frozenset({"evaluator"})},
    "reopen": {SheetState.SIGNED: frozenset({"office"})},
}

SHEET_WORKFLOW = Workflow(
    "evaluation_sheet", list(SheetState), TRANSITIONS, WHO, STATE_LABELS, ACTION_LABELS
)
