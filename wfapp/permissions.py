"""Central authorization: role + relation + state, for pages, API and templates alike.

`relations(user, plan)` names how a user stands to one plan (liaison of its unit, a peer
reviewer assigned to it, its leader, the program's office, an evaluator assigned to it …).
The workflows say which relations may fire which action in which state, PLAN_RULES does the
same for plan actions that are not transitions; this module combines them with visibility
and delegation. Every entry point asks `authorize(user, action, obj)` for a plan, a change
request, an evaluation sheet, an evidence file, a rectification item or a program.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from sqlalchemy import and_, false, or_, select
from sqlalchemy.sql.elements import ColumnElement

from wfapp.database import db
from wfapp.models import (
    UNIT_ROLES,
    ChangeRequest,
    Delegation,
    EvaluationSheet,
    EvaluatorAssignment,
    EvidenceFile,
    EvidenceScope,
    ExternalKind,
    PeerAssignment,
    Plan,
    Program,
    RectificationItem,
    Role,
    Unit,
    User,
)
from wfapp.workflows.change_request import CHANGE_REQUEST_WORKFLOW
from wfapp.workflows.engine import Workflow
from wfapp.workflows.evaluation_sheet import SHEET_WORKFLOW
from wfapp.workflows.plan import PLAN_WORKFLOW, PUBLIC_STATES, REVIEW_STAGES, S
from wfapp.workflows.rectification import OPEN_STATES, RECTIFICATION_WORKFLOW, UNIT_STATES


class Decision(Enum):
    ALLOWED = "allowed"
    NOT_VISIBLE = "not_visible"  # answer 404: do not even confirm it exists
    FORBIDDEN = "forbidden"  # 403: the user has no standing for this action
    WRONG_STATE = "wrong_state"  # 409: the user could, but not in this state


# Plan actions that are not workflow transitions.
EDIT_INDICATORS = "edit_indicators"
VIEW = "view"
GRANT_EXTENSION = "grant_extension"  # the office moves one plan's due date
# Reading a plan on the public portal (公开): anyone, signed in or not, once it is published.
VIEW_PUBLIC = "view_public"
# Program actions.
MANAGE = "manage"  # the office console: settings, groups, units, users, assignments, board
VIEW_CALENDAR = "view_calendar"
EDIT_CALENDAR = "edit_calendar"  # due dates, closures, reminder rules
VIEW_OUTBOX = "view_outbox"  # the program's outgoing mail, for its admins
REPORT_PROGRESS = "report_progress"
UPLOAD_EVIDENCE = "upload_evidence"
REQUEST_CHANGE = "request_change"
VIEW_CHANGE_REQUESTS = "view_change_requests"
SAVE_SELF_ASSESSMENT = "save_self_assessment"
VIEW_SELF_ASSESSMENT = "view_self_assessment"
ASSIGN_EVALUATORS = "assign_evaluators"
SCORE = "score"  # fill one's own evaluation sheet
VIEW_SHEETS = "view_sheets"  # every sheet of the plan
VIEW_EXTERNAL = "view_external"
# Program-wide actions of the office.
VIEW_BOARD = "view_board"  # progress board and evaluation completeness
OPEN_SELF_ASSESSMENT = "open_self_assessment"
# Results (考评结果). Program-wide, the office's: close a group's evaluation (and score it),
# read the ranking, rerun, publish, upload the program's scheme.
CLOSE_EVALUATION = "close_evaluation"
VIEW_RESULTS = "view_results"
RESCORE = "rescore"
PUBLISH_RESULTS = "publish_results"
UPLOAD_SCHEME = "upload_scheme"
# Per plan: 降档 / 一票否决 (office), and the unit's own result (once published; see
# wfapp.services.results.unit_result).
ENTER_FLAGS = "enter_flags"
VIEW_RESULT = "view_result"
CLOSE_PROGRAM = "close_program"  # 归档: open rectification items go on to the next program
# Rectification (整改).
VIEW_ITEMS = "view_rectification"  # a plan's rectification items
ADD_ITEM = "add_rectification_item"  # the office records a finding by hand
EDIT_ITEM = "edit_rectification_item"  # the unit: owners, measures, result, evidence
EDIT_ITEM_TERMS = "edit_rectification_terms"  # the office: the finding and the due date
# A unit's grades across the years (历年考评结果) and the grades of years before wfapp.
VIEW_UNIT_HISTORY = "view_unit_history"
ENTER_PAST_GRADE = "enter_past_grade"
RECORD_EXTERNAL = {
    ExternalKind.PUBLIC_SCORE: "record_public_score",
    ExternalKind.BONUS: "record_bonus",
    ExternalKind.DEDUCTION: "record_deduction",
}

UNIT = frozenset({"liaison", "unit_head"})
ALL_STATES = frozenset(S)
# Carrying out the plan (组织实施): from publication to the end of centralized evaluation.
YEAR_STATES = frozenset({S.PUBLISHED, S.SELF_ASSESSMENT, S.CENTRAL_EVALUATION})
AFTER_SUBMISSION = frozenset({S.CENTRAL_EVALUATION, S.RECTIFICATION, S.CLOSED})
# Once evaluation is closed the plan has results.
SCORED = frozenset({S.RECTIFICATION, S.CLOSED})


def _rule(roles: set[str], states: frozenset[str] | set[str]) -> dict[str, frozenset[str]]:
    return {s: frozenset(roles) for s in states}


# action → state → relational roles, read like the workflows' WHO.
PLAN_RULES: dict[str, dict[str, frozenset[str]]] = {
    EDIT_INDICATORS: _rule(UNIT, {S.DRAFT}),
    GRANT_EXTENSION: _rule({"office"}, ALL_STATES - {S.CLOSED}),
    REPORT_PROGRESS: _rule(UNIT, {S.PUBLISHED, S.SELF_ASSESSMENT}),
    UPLOAD_EVIDENCE: _rule(UNIT | {"office", "inspector"}, YEAR_STATES),
    REQUEST_CHANGE: _rule(UNIT, {S.PUBLISHED}),
    VIEW_CHANGE_REQUESTS: _rule(UNIT | {"leader", "office"}, ALL_STATES),
    SAVE_SELF_ASSESSMENT: _rule(UNIT, {S.SELF_ASSESSMENT}),
    # Evaluators read the self-assessment once it is submitted, the unit and office always.
    VIEW_SELF_ASSESSMENT: {
        s: frozenset(
            UNIT | {"leader", "office"} | ({"evaluator"} if s in AFTER_SUBMISSION else set())
        )
        for s in ALL_STATES - {S.DRAFT, S.PEER_REVIEW, S.LEADER_REVIEW, S.OFFICE_REVIEW}
    },
    ASSIGN_EVALUATORS: _rule({"office"}, YEAR_STATES),
    SCORE: _rule({"evaluator"}, {S.CENTRAL_EVALUATION}),
    VIEW_SHEETS: _rule({"office"}, ALL_STATES),
    VIEW_EXTERNAL: _rule(UNIT | {"leader", "office", "inspector", "surveyor"}, ALL_STATES),
    RECORD_EXTERNAL[ExternalKind.PUBLIC_SCORE]: _rule({"surveyor"}, YEAR_STATES),
    RECORD_EXTERNAL[ExternalKind.BONUS]: _rule({"inspector", "office"}, YEAR_STATES),
    RECORD_EXTERNAL[ExternalKind.DEDUCTION]: _rule({"inspector"}, YEAR_STATES),
    ENTER_FLAGS: _rule({"office"}, AFTER_SUBMISSION),
    VIEW_RESULT: _rule(UNIT | {"leader", "office"}, SCORED),
    # Items are the unit's, its leader's and the office's business, not the public's; an
    # item carried into next year's plan is seen there whatever that plan's stage.
    VIEW_ITEMS: _rule(UNIT | {"leader", "office"}, ALL_STATES),
    ADD_ITEM: _rule({"office"}, {S.RECTIFICATION}),
}

# Rectification item actions that are not transitions: item state → relational roles.
ITEM_RULES: dict[str, dict[str, frozenset[str]]] = {
    EDIT_ITEM: _rule(UNIT, UNIT_STATES),
    EDIT_ITEM_TERMS: _rule({"office"}, OPEN_STATES),
}


def relations(user: User | None, plan: Plan) -> frozenset[str]:
    if user is None or not user.is_authenticated or not user.active:
        return frozenset()
    rels: set[str] = set()
    for grant in user.grants:
        if (
            grant.unit_id == plan.unit_id
            and grant.role
            in (
                Role.LIAISON,
                Role.UNIT_HEAD,
                Role.LEADER,
            )
        ) or (
            grant.program_id == plan.program_id
            and grant.unit_id is None
            and grant.role != Role.EVALUATOR  # an evaluator relates only to assigned plans
        ):
            rels.add(grant.role)
    if peer_units_of(user, plan):
        rels.add("peer_reviewer")
    if is_assigned_evaluator(user, plan):
        rels.add("evaluator")
    return frozenset(rels)


def of_unit(user: User, unit_id: int) -> bool:
    """Whether the user belongs to the unit (liaison, head, or its 分管领导): such a user
    never evaluates it."""
    return unit_id in user.unit_ids(*UNIT_ROLES)


def may_evaluate(user: User, plan: Plan) -> bool:
    """The standing an assignment needs: an evaluator of the plan's program, not of its unit.
    Lists that read the assignments themselves ask only this."""
    return (
        user.active
        and plan.program_id in user.program_ids(Role.EVALUATOR)
        and not of_unit(user, plan.unit_id)
    )


def is_assigned_evaluator(user: User, plan: Plan) -> bool:
    """An evaluator of the program assigned to the plan or to its group, not of its unit."""
    if not may_evaluate(user, plan):
        return False
    found = db.session.scalars(
        select(EvaluatorAssignment.id).where(
            EvaluatorAssignment.evaluator_id == user.id,
            or_(
                EvaluatorAssignment.plan_id == plan.id,
                EvaluatorAssignment.group_id == plan.group_id,
            ),
        )
    ).first()
    return found is not None


def peer_units_of(user: User, plan: Plan) -> list[int]:
    """The units assigned to review this plan in which the user is liaison or head."""
    mine = user.unit_ids(Role.LIAISON, Role.UNIT_HEAD)
    return [a.reviewer_unit_id for a in plan.peer_assignments if a.reviewer_unit_id in mine]


def can_view(user: User | None, plan: Plan) -> bool:
    rels = relations(user, plan)
    if rels & {"liaison", "unit_head", "office"}:
        return True
    submitted = plan.state != S.DRAFT or plan.round > 1
    if submitted and rels & {"peer_reviewer", "leader"}:
        return True
    # Published plans are public (公开): any signed-in user may read them.
    return plan.state in PUBLIC_STATES and user is not None and user.is_authenticated


def visible_plans_clause(user: User | None) -> ColumnElement[bool]:
    """`can_view` as one SQL condition on Plan, for lists that must not ask plan by plan.
    tests/test_visibility_sql.py checks that both give the same answer for every role."""
    if user is None or not user.is_authenticated:
        return false()
    if not user.active:
        return Plan.state.in_(PUBLIC_STATES)
    own = user.unit_ids(Role.LIAISON, Role.UNIT_HEAD)
    leads = user.unit_ids(Role.LEADER)
    offices = {
        g.program_id
        for g in user.grants
        if g.role == Role.OFFICE and g.program_id is not None and g.unit_id is None
    }
    reviewed = select(PeerAssignment.plan_id).where(PeerAssignment.reviewer_unit_id.in_(own))
    submitted = or_(Plan.state != S.DRAFT, Plan.round > 1)
    return or_(
        Plan.unit_id.in_(own),
        Plan.program_id.in_(offices),
        and_(submitted, or_(Plan.unit_id.in_(leads), Plan.id.in_(reviewed))),
        Plan.state.in_(PUBLIC_STATES),
    )


def decide(user: User | None, action: str, obj: Any) -> Decision:
    """The decision for a plan, change request, evaluation sheet or evidence file."""
    if isinstance(obj, Plan):
        return _decide_plan(user, action, obj)
    if isinstance(obj, ChangeRequest):
        return _decide_change_request(user, action, obj)
    if isinstance(obj, EvaluationSheet):
        return _decide_sheet(user, action, obj)
    if isinstance(obj, EvidenceFile):
        return _decide_evidence(user, action, obj)
    if isinstance(obj, Program):
        return decide_program(user, action, obj)
    if isinstance(obj, RectificationItem):
        return _decide_item(user, action, obj)
    if isinstance(obj, Unit):
        return _decide_unit(user, action, obj)
    raise TypeError(f"no authorization rule for {type(obj).__name__}")


def _decide_plan(user: User | None, action: str, plan: Plan) -> Decision:
    if action == VIEW_PUBLIC:
        return Decision.ALLOWED if plan.state in PUBLIC_STATES else Decision.NOT_VISIBLE
    if not can_view(user, plan):
        return Decision.NOT_VISIBLE
    if action == VIEW:
        return Decision.ALLOWED
    assert user is not None
    rels = relations(user, plan)
    if action in PLAN_RULES:
        rule = PLAN_RULES[action]
        return _judge(rels, rule.get(plan.state, frozenset()), rule.values())
    if action not in PLAN_WORKFLOW.actions:
        return Decision.FORBIDDEN
    decision = _judge_workflow(PLAN_WORKFLOW, rels, action, plan.state)
    if decision is Decision.ALLOWED and _delegated_away(user, plan):
        return Decision.FORBIDDEN
    return decision


def _judge(rels: frozenset[str], now: frozenset[str], anytime: Any) -> Decision:
    if rels & now:
        return Decision.ALLOWED
    # Standing for this action in some other state: the object has moved on (or not yet come).
    if any(rels & roles for roles in anytime):
        return Decision.WRONG_STATE
    return Decision.FORBIDDEN


def _judge_workflow(workflow: Workflow, rels: frozenset[str], action: str, state: str) -> Decision:
    if action not in workflow.actions:
        return Decision.FORBIDDEN
    anytime = [workflow.roles_for(action, s) for s in workflow.states]
    return _judge(rels, workflow.roles_for(action, state), anytime)


def _decide_change_request(user: User | None, action: str, request: ChangeRequest) -> Decision:
    plan = request.plan
    if _decide_plan(user, VIEW_CHANGE_REQUESTS, plan) is not Decision.ALLOWED:
        return Decision.NOT_VISIBLE
    if action == VIEW:
        return Decision.ALLOWED
    decision = _judge_workflow(
        CHANGE_REQUEST_WORKFLOW, relations(user, plan), action, request.state
    )
    if decision is Decision.ALLOWED and plan.state != S.PUBLISHED:
        return Decision.WRONG_STATE  # the table is frozen once self-assessment starts
    return decision


def sheet_relations(user: User | None, sheet: EvaluationSheet) -> frozenset[str]:
    """`evaluator` is the sheet's own (still assigned) evaluator; `office` the program's."""
    rels = relations(user, sheet.plan)
    mine = user is not None and sheet.evaluator_id == user.id and "evaluator" in rels
    return frozenset(({"evaluator"} if mine else set()) | (rels & {"office"}))


def _decide_sheet(user: User | None, action: str, sheet: EvaluationSheet) -> Decision:
    rels = sheet_relations(user, sheet)
    if not rels:
        return Decision.NOT_VISIBLE
    if action == VIEW:
        return Decision.ALLOWED
    if action == SCORE:  # saving a draft: the evaluator's, while it is a draft
        decision = _judge(
            rels,
            frozenset({"evaluator"}) if sheet.state == "draft" else frozenset(),
            [frozenset({"evaluator"})],
        )
    else:
        decision = _judge_workflow(SHEET_WORKFLOW, rels, action, sheet.state)
    if decision is Decision.ALLOWED and sheet.plan.state != S.CENTRAL_EVALUATION:
        return Decision.WRONG_STATE
    return decision


def decide_program(user: User | None, action: str, program: Program) -> Decision:
    """The calendar is read by everyone signed in, admins read the program's mail, the office
    console is the office's and the admins'; every other program-wide page and batch action
    belongs to the program's office."""
    if user is None or not user.is_authenticated or not user.active:
        return Decision.NOT_VISIBLE
    if action == VIEW_CALENDAR:
        return Decision.ALLOWED
    roles = {VIEW_OUTBOX: (Role.ADMIN,), MANAGE: (Role.OFFICE, Role.ADMIN)}.get(
        action, (Role.OFFICE,)
    )
    if program.id in user.program_ids(*roles):
        return Decision.ALLOWED
    return Decision.FORBIDDEN


