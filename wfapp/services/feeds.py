"""Private iCal feeds: each user's deadlines as text/calendar for Outlook, Apple Calendar
and DingTalk. The URL carries a token signed with the app's key and the user's feed nonce;
a new nonce (or none) revokes every earlier URL."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from icalendar import Alarm, Calendar, Event
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import or_, select

from wfapp.database import db
from wfapp.models import CalendarFeed, Plan, RectificationItem, Role, User
from wfapp.models.outbox import ITEM_STAGE
from wfapp.permissions import relations
from wfapp.services import mail, notices
from wfapp.services.deadlines import due_date
from wfapp.services.plans import visible_plans
from wfapp.services.reminders import ITEM_DUTY_STAGES, policy_for
from wfapp.services.uow import transaction
from wfapp.services.workdays import CalendarNotCovered
from wfapp.timeutil import utcnow
from wfapp.workflows.plan import PLAN_WORKFLOW, STATE_LABELS, S
from wfapp.workflows.rectification import OPEN_STATES

# Besides those who act in a stage, these hear of it when it runs late (see reminders).
ESCALATION_ROLES = frozenset({"unit_head", "leader", "office"})


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="wfapp-ical-feed")


def feed_token(user: User) -> str | None:
    feed = db.session.get(CalendarFeed, user.id)
    if feed is None or feed.nonce is None:
        return None
    return _serializer().dumps({"u": user.id, "n": feed.nonce})


def feed_url(token: str) -> str:
    """The private URL calendar clients subscribe to (served by wfapp.web.feeds)."""
    return f"{current_app.config['BASE_URL'].rstrip('/')}/ical/{token}.ics"


def rotate(user: User) -> str:
    """A new private URL; any earlier one stops working."""
    with transaction():
        feed = db.session.get(CalendarFeed, user.id) or CalendarFeed(user_id=user.id)
        feed.nonce = secrets.token_hex(16)
        feed.created_at = utcnow()
        db.session.add(feed)
    token = feed_token(user)
    assert token is not None
    return token


def revoke(user: User) -> None:
    with transaction():
        feed = db.session.get(CalendarFeed, user.id)
        if feed is not None:
            feed.nonce = None


def user_for_token(token: str) -> User | None:
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    feed = db.session.get(CalendarFeed, data.get("u"))
    if feed is None or feed.nonce is None or feed.nonce != data.get("n"):
        return None
    user = db.session.get(User, feed.user_id)
    return user if user is not None and user.active else None


@dataclass(frozen=True)
class Deadline:
    """One open due date: a stage of a plan, or a rectification item (`item` set)."""

    plan: Plan
    stage: str
    due: date
    item: RectificationItem | None = None
    alarms: tuple[int, ...] = ()  # days before, as the reminders of the stage go out

    @property
    def uid(self) -> str:
        if self.item is not None:
            return f"item-{self.item.id}@wfapp"
        return f"plan-{self.plan.id}-{self.stage}@wfapp"

    @property
    def what(self) -> str:
        if self.item is not None:
            return f"整改事项 #{self.item.id}"
        return STATE_LABELS.get(self.stage, self.stage)

    @property
    def link(self) -> str:
        if self.item is not None:
            return mail.absolute(notices.item_path(self.item.id))
        return mail.plan_link(self.plan.id)


# Stages in workflow order: a stage before the plan's current one is done.
_ORDER = {state: index for index, state in enumerate(S)}
# Who hears of a stage besides those who act in it: the assigned evaluators and the unit
# itself are expected at 集中考评, though only the office closes it.
_ALSO_CONCERNED = {S.CENTRAL_EVALUATION: frozenset({"evaluator", "liaison", "unit_head"})}


def _stage_open(plan: Plan, stage: str) -> bool:
    if plan.state == S.CLOSED or stage not in _ORDER or stage in ITEM_DUTY_STAGES:
        return False  # in 整改 the items carry the dates, each its own
    return _ORDER[stage] >= _ORDER.get(plan.state, 0)


def deadlines_for(user: User) -> list[Deadline]:
    """The open due dates that concern the user: the current and coming stages of plans
    they act in or are told about, and the open rectification items of their units (or,
    for the office, of their programs). Done stages and closed items are left out."""
    found = []
    for plan in visible_plans(user):
        rels = relations(user, plan)
        for entry in plan.program.deadlines:
            if not _stage_open(plan, entry.stage):
                continue
            concerned = (
                PLAN_WORKFLOW.actors_of(entry.stage)
                | ESCALATION_ROLES
                | _ALSO_CONCERNED.get(entry.stage, frozenset())
            )
            if not rels & concerned:
                continue
            try:
                due = due_date(plan, entry.stage)
            except CalendarNotCovered:
                continue
            if due is not None:
                alarms = policy_for(plan.program_id, entry.stage).days_before
                found.append(Deadline(plan, entry.stage, due, alarms=alarms))
    found.extend(_open_items(user))
    return sorted(found, key=lambda d: (d.due, d.plan.id, d.stage, d.uid))


def _open_items(user: User) -> list[Deadline]:
    programs = user.program_ids(Role.OFFICE)
    units = user.unit_ids(Role.LIAISON, Role.UNIT_HEAD, Role.LEADER)
    if not programs and not units:
        return []
    rows = db.session.scalars(
        select(RectificationItem).where(
            RectificationItem.state.in_(OPEN_STATES),
            or_(
                RectificationItem.program_id.in_(programs),
                RectificationItem.unit_id.in_(units),
            ),
        )
    )
    out = []
    policies: dict[int, tuple[int, ...]] = {}
    for item in rows:
        if item.program.closed_at is not None and item.carried_to:
            continue  # carried into the next year: its copy carries the date
        if item.program_id not in policies:
            policies[item.program_id] = policy_for(item.program_id, S.RECTIFICATION).days_before
        out.append(Deadline(item.plan, ITEM_STAGE, item.due_date, item, policies[item.program_id]))
    return out


def ics(user: User) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//wfapp//绩效评估工作平台//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"绩效评估截止日期（{user.display_name}）")
    cal.add("x-wr-timezone", "Asia/Shanghai")
    stamp = utcnow().replace(microsecond=0)
    for item in deadlines_for(user):
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", stamp)
        # All-day events: no zone to misread, shown on the same day in every client.
        event.add("dtstart", item.due)
        event.add("dtend", item.due + timedelta(days=1))
        event.add("summary", f"【截止】{item.plan.unit.short_name}·{item.what}")
        if item.item is not None:
            text = f"{item.what}（{item.plan.unit.name}）：{item.item.finding}"
        else:
            text = f"{item.plan.title}：{item.what}环节截止。"
        event.add("description", f"{text}\n{item.link}")
        event.add("url", item.link)
        event.add("transp", "TRANSPARENT")
        for days in sorted(set(item.alarms)):
            # The calendar reminds on the days the app's own reminders go out.
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", f"{item.what}还有 {days} 天截止")
            alarm.add("trigger", timedelta(days=-days, hours=9))
            event.add_component(alarm)
        cal.add_component(event)
    return cal.to_ical()
