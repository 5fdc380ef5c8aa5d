"""The plan's workflow: 初稿 → 同组互审 → 分管领导审定 → 绩效办批复 → 公开 → 自评 → 集中考评 → 整改 → 归档.

Roles here are relations to one plan, resolved by wfapp.permissions:
liaison / unit_head (of the plan's unit), peer_reviewer (liaison or head of a unit assigned to
review it), leader (分管领导 assigned to the unit), office (绩效办 of the program).
After publication the office opens self-assessment (自评) and the unit submits it into
centralized evaluation (集中考评); evaluators' sheets live in wfapp.workflows.evaluation_sheet.
"""

from __future__ import annotations

from enum import StrEnum

from wfapp.workflows.engine import Guard, GuardContext, Transition, Workflow


class S(StrEnum):
    DRAFT = "draft"
    PEER_REVIEW = "peer_review"
    LEADER_REVIEW = "leader_review"
    OFFICE_REVIEW = "office_review"
    PUBLISHED = "published"
    SELF_ASSESSMENT = "self_assessment"
    CENTRAL_EVALUATION = "central_evaluation"
    RECTIFICATION = "rectification"
    CLOSED = "closed"


STATE_LABELS = {
    S.DRAFT: "初稿",
    S.PEER_REVIEW: "同组互审",
    S.LEADER_REVIEW: "分管领导审定",
    S.OFFICE_REVIEW: "绩效办批复",
    S.PUBLISHED: "公开",
    S.SELF_ASSESSMENT: "自评",
    S.CENTRAL_EVALUATION: "集中考评",
    S.RECTIFICATION: "整改",
    S.CLOSED: "归档",
}

ACTION_LABELS = {
    "submit": "提交审核",
    "withdraw": "撤回",
    "peer_approve": "互审通过",
    "leader_approve": "审定通过",
    "office_approve": "批复公开",
    "return": "退回修改",
    "delegate": "转办",
    "open_self_assessment": "启动自评",
    "submit_self_assessment": "提交自评",
    "close_evaluation": "结束考评",
    "finish_rectification": "整改完成归档",
}

# Actions that need a comment to mean anything.
REASON_REQUIRED = frozenset({"return"})


# --- guards: small functions of the facts the service gathered ------------------------


def _table_valid(ctx: GuardContext) -> bool:
    return not ctx["table_errors"]


def _has_peers(ctx: GuardContext) -> bool:
    return ctx["peer_units"] > 0


def _no_reviewer_acted(ctx: GuardContext) -> bool:
    return ctx["signoffs"] == 0


def _countersign_met(ctx: GuardContext) -> bool:
    """Counts the sign-off being made now; 'at least N' never asks for more than assigned."""
    signed, assigned = ctx["signoffs"] + 1, ctx["peer_units"]
    policy = ctx["countersign_policy"]
    if policy == "any":
        return signed >= 1
    if policy == "at_least":
        return signed >= min(ctx["countersign_min"] or assigned, assigned)
    return signed >= assigned


def _has_reason(ctx: GuardContext) -> bool:
    return bool((ctx["comment"] or "").strip())


def _delegate_eligible(ctx: GuardContext) -> bool:
    return bool(ctx["delegate_eligible"])


def _no_pending_changes(ctx: GuardContext) -> bool:
    return ctx["pending_change_requests"] == 0


def _self_assessment_complete(ctx: GuardContext) -> bool:
    return not ctx["self_assessment_missing"]


def _has_findings(ctx: GuardContext) -> bool:
    return bool(ctx["has_findings"])


def _all_items_closed(ctx: GuardContext) -> bool:
    return ctx["open_rectification_items"] == 0


TABLE_VALID = Guard("table_is_valid", "考评表未通过校验，请先修正", _table_valid, "input")
HAS_PEERS = Guard("has_peer_reviewers", "尚未分配同组互审单位，请联系绩效办", _has_peers)
NO_REVIEWER_ACTED = Guard("no_reviewer_acted", "已有互审单位签署意见，不能撤回", _no_reviewer_acted)
COUNTERSIGN_MET = Guard("countersign_met", "会签未完成", _countersign_met, "branch")
HAS_REASON = Guard("has_reason", "退回必须填写理由", _has_reason, "input")
DELEGATE_ELIGIBLE = Guard(
    "delegate_is_eligible",
    "请选择同一角色、同一单位的其他用户作为转办对象",
    _delegate_eligible,
    "input",
)
NO_PENDING_CHANGES = Guard(
    "no_pending_change_requests", "尚有待审批的方案变更申请，请先处理", _no_pending_changes
)
# "input": the unit fills the sheet, then submits; what is missing is named row by row.
SELF_ASSESSMENT_COMPLETE = Guard(
    "self_assessment_complete",
    "每个末级指标都须填写自评得分和说明后才能提交",
    _self_assessment_complete,
    "input",
)

