"""Which tasks an object should have now, derived from its workflow definition.

For each state the workflow names the duty actions (`Workflow.duty_actions`), whether each is
offered (its `fact` guards over the object's stored facts) and which relational roles may fire
it (`WHO`). The relations become who: the plan's unit, each reviewing unit that has not signed
this round, the unit's 分管领导, the program's office — or the person a review was handed to
(the newest delegation of the stage, round and reviewing unit), or an assigned evaluator.
Nothing here writes; wfapp.services.tasks compares the result with the stored rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select

from wfapp.database import db
from wfapp.models import (
    AuditEvent,
    ChangeRequest,
    Delegation,
    EvaluationSheet,
    PeerSignoff,
    Plan,
    RectificationItem,
    TaskRole,
)
from wfapp.services import deadlines
from wfapp.workflows import GuardContext
from wfapp.workflows.change_request import CHANGE_REQUEST_WORKFLOW, CR
from wfapp.workflows.engine import LazyFacts, Workflow
from wfapp.workflows.evaluation_sheet import SHEET_WORKFLOW, SheetState
from wfapp.workflows.plan import PLAN_WORKFLOW, S
from wfapp.workflows.rectification import OPEN_STATES, RECTIFICATION_WORKFLOW, R

# Relational roles (WHO) → the task's candidate group. Peer reviewers are a unit too: the
# reviewing unit's liaisons and heads.
UNIT_RELATIONS = frozenset({"liaison", "unit_head", "peer_reviewer"})
# The actions an evaluator's task offers (saving a draft is not a transition).
SHEET_ACTIONS = ["save", "sign"]


@dataclass(frozen=True)
class Wanted:
    """One task as it should be; `key` is what identifies it among the object's tasks."""

    kind: str
    object_type: str
    object_id: int
    plan_id: int
    program_id: int
    stage: str
    actions: tuple[str, ...]
    user_id: int | None = None
    role: str | None = None
    unit_id: int | None = None
    due_date: date | None = None
    reason: str | None = None

    @property
    def key(self) -> tuple:
        return (self.kind, self.stage, self.user_id, self.role, self.unit_id)


def _offered_duties(workflow: Workflow, state: str, facts: dict[str, Any]) -> list[str]:
    ctx = GuardContext(facts)
    return [a for a in workflow.duty_actions(state) if workflow.is_offered(a, state, ctx)]


def _actions_for(workflow: Workflow, state: str, relations: frozenset[str]) -> tuple[str, ...]:
    """The buttons of a task: every person's action in the state open to these relations."""
    return tuple(
        a
        for a in workflow.person_actions(state)
        if workflow.roles_for(a, state) & relations and not workflow.is_batch(a)
    )


