"""The one writer of tasks (待办), in the transaction of the change that makes or ends them.

Every change that can move work — a transition of any workflow, a sign-off, a delegation, an
assignment of peers or evaluators, a calendar edit, a program closed — ends in a flush of the
rows it touched. A session listener notes which objects those rows belong to (`after_flush`)
and, before the transaction commits, brings each object's open tasks in line with what its
workflow says now (wfapp.services.task_rules): tasks no longer wanted are closed (and their
notices marked done), changed ones updated in place, new ones opened and announced. No route
or service writes a task by hand, so no path can forget to.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from flask import Flask
from sqlalchemy import and_, event, false, insert, inspect, or_, select, update
from sqlalchemy.orm import Session

from wfapp.database import db
from wfapp.models import (
    AuditEvent,
    CalendarDay,
    ChangeRequest,
    DeadlineExtension,
    Delegation,
    EvaluationSheet,
    EvaluatorAssignment,
    Notice,
    PeerAssignment,
    PeerSignoff,
    Plan,
    Program,
    RectificationItem,
    Role,
    RoleGrant,
    StageDeadline,
    Task,
    TaskRole,
    User,
)
from wfapp.services import task_rules
from wfapp.services.task_rules import Wanted
from wfapp.timeutil import utcnow
from wfapp.workflows.change_request import CR
from wfapp.workflows.plan import STATE_LABELS, S
from wfapp.workflows.rectification import OPEN_STATES

DIRTY = "wfapp.tasks.dirty"  # session.info: {(object_type, id)} to bring in line
ACTORS = "wfapp.tasks.actors"  # session.info: who acted in this transaction (not told)
# Actors: user ids of the transaction's audit events; 0 the system, -1 a rebuild.
# Grant roles behind each candidate group.
GROUP_ROLES = {
    TaskRole.UNIT: (Role.LIAISON, Role.UNIT_HEAD),
    TaskRole.LEADER: (Role.LEADER,),
    TaskRole.OFFICE: (Role.OFFICE,),
}


def init_app(app: Flask) -> None:
    if not event.contains(db.session, "after_flush", _after_flush):
        event.listen(db.session, "after_flush", _after_flush)
        event.listen(db.session, "before_commit", _before_commit)
        event.listen(db.session, "after_soft_rollback", _after_rollback)


# --- noticing what changed ------------------------------------------------------------------


def _changed(obj: object, *names: str) -> bool:
    attrs = inspect(obj).attrs
    return any(attrs[n].history.has_changes() for n in names)


def _after_flush(session: Session, _context) -> None:
    dirty: set[tuple[str, int]] = session.info.setdefault(DIRTY, set())
    actors: set[int] = session.info.setdefault(ACTORS, set())
    for obj in session.new:
        if isinstance(obj, AuditEvent):  # 0: the system acted (a calendar, an automatic step)
            actors.add(obj.actor_id or 0)
    touched = [(o, True) for o in session.new] + [(o, True) for o in session.deleted]
    touched += [(o, False) for o in session.dirty]
    for obj, whole in touched:
        if isinstance(obj, Plan):
            # The collections too: an orphaned peer assignment is deleted by the flush
            # without ever being in session.deleted.
            keys = ("state", "round", "unit_id", "program_id", "group_id", "peer_assignments")
            if whole or _changed(obj, *keys):
                dirty.add(("plan", obj.id))
            # Pending change requests wait for the office only while the plan is 公开.
            states = inspect(obj).attrs["state"].history
            if not whole and S.PUBLISHED in (*states.added, *states.deleted):
                dirty.add(("plan_requests", obj.id))
        elif isinstance(obj, (PeerSignoff, Delegation, PeerAssignment, DeadlineExtension)):
            if obj.plan_id is not None:
                dirty.add(("plan", obj.plan_id))
        elif isinstance(obj, EvaluationSheet):
            if whole or _changed(obj, "state"):
                dirty.add(("plan", obj.plan_id))
        elif isinstance(obj, EvaluatorAssignment):
            if obj.plan_id is not None:
                dirty.add(("plan", obj.plan_id))
            elif obj.group_id is not None:
                dirty.add(("group_evaluation", obj.group_id))
        elif isinstance(obj, ChangeRequest):
            if whole or _changed(obj, "state"):
                dirty.add(("change_request", obj.id))
        elif isinstance(obj, RectificationItem):
            if whole or _changed(obj, "state", "due_date", "plan_id"):
                dirty.add(("rectification_item", obj.id))
        elif isinstance(obj, Program):
            if not whole and _changed(obj, "closed_at"):
                dirty.add(("program_items", obj.id))
        elif isinstance(obj, (StageDeadline, CalendarDay)):
            if obj.program_id is not None:
                dirty.add(("program_due", obj.program_id))
        elif isinstance(obj, RoleGrant) and whole:
            # Who evaluates a plan depends on grants: an evaluator of the program, not of
            # the plan's unit.
            if obj.program_id is not None and obj.role == Role.EVALUATOR:
                dirty.add(("program_evaluation", obj.program_id))
            elif obj.unit_id is not None:
                dirty.add(("unit_evaluation", obj.unit_id))


def _after_rollback(session: Session, _previous) -> None:
    session.info.pop(DIRTY, None)
    session.info.pop(ACTORS, None)


def _before_commit(session: Session) -> None:
    # Commit flushes only after this hook: flush first, so that the last changes are noted.
    for _ in range(20):  # each round's own flushes may note more (a plan closing by itself)
        session.flush()
        dirty = session.info.pop(DIRTY, None)
        if not dirty:
            break
        _bring_in_line(dirty)
    session.info.pop(ACTORS, None)


def _bring_in_line(dirty: set[tuple[str, int]]) -> None:
    by_kind: dict[str, set[int]] = defaultdict(set)
    for kind, object_id in dirty:
        by_kind[kind].add(object_id)
    plan_ids = set(by_kind["plan"])
    in_evaluation = Plan.state == S.CENTRAL_EVALUATION
    if by_kind["group_evaluation"]:
        plan_ids |= _ids(Plan.group_id.in_(by_kind["group_evaluation"]), in_evaluation)
    if by_kind["program_evaluation"]:
        plan_ids |= _ids(Plan.program_id.in_(by_kind["program_evaluation"]), in_evaluation)
    if by_kind["unit_evaluation"]:
        plan_ids |= _ids(Plan.unit_id.in_(by_kind["unit_evaluation"]), in_evaluation)
    if by_kind["program_due"]:
        # A calendar edit moves due dates: every plan of the program with open work.
        plan_ids |= set(
            db.session.scalars(
                select(Task.plan_id)
                .where(Task.closed_at.is_(None), Task.program_id.in_(by_kind["program_due"]))
                .distinct()
            )
        )
    for plan_id in sorted(plan_ids):
        plan = db.session.get(Plan, plan_id)
        sync("plan", plan_id, task_rules.plan_tasks(plan) if plan is not None else [])
    request_ids = set(by_kind["change_request"])
    if by_kind["plan_requests"]:
        request_ids |= set(
            db.session.scalars(
                select(ChangeRequest.id).where(
                    ChangeRequest.plan_id.in_(by_kind["plan_requests"]),
                    ChangeRequest.state == CR.PENDING,
                )
            )
        )
    for request_id in sorted(request_ids):
        request = db.session.get(ChangeRequest, request_id)
        wanted = task_rules.change_request_tasks(request) if request is not None else []
        sync("change_request", request_id, wanted)
    item_ids = set(by_kind["rectification_item"])
    if by_kind["program_items"]:
        item_ids |= set(
            db.session.scalars(
                select(RectificationItem.id).where(
                    RectificationItem.program_id.in_(by_kind["program_items"]),
                    RectificationItem.state.in_(OPEN_STATES),
                )
            )
        )
    for item_id in sorted(item_ids):
        item = db.session.get(RectificationItem, item_id)
        sync("rectification_item", item_id, task_rules.item_tasks(item) if item else [])


def _ids(*where) -> set[int]:
    return set(db.session.scalars(select(Plan.id).where(*where)))


# --- writing --------------------------------------------------------------------------------


def sync(object_type: str, object_id: int, wanted: list[Wanted]) -> tuple[list[Task], list[Task]]:
    """Make the object's open tasks what `wanted` says: (opened, closed)."""
    current = list(
        db.session.scalars(
            select(Task).where(
                Task.object_type == object_type,
                Task.object_id == object_id,
                Task.closed_at.is_(None),
            )
        )
    )
    by_key = {_key(t): t for t in current}
    now = utcnow()
    opened = []
    for w in wanted:
        task = by_key.pop(w.key, None)
        if task is None:
            task = Task(
                kind=w.kind,
                object_type=w.object_type,
                object_id=w.object_id,
                plan_id=w.plan_id,
                program_id=w.program_id,
                stage=w.stage,
                actions=list(w.actions),
                user_id=w.user_id,
                role=w.role,
                unit_id=w.unit_id,
                due_date=w.due_date,
                reason=w.reason,
                opened_at=now,
            )
            db.session.add(task)
            opened.append(task)
            continue
        if list(task.actions) != list(w.actions):
            task.actions = list(w.actions)
        if task.due_date != w.due_date:
            task.due_date = w.due_date
        if task.reason != w.reason:
            task.reason = w.reason
    closed = list(by_key.values())
    for task in closed:
        task.closed_at = now
    if closed:
        db.session.execute(
            update(Notice)
            .where(Notice.task_id.in_([t.id for t in closed]), Notice.read_at.is_(None))
            .values(read_at=now)
            .execution_options(synchronize_session=False)
        )
    if opened:
        db.session.flush()
        # Work that stays with the same people (an item started, a plan's review moving
        # between its own stages for the same group) is not news.
        before = {t.who for t in closed}
        _announce([t for t in opened if t.who not in before])
    return opened, closed


