"""Private iCal feeds: each user's deadlines as text/calendar for Outlook, Apple Calendar
and DingTalk. The URL carries a token signed with the app's key and the user's feed nonce;
a new nonce (or none) revokes every earlier URL."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from icalendar import Calendar, Event
from itsdangerous import BadSignature, URLSafeSerializer

from wfapp.database import db
from wfapp.models import CalendarFeed, Plan, User
from wfapp.permissions import relations
from wfapp.services import mail
from wfapp.services.deadlines import due_date
from wfapp.services.plans import visible_plans
from wfapp.services.uow import transaction
from wfapp.services.workdays import CalendarNotCovered
from wfapp.timeutil import utcnow
from wfapp.workflows.plan import PLAN_WORKFLOW, STATE_LABELS

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
    plan: Plan
    stage: str
    due: date

    @property
    def uid(self) -> str:
        return f"plan-{self.plan.id}-{self.stage}@wfapp"


def deadlines_for(user: User) -> list[Deadline]:
    """The due dates that concern the user: stages of plans they act in or are told about."""
    found = []
    for plan in visible_plans(user):
        rels = relations(user, plan)
        for entry in plan.program.deadlines:
            concerned = PLAN_WORKFLOW.actors_of(entry.stage) | ESCALATION_ROLES
            if not rels & concerned:
                continue
            try:
                due = due_date(plan, entry.stage)
            except CalendarNotCovered:
                continue
            if due is not None:
                found.append(Deadline(plan, entry.stage, due))
    return sorted(found, key=lambda d: (d.due, d.plan.id, d.stage))


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
        label = STATE_LABELS.get(item.stage, item.stage)
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", stamp)
        # All-day events: no zone to misread, shown on the same day in every client.
        event.add("dtstart", item.due)
        event.add("dtend", item.due + timedelta(days=1))
        event.add("summary", f"【截止】{item.plan.unit.short_name}·{label}")
        event.add(
            "description",
            f"{item.plan.title}：{label}环节截止。\n{mail.plan_link(item.plan.id)}",
        )
        event.add("url", mail.plan_link(item.plan.id))
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return cal.to_ical()
