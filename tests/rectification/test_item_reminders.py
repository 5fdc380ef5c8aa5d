"""An item's reminders: before its due date to the liaison, overdue to the head too, then
escalated to the leader and the office; submitted or closed items are quiet."""

from __future__ import annotations

from datetime import date

from tests.reminders.conftest import at, body_text
from wfapp.models import Notice, OutboxMessage, Reminder
from wfapp.scheduler import run_once
from wfapp.services import rectification

from .helpers import make_item, pdf, rect_world

# Due Wednesday 30 April 2025; 1–5 May is the 劳动节 holiday, 27 April and 10 May are worked.
DUE = date(2025, 4, 30)


def _to(inbox) -> list[str]:
    return sorted(m["To"] for m in inbox.messages)


def test_an_overdue_item_climbs_from_the_liaison_to_the_head_then_the_leader_and_office(app, smtp):
    world = rect_world()
    item = make_item(world.plan, finding="台账不全", due_date=DUE)
    assert Reminder.query.filter_by(item_id=item.id).count() == 3

    run_once(at("2025-04-29 09:00"))  # one day before: the liaison only
    assert _to(smtp.inbox) == ["a-liaison@example.com"]
    (message,) = smtp.inbox.messages
    assert (
        message["Subject"] == f"【整改提醒】单位A：整改事项 #{item.id} 将于4月30日到期（还有1天）"
    )
    text = body_text(message)
    assert "台账不全" in text and f"http://testserver/rectification-items/{item.id}" in text

    smtp.inbox.messages.clear()
    run_once(at("2025-05-06 09:00"))  # the first working day after: liaison and head
    assert _to(smtp.inbox) == ["a-head@example.com", "a-liaison@example.com"]
    assert all("【整改逾期】" in m["Subject"] for m in smtp.inbox.messages)

    smtp.inbox.messages.clear()
    run_once(at("2025-05-08 09:00"))  # the third working day overdue: escalated
    escalated = [m for m in smtp.inbox.messages if "【整改督办】" in m["Subject"]]
    assert sorted(m["To"] for m in escalated) == [
        "leader2@example.com",
        "leader@example.com",
        "office2@example.com",
        "office@example.com",
    ]
    notice = Notice.query.filter_by(user_id=world.leader.id, kind="reminder").one()
    assert notice.link == f"/rectification-items/{item.id}"
    assert "已逾期" in notice.body


def test_a_submitted_item_is_not_reminded_and_a_rejected_one_is_again(app, smtp):
    """Submitting stops the reminders (the office's turn); a rejection re-arms them, and a
    day already reminded is not reminded twice."""
    world = rect_world()
    item = make_item(world.plan, due_date=DUE)
    rectification.act(world.a_liaison, item.id, "start")
    rectification.attach_evidence(world.a_liaison, item.id, pdf())
    rectification.act(world.a_liaison, item.id, "submit", result_statement="已整改")
    run_once(at("2025-05-06 09:00"))
    assert smtp.inbox.messages == []
    assert {r.status for r in Reminder.query.filter_by(item_id=item.id)} == {"cancelled"}

    rectification.act(world.office, item.id, "reject", comment="佐证材料不足")
    run_once(at("2025-05-07 09:00"))
    assert _to(smtp.inbox) == ["a-head@example.com", "a-liaison@example.com"]
    run_once(at("2025-05-07 09:00"))
    assert len(smtp.inbox.messages) == 2
    assert OutboxMessage.query.count() == 2


def test_the_plan_in_rectification_is_not_reminded_as_a_stage(app, smtp):
    """The calendar's 整改 date is the items' default due date; the plan itself, whose duty
    lies in its items, gets no stage reminders or escalations."""
    world = rect_world()
    run_once(at("2025-05-12 09:00"))
    assert smtp.inbox.messages == []
    assert Reminder.query.filter_by(plan_id=world.plan.id).count() == 0