def _key(task: Task) -> tuple:
    return (task.kind, task.stage, task.user_id, task.role, task.unit_id)


def rebuild(plan_ids: Iterable[int] | None = None) -> int:
    """Bring every running object's tasks in line (the migration, `wfapp tasks rebuild`):
    the number of objects looked at. Announces nothing: nobody acted."""
    db.session.info[ACTORS] = {-1}
    plans = select(Plan.id).where(Plan.state != S.CLOSED)
    if plan_ids is not None:
        plans = plans.where(Plan.id.in_(list(plan_ids)))
    dirty = {("plan", i) for i in db.session.scalars(plans)}
    dirty |= {("plan", i) for i in db.session.scalars(select(Task.plan_id).distinct())}
    dirty |= {
        ("change_request", i)
        for i in db.session.scalars(
            select(ChangeRequest.id).where(ChangeRequest.state == CR.PENDING)
        )
    }
    dirty |= {
        ("rectification_item", i)
        for i in db.session.scalars(
            select(RectificationItem.id).where(RectificationItem.state.in_(OPEN_STATES))
        )
    }
    db.session.info[DIRTY] = dirty
    _before_commit(db.session())
    db.session.info[ACTORS] = set()
    return len(dirty)


def rebuild_on(connection) -> int:
    """`rebuild` on a connection in a transaction of its own (a migration), with a session
    of its own standing in for the app's for the duration."""
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    db.session.registry.set(session)
    try:
        count = rebuild()
        session.flush()
        session.commit()  # the savepoint; the migration's transaction commits it for good
    finally:
        session.close()
        db.session.registry.clear()
    return count


