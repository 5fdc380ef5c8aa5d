"""The program's calendar, kept by the office: a due date per stage (a date, or N working
days after an event), days it declares (closures, adjusted working days), reminder rules
per stage, and one plan's extension with its reason. Every change is audited and moves the
live reminders in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from wfapp.database import db
from wfapp.models import (
    CalendarDay,
    DeadlineExtension,
    Plan,
    Program,
    ReminderPolicy,
    StageDeadline,
    User,
)
from wfapp.permissions import (
    EDIT_CALENDAR,
    GRANT_EXTENSION,
    VIEW_CALENDAR,
    Decision,
    decide,
    decide_program,
)
from wfapp.services import audit, reminders
from wfapp.services.deadlines import STAGE_ENTERED, due_date
from wfapp.services.errors import Conflict, Forbidden, Invalid, NotFound, Problem
from wfapp.services.uow import lock_plan, transaction
from wfapp.services.workdays import CalendarNotCovered, coverage
from wfapp.workflows.plan import ACTION_LABELS, PLAN_WORKFLOW, STATE_LABELS, S

# Stages that can carry a due date: every one a plan waits in before it is archived.
STAGES = [s for s in PLAN_WORKFLOW.states if s != S.CLOSED]
EVENT_LABELS = {
    STAGE_ENTERED: "进入本环节",
    **{a: ACTION_LABELS.get(a, a) for a in PLAN_WORKFLOW.actions if a != "delegate"},
}
MAX_WORKING_DAYS = 250
MAX_REASON = 500


@dataclass
class StageRow:
    stage: str
    label: str
    due_date: date | None
    after_event: str | None
    working_days: int | None
    opens_on: date | None
    policy: reminders.Policy
    customized: bool  # the program has its own reminder rules for the stage

    @property
    def rule_text(self) -> str:
        if self.due_date:
            return f"{self.due_date.year}年{self.due_date.month}月{self.due_date.day}日"
        if self.after_event and self.working_days:
            event = EVENT_LABELS.get(self.after_event, self.after_event)
            return f"{event}后{self.working_days}个工作日"
        return "未设置"


@dataclass
class ProgramCalendar:
    program: Program
    stages: list[StageRow]
    days: list[CalendarDay]
    coverage: tuple[int, int]

    @property
    def covers_program_year(self) -> bool:
        """Whether the holiday package knows the program's year and the year after."""
        first, last = self.coverage
        return first <= self.program.year and self.program.year + 1 <= last


# --- reading -----------------------------------------------------------------------------


def get_program(user: User, program_id: int, action: str = VIEW_CALENDAR) -> Program:
    program = db.session.get(Program, program_id)
    decision = Decision.NOT_VISIBLE if program is None else decide_program(user, action, program)
    if decision is Decision.NOT_VISIBLE:
        raise NotFound("未找到该考评项目")
    if decision is not Decision.ALLOWED:
        raise Forbidden("只有本项目的绩效办可以修改工作日历")
    assert program is not None
    return program


def program_calendar(user: User, program_id: int) -> ProgramCalendar:
    program = get_program(user, program_id)
    return _calendar(program)


def _calendar(program: Program) -> ProgramCalendar:
    custom = {
        p.stage
        for p in db.session.scalars(
            select(ReminderPolicy).where(ReminderPolicy.program_id == program.id)
        )
    }
    rows = []
    for stage in STAGES:
        entry = program.calendar_entry(stage)
        rows.append(
            StageRow(
                stage=stage,
                label=STATE_LABELS.get(stage, stage),
                due_date=entry.due_date if entry else None,
                after_event=entry.after_event if entry else None,
                working_days=entry.working_days if entry else None,
                opens_on=entry.opens_on if entry else None,
                policy=reminders.policy_for(program.id, stage),
                customized=stage in custom,
            )
        )
    days = list(
        db.session.scalars(
            select(CalendarDay)
            .where(CalendarDay.program_id == program.id)
            .order_by(CalendarDay.day)
        )
    )
    return ProgramCalendar(program, rows, days, coverage())


