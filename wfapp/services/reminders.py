"""Reminders: armed when a plan enters a stage, scanned by the scheduler, sent once.

Each stage with a due date gets three rules per (plan, stage, round):
  before    – N calendar days before the due date, to those who can act now (a unit head is
              left out while a liaison of the same unit can act: heads hear of it when late);
  overdue   – the first working day after it (then every working day), to them and the heads;
  escalate  – from the N-th working day overdue, to the unit's leader and the office.
Rows are written by the plan_changed subscriber inside the action's transaction; the scan
writes one outbox message and one notice per recipient and occurrence, keyed so that a
second scan of the same instant writes nothing.

A rectification item (整改事项) is reminded the same way while it is the unit's turn (open,
in progress) against its own due date, with the rules of the plan stage 整改: before, to the
unit's liaison; overdue, to the liaison and the head; escalate, to the leader and the office.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import Flask, current_app
from sqlalchemy import and_, exists, or_, select, update

from wfapp.database import db
from wfapp.models import (
    Plan,
    RectificationItem,
    Reminder,
    ReminderPolicy,
    ReminderStatus,
    Role,
    RoleGrant,
    StageDeadline,
    User,
)
from wfapp.models.outbox import ITEM_STAGE
from wfapp.services import mail, notices
from wfapp.services.deadlines import day_overrides, days_left, due_date
from wfapp.services.events import item_changed, plan_changed
from wfapp.services.tasks import pending_actors
from wfapp.services.uow import transaction
from wfapp.services.workdays import CalendarNotCovered, Overrides, add_working_days
from wfapp.timeutil import SHANGHAI, local, utcnow
from wfapp.workflows.plan import STATE_LABELS, S
from wfapp.workflows.rectification import UNIT_STATES

log = logging.getLogger(__name__)

RULES = ("before", "overdue", "escalate")
# In 整改 the duty lies in the items, each reminded against its own due date; the stage's
# date in the calendar is their default due date, not a deadline of the plan.
ITEM_DUTY_STAGES = frozenset({S.RECTIFICATION})
RULE_LABELS = {"before": "截止前提醒", "overdue": "逾期提醒", "escalate": "逾期督办"}


def init_app(app: Flask) -> None:
    plan_changed.connect(_on_plan_changed)
    item_changed.connect(_on_item_changed)


# --- policy: when and whom --------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    enabled: bool
    days_before: tuple[int, ...]
    overdue_repeat: bool
    notify_head: bool
    escalate_after: int | None
    send_hour: int


def default_policy() -> Policy:
    cfg = current_app.config
    escalate = cfg.get("REMINDER_ESCALATE_AFTER")
    return Policy(
        enabled=True,
        days_before=tuple(int(d) for d in cfg["REMINDER_DAYS_BEFORE"]),
        overdue_repeat=bool(cfg["REMINDER_OVERDUE_REPEAT"]),
        notify_head=bool(cfg["REMINDER_NOTIFY_HEAD"]),
        escalate_after=int(escalate) if escalate else None,
        send_hour=int(cfg["REMINDER_SEND_HOUR"]),
    )


def policy_for(program_id: int, stage: str) -> Policy:
    """The program's rules for the stage, or the configured defaults."""
    row = db.session.scalars(
        select(ReminderPolicy).where(
            ReminderPolicy.program_id == program_id, ReminderPolicy.stage == stage
        )
    ).first()
    base = default_policy()
    if row is None:
        return base
    return Policy(
        enabled=row.enabled,
        days_before=tuple(int(d) for d in row.days_before or ()),
        overdue_repeat=row.overdue_repeat,
        notify_head=row.notify_head,
        escalate_after=row.escalate_after,
        send_hour=base.send_hour,
    )


class Memo:
    """What every rule of a plan (and every reminder of one scan) asks alike, read once: the
    program's policy per stage, its declared days, a reminder's due date per stage."""

    def __init__(self) -> None:
        self._policies: dict[tuple[int, str], Policy] = {}
        self._overrides: dict[int, Overrides] = {}
        self._due: dict[tuple, date | None] = {}

    def policy(self, program_id: int, stage: str) -> Policy:
        key = (program_id, stage)
        if key not in self._policies:
            self._policies[key] = policy_for(program_id, stage)
        return self._policies[key]

    def overrides(self, program_id: int) -> Overrides:
        if program_id not in self._overrides:
            self._overrides[program_id] = day_overrides(program_id)
        return self._overrides[program_id]

    def due(self, reminder: Reminder) -> date | None:
        key = ("item", reminder.item_id) if reminder.item_id else (reminder.plan_id, reminder.stage)
        if key not in self._due:
            self._due[key] = _due(reminder)
        return self._due[key]


