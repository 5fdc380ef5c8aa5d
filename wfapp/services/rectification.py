"""Rectification (整改): findings become items, the unit rectifies them with evidence, the
office verifies and closes them (销号); a plan in 整改 closes by itself with its last item;
closing a program carries its open items into the next program.

Findings (`create_items_from_findings`, run when a plan enters 整改, in that transaction):
  sheet_finding – an indicator some signed evaluation sheet marked as a finding;
  low_score     – an indicator whose mean signed score is below the program's
                  `low_score_threshold` × its weight;
  inspection    – a 察访核验 deduction entry in force;
the office adds others by hand. The same origin (plan, kind, reference) never makes two items.

`record(program)` is each unit's rectification record for the scheme of `program`: the
items of the program before it, how many were closed on time, how many are still open
(following the carry-over: an item is open while its copy in the next program is).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from wfapp.database import db
from wfapp.models import (
    EvidenceScope,
    ExternalKind,
    Group,
    Plan,
    Program,
    RectificationItem,
    Role,
    SourceKind,
    Unit,
    User,
)
from wfapp.permissions import (
    ADD_ITEM,
    CLOSE_PROGRAM,
    EDIT_ITEM,
    EDIT_ITEM_TERMS,
    VIEW_BOARD,
    VIEW_ITEMS,
    Decision,
    decide,
)
from wfapp.services import audit, evidence, external, plans
from wfapp.services.deadlines import day_overrides, days_left
from wfapp.services.errors import Conflict, Invalid, NotFound, Problem
from wfapp.services.evaluation import plan_sheets
from wfapp.services.events import item_changed, plan_changed
from wfapp.services.lists import plan_row_options
from wfapp.services.plans import MAX_COMMENT, require
from wfapp.services.targets import format_points
from wfapp.services.uow import lock_plan, lock_with_plan, transaction
from wfapp.services.workdays import add_working_days, add_working_days_or_estimate
from wfapp.timeutil import local, local_today, utcnow
from wfapp.workflows import GuardContext, GuardFailed, InvalidAction
from wfapp.workflows.plan import S
from wfapp.workflows.rectification import OPEN_STATES, RECTIFICATION_WORKFLOW, R

log = logging.getLogger(__name__)

MAX_TEXT = 2000
MAX_NAME = 200
MAX_WORKING_DAYS = 250


def init_app(app: Flask) -> None:
    plan_changed.connect(_on_plan_changed)


def _on_plan_changed(plan: Plan, *, from_state: str, to_state: str, **_) -> None:
    """A plan entering 整改 gets its findings as items, in the same transaction."""
    if to_state == S.RECTIFICATION and from_state != to_state:
        create_items_from_findings(plan)


# --- reading ------------------------------------------------------------------------------


def items_of(user: User, plan: Plan) -> list[RectificationItem]:
    require(user, VIEW_ITEMS, plan)
    return list(
        db.session.scalars(
            select(RectificationItem)
            .where(RectificationItem.plan_id == plan.id)
            .order_by(RectificationItem.id)
        )
    )


def get_item(user: User, item_id: int) -> RectificationItem:
    item = db.session.get(RectificationItem, item_id)
    if item is None:
        raise NotFound("未找到该整改事项")
    require(user, "view", item)
    return item


def my_items(user: User) -> list[RectificationItem]:
    """The items of the user's own units (liaison, head, 分管领导), newest program first."""
    unit_ids = user.unit_ids(Role.LIAISON, Role.UNIT_HEAD, Role.LEADER)
    rows = db.session.scalars(
        select(RectificationItem)
        .join(Program, Program.id == RectificationItem.program_id)
        .where(RectificationItem.unit_id.in_(unit_ids))
        .order_by(Program.year.desc(), RectificationItem.due_date, RectificationItem.id)
    )
    return [i for i in rows if decide(user, "view", i) is Decision.ALLOWED]


def available_actions(user: User, item: RectificationItem) -> list[str]:
    return [
        a
        for a in RECTIFICATION_WORKFLOW.actions_from(item.state)
        if decide(user, a, item) is Decision.ALLOWED
    ]


def is_overdue(item: RectificationItem, today: date | None = None) -> bool:
    """Open past its due date; an item carried into the next program is rectified (and
    counted) there."""
    left = days_left(item.due_date, today or local_today())
    if item.state not in OPEN_STATES or left is None or left >= 0:
        return False
    # Only a closed program's items are carried: ask (one query) only then.
    return item.program.closed_at is None or not item.carried_to