def last_reason(object_type: str, object_id: int, into: str, action: str) -> str | None:
    """The comment of the event that brought the object into `into`, when that was `action`
    (a return, a rejection, a reopened sheet); None when it came there otherwise."""
    row = db.session.execute(
        select(AuditEvent.action, AuditEvent.comment)
        .where(
            AuditEvent.object_type == object_type,
            AuditEvent.object_id == object_id,
            AuditEvent.to_state == into,
            # Entering it: an edit within the state (a table saved, peers set) is no return.
            or_(AuditEvent.from_state.is_(None), AuditEvent.from_state != into),
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()
    if row is None or row.action != action:
        return None
    return (row.comment or "").strip() or None


# --- plans ---------------------------------------------------------------------------------


def plan_tasks(plan: Plan) -> list[Wanted]:
    """The plan's own stage tasks and, in 集中考评, each assigned evaluator's sheet task."""
    if plan.state == S.CENTRAL_EVALUATION:
        return sheet_tasks(plan)
    state = plan.state
    from wfapp.services.plans import _open_items  # plans imports the task readers

    signed: list[int] = []

    def signoffs() -> int:
        return len(_signed_units(plan, signed))

    facts = LazyFacts(
        {
            "peer_units": lambda: len(plan.peer_assignments),
            "signoffs": signoffs,
            "pending_change_requests": lambda: _pending_changes(plan),
            "open_rectification_items": lambda: _open_items(plan),
        }
    )
    duties = _offered_duties(PLAN_WORKFLOW, state, facts)
    relations: set[str] = set()
    for action in duties:
        relations |= PLAN_WORKFLOW.roles_for(action, state)
    if not relations:
        return []
    due = deadlines.due_date(plan)
    reason = None
    if state == S.DRAFT and plan.round > 1:
        reason = last_reason("plan", plan.id, S.DRAFT, "return")
    handed = (
        _delegations(plan) if state in (S.PEER_REVIEW, S.LEADER_REVIEW, S.OFFICE_REVIEW) else {}
    )
    out = []

    def add(rels: frozenset[str], **who: Any) -> None:
        out.append(
            Wanted(
                "plan",
                "plan",
                plan.id,
                plan.id,
                plan.program_id,
                state,
                _actions_for(PLAN_WORKFLOW, state, rels),
                due_date=due,
                reason=reason,
                **who,
            )
        )

    if relations & {"liaison", "unit_head"}:
        add(frozenset({"liaison", "unit_head"}), role=TaskRole.UNIT, unit_id=plan.unit_id)
    if "peer_reviewer" in relations:
        done = set(_signed_units(plan, signed))
        for assignment in plan.peer_assignments:
            unit_id = assignment.reviewer_unit_id
            if unit_id in done:
                continue
            to_user = handed.get(unit_id)
            rels = frozenset({"peer_reviewer"})
            if to_user is not None:
                add(rels, user_id=to_user, unit_id=unit_id)
            else:
                add(rels, role=TaskRole.UNIT, unit_id=unit_id)
    for relation, role, unit_id in (
        ("leader", TaskRole.LEADER, plan.unit_id),
        ("office", TaskRole.OFFICE, None),
    ):
        if relation in relations:
            to_user = handed.get(None)
            if to_user is not None:
                add(frozenset({relation}), user_id=to_user)
            else:
                add(frozenset({relation}), role=role, unit_id=unit_id)
    return out


def _signed_units(plan: Plan, cache: list[int]) -> list[int]:
    if not cache:
        cache.extend(
            db.session.scalars(
                select(PeerSignoff.reviewer_unit_id).where(
                    PeerSignoff.plan_id == plan.id, PeerSignoff.round == plan.round
                )
            )
        )
        cache.append(-1)  # marks the list as read, even when nobody signed
    return [u for u in cache if u != -1]


def _pending_changes(plan: Plan) -> int:
    return (
        db.session.scalar(
            select(func.count(ChangeRequest.id)).where(
                ChangeRequest.plan_id == plan.id, ChangeRequest.state == CR.PENDING
            )
        )
        or 0
    )


def _delegations(plan: Plan) -> dict[int | None, int]:
    """The person each review of the current stage and round was last handed to, by
    reviewing unit (None outside peer review)."""
    rows = db.session.execute(
        select(Delegation.reviewer_unit_id, Delegation.to_user_id)
        .where(
            Delegation.plan_id == plan.id,
            Delegation.round == plan.round,
            Delegation.stage == plan.state,
        )
        .order_by(Delegation.id)
    )
    return {unit_id: to_user for unit_id, to_user in rows}


def sheet_tasks(plan: Plan) -> list[Wanted]:
    """In 集中考评 each assigned evaluator whose sheet is not signed has a task."""
    from wfapp.services.evaluation import assigned_evaluators

    evaluators = assigned_evaluators(plan)
    if not evaluators:
        return []
    sheets = {
        s.evaluator_id: s
        for s in db.session.scalars(
            select(EvaluationSheet).where(EvaluationSheet.plan_id == plan.id)
        )
    }
    due = deadlines.due_date(plan)
    out = []
    for user in evaluators:
        sheet = sheets.get(user.id)
        state = sheet.state if sheet is not None else SheetState.DRAFT
        if SHEET_WORKFLOW.duty_actions(state) == []:
            continue  # signed: only the office may take it back
        reason = None
        if sheet is not None:
            reason = last_reason("evaluation_sheet", sheet.id, SheetState.DRAFT, "reopen_sheet")
        out.append(
            Wanted(
                "evaluation_sheet",
                "plan",
                plan.id,
                plan.id,
                plan.program_id,
                state,
                tuple(SHEET_ACTIONS),
                user_id=user.id,
                due_date=due,
                reason=reason,
            )
        )
    return out


# --- change requests and rectification items -----------------------------------------------


def change_request_tasks(request: ChangeRequest) -> list[Wanted]:
    """A pending request waits for the office while its plan is still 公开 (the table is
    frozen once self-assessment starts)."""
    if request.state != CR.PENDING or request.plan.state != S.PUBLISHED:
        return []
    return _simple(
        CHANGE_REQUEST_WORKFLOW,
        "change_request",
        request.id,
        request.plan,
        request.state,
        unit_id=request.plan.unit_id,
        due=None,
        reason=None,
    )


def item_tasks(item: RectificationItem) -> list[Wanted]:
    """The unit's while open or in progress (against the item's due date), the office's to
    verify and close; nobody's once its program is closed (归档)."""
    if item.state not in OPEN_STATES or item.program.closed_at is not None:
        return []
    reason = None
    if item.state == R.IN_PROGRESS:
        reason = last_reason("rectification_item", item.id, R.IN_PROGRESS, "reject_item")
    return _simple(
        RECTIFICATION_WORKFLOW,
        "rectification_item",
        item.id,
        item.plan,
        item.state,
        unit_id=item.plan.unit_id,
        due=item.due_date,
        reason=reason,
        office_due=False,
    )


def _simple(
    workflow: Workflow,
    object_type: str,
    object_id: int,
    plan: Plan,
    state: str,
    *,
    unit_id: int,
    due: date | None,
    reason: str | None,
    office_due: bool = True,
) -> list[Wanted]:
    """Workflows whose roles are only the unit and the office."""
    relations: set[str] = set()
    for action in workflow.duty_actions(state):
        relations |= workflow.roles_for(action, state)
    out = []
    unit = frozenset({"liaison", "unit_head"})
    for rels, role, who_unit in (
        (unit, TaskRole.UNIT, unit_id),
        (frozenset({"office"}), TaskRole.OFFICE, None),
    ):
        if relations & rels:
            out.append(
                Wanted(
                    object_type,
                    object_type,
                    object_id,
                    plan.id,
                    plan.program_id,
                    state,
                    _actions_for(workflow, state, rels),
                    role=role,
                    unit_id=who_unit,
                    due_date=due if (role != TaskRole.OFFICE or office_due) else None,
                    reason=reason,
                )
            )
    return out