def rule_days(rule: str, policy: Policy, due: date, overrides: Overrides) -> Iterator[date]:
    """The local days on which a rule speaks, in order; overdue rules may never end."""
    if rule == "before":
        yield from sorted({due - timedelta(days=d) for d in policy.days_before if d >= 0})
        return
    if rule == "overdue":
        day = add_working_days(due, 1, overrides)
    elif rule == "escalate" and policy.escalate_after:
        day = add_working_days(due, policy.escalate_after, overrides)
    else:
        return
    yield day
    while policy.overdue_repeat:
        day = add_working_days(day, 1, overrides)
        yield day


def at_send_hour(day: date, policy: Policy) -> datetime:
    return datetime.combine(day, time(policy.send_hour), SHANGHAI)


def occurrences(
    rule: str,
    policy: Policy,
    due: date,
    overrides: Overrides,
    *,
    after: datetime | None,
    now: datetime,
) -> tuple[datetime | None, datetime | None]:
    """(the newest occurrence in (after, now], the first one after `now`).

    Missed occurrences collapse into the newest: a scheduler that was down for three days
    sends one reminder, not three."""
    newest = None
    for day in rule_days(rule, policy, due, overrides):
        at = at_send_hour(day, policy)
        if after is not None and at <= after:
            continue
        if at > now:
            return newest, at
        newest = at
    return newest, None


# --- arming, on the state change ---------------------------------------------------------


def _on_plan_changed(plan: Plan, *, from_state: str, to_state: str, action: str, **_) -> None:
    """Inside the action's transaction: the old stage's reminders stop, the new stage's arm.
    An action within a stage moves a due date only when the stage is due N working days
    after that very action; any other leaves the reminders as they are."""
    if from_state != to_state or action == "return":
        arm(plan)
        return
    entry = plan.program.calendar_entry(plan.state)
    if entry is not None and entry.after_event == action:
        reschedule(plan_id=plan.id)


def arm(plan: Plan, now: datetime | None = None) -> list[Reminder]:
    """Arm the rules of the plan's current stage and round (re-arming ones a withdrawal had
    cancelled), and cancel every other stage's pending reminders."""
    db.session.execute(
        update(Reminder)
        .where(
            Reminder.plan_id == plan.id,
            Reminder.item_id.is_(None),
            Reminder.status != ReminderStatus.CANCELLED,
            or_(Reminder.stage != plan.state, Reminder.round != plan.round),
        )
        .values(status=ReminderStatus.CANCELLED)
        .execution_options(synchronize_session="fetch")
    )
    if plan.program.calendar_entry(plan.state) is None or plan.state in ITEM_DUTY_STAGES:
        return []
    existing = {
        r.rule: r
        for r in db.session.scalars(
            select(Reminder).where(
                Reminder.plan_id == plan.id,
                Reminder.item_id.is_(None),
                Reminder.stage == plan.state,
                Reminder.round == plan.round,
            )
        )
    }
    armed = []
    memo = Memo()
    for rule in RULES:
        reminder = existing.get(rule)
        if reminder is None:
            reminder = Reminder(plan_id=plan.id, stage=plan.state, round=plan.round, rule=rule)
            reminder.plan = plan
        schedule(reminder, now, memo)
        armed.append(reminder)
    db.session.add_all(armed)  # new rows together: one INSERT for the three
    return armed


def _on_item_changed(item: RectificationItem, **_) -> None:
    arm_item(item)


