"""The office's long lists (units and their plans, users, leaders): search, filters and
paging, each page in a number of statements that does not grow with the program."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import selectinload

from wfapp.database import db
from wfapp.models import Plan, Program, Role, RoleGrant, Unit, User
from wfapp.services import deadlines
from wfapp.services.lists import PAGE_SIZE, Page, paginate, plan_row_options
from wfapp.timeutil import local_today

MAX_QUERY = 100


@dataclass(frozen=True)
class PlanFilter:
    """What the office narrows a program's plans to. `overdue`: 逾期方案 only
    (wfapp.services.terms.OVERDUE_PLANS)."""

    q: str = ""
    group_id: int | None = None
    state: str | None = None
    overdue: bool = False

    @property
    def active(self) -> bool:
        return bool(self.q or self.group_id or self.state or self.overdue)


@dataclass
class PlanRow:
    plan: Plan
    due: date | None
    days_left: int | None

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def plans_query(program: Program, f: PlanFilter, *, peers: bool = False) -> Select:
    query = (
        select(Plan)
        .join(Plan.unit)
        .where(Plan.program_id == program.id)
        .options(*plan_row_options(peers=peers))
        .order_by(Plan.group_id, Plan.id)
    )
    if f.q:
        pattern = _like(f.q[:MAX_QUERY])
        query = query.where(
            or_(Unit.name.like(pattern, escape="\\"), Unit.short_name.like(pattern, escape="\\"))
        )
    if f.group_id:
        query = query.where(Plan.group_id == f.group_id)
    if f.state:
        query = query.where(Plan.state == f.state)
    return query


def plan_page(
    program: Program,
    f: PlanFilter,
    number: int,
    *,
    peers: bool = False,
    size: int = PAGE_SIZE,
    today: date | None = None,
) -> Page[PlanRow]:
    """One page of the program's plans as the filter narrows them, with their due dates.
    逾期 depends on each plan's calendar, so with that filter the narrowed plans are read
    (without their tables) and paged here; otherwise the database pages."""
    today = today or local_today()
    query = plans_query(program, f, peers=peers)
    if f.overdue:
        candidates = list(db.session.scalars(query).unique())
        due = deadlines.due_dates(candidates)
        late = [p for p in candidates if (d := due[p.id]) is not None and d < today]
        total = len(late)
        pages = max(1, -(-total // size))
        number = min(max(1, number), pages)
        shown = late[(number - 1) * size : number * size]
        return Page(
            [PlanRow(p, due[p.id], (due[p.id] - today).days) for p in shown], number, size, total
        )  # type: ignore[operator]
    page = paginate(query, number, size)
    due = deadlines.due_dates(page.items)
    rows = [PlanRow(p, due[p.id], deadlines.days_left(due[p.id], today)) for p in page.items]
    return Page(rows, page.number, page.size, page.total)


def group_sizes(program: Program) -> dict[int, int]:
    return dict(
        db.session.execute(
            select(Plan.group_id, func.count())
            .where(Plan.program_id == program.id)
            .group_by(Plan.group_id)
        ).all()
    )


def units_of(program: Program) -> dict[int, Unit]:
    """Every unit taking part in the program, by id (one statement)."""
    units = db.session.scalars(
        select(Unit).join(Plan, Plan.unit_id == Unit.id).where(Plan.program_id == program.id)
    )
    return {u.id: u for u in units}


# --- users ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserFilter:
    q: str = ""
    role: str | None = None

    @property
    def active(self) -> bool:
        return bool(self.q or self.role)


def user_page(program: Program, f: UserFilter, number: int) -> Page[User]:
    """Users of this program (a role in it or in one of its units) and users without any
    role yet, by user name; `q` matches user name, name or a unit's name."""
    program_units = select(Plan.unit_id).where(Plan.program_id == program.id)
    in_program = or_(RoleGrant.program_id == program.id, RoleGrant.unit_id.in_(program_units))
    has_role_here = exists().where(RoleGrant.user_id == User.id, in_program)
    no_role = ~exists().where(RoleGrant.user_id == User.id)
    query = (
        select(User)
        .where(or_(has_role_here, no_role))
        .options(selectinload(User.grants))
        .order_by(User.username)
    )
    if f.q:
        pattern = _like(f.q[:MAX_QUERY])
        of_unit = exists().where(
            RoleGrant.user_id == User.id,
            RoleGrant.unit_id == Unit.id,
            Unit.name.like(pattern, escape="\\"),
        )
        query = query.where(
            or_(
                User.username.like(pattern, escape="\\"),
                User.display_name.like(pattern, escape="\\"),
                of_unit,
            )
        )
    if f.role:
        query = query.where(
            exists().where(RoleGrant.user_id == User.id, RoleGrant.role == f.role, in_program)
        )
    return paginate(query, number)


def leaders_by_unit(unit_ids: list[int]) -> dict[int, list[tuple[RoleGrant, User]]]:
    """The 分管领导 grants of these units with their users (one statement)."""
    rows = db.session.execute(
        select(RoleGrant, User)
        .join(User, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == Role.LEADER, RoleGrant.unit_id.in_(unit_ids))
        .order_by(User.username)
    ).all()
    out: dict[int, list[tuple[RoleGrant, User]]] = {}
    for grant, user in rows:
        out.setdefault(grant.unit_id, []).append((grant, user))  # type: ignore[arg-type]
    return out


def leader_candidates() -> list[User]:
    """Users who may be made a unit's 分管领导: those who already lead some unit, and those
    without any role (a list that stays short, unlike all users of a province)."""
    leads = exists().where(RoleGrant.user_id == User.id, RoleGrant.role == Role.LEADER)
    no_role = ~exists().where(RoleGrant.user_id == User.id)
    return list(
        db.session.scalars(
            select(User).where(User.active.is_(True), or_(leads, no_role)).order_by(User.username)
        )
    )
