"""`wfapp tasks verify`: recompute who is awaited the slow way and compare with the task rows.

The slow way is the one the pages used before tasks were stored: for every running object and
every user who could stand in some relation to it, ask the permissions and guards
(`plans.is_awaited`, each workflow's `available_actions`) whether it waits for that user. The
fast way expands each open task to the active users it waits for. Any difference — a user
awaited without a task, a task for someone not awaited, a due date or a return reason that
disagrees — is reported.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select

from wfapp.database import db
from wfapp.models import (
    ChangeRequest,
    Delegation,
    Plan,
    RectificationItem,
    RoleGrant,
    Task,
    User,
)
from wfapp.services import deadlines
from wfapp.services.tasks import people_of
from wfapp.workflows.change_request import CHANGE_REQUEST_WORKFLOW, CR
from wfapp.workflows.evaluation_sheet import SHEET_WORKFLOW
from wfapp.workflows.plan import S
from wfapp.workflows.rectification import OPEN_STATES, UNIT_STATES

Awaited = tuple[str, int, int]  # (kind, object id, user id)


@dataclass
class Report:
    objects: int
    tasks: int
    differences: list[str]

    @property
    def ok(self) -> bool:
        return not self.differences


def verify(program_ids: list[int] | None = None) -> Report:
    """Compare, for every program or the given ones."""
    slow, due, reasons, objects = _slow(program_ids)
    open_tasks = select(Task).where(Task.closed_at.is_(None))
    if program_ids is not None:
        open_tasks = open_tasks.where(Task.program_id.in_(program_ids))
    tasks = list(db.session.scalars(open_tasks))
    fast: set[Awaited] = set()
    people = people_of(tasks)
    for task in tasks:
        for user_id in people.get(task.id, []):
            fast.add((task.kind, task.object_id, user_id))
    names = dict(db.session.execute(select(User.id, User.username)).all())
    differences = [
        f"{kind} {oid}: {names.get(uid, uid)} is awaited but has no open task"
        for kind, oid, uid in sorted(slow - fast)
    ] + [
        f"{kind} {oid}: an open task waits for {names.get(uid, uid)}, who is not awaited"
        for kind, oid, uid in sorted(fast - slow)
    ]
    for task in tasks:
        thing = (task.kind, task.object_id)
        if thing in due and task.due_date != due[thing]:
            differences.append(
                f"{task.kind} {task.object_id}: task {task.id} is due {task.due_date}, "
                f"the calendar says {due[thing]}"
            )
        if thing in reasons and task.reason != reasons[thing]:
            differences.append(
                f"{task.kind} {task.object_id}: task {task.id} gives the reason "
                f"{task.reason!r}, the history says {reasons[thing]!r}"
            )
    return Report(objects, len(tasks), differences)


def _candidates(plan: Plan) -> list[User]:
    """Everyone who could stand in a relation to the plan: grants of its unit, of its peer
    units, of its program, and the people its reviews were handed to."""
    units = {plan.unit_id} | {a.reviewer_unit_id for a in plan.peer_assignments}
    delegates = select(Delegation.to_user_id).where(Delegation.plan_id == plan.id)
    return list(
        db.session.scalars(
            select(User)
            .outerjoin(RoleGrant, RoleGrant.user_id == User.id)
            .where(
                or_(
                    RoleGrant.unit_id.in_(units),
                    RoleGrant.program_id == plan.program_id,
                    User.id.in_(delegates),
                )
            )
            .distinct()
            .order_by(User.id)
        )
    )


def _slow(program_ids: list[int] | None) -> tuple[set[Awaited], dict, dict, int]:
    from wfapp.services import change_requests, evaluation, plans, rectification

    awaited: set[Awaited] = set()
    due: dict[tuple[str, int], object] = {}
    reasons: dict[tuple[str, int], str | None] = {}
    scope = [] if program_ids is None else [Plan.program_id.in_(program_ids)]
    running = list(db.session.scalars(select(Plan).where(Plan.state != S.CLOSED, *scope)))
    objects = len(running)
    for plan in running:
        people = _candidates(plan)
        if plan.state == S.CENTRAL_EVALUATION:
            for user in people:
                sheet = evaluation.sheet_of(plan, user) if user.is_active else None
                offered = set(evaluation.sheet_actions(user, sheet, plan))
                if offered & {"save", *SHEET_WORKFLOW.duty_actions("draft")}:
                    awaited.add(("evaluation_sheet", plan.id, user.id))
            due[("evaluation_sheet", plan.id)] = deadlines.due_date(plan)
            continue
        for user in people:
            if plans.is_awaited(user, plan):
                awaited.add(("plan", plan.id, user.id))
        due[("plan", plan.id)] = deadlines.due_date(plan)
        if plan.state == S.DRAFT:
            reasons[("plan", plan.id)] = _return_reason(plan)
    requests = db.session.scalars(
        select(ChangeRequest)
        .join(Plan, Plan.id == ChangeRequest.plan_id)
        .where(ChangeRequest.state == CR.PENDING, *scope)
    )
    for request in requests:
        objects += 1
        duties = set(CHANGE_REQUEST_WORKFLOW.duty_actions(request.state))
        for user in _candidates(request.plan):
            if set(change_requests.available_actions(user, request)) & duties:
                awaited.add(("change_request", request.id, user.id))
    items = db.session.scalars(
        select(RectificationItem)
        .join(Plan, Plan.id == RectificationItem.plan_id)
        .where(RectificationItem.state.in_(OPEN_STATES), *scope)
    )
    for item in items:
        objects += 1
        if item.state in UNIT_STATES:
            due[("rectification_item", item.id)] = item.due_date
        for user in _candidates(item.plan):
            if rectification.available_actions(user, item):
                awaited.add(("rectification_item", item.id, user.id))
    return awaited, due, reasons, objects


def _return_reason(plan: Plan) -> str | None:
    """The comment of the return that sent this round back, read from the history: the plan
    is in a later round than its newest submission only after a return."""
    from wfapp.models import AuditEvent

    last = db.session.execute(
        select(AuditEvent.action, AuditEvent.comment)
        .where(AuditEvent.plan_id == plan.id, AuditEvent.object_type == "plan")
        .where(AuditEvent.action.in_(["return", "withdraw", "submit"]))
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()
    if last is None or last.action != "return":
        return None
    return (last.comment or "").strip() or None