# --- the office's changes ----------------------------------------------------------------


def set_stage(
    user: User,
    program_id: int,
    stage: str,
    *,
    due: date | None = None,
    after_event: str | None = None,
    working_days: int | None = None,
    opens_on: date | None = None,
) -> None:
    """Set a stage's due date: a date, or N working days after an event; both empty
    removes it."""
    problems = []
    if stage not in STAGES:
        problems.append(Problem("stage", "环节无效"))
    relative = after_event is not None or working_days is not None
    if due is not None and relative:
        problems.append(Problem("due_date", "截止日期只能是固定日期或“事件后N个工作日”之一"))
    if relative:
        if after_event not in EVENT_LABELS:
            problems.append(Problem("after_event", "请选择起算事件"))
        if working_days is None or not 1 <= working_days <= MAX_WORKING_DAYS:
            problems.append(
                Problem("working_days", f"工作日数应为 1 到 {MAX_WORKING_DAYS} 之间的整数")
            )
    if problems:
        raise Invalid("截止日期设置有误", problems)
    with transaction():
        program = get_program(user, program_id, EDIT_CALENDAR)
        entry = program.calendar_entry(stage)
        before = _entry_data(entry)
        if due is None and not relative and opens_on is None:
            if entry is not None:
                program.deadlines.remove(entry)
        else:
            if entry is None:
                entry = StageDeadline(stage=stage)
                program.deadlines.append(entry)
            entry.due_date = due
            entry.after_event = after_event
            entry.working_days = working_days
            entry.opens_on = opens_on
        db.session.flush()
        audit.record_event(
            "program",
            program.id,
            user,
            "set_stage_deadline",
            data={
                "stage": stage,
                "before": before,
                "after": _entry_data(program.calendar_entry(stage)),
            },
        )
        reminders.reschedule(program_id=program.id)


def _entry_data(entry) -> dict | None:
    if entry is None:
        return None
    return {
        "due_date": entry.due_date.isoformat() if entry.due_date else None,
        "after_event": entry.after_event,
        "working_days": entry.working_days,
        "opens_on": entry.opens_on.isoformat() if entry.opens_on else None,
    }


def set_day(user: User, program_id: int, day: date, *, working: bool, note: str = "") -> None:
    """Declare a closure (working=False) or an adjusted working day for the program."""
    note = (note or "").strip()
    if len(note) > 200:
        raise Invalid("说明过长", [Problem("note", "说明不能超过200字")])
    with transaction():
        program = get_program(user, program_id, EDIT_CALENDAR)
        row = db.session.scalars(
            select(CalendarDay).where(CalendarDay.program_id == program.id, CalendarDay.day == day)
        ).first()
        if row is None:
            row = CalendarDay(program_id=program.id, day=day)
            db.session.add(row)
        row.working, row.note = working, note
        audit.record_event(
            "program",
            program.id,
            user,
            "set_calendar_day",
            data={"day": day.isoformat(), "working": working, "note": note},
        )
        db.session.flush()
        reminders.reschedule(program_id=program.id)


def remove_day(user: User, program_id: int, day: date) -> None:
    with transaction():
        program = get_program(user, program_id, EDIT_CALENDAR)
        row = db.session.scalars(
            select(CalendarDay).where(CalendarDay.program_id == program.id, CalendarDay.day == day)
        ).first()
        if row is None:
            raise NotFound("该日期未登记")
        db.session.delete(row)
        audit.record_event(
            "program",
            program.id,
            user,
            "remove_calendar_day",
            data={"day": day.isoformat()},
        )
        db.session.flush()
        reminders.reschedule(program_id=program.id)