def _decide_unit(user: User | None, action: str, unit: Unit) -> Decision:
    """A unit's history spans programs: the offices and the 效能办 (inspectors), who act on
    the accountability rule, read every unit's; the unit's own people and its 分管领导 read
    their own. Past grades are entered by an office."""
    if user is None or not user.is_authenticated or not user.active:
        return Decision.NOT_VISIBLE
    office = bool(user.program_ids(Role.OFFICE))
    if action == ENTER_PAST_GRADE:
        return Decision.ALLOWED if office else Decision.FORBIDDEN
    if action == VIEW_UNIT_HISTORY:
        readers = office or bool(user.program_ids(Role.ADMIN, Role.INSPECTOR))
        if readers or unit.id in user.unit_ids(*UNIT_ROLES):
            return Decision.ALLOWED
        return Decision.FORBIDDEN
    raise ValueError(f"unknown unit action {action!r}")


def _decide_item(user: User | None, action: str, item: RectificationItem) -> Decision:
    """Seen by whoever sees the plan's items; the unit works on it, the office judges it;
    nothing changes once its program is closed (归档)."""
    plan = item.plan
    if _decide_plan(user, VIEW_ITEMS, plan) is not Decision.ALLOWED:
        return Decision.NOT_VISIBLE
    if action == VIEW:
        return Decision.ALLOWED
    rels = relations(user, plan)
    if action in ITEM_RULES:
        rule = ITEM_RULES[action]
        decision = _judge(rels, rule.get(item.state, frozenset()), rule.values())
    else:
        decision = _judge_workflow(RECTIFICATION_WORKFLOW, rels, action, item.state)
    if decision is Decision.ALLOWED and item.program.closed_at is not None:
        return Decision.WRONG_STATE
    return decision