# --- who: a task's people -----------------------------------------------------------------


def people_of(tasks: list[Task]) -> dict[int, list[int]]:
    """Task id → the active users it waits for, in one query for all of them."""
    if not tasks:
        return {}
    conditions = []
    for t in tasks:
        if t.user_id is not None:
            conditions.append(User.id == t.user_id)
        elif t.role == TaskRole.OFFICE:
            conditions.append(
                and_(RoleGrant.role == Role.OFFICE, RoleGrant.program_id == t.program_id)
            )
        elif t.role in GROUP_ROLES:
            conditions.append(
                and_(RoleGrant.role.in_(GROUP_ROLES[t.role]), RoleGrant.unit_id == t.unit_id)
            )
    rows = db.session.execute(
        select(User.id, RoleGrant.role, RoleGrant.unit_id, RoleGrant.program_id)
        .outerjoin(RoleGrant, RoleGrant.user_id == User.id)
        .where(User.active.is_(True), or_(false(), *conditions))
        .order_by(User.username)
    ).all()
    out: dict[int, list[int]] = {}
    for t in tasks:
        found = []
        for user_id, role, unit_id, program_id in rows:
            if t.user_id is not None:
                hit = user_id == t.user_id
            elif t.role == TaskRole.OFFICE:
                hit = role == Role.OFFICE and program_id == t.program_id
            else:
                hit = role in GROUP_ROLES.get(t.role, ()) and unit_id == t.unit_id
            if hit and user_id not in found:
                found.append(user_id)
        out[t.id] = found
    return out


def open_tasks(object_type: str, object_id: int, kind: str | None = None) -> list[Task]:
    query = select(Task).where(
        Task.object_type == object_type, Task.object_id == object_id, Task.closed_at.is_(None)
    )
    if kind is not None:
        query = query.where(Task.kind == kind)
    return list(db.session.scalars(query.order_by(Task.id)))