def closed_on_time(item: RectificationItem) -> bool:
    closed = local(item.closed_at)
    return item.state == R.CLOSED and closed is not None and closed.date() <= item.due_date


# --- due dates ----------------------------------------------------------------------------


def due_from(
    program: Program, due: date | None, working_days: int | None, today: date
) -> tuple[date, int | None]:
    """A due date given as a date or as N working days after `today` (the program's closures
    and extra working days count)."""
    if due is not None and working_days is not None:
        raise Invalid("请只填写一种期限", [Problem("due", "截止日期与工作日数只能填写一种")])
    if due is not None:
        return due, None
    if working_days is None:
        raise Invalid("请填写整改期限", [Problem("due", "请填写截止日期或工作日数")])
    if not 1 <= working_days <= MAX_WORKING_DAYS:
        message = f"工作日数应在 1 到 {MAX_WORKING_DAYS} 之间"
        raise Invalid(message, [Problem("due", message)])
    return add_working_days(today, working_days, day_overrides(program.id)), working_days


def default_due(program: Program, today: date) -> tuple[date, int | None]:
    """For items made from findings: the calendar's 整改 due date, or the configured number
    of working days."""
    entry = program.calendar_entry(S.RECTIFICATION)
    if entry is not None and entry.due_date is not None:
        return entry.due_date, None
    n = int(current_app.config["RECTIFICATION_WORKING_DAYS"])
    due, estimated = add_working_days_or_estimate(today, n, day_overrides(program.id))
    if estimated:
        log.warning(
            "整改期限按周一至周五估算（节假日数据未覆盖）：%s 起 %d 个工作日 → %s", today, n, due
        )
    return due, n


# --- findings → items ---------------------------------------------------------------------


@dataclass
class Finding:
    kind: SourceKind
    ref: str
    text: str
    indicator_code: str | None = None


def findings(plan: Plan) -> list[Finding]:
    """What the evaluation and the inspections found in the plan, each with its origin."""
    out: list[Finding] = []
    sheets = [
        s for s in plan_sheets(plan).sheets.values() if s.state == "signed"
    ]  # drafts do not count
    by_code = {leaf.code: leaf for leaf in plan.leaves}
    for code, leaf in by_code.items():
        comments = [
            i.comment.strip() or "（未写明）"
            for s in sheets
            if (i := s.item(code)) is not None and i.finding
        ]
        if comments:
            text = f"{code} {leaf.content}：" + "；".join(dict.fromkeys(comments))
            out.append(Finding(SourceKind.SHEET_FINDING, code, text, code))
        scores = [
            i.score for s in sheets if (i := s.item(code)) is not None and i.score is not None
        ]
        if scores and leaf.weight > 0:
            mean = sum(scores, Decimal(0)) / len(scores)
            limit = plan.program.low_score_threshold * leaf.weight
            if mean < limit:
                text = (
                    f"{code} {leaf.content}：集中考评平均得分 {format_points(mean.quantize(Decimal('0.01')))}"
                    f" 分，低于权重 {format_points(leaf.weight)} 分的"
                    f" {format_points(plan.program.low_score_threshold * 100)}%"
                )
                out.append(Finding(SourceKind.LOW_SCORE, code, text, code))
    for entry in external.effective(plan, ExternalKind.DEDUCTION):
        day = f"{entry.occurred_on.isoformat()} " if entry.occurred_on else ""
        text = f"察访核验（{day}扣 {format_points(entry.points)} 分）：{entry.reason}"
        out.append(Finding(SourceKind.INSPECTION, str(entry.id), text))
    return out


def create_items_from_findings(
    plan: Plan, actor: User | None = None, today: date | None = None
) -> list[RectificationItem]:
    """Inside the caller's transaction: an item for each finding that has none yet."""
    today = today or local_today()
    existing = set(
        db.session.execute(
            select(RectificationItem.source_kind, RectificationItem.source_ref).where(
                RectificationItem.plan_id == plan.id
            )
        ).tuples()
    )
    created = []
    due: tuple[date, int | None] | None = None
    for found in findings(plan):
        if (found.kind, found.ref) in existing:
            continue
        due = due or default_due(plan.program, today)
        leaf = plan.indicator(found.indicator_code) if found.indicator_code else None
        item = RectificationItem(
            plan_id=plan.id,
            program_id=plan.program_id,
            unit_id=plan.unit_id,
            source_kind=found.kind,
            source_ref=found.ref,
            indicator_code=found.indicator_code,
            finding=found.text,
            responsible_department="、".join(leaf.responsible_departments or []) if leaf else "",
            responsible_person="、".join(leaf.responsible_persons or []) if leaf else "",
            due_date=due[0],
            due_working_days=due[1],
            created_by_id=actor.id if actor else None,
        )
        created.append(_add(item, plan, actor, "create_from_finding"))
    return created