def set_policy(
    user: User,
    program_id: int,
    stage: str,
    *,
    enabled: bool,
    days_before: list[int],
    overdue_repeat: bool,
    notify_head: bool,
    escalate_after: int | None,
) -> None:
    problems = []
    if stage not in STAGES:
        problems.append(Problem("stage", "环节无效"))
    if any(d < 0 or d > 60 for d in days_before):
        problems.append(Problem("days_before", "提前天数应为 0 到 60 之间的整数"))
    if escalate_after is not None and not 1 <= escalate_after <= 60:
        problems.append(Problem("escalate_after", "督办起始工作日数应为 1 到 60 之间的整数"))
    if problems:
        raise Invalid("提醒规则设置有误", problems)
    with transaction():
        program = get_program(user, program_id, EDIT_CALENDAR)
        row = db.session.scalars(
            select(ReminderPolicy).where(
                ReminderPolicy.program_id == program.id, ReminderPolicy.stage == stage
            )
        ).first()
        if row is None:
            row = ReminderPolicy(program_id=program.id, stage=stage)
            db.session.add(row)
        row.enabled = enabled
        row.days_before = sorted(set(days_before), reverse=True)
        row.overdue_repeat = overdue_repeat
        row.notify_head = notify_head
        row.escalate_after = escalate_after
        audit.record_event(
            "program",
            program.id,
            user,
            "set_reminder_policy",
            data={
                "stage": stage,
                "enabled": enabled,
                "days_before": row.days_before,
                "overdue_repeat": overdue_repeat,
                "notify_head": notify_head,
                "escalate_after": escalate_after,
            },
        )
        db.session.flush()
        reminders.reschedule(program_id=program.id)


def grant_extension(
    user: User,
    plan_id: int,
    new_due: date,
    reason: str,
    *,
    stage: str | None = None,
    version: int | None = None,
) -> DeadlineExtension:
    """The office moves one plan's due date for a stage (default: its current one)."""
    reason = (reason or "").strip()
    problems = []
    if not reason:
        problems.append(Problem("reason", "延期必须填写理由"))
    elif len(reason) > MAX_REASON:
        problems.append(Problem("reason", f"理由不能超过{MAX_REASON}字"))
    if problems:
        raise Invalid(problems[0].message, problems)
    with transaction():
        plan = lock_plan(plan_id)
        decision = decide(user, GRANT_EXTENSION, plan)
        if decision is Decision.NOT_VISIBLE:
            raise NotFound("未找到该方案")
        if decision is Decision.FORBIDDEN:
            raise Forbidden("只有绩效办可以批准延期")
        if decision is Decision.WRONG_STATE:
            raise Conflict("方案已归档，不能延期")
        if version is not None and version != plan.version:
            raise Conflict()
        stage = stage or plan.state
        if stage not in STAGES:
            raise Invalid("环节无效", [Problem("stage", "环节无效")])
        previous = _safe_due(plan, stage)
        if previous is not None and new_due <= previous:
            message = f"延期后的日期应晚于当前截止日期（{previous.isoformat()}）"
            raise Invalid(message, [Problem("due_date", message)])
        extension = DeadlineExtension(
            plan_id=plan.id, stage=stage, due_date=new_due, reason=reason, granted_by_id=user.id
        )
        db.session.add(extension)
        audit.record_plan_event(
            plan,
            user,
            GRANT_EXTENSION,
            plan.state,
            plan.state,
            reason,
            {
                "stage": stage,
                "from": previous.isoformat() if previous else None,
                "to": new_due.isoformat(),
            },
        )
        db.session.flush()
        reminders.reschedule(plan_id=plan.id)
    return extension


def _safe_due(plan: Plan, stage: str) -> date | None:
    try:
        return due_date(plan, stage)
    except CalendarNotCovered:
        return None


def extensions(plan: Plan) -> list[DeadlineExtension]:
    return list(
        db.session.scalars(
            select(DeadlineExtension)
            .where(DeadlineExtension.plan_id == plan.id)
            .order_by(DeadlineExtension.id)
        )
    )
