"""The performance office's console (绩效办): program settings and calendar, groups, units,
users and role grants, peer-review assignments with a load-balanced suggestion, and the
board of every unit's plan. Every change is authorized here and leaves an audit event."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, lazyload, selectinload

from wfapp.database import db
from wfapp.models import (
    PROGRAM_ROLES,
    UNIT_ROLES,
    CountersignPolicy,
    Group,
    PeerAssignment,
    Plan,
    Program,
    RoleGrant,
    StageDeadline,
    Task,
    Unit,
    User,
)
from wfapp.permissions import MANAGE, Decision, decide_program
from wfapp.services import audit, deadlines, history
from wfapp.services.auth import hash_password, new_nonce
from wfapp.services.errors import Conflict, Forbidden, Invalid, NotFound, Problem
from wfapp.services.uow import lock_plan, transaction
from wfapp.timeutil import local_today, utcnow
from wfapp.workflows.plan import PLAN_WORKFLOW, STATE_LABELS, S

# The tasks whose due date is the plan's (its stage's work, its evaluators' sheets).
PLAN_WORK = ("plan", "evaluation_sheet")

# Stages that carry a due date in the program's calendar (归档 has none).
CALENDAR_STAGES = [s for s in PLAN_WORKFLOW.states if s != S.CLOSED]
DEFAULT_PEERS = 2
MIN_PASSWORD = 8


# --- reading ------------------------------------------------------------------------------


def managed_programs(user: User) -> list[Program]:
    ids = [g.program_id for g in user.grants if g.program_id is not None]
    programs = db.session.scalars(select(Program).where(Program.id.in_(ids)).order_by(Program.id))
    return [p for p in programs if decide_program(user, MANAGE, p) is Decision.ALLOWED]


def get_program(user: User, program_id: int) -> Program:
    program = db.session.get(Program, program_id)
    if program is None:
        raise NotFound("未找到该考评项目")
    _require(user, program)
    return program


def _require(user: User, program: Program) -> None:
    decision = decide_program(user, MANAGE, program)
    if decision is Decision.NOT_VISIBLE:
        raise NotFound("未找到该考评项目")
    if decision is not Decision.ALLOWED:
        raise Forbidden("只有绩效办或系统管理员可以管理考评项目")


def program_plans(program: Program) -> list[Plan]:
    return list(
        db.session.scalars(
            select(Plan).where(Plan.program_id == program.id).order_by(Plan.group_id, Plan.id)
        )
    )


def all_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.username)))


def program_units(program: Program) -> list[Unit]:
    return [p.unit for p in program_plans(program)]


# --- program settings ---------------------------------------------------------------------


@dataclass
class Settings:
    title: str
    total_points: Decimal
    countersign_policy: str
    countersign_min: int | None
    deadlines: Mapping[str, date | None]


def update_settings(user: User, program_id: int, settings: Settings) -> Program:
    problems: list[Problem] = []
    if not settings.title.strip():
        problems.append(Problem("title", "请填写项目名称"))
    if settings.total_points <= 0:
        problems.append(Problem("total_points", "总分必须大于 0"))
    if settings.countersign_policy not in {p.value for p in CountersignPolicy}:
        problems.append(Problem("countersign_policy", "会签规则无效"))
    if settings.countersign_policy == CountersignPolicy.AT_LEAST and not (
        settings.countersign_min and settings.countersign_min >= 1
    ):
        problems.append(Problem("countersign_min", "“至少 N 家”须填写不小于 1 的数"))
    previous: tuple[str, date] | None = None
    for stage in CALENDAR_STAGES:
        due = settings.deadlines.get(stage)
        if due is None:
            continue
        if previous and due < previous[1]:
            problems.append(
                Problem(
                    f"deadline_{stage}",
                    f"{STATE_LABELS[stage]}的截止日期不能早于{STATE_LABELS[previous[0]]}（{previous[1]:%Y-%m-%d}）",
                )
            )
        previous = (stage, due)
    if problems:
        raise Invalid("设置未保存，请修正标出的项目", problems)

    with transaction():
        program = get_program(user, program_id)
        before = _settings_data(program)
        program.title = settings.title.strip()
        program.total_points = settings.total_points
        program.countersign_policy = settings.countersign_policy
        program.countersign_min = (
            settings.countersign_min
            if settings.countersign_policy == CountersignPolicy.AT_LEAST
            else None
        )
        existing = {d.stage: d for d in program.deadlines}
        for stage in CALENDAR_STAGES:
            due = settings.deadlines.get(stage)
            if due is None and stage in existing:
                program.deadlines.remove(existing[stage])
            elif due is not None and stage in existing:
                existing[stage].due_date = due
            elif due is not None:
                program.deadlines.append(StageDeadline(stage=stage, due_date=due))
        db.session.flush()
        after = _settings_data(program)
        changed = {
            k: [before.get(k), after.get(k)]
            for k in before.keys() | after.keys()
            if before.get(k) != after.get(k)
        }
        audit.record_event("program", program.id, user, "update_settings", data=changed)
    return program


def _settings_data(program: Program) -> dict[str, object]:
    data: dict[str, object] = {
        "title": program.title,
        "total_points": str(program.total_points),
        "countersign_policy": program.countersign_policy,
        "countersign_min": program.countersign_min,
    }
    for d in program.deadlines:
        data[f"deadline_{d.stage}"] = d.due_date.isoformat()
    return data


# --- groups and units ---------------------------------------------------------------------


def add_group(user: User, program_id: int, name: str) -> Group:
    name = name.strip()
    if not name:
        raise Invalid("请填写组名", [Problem("name", "请填写组名")])
    with transaction():
        program = get_program(user, program_id)
        group = Group(program=program, name=name)
        db.session.add(group)
        db.session.flush()
        audit.record_event("group", group.id, user, "add_group", data={"name": name})
    return group


def rename_group(user: User, group_id: int, name: str) -> Group:
    name = name.strip()
    if not name:
        raise Invalid("请填写组名", [Problem("name", "请填写组名")])
    with transaction():
        group = _group(user, group_id)
        old, group.name = group.name, name
        audit.record_event("group", group.id, user, "rename_group", data={"from": old, "to": name})
    return group


def _group(user: User, group_id: int) -> Group:
    group = db.session.get(Group, group_id)
    if group is None:
        raise NotFound("未找到该考评组")
    _require(user, group.program)
    return group


def add_unit(user: User, group_id: int, name: str, short_name: str) -> Plan:
    """A unit joins a group of the program: its plan starts as an empty draft."""
    name, short_name = name.strip(), (short_name.strip() or name.strip())
    problems = []
    if not name:
        problems.append(Problem("name", "请填写单位名称"))
    if len(short_name) > 50:
        problems.append(Problem("short_name", "简称不能超过 50 个字"))
    if problems:
        raise Invalid("单位未添加", problems)
    with transaction():
        group = _group(user, group_id)
        unit = db.session.scalars(select(Unit).where(Unit.name == name)).first()
        if unit is None:
            unit = Unit(name=name, short_name=short_name)
            db.session.add(unit)
            db.session.flush()
        elif db.session.scalars(
            select(Plan.id).where(Plan.program_id == group.program_id, Plan.unit_id == unit.id)
        ).first():
            raise Invalid("单位未添加", [Problem("name", "该单位已参加本项目")])
        plan = Plan(program_id=group.program_id, unit=unit, group=group, state=S.DRAFT)
        db.session.add(plan)
        db.session.flush()
        audit.record_event(
            "group", group.id, user, "add_unit", data={"unit": unit.name, "plan_id": plan.id}
        )
    return plan


# --- users and grants ---------------------------------------------------------------------


def create_user(
    user: User, program_id: int, username: str, display_name: str, email: str, password: str
) -> User:
    username, display_name, email = username.strip(), display_name.strip(), email.strip()
    problems = []
    if not username or len(username) > 80 or any(c.isspace() for c in username):
        problems.append(Problem("username", "用户名不能为空、不能含空格，最长 80 个字符"))
    if not display_name:
        problems.append(Problem("display_name", "请填写姓名"))
    if "@" not in email:
        problems.append(Problem("email", "请填写有效的电子邮箱"))
    if len(password) < MIN_PASSWORD:
        problems.append(Problem("password", f"初始密码至少 {MIN_PASSWORD} 位"))
    if problems:
        raise Invalid("用户未创建", problems)
    with transaction():
        program = get_program(user, program_id)
        if db.session.scalars(select(User.id).where(User.username == username)).first():
            raise Invalid("用户未创建", [Problem("username", "用户名已存在")])
        created = User(
            username=username,
            display_name=display_name,
            email=email,
            password_hash=hash_password(password),
            token_nonce=new_nonce(),
        )
        db.session.add(created)
        db.session.flush()
        audit.record_event("user", created.id, user, "create_user", data={"program_id": program.id})
    return created


def set_user_active(user: User, program_id: int, target_id: int, active: bool) -> User:
    with transaction():
        get_program(user, program_id)
        target = db.session.get(User, target_id)
        if target is None:
            raise NotFound("未找到该用户")
        if target.id == user.id and not active:
            raise Invalid("不能停用自己", [Problem("active", "不能停用自己的账号")])
        target.active = active
        target.token_nonce = new_nonce()  # ends the user's sessions and tokens either way
        audit.record_event("user", target.id, user, "activate" if active else "deactivate")
    return target


def add_grant(
    user: User, program_id: int, target_id: int, role: str, unit_id: int | None
) -> RoleGrant:
    """A role for a user: of a unit taking part in the program, or in the program itself."""
    with transaction():
        program = get_program(user, program_id)
        target = db.session.get(User, target_id)
        if target is None:
            raise NotFound("未找到该用户")
        if role in UNIT_ROLES:
            if unit_id not in {u.id for u in program_units(program)}:
                raise Invalid("角色未授予", [Problem("unit_id", "请选择参加本项目的单位")])
            grant = RoleGrant(user_id=target.id, role=role, unit_id=unit_id)
        elif role in PROGRAM_ROLES:
            grant = RoleGrant(user_id=target.id, role=role, program_id=program.id)
        else:
            raise Invalid("角色未授予", [Problem("role", "未知角色")])
        exists = [
            g
            for g in target.grants
            if (g.role, g.unit_id, g.program_id) == (grant.role, grant.unit_id, grant.program_id)
        ]
        if exists:
            raise Invalid("角色未授予", [Problem("role", "该用户已有此角色")])
        target.grants.append(grant)
        db.session.flush()
        audit.record_event(
            "user",
            target.id,
            user,
            "add_grant",
            data={"role": role, "unit_id": grant.unit_id, "program_id": grant.program_id},
        )
    return grant


def remove_grant(user: User, program_id: int, grant_id: int) -> None:
    with transaction():
        program = get_program(user, program_id)
        grant = db.session.get(RoleGrant, grant_id)
        in_scope = grant is not None and (
            grant.program_id == program.id
            or grant.unit_id in {u.id for u in program_units(program)}
        )
        if grant is None or not in_scope:
            raise NotFound("未找到该角色授权")
        if grant.user_id == user.id and grant.program_id == program.id:
            raise Invalid("不能撤销自己的管理角色", [Problem("grant", "不能撤销自己的管理角色")])
        data = {"role": grant.role, "unit_id": grant.unit_id, "program_id": grant.program_id}
        target = grant.user
        target.grants.remove(grant)
        audit.record_event("user", target.id, user, "remove_grant", data=data)


# --- peer review assignments --------------------------------------------------------------


def suggest_peers(unit_ids: Sequence[int], k: int = DEFAULT_PEERS) -> dict[int, list[int]]:
    """For each unit of a group, k reviewers from the same group, never itself, each unit
    reviewing the same number of plans: unit i is reviewed by units i+1 … i+k (circular)."""
    units = list(dict.fromkeys(unit_ids))
    k = max(0, min(k, len(units) - 1))
    return {u: [units[(i + j) % len(units)] for j in range(1, k + 1)] for i, u in enumerate(units)}


def suggestion_for_group(user: User, group_id: int, k: int) -> tuple[Group, dict[int, list[int]]]:
    """The suggestion by plan id, for the office to confirm."""
    group = _group(user, group_id)
    if not 1 <= k <= 10:
        raise Invalid("每份方案的互审单位数应在 1 到 10 之间", [Problem("k", "应在 1 到 10 之间")])
    group_plans = [p for p in program_plans(group.program) if p.group_id == group.id]
    by_unit = suggest_peers([p.unit_id for p in group_plans], k)
    return group, {p.id: by_unit[p.unit_id] for p in group_plans}


def set_peers(user: User, assignments: Mapping[int, Sequence[int]]) -> list[Plan]:
    """Replace the peer units of each given plan; only drafts, only units of the same group."""
    changed = []
    with transaction():
        for plan_id, unit_ids in assignments.items():
            plan = lock_plan(plan_id)
            _require(user, plan.program)
            wanted = list(dict.fromkeys(unit_ids))
            current = [a.reviewer_unit_id for a in plan.peer_assignments]
            if wanted == current:
                continue
            if plan.state != S.DRAFT:
                raise Conflict(f"{plan.unit.name}的方案已提交，不能再调整互审单位")
            same_group = {
                p.unit_id
                for p in program_plans(plan.program)
                if p.group_id == plan.group_id and p.id != plan.id
            }
            if not set(wanted) <= same_group:
                raise Invalid(
                    "互审单位无效",
                    [Problem(f"plan_{plan.id}", f"{plan.unit.name}：互审单位须为同组的其他单位")],
                )
            for a in list(plan.peer_assignments):
                if a.reviewer_unit_id not in wanted:
                    plan.peer_assignments.remove(a)
            for unit_id in wanted:
                if unit_id not in current:
                    plan.peer_assignments.append(PeerAssignment(reviewer_unit_id=unit_id))
            plan.updated_at = utcnow()  # bumps the version: open pages of this plan go stale
            audit.record_plan_event(
                plan, user, "assign_peers", plan.state, plan.state, data={"units": wanted}
            )
            changed.append(plan)
    return changed


# --- the board ----------------------------------------------------------------------------


@dataclass
class BoardRow:
    plan: Plan
    due: date | None
    days_left: int | None

    @property
    def stage_label(self) -> str:
        return STATE_LABELS.get(self.plan.state, self.plan.state)

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0


@dataclass
class Board:
    rows: list[BoardRow]
    counts: list[tuple[str, str, int]]  # (state, label, plans) in workflow order
    accountable: list[history.Flagged]  # units the 效能问责 rule flags this year
    overdue: int  # plans with open work past its due date


def board(user: User, program_id: int, today: date | None = None) -> Board:
    """Every plan of the program with the due date of its open work (from the task rows),
    counts per stage and the overdue count in SQL: a fixed number of statements."""
    program = get_program(user, program_id)
    today = today or local_today()
    work = (Task.program_id == program.id, Task.closed_at.is_(None), Task.kind.in_(PLAN_WORK))
    due_of = dict(
        db.session.execute(
            select(Task.plan_id, func.min(Task.due_date)).where(*work).group_by(Task.plan_id)
        ).all()
    )
    late = select(Task.plan_id).where(*work, Task.due_date < today).distinct().subquery()
    overdue = db.session.scalar(select(func.count()).select_from(late)) or 0
    per_state = dict(
        db.session.execute(
            select(Plan.state, func.count(Plan.id))
            .where(Plan.program_id == program.id)
            .group_by(Plan.state)
        ).all()
    )
    plans = db.session.scalars(
        select(Plan)
        .where(Plan.program_id == program.id)
        .options(
            joinedload(Plan.unit),
            joinedload(Plan.group),
            selectinload(Plan.peer_assignments).joinedload(PeerAssignment.reviewer_unit),
            lazyload(Plan.indicators),
        )
        .order_by(Plan.group_id, Plan.id)
    )
    rows = [
        BoardRow(plan, due_of.get(plan.id), deadlines.days_left(due_of.get(plan.id), today))
        for plan in plans
    ]
    counts = [(s, STATE_LABELS[s], per_state.get(s, 0)) for s in PLAN_WORKFLOW.states]
    return Board(rows, counts, history.flagged(program), overdue)