# Closing evaluation sends a plan with findings (问题) to rectification, any other to the archive.
HAS_FINDINGS = Guard("has_findings", "考评发现问题，须整改", _has_findings, "branch")
ALL_ITEMS_CLOSED = Guard(
    "all_rectification_items_closed", "尚有未销号的整改事项", _all_items_closed
)

REVIEW_STAGES = {
    S.PEER_REVIEW: "peer_reviewer",
    S.LEADER_REVIEW: "leader",
    S.OFFICE_REVIEW: "office",
}
UNIT = frozenset({"liaison", "unit_head"})

TRANSITIONS = [
    Transition("submit", S.DRAFT, S.PEER_REVIEW, (HAS_PEERS, TABLE_VALID)),
    Transition("withdraw", S.PEER_REVIEW, S.DRAFT, (NO_REVIEWER_ACTED,), duty=False),
    Transition("peer_approve", S.PEER_REVIEW, S.LEADER_REVIEW, (COUNTERSIGN_MET,)),
    Transition("peer_approve", S.PEER_REVIEW, None, unless=(COUNTERSIGN_MET,)),
    Transition("leader_approve", S.LEADER_REVIEW, S.OFFICE_REVIEW),
    Transition("office_approve", S.OFFICE_REVIEW, S.PUBLISHED),
    *(Transition("return", stage, S.DRAFT, (HAS_REASON,)) for stage in REVIEW_STAGES),
    *(Transition("delegate", stage, None, (DELEGATE_ELIGIBLE,)) for stage in REVIEW_STAGES),
    Transition(
        "open_self_assessment",
        S.PUBLISHED,
        S.SELF_ASSESSMENT,
        (NO_PENDING_CHANGES,),
        scheduled=True,
    ),
    Transition(
        "submit_self_assessment",
        S.SELF_ASSESSMENT,
        S.CENTRAL_EVALUATION,
        (SELF_ASSESSMENT_COMPLETE,),
    ),
    # The office closes evaluation for a whole group: the results are scored in the same call
    # (wfapp.services.results.close_evaluation), so it is never fired on one plan alone.
    Transition(
        "close_evaluation", S.CENTRAL_EVALUATION, S.RECTIFICATION, (HAS_FINDINGS,), batch=True
    ),
    Transition(
        "close_evaluation", S.CENTRAL_EVALUATION, S.CLOSED, unless=(HAS_FINDINGS,), batch=True
    ),
    # The plan closes by itself in the transaction that closes its last rectification item.
    Transition(
        "finish_rectification",
        S.RECTIFICATION,
        S.CLOSED,
        (ALL_ITEMS_CLOSED,),
        automatic=True,
    ),
]

WHO = {
    "submit": {S.DRAFT: UNIT},
    "withdraw": {S.PEER_REVIEW: UNIT},
    "peer_approve": {S.PEER_REVIEW: frozenset({"peer_reviewer"})},
    "leader_approve": {S.LEADER_REVIEW: frozenset({"leader"})},
    "office_approve": {S.OFFICE_REVIEW: frozenset({"office"})},
    # Whoever may act at the current review stage may return it or hand it on.
    "return": {stage: frozenset({role}) for stage, role in REVIEW_STAGES.items()},
    "delegate": {stage: frozenset({role}) for stage, role in REVIEW_STAGES.items()},
    "open_self_assessment": {S.PUBLISHED: frozenset({"office"})},
    "submit_self_assessment": {S.SELF_ASSESSMENT: UNIT},
    "close_evaluation": {S.CENTRAL_EVALUATION: frozenset({"office"})},
}

PLAN_WORKFLOW = Workflow("plan", list(S), TRANSITIONS, WHO, STATE_LABELS, ACTION_LABELS)

# After submission the plan is seen by its reviewers too.
SUBMITTED_STATES = frozenset(set(S) - {S.DRAFT})
# From publication on the plan is public (公开).
PUBLIC_STATES = frozenset(
    {S.PUBLISHED, S.SELF_ASSESSMENT, S.CENTRAL_EVALUATION, S.RECTIFICATION, S.CLOSED}
)