def pending_actors(plan: Plan) -> list[User]:
    """Everyone the plan's current stage waits for (reminders): its open tasks' people."""
    people = people_of(open_tasks("plan", plan.id, "plan"))
    ids = list(dict.fromkeys(u for users in people.values() for u in users))
    if not ids:
        return []
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
    return sorted((users[i] for i in ids), key=lambda u: u.username)


def waits_for(user: User, task: Task) -> bool:
    """In Python, for tasks already loaded: the same rule as `mine`."""
    if task.closed_at is not None:
        return False
    if task.user_id is not None:
        return task.user_id == user.id
    if task.role == TaskRole.OFFICE:
        return task.program_id in user.program_ids(Role.OFFICE)
    return task.unit_id in user.unit_ids(*GROUP_ROLES.get(task.role, ()))


def actions_for(user: User, tasks: list[Task]) -> list[str]:
    """The actions of these tasks that wait for the user, in order, once each."""
    return list(dict.fromkeys(a for t in tasks if waits_for(user, t) for a in t.actions))


def mine(user: User):
    """The SQL condition "open, and waiting for this user": by person, or by a group the
    user's grants put them in."""
    units = user.unit_ids(Role.LIAISON, Role.UNIT_HEAD)
    led = user.unit_ids(Role.LEADER)
    offices = user.program_ids(Role.OFFICE)
    who = [Task.user_id == user.id]
    if units:
        who.append(and_(Task.role == TaskRole.UNIT, Task.unit_id.in_(units)))
    if led:
        who.append(and_(Task.role == TaskRole.LEADER, Task.unit_id.in_(led)))
    if offices:
        who.append(and_(Task.role == TaskRole.OFFICE, Task.program_id.in_(offices)))
    return and_(Task.closed_at.is_(None), or_(*who))


# --- telling: a notice per new task -------------------------------------------------------


def _announce(opened: list[Task]) -> None:
    if not opened:
        return
    session = db.session()
    actors = session.info.get(ACTORS, set())
    # Work is news when someone (or the system) acted: an audited change. Rows written
    # directly (imports, the demo's plans) and a rebuild tell nobody.
    if not actors or -1 in actors:
        return
    people = people_of(opened)
    rows = []
    now = utcnow()
    for task in opened:
        kind, title, body, link = _notice_text(task)
        for user_id in people.get(task.id, []):
            if user_id in actors:
                continue
            rows.append(
                {
                    "user_id": user_id,
                    "plan_id": task.plan_id,
                    "kind": kind,
                    "title": title[:300],
                    "body": body,
                    "link": link,
                    "task_id": task.id,
                    "created_at": now,
                }
            )
    if rows:  # one statement for everyone told, however many they are
        db.session.execute(insert(Notice), rows)


def _notice_text(task: Task) -> tuple[str, str, str, str]:
    """(kind, title, body, link) of the notice announcing a task."""
    plan = db.session.get(Plan, task.plan_id)
    reason = f"退回理由：{task.reason}"  # told only when there is one
    if task.kind == "plan":
        link = f"/plans/{plan.id}"
        if task.reason:
            return "returned", f"方案被退回修改：{plan.title}", reason, link
        label = STATE_LABELS[task.stage]  # every plan state has its label
        return "awaits", f"待您办理（{label}）：{plan.title}", "", link
    if task.kind == "evaluation_sheet":
        link = f"/plans/{plan.id}/sheet"
        if task.reason:
            return "returned", f"评分表被退回重评：{plan.title}", reason, link
        return "awaits", f"待您评分（集中考评）：{plan.title}", "", link
    if task.kind == "change_request":
        return (
            "awaits",
            f"待您审批方案变更申请：{plan.title}",
            "",
            f"/change-requests/{task.object_id}",
        )
    item = db.session.get(RectificationItem, task.object_id)
    link = f"/rectification-items/{item.id}"
    title = f"整改事项 #{item.id}（{item.unit.short_name}）"
    if task.reason:
        return "returned", f"{title}被退回重新整改", reason, link
    if task.role == TaskRole.OFFICE:
        return "awaits", f"待您核验：{title}", item.result_statement, link
    verb = "转入本年度" if item.carried_from_id is not None else "待整改"
    return "awaits", f"{title}{verb}", item.finding, link