def collect_findings(
    user: User, plan_id: int, today: date | None = None
) -> list[RectificationItem]:
    """The office looks again (an inspection recorded late): new findings become items."""
    with transaction():
        plan = lock_plan(plan_id)
        require(user, ADD_ITEM, plan)
        return create_items_from_findings(plan, user, today)


def add_item(
    user: User,
    plan_id: int,
    *,
    finding: str,
    responsible_department: str = "",
    responsible_person: str = "",
    measures: str = "",
    due_date: date | None = None,
    due_working_days: int | None = None,
    indicator_code: str | None = None,
    today: date | None = None,
) -> RectificationItem:
    """The office records a finding by hand."""
    with transaction():
        plan = lock_plan(plan_id)
        require(user, ADD_ITEM, plan)
        problems = _text_problems(
            finding=finding,
            responsible_department=responsible_department,
            responsible_person=responsible_person,
            measures=measures,
        )
        if not finding.strip():
            problems.insert(0, Problem("finding", "请填写发现的问题"))
        code = (indicator_code or "").strip() or None
        if code is not None and plan.indicator(code) is None:
            problems.append(Problem("indicator_code", f"本方案没有序号为“{code}”的指标"))
        try:
            due, days = due_from(plan.program, due_date, due_working_days, today or local_today())
        except Invalid as exc:
            problems += exc.problems
        if problems:
            raise Invalid("整改事项未登记：请修正标出的字段", problems)
        item = RectificationItem(
            plan_id=plan.id,
            program_id=plan.program_id,
            unit_id=plan.unit_id,
            source_kind=SourceKind.MANUAL,
            indicator_code=code,
            finding=finding.strip(),
            responsible_department=responsible_department.strip(),
            responsible_person=responsible_person.strip(),
            measures=measures.strip(),
            due_date=due,
            due_working_days=days,
            created_by_id=user.id,
        )
        return _add(item, plan, user, "create_item")


def _add(item: RectificationItem, plan: Plan, actor: User | None, action: str) -> RectificationItem:
    db.session.add(item)
    item.plan = plan
    db.session.flush()
    data: dict[str, Any] = {
        "item": item.id,
        "source": item.source_kind,
        "due_date": item.due_date.isoformat(),
    }
    if item.carried_from_id:
        data["carried_from"] = item.carried_from_id
    _audit(item, plan, actor, action, None, item.state, item.finding, data)
    item_changed.send(item, actor=actor, action=action, from_state=None, to_state=item.state)
    return item


def _text_problems(**fields: str) -> list[Problem]:
    limits = {"responsible_department": MAX_NAME, "responsible_person": MAX_NAME}
    return [
        Problem(name, f"不能超过{limits.get(name, MAX_TEXT)}字")
        for name, value in fields.items()
        if len(value or "") > limits.get(name, MAX_TEXT)
    ]


# --- changing one item --------------------------------------------------------------------

GUARD_FIELDS = {
    "has_reason": "comment",
    "has_result_statement": "result_statement",
    "has_evidence": "evidence",
}
UNIT_FIELDS = ("responsible_department", "responsible_person", "measures", "result_statement")
OFFICE_FIELDS = ("finding", "due_date", "due_working_days")


def _lock(item_id: int) -> tuple[Plan, RectificationItem]:
    return lock_with_plan(RectificationItem, item_id, "未找到该整改事项")