def arm_item(item: RectificationItem, now: datetime | None = None) -> list[Reminder]:
    """Arm an item's rules while it is the unit's turn (re-arming after a rejection keeps
    the occurrences already sent); cancel them once it is submitted, closed or archived."""
    rows = {
        r.rule: r for r in db.session.scalars(select(Reminder).where(Reminder.item_id == item.id))
    }
    if item.state not in UNIT_STATES or item.program.closed_at is not None:
        for reminder in rows.values():
            reminder.status, reminder.next_at = ReminderStatus.CANCELLED, None
        return []
    armed = []
    memo = Memo()
    for rule in RULES:
        reminder = rows.get(rule)
        if reminder is None:
            reminder = Reminder(
                plan_id=item.plan_id, item_id=item.id, stage=ITEM_STAGE, round=1, rule=rule
            )
            reminder.plan, reminder.item = item.plan, item
        schedule(reminder, now, memo)
        armed.append(reminder)
    db.session.add_all(armed)
    return armed


def _rules_stage(reminder: Reminder) -> str:
    """The stage whose reminder policy applies: an item follows the plan stage 整改."""
    return S.RECTIFICATION if reminder.item_id is not None else reminder.stage


def _due(reminder: Reminder) -> date | None:
    if reminder.item is not None:
        return reminder.item.due_date
    return due_date(reminder.plan, reminder.stage)


def schedule(reminder: Reminder, now: datetime | None = None, memo: Memo | None = None) -> None:
    """Set next_at from the current due date and rules, after the last occurrence handled."""
    memo = memo or Memo()
    plan = reminder.plan
    policy = memo.policy(plan.program_id, _rules_stage(reminder))
    try:
        due = memo.due(reminder)
        following = None
        if due is not None and policy.enabled:
            for day in rule_days(reminder.rule, policy, due, memo.overrides(plan.program_id)):
                at = at_send_hour(day, policy)
                if reminder.last_at is None or at > reminder.last_at:
                    following = at
                    break
    except CalendarNotCovered:
        # Never fail the action that armed it: the scan meets the error and reports it.
        following = now or utcnow()
    reminder.next_at = following
    reminder.status = ReminderStatus.PENDING if following else ReminderStatus.DONE


def reschedule(*, program_id: int | None = None, plan_id: int | None = None) -> int:
    """After a calendar change: recompute the live reminders of a program's or a plan's
    current stages (a moved due date re-opens rules that had run out)."""
    live = Reminder.status != ReminderStatus.CANCELLED
    query = (
        select(Reminder)
        .join(Plan, Plan.id == Reminder.plan_id)
        .where(
            live,
            Reminder.item_id.is_(None),
            Reminder.stage == Plan.state,
            Reminder.round == Plan.round,
        )
    )
    # An item's reminders: closures and working days move its overdue and escalation days.
    items = (
        select(Reminder)
        .join(Plan, Plan.id == Reminder.plan_id)
        .where(live, Reminder.item_id.is_not(None))
    )
    if program_id is not None:
        query = query.where(Plan.program_id == program_id)
        items = items.where(Plan.program_id == program_id)
    if plan_id is not None:
        query = query.where(Plan.id == plan_id)
        items = items.where(Plan.id == plan_id)
    rows = list(db.session.scalars(query))
    if plan_id is None:  # a plan's own action moves no item's due date
        rows += list(db.session.scalars(items))
    memo = Memo()
    for reminder in rows:
        schedule(reminder, memo=memo)
    return len(rows)


def reconcile(now: datetime | None = None) -> int:
    """Arm plans that sit in a stage with a due date but have no reminders for it: plans
    created directly in a stage (the demo's drafts, imports) or calendars filled in later."""
    missing = select(Plan.id).join(
        StageDeadline,
        and_(StageDeadline.program_id == Plan.program_id, StageDeadline.stage == Plan.state),
    )
    missing = missing.where(
        Plan.state.not_in(ITEM_DUTY_STAGES),
        ~exists().where(
            Reminder.plan_id == Plan.id,
            Reminder.item_id.is_(None),
            Reminder.stage == Plan.state,
            Reminder.round == Plan.round,
        ),
    )
    ids = list(db.session.scalars(missing.order_by(Plan.id)))
    for plan_id in ids:
        with transaction():
            plan = db.session.get(Plan, plan_id)
            if plan is not None:
                arm(plan, now)
    return len(ids)


# --- the scan ----------------------------------------------------------------------------


@dataclass
class ScanReport:
    armed: int = 0
    fired: int = 0  # reminders that spoke
    messages: int = 0  # outbox messages written
    errors: int = 0