def _decide_evidence(user: User | None, action: str, evidence: EvidenceFile) -> Decision:
    """A file is seen by whoever may see what it proves; it is never changed, only added."""
    needed = {
        EvidenceScope.PLAN: VIEW,
        EvidenceScope.EXTERNAL: VIEW_EXTERNAL,
        EvidenceScope.RECTIFICATION: VIEW_ITEMS,
    }[EvidenceScope(evidence.scope)]
    plan = db.session.get(Plan, evidence.plan_id)
    if plan is None or _decide_plan(user, needed, plan) is not Decision.ALLOWED:
        return Decision.NOT_VISIBLE
    return Decision.ALLOWED if action == VIEW else Decision.FORBIDDEN


def _delegated_away(user: User, plan: Plan) -> bool:
    """A review handed to someone else is theirs alone until they hand it on."""
    stage = plan.state
    if stage not in REVIEW_STAGES:
        return False
    current = [d for d in plan.delegations if d.round == plan.round and d.stage == stage]
    if not current:
        return False
    if stage == S.PEER_REVIEW:
        # Per reviewing unit: the user keeps any unit of theirs that was not handed on.
        for unit_id in peer_units_of(user, plan):
            latest = _latest(current, unit_id)
            if latest is None or latest.to_user_id == user.id:
                return False
        return True
    latest = _latest(current, None)
    return latest is not None and latest.to_user_id != user.id


def _latest(delegations: list[Delegation], unit_id: int | None) -> Delegation | None:
    scoped = [d for d in delegations if d.reviewer_unit_id == unit_id]
    return max(scoped, key=lambda d: d.id) if scoped else None


def authorize(user: User | None, action: str, obj: Any) -> bool:
    """The one question every page, API route and template asks."""
    return decide(user, action, obj) is Decision.ALLOWED