def update_item(
    user: User,
    item_id: int,
    changes: Mapping[str, Any],
    version: int | None = None,
    today: date | None = None,
) -> RectificationItem:
    """The unit fills in owners, measures and the result; the office corrects the finding
    and the due date. Only the fields sent change; each side only its own."""
    with transaction():
        plan, item = _lock(item_id)
        require(user, "view", item)
        unit_part = {k: v for k, v in changes.items() if k in UNIT_FIELDS}
        office_part = {k: v for k, v in changes.items() if k in OFFICE_FIELDS}
        unknown = [k for k in changes if k not in UNIT_FIELDS + OFFICE_FIELDS]
        if unknown:
            raise Invalid("不能修改的字段", [Problem(k, "不能修改此字段") for k in unknown])
        if unit_part:
            require(user, EDIT_ITEM, item)
        if office_part:
            require(user, EDIT_ITEM_TERMS, item)
        if not unit_part and not office_part:
            raise Invalid("没有要保存的内容", [Problem("body", "没有要保存的内容")])
        if version is not None and version != item.version:
            raise Conflict()
        texts = {
            k: str(v or "") for k, v in changes.items() if k not in ("due_date", "due_working_days")
        }
        problems = _text_problems(**texts)
        if "finding" in texts and not texts["finding"].strip():
            problems.append(Problem("finding", "请填写发现的问题"))
        due = None
        if "due_date" in office_part or "due_working_days" in office_part:
            try:
                due = due_from(
                    item.program,
                    office_part.get("due_date"),
                    office_part.get("due_working_days"),
                    today or local_today(),
                )
            except Invalid as exc:
                problems += exc.problems
        if problems:
            raise Invalid("整改事项未保存：请修正标出的字段", problems)
        before = {k: _plain(getattr(item, k)) for k in (*texts, *(("due_date",) if due else ()))}
        for key, value in texts.items():
            setattr(item, key, value.strip())
        if due is not None:
            item.due_date, item.due_working_days = due
        after = {k: _plain(getattr(item, k)) for k in before}
        changed = {
            k: {"before": before[k], "after": after[k]} for k in before if before[k] != after[k]
        }
        if changed:
            item.updated_at = utcnow()
            _audit(item, plan, user, "edit_item", item.state, item.state, "", {"changed": changed})
            item_changed.send(
                item, actor=user, action="edit", from_state=item.state, to_state=item.state
            )
    return item


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def attach_evidence(user: User, item_id: int, upload: evidence.Upload) -> RectificationItem:
    """The unit adds a file that proves the rectification (checked by content)."""
    with evidence.files_removed_on_error() as written, transaction():
        plan, item = _lock(item_id)
        require(user, EDIT_ITEM, item)
        proof = evidence.store(plan, user, upload, written, EvidenceScope.RECTIFICATION)
        item.evidence.append(proof)
        item.updated_at = utcnow()  # bumps the version: a page showing fewer files is stale
        _audit(
            item,
            plan,
            user,
            "attach_item_evidence",
            item.state,
            item.state,
            "",
            {"name": proof.original_name},
        )
    return item


def act(
    user: User,
    item_id: int,
    action: str,
    *,
    comment: str = "",
    version: int | None = None,
    result_statement: str | None = None,
) -> RectificationItem:
    """start / submit (unit), reject / verify / close (office). Submitting may carry the
    result statement with it. Closing the plan's last open item closes the plan."""
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise Invalid("意见过长", [Problem("comment", f"意见不能超过{MAX_COMMENT}字")])
    if action not in RECTIFICATION_WORKFLOW.actions:
        raise NotFound("没有此操作")
    with transaction():
        plan, item = _lock(item_id)
        require(user, action, item)
        if version is not None and version != item.version:
            raise Conflict()
        if action == "submit" and result_statement is not None:
            if len(result_statement) > MAX_TEXT:
                raise Invalid(
                    "整改结果说明过长",
                    [Problem("result_statement", f"不能超过{MAX_TEXT}字")],
                )
            item.result_statement = result_statement.strip()
        ctx = GuardContext(
            {
                "comment": comment,
                "result_statement": item.result_statement,
                "evidence": len(item.evidence),
            }
        )
        from_state = item.state
        try:
            to_state = RECTIFICATION_WORKFLOW.fire(from_state, action, ctx)
        except InvalidAction as exc:
            raise Conflict() from exc
        except GuardFailed as exc:
            # Name every unmet condition at once, not only the first the engine met.
            unmet = [
                g
                for t in RECTIFICATION_WORKFLOW.transitions
                if t.action == action and t.source == from_state
                for g in t.conditions
                if not g.check(ctx)
            ] or exc.guards
            problems = [Problem(GUARD_FIELDS.get(g.name, g.name), g.message) for g in unmet]
            raise Invalid(unmet[0].message, problems) from exc
        item.state = to_state
        item.updated_at = utcnow()
        if action == "submit":
            item.submitted_at = utcnow()
        if to_state == R.CLOSED:
            item.closed_at = utcnow()
        data = {"item": item.id}
        _audit(item, plan, user, f"{action}_item", from_state, to_state, comment, data)
        item_changed.send(
            item,
            actor=user,
            action=action,
            from_state=from_state,
            to_state=to_state,
            comment=comment,
        )
        if to_state == R.CLOSED and plan.state == S.RECTIFICATION:
            db.session.flush()  # the guard counts the items in the database
            plans.fire_automatic(plan, "finish_rectification", "整改事项已全部销号")
    return item