def scan(now: datetime | None = None) -> ScanReport:
    """Send every reminder whose time has come, as if it were `now`."""
    now = now or utcnow()
    report = ScanReport(armed=reconcile(now))
    due_ids = list(
        db.session.scalars(
            select(Reminder.id)
            .where(Reminder.status == ReminderStatus.PENDING, Reminder.next_at <= now)
            .order_by(Reminder.next_at, Reminder.id)
        )
    )
    memo = Memo()  # policies and declared days, read once per scan
    for reminder_id in due_ids:
        memo._due.clear()  # a due date is read afresh for each reminder
        try:
            with transaction():
                written = _fire(reminder_id, now, memo)
        except CalendarNotCovered as exc:
            report.errors += 1
            log.error("reminder %s: %s", reminder_id, exc.message)
            with transaction():  # try again tomorrow, when the office may have filled it in
                reminder = db.session.get(Reminder, reminder_id)
                if reminder is not None:
                    reminder.next_at = now + timedelta(days=1)
            continue
        if written is not None:
            report.fired += 1
            report.messages += written
    return report


def _fire(reminder_id: int, now: datetime, memo: Memo | None = None) -> int | None:
    """Handle one reminder; the number of messages written, or None when it stayed silent."""
    reminder = db.session.get(Reminder, reminder_id)
    if reminder is None or reminder.status != ReminderStatus.PENDING:
        return None
    plan, item = reminder.plan, reminder.item
    if item is not None:
        if item.state not in UNIT_STATES or item.program.closed_at is not None:
            reminder.status = ReminderStatus.CANCELLED  # no longer the unit's turn
            return None
    elif (plan.state, plan.round) != (reminder.stage, reminder.round):
        reminder.status = ReminderStatus.CANCELLED  # left the stage without a signal
        return None
    memo = memo or Memo()
    policy = memo.policy(plan.program_id, _rules_stage(reminder))
    due = memo.due(reminder)
    if due is None or not policy.enabled:
        reminder.next_at, reminder.status = None, ReminderStatus.DONE
        return None
    overrides = memo.overrides(plan.program_id)
    newest, following = occurrences(
        reminder.rule, policy, due, overrides, after=reminder.last_at, now=now
    )
    written = None
    today = local(now).date()
    # A "before" reminder whose due date has passed would only contradict the overdue one.
    if newest is not None and not (reminder.rule == "before" and today > due):
        if item is not None:
            written = _send_item(reminder, item, due, newest, now, policy)
        else:
            written = _send(reminder, plan, due, newest, now, policy)
    if newest is not None:
        reminder.last_at = newest
    reminder.next_at = following
    reminder.status = ReminderStatus.PENDING if following else ReminderStatus.DONE
    return written


def _send(
    reminder: Reminder, plan: Plan, due: date, occurrence: datetime, now: datetime, policy: Policy
) -> int:
    stage_label = STATE_LABELS.get(reminder.stage, reminder.stage)
    left = days_left(due, local(now).date()) or 0
    occurrence_day = occurrence.astimezone(SHANGHAI).date().isoformat()
    written = 0
    for user in audience(plan, reminder.rule, policy):
        key = (
            f"reminder:{plan.id}:{reminder.stage}:{reminder.round}:{reminder.rule}:"
            f"{user.id}:{occurrence_day}"
        )
        context = {
            "user": user,
            "plan": plan,
            "stage_label": stage_label,
            "due": due,
            "days_left": left,
            "rule": reminder.rule,
            "round": reminder.round,
            "link": mail.plan_link(plan.id),
        }
        subject, text, html = mail.render("reminder", **context)
        if notices.notify(
            user, plan, "reminder", subject, _short(f"{stage_label}环节", due, left), dedupe_key=key
        ):
            written += mail.enqueue(key, user, plan, subject, text, html, now=now) is not None
    return written


def _send_item(
    reminder: Reminder,
    item: RectificationItem,
    due: date,
    occurrence: datetime,
    now: datetime,
    policy: Policy,
) -> int:
    left = days_left(due, local(now).date()) or 0
    occurrence_day = occurrence.astimezone(SHANGHAI).date().isoformat()
    written = 0
    for user in item_audience(item, reminder.rule, policy):
        key = f"reminder:item:{item.id}:{reminder.rule}:{user.id}:{occurrence_day}"
        context = {
            "user": user,
            "item": item,
            "plan": item.plan,
            "due": due,
            "days_left": left,
            "rule": reminder.rule,
            "link": mail.absolute(notices.item_path(item.id)),
        }
        subject, text, html = mail.render("item_reminder", **context)
        short = _short("整改事项", due, left)
        if notices.notify(
            user,
            item.plan,
            "reminder",
            subject,
            short,
            dedupe_key=key,
            link=notices.item_path(item.id),
        ):
            written += mail.enqueue(key, user, item.plan, subject, text, html, now=now) is not None
    return written


def _short(what: str, due: date, left: int) -> str:
    """ "同组互审环节将于…截止" for a stage, "整改事项将于…截止" for an item."""
    due_text = f"{due.year}年{due.month}月{due.day}日"
    if left > 0:
        return f"{what}将于{due_text}截止，还有{left}天。"
    if left == 0:
        return f"{what}今天（{due_text}）截止。"
    return f"{what}已于{due_text}截止，已逾期{-left}天，请尽快办理。"


# --- whom --------------------------------------------------------------------------------


def audience(plan: Plan, rule: str, policy: Policy) -> list[User]:
    """Who hears from `rule` now; resolved at send time, so sign-offs and delegations count."""
    actors = pending_actors(plan)
    units = _acting_units(plan, actors)
    heads = _grant_holders(Role.UNIT_HEAD, unit_ids=set().union(*units.values()))
    if rule == "before":
        return [u for u in actors if not _head_with_liaison(u, units, actors)]
    if rule == "overdue":
        return _unique(actors + (heads if policy.notify_head else []))
    if rule == "escalate":
        above = _grant_holders(Role.LEADER, unit_ids={plan.unit_id}) + _grant_holders(
            Role.OFFICE, program_id=plan.program_id
        )
        return [u for u in _unique(above) if u not in actors]
    return []


def item_audience(item: RectificationItem, rule: str, policy: Policy) -> list[User]:
    """Before the due date the unit's liaison (its head when it has none); overdue, the head
    too; escalated, the unit's leader and the program's office."""
    liaisons = _grant_holders(Role.LIAISON, unit_ids={item.unit_id})
    heads = _grant_holders(Role.UNIT_HEAD, unit_ids={item.unit_id})
    first = liaisons or heads
    if rule == "before":
        return first
    if rule == "overdue":
        return _unique(first + (heads if policy.notify_head else []))
    if rule == "escalate":
        return _unique(
            _grant_holders(Role.LEADER, unit_ids={item.unit_id})
            + _grant_holders(Role.OFFICE, program_id=item.program_id)
        )
    return []


def _acting_units(plan: Plan, actors: list[User]) -> dict[int, set[int]]:
    """For each actor, the units (the plan's own or a reviewing one) they act for."""
    relevant = {plan.unit_id} | {a.reviewer_unit_id for a in plan.peer_assignments}
    return {u.id: u.unit_ids(Role.LIAISON, Role.UNIT_HEAD) & relevant for u in actors}


def _head_with_liaison(user: User, units: dict[int, set[int]], actors: list[User]) -> bool:
    """A head whose units each have a liaison among the actors: the clerk is reminded first."""
    headed = user.unit_ids(Role.UNIT_HEAD) & units.get(user.id, set())
    if not headed or user.unit_ids(Role.LIAISON) & headed:
        return False
    liaison_units = set().union(*(a.unit_ids(Role.LIAISON) for a in actors if a is not user))
    return headed <= liaison_units


def _grant_holders(
    role: str, *, unit_ids: set[int] | None = None, program_id: int | None = None
) -> list[User]:
    scope = (
        RoleGrant.unit_id.in_(unit_ids or set())
        if program_id is None
        else RoleGrant.program_id == program_id
    )
    return list(
        db.session.scalars(
            select(User)
            .join(RoleGrant)
            .where(RoleGrant.role == role, scope, User.active.is_(True))
            .distinct()
            .order_by(User.username)
        )
    )


def _unique(users: list[User]) -> list[User]:
    return list(dict.fromkeys(users))