def _audit(
    item: RectificationItem,
    plan: Plan,
    actor: User | None,
    action: str,
    from_state: str | None,
    to_state: str | None,
    comment: str,
    data: dict[str, Any],
) -> None:
    audit.record_event(
        "rectification_item",
        item.id,
        actor,
        action,
        comment=comment,
        data=data,
        plan=plan,
        from_state=from_state,
        to_state=to_state,
    )


def history(user: User, item: RectificationItem) -> list:
    require(user, "view", item)
    return list(reversed(audit.object_events("rectification_item", item.id, limit=200)))


# --- the office's board -------------------------------------------------------------------


@dataclass
class Tally:
    """Items of one unit or group: how many, closed, closed on time, open, overdue."""

    items: int = 0
    closed: int = 0
    on_time: int = 0
    open: int = 0
    overdue: int = 0

    def add(self, item: RectificationItem, today: date) -> None:
        self.items += 1
        if item.state == R.CLOSED:
            self.closed += 1
            self.on_time += closed_on_time(item)
        else:
            self.open += 1
            self.overdue += is_overdue(item, today)

    def merge(self, other: Tally) -> None:
        for name in ("items", "closed", "on_time", "open", "overdue"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def rate(self) -> Decimal | None:
        """Closure rate in per cent (one decimal); None without items."""
        if not self.items:
            return None
        return (Decimal(self.closed * 100) / self.items).quantize(Decimal("0.1"))


@dataclass
class BoardGroup:
    group: Group
    total: Tally
    units: list[tuple[Plan, Tally]] = field(default_factory=list)


@dataclass
class Board:
    program: Program
    groups: list[BoardGroup]
    total: Tally


def board(user: User, program_id: int, today: date | None = None) -> Board:
    """Closure rate per unit and per group of the program."""
    program = _program(program_id)
    require(user, VIEW_BOARD, program)
    items = db.session.scalars(
        select(RectificationItem)
        .where(RectificationItem.program_id == program.id)
        .options(lazyload(RectificationItem.evidence))
    )
    per_plan, total = tallies(items, today or local_today())
    by_group: dict[int, BoardGroup] = {g.id: BoardGroup(g, Tally()) for g in program.groups}
    for plan in db.session.scalars(
        select(Plan)
        .where(Plan.program_id == program.id)
        .options(*plan_row_options())
        .order_by(Plan.group_id, Plan.unit_id)
    ).unique():
        tally = per_plan.get(plan.id, Tally())
        by_group[plan.group_id].units.append((plan, tally))
        by_group[plan.group_id].total.merge(tally)
    return Board(program, list(by_group.values()), total)


def tallies(items: Iterable[RectificationItem], today: date) -> tuple[dict[int, Tally], Tally]:
    """The items counted per plan (id) and in all."""
    per_plan: dict[int, Tally] = defaultdict(Tally)
    total = Tally()
    for item in items:
        per_plan[item.plan_id].add(item, today)
        total.add(item, today)
    return per_plan, total


def _program(program_id: int) -> Program:
    program = db.session.get(Program, program_id)
    if program is None:
        raise NotFound("未找到该考评项目")
    return program


# --- closing a program and carrying items over --------------------------------------------


def next_program(program: Program) -> Program | None:
    """The program of the following year (the first made, if several)."""
    return db.session.scalars(
        select(Program).where(Program.year == program.year + 1).order_by(Program.id)
    ).first()


def previous_program(program: Program) -> Program | None:
    return db.session.scalars(
        select(Program).where(Program.year == program.year - 1).order_by(Program.id)
    ).first()


@dataclass
class CloseResult:
    program: Program
    target: Program | None
    carried: list[RectificationItem]
    not_carried: list[RectificationItem]  # the unit has no plan in the next program
    finished: list[Plan]  # plans in 整改 with nothing left open, closed now


def close_program(user: User, program_id: int, today: date | None = None) -> CloseResult:
    """Close (归档) a program: each item still open is copied into the unit's plan of the
    next program, linked to its origin; then every plan in 整改 whose items are all closed
    or carried closes."""
    with transaction():
        program = db.session.scalars(
            select(Program)
            .where(Program.id == program_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()
        if program is None:
            raise NotFound("未找到该考评项目")
        require(user, CLOSE_PROGRAM, program)
        if program.closed_at is not None:
            raise Conflict("该考评项目已归档")
        target = next_program(program)
        carried, not_carried = [], []
        open_items = db.session.scalars(
            select(RectificationItem)
            .where(
                RectificationItem.program_id == program.id,
                RectificationItem.state.in_(OPEN_STATES),
            )
            .order_by(RectificationItem.id)
        ).all()
        targets = (
            {
                p.unit_id: p
                for p in db.session.scalars(select(Plan).where(Plan.program_id == target.id))
            }
            if target
            else {}
        )
        day = today or local_today()
        for origin in open_items:
            plan = targets.get(origin.unit_id)
            if plan is None:
                not_carried.append(origin)
                continue
            carried.append(_carry(origin, plan, user, day))
        # Carried items are rectified next year: a plan whose items are all closed or
        # carried is done; one whose unit has no plan next year keeps waiting in 整改.
        db.session.flush()
        finished = []
        for plan_id in db.session.scalars(
            select(Plan.id).where(Plan.program_id == program.id, Plan.state == S.RECTIFICATION)
        ).all():
            plan = lock_plan(plan_id)
            if plans.fire_automatic(
                plan, "finish_rectification", "考评项目归档，未销号事项转入下年度"
            ):
                finished.append(plan)
        program.closed_at = utcnow()
        audit.record_event(
            "program",
            program.id,
            user,
            "close_program",
            data={
                "carried": len(carried),
                "not_carried": [i.id for i in not_carried],
                "to_program": target.id if target else None,
                "finished_plans": [p.id for p in finished],
            },
        )
    return CloseResult(program, target, carried, not_carried, finished)


def _carry(origin: RectificationItem, plan: Plan, user: User, today: date) -> RectificationItem:
    """A copy to rectify next year: the same finding, owners and measures, a new period."""
    due = origin.due_date if origin.due_date >= today else None
    due_date, days = (due, None) if due else default_due(plan.program, today)
    copy = RectificationItem(
        plan_id=plan.id,
        program_id=plan.program_id,
        unit_id=plan.unit_id,
        source_kind=origin.source_kind,
        source_ref=f"carried:{origin.id}",
        indicator_code=None,  # next year's table has its own codes
        finding=origin.finding,
        responsible_department=origin.responsible_department,
        responsible_person=origin.responsible_person,
        measures=origin.measures,
        due_date=due_date,
        due_working_days=days,
        carried_from_id=origin.id,
        created_by_id=user.id,
    )
    return _add(copy, plan, user, "carry_item")


# --- the record next year's scheme reads --------------------------------------------------

RECORD_KEYS = ("rectification_items", "rectification_closed_on_time", "rectification_open_items")


def record(program: Program) -> dict[int, dict[str, int]]:
    """Per unit id, the record of the program before `program`, as scheme inputs:
    {"rectification_items": n, "rectification_closed_on_time": n,
     "rectification_open_items": n}. Units without items are absent (counts of 0)."""
    before = previous_program(program)
    if before is None:
        return {}
    origins = db.session.scalars(
        select(RectificationItem).where(RectificationItem.program_id == before.id)
    ).all()
    copies = {
        c.carried_from_id: c
        for c in db.session.scalars(
            select(RectificationItem).where(
                RectificationItem.carried_from_id.in_([o.id for o in origins])
            )
        )
    }
    out: dict[int, dict[str, int]] = {}
    for item in origins:
        row = out.setdefault(item.unit_id, dict.fromkeys(RECORD_KEYS, 0))
        row["rectification_items"] += 1
        row["rectification_closed_on_time"] += closed_on_time(item)
        copy = copies.get(item.id)
        still_open = item.state != R.CLOSED and (copy is None or copy.state != R.CLOSED)
        row["rectification_open_items"] += still_open
    return out


def record_by_unit(program: Program) -> list[tuple[Unit, dict[str, int]]]:
    """The record with its units, by name (for pages and the API)."""
    rows = record(program)
    units = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(rows)))}
    return sorted(((units[k], v) for k, v in rows.items()), key=lambda r: r[0].name)
