"""Reminders reach the right people in Chinese, once; overdue ones climb to the head, then
the leader and the office; a return re-arms, leaving a stage cancels."""

from __future__ import annotations

from wfapp.models import Notice, OutboxMessage, Reminder
from wfapp.scheduler import run_once
from wfapp.services import mail

from .conftest import at, body_text


def _addresses(inbox) -> list[str]:
    return sorted(m["To"] for m in inbox.messages)


def test_a_reminder_before_the_due_date_reaches_the_liaison_in_chinese(world, smtp):
    """Two days before the 7月10日 draft deadline the liaison gets one Chinese reminder with
    the plan's link; the head, whose liaison can act, is not bothered yet."""
    report = run_once(at("2024-07-08 09:00"))
    assert report is not None and report.delivery.sent == 1
    (message,) = smtp.inbox.messages
    assert message["To"] == "a-liaison@example.com"
    assert message["Subject"] == "【绩效提醒】单位A：初稿将于7月10日截止（还有2天）"
    text = body_text(message)
    assert "截止日期为 2024年7月10日" in text
    assert "距截止还有 2 天" in text
    assert f"http://testserver/plans/{world.plan.id}" in text
    html = message.get_body(preferencelist=("html",)).get_content()
    assert f'href="http://testserver/plans/{world.plan.id}"' in html
    stored = OutboxMessage.query.one()
    assert message["Message-ID"] == stored.message_id == mail.message_id(stored.dedupe_key)
    assert stored.dedupe_key == (
        f"reminder:{world.plan.id}:draft:1:before:{world.a_liaison.id}:2024-07-07"
    )


def test_running_the_same_scan_again_sends_nothing_more(world, smtp):
    """Reminders arrive once: the same instant scanned twice, or an hour later, adds nothing."""
    run_once(at("2024-07-08 09:00"))
    run_once(at("2024-07-08 09:00"))
    run_once(at("2024-07-08 10:00"))
    assert len(smtp.inbox.messages) == 1
    assert OutboxMessage.query.count() == 1
    assert Notice.query.filter_by(kind="reminder").count() == 1
    # The next occurrence (1 day before) comes the next morning, once.
    run_once(at("2024-07-09 09:00"))
    run_once(at("2024-07-09 09:30"))
    assert len(smtp.inbox.messages) == 2


def test_a_scheduler_that_was_down_sends_the_newest_reminder_only(world, smtp):
    """Missed occurrences (7 and 3 days before) collapse into one reminder."""
    run_once(at("2024-07-09 12:00"))
    (message,) = smtp.inbox.messages
    assert "还有1天" in message["Subject"]


def test_overdue_escalates_to_the_unit_head_then_the_leader_and_the_office(world, smtp):
    """Due Wed 7月10日: on Thu 7月11日 the liaison and the head are told; from the third
    working day overdue (Mon 7月15日) the leaders and the office too."""
    run_once(at("2024-07-11 09:00"))
    assert _addresses(smtp.inbox) == ["a-head@example.com", "a-liaison@example.com"]
    assert all("已逾期1天" in m["Subject"] for m in smtp.inbox.messages)
    smtp.inbox.messages.clear()

    run_once(at("2024-07-12 09:00"))  # Friday: overdue again, no escalation yet
    assert _addresses(smtp.inbox) == ["a-head@example.com", "a-liaison@example.com"]
    smtp.inbox.messages.clear()

    run_once(at("2024-07-13 09:00"))  # Saturday: not a working day, nothing
    assert smtp.inbox.messages == []

    run_once(at("2024-07-15 09:00"))
    assert _addresses(smtp.inbox) == [
        "a-head@example.com",
        "a-liaison@example.com",
        "leader2@example.com",
        "leader@example.com",
        "office2@example.com",
        "office@example.com",
    ]
    escalated = smtp.inbox.to("leader@example.com")[0]
    assert escalated["Subject"].startswith("【逾期督办】单位A：初稿已逾期5天")
    assert "请督促相关单位尽快办理" in body_text(escalated)


def test_reminders_are_armed_in_the_actions_transaction(world, api):
    """Submitting arms the peer-review reminders at once and cancels the draft ones; a refused
    action (stale version) writes no reminder rows."""
    before = Reminder.query.count()
    r = api(world.a_liaison).act(world.plan.id, "submit", version=99)
    assert r.status_code == 409
    assert Reminder.query.count() == before

    assert api(world.a_liaison).act(world.plan.id, "submit").status_code == 200
    rows = {(r.stage, r.round, r.rule): r.status for r in Reminder.query}
    assert rows == {
        ("peer_review", 1, "before"): "pending",
        ("peer_review", 1, "overdue"): "pending",
        ("peer_review", 1, "escalate"): "pending",
    }


def test_leaving_a_stage_cancels_its_pending_reminders(world, api, smtp):
    """After the unit submits, the draft's reminders are cancelled and never sent."""
    run_once(at("2024-07-03 09:00"))  # 7 days before the draft deadline
    assert _addresses(smtp.inbox) == ["a-liaison@example.com"]
    api(world.a_liaison).act(world.plan.id, "submit")
    assert {r.status for r in Reminder.query.filter_by(stage="draft")} == {"cancelled"}
    smtp.inbox.messages.clear()
    run_once(at("2024-07-09 09:00"))  # draft's "1 day before"; peer review's 7 days is 7-12
    run_once(at("2024-07-11 09:00"))  # draft would be overdue
    assert smtp.inbox.messages == []


def test_peer_reviewers_are_reminded_until_they_sign(world, api, smtp):
    """Peer units that have not signed are reminded; one that signed is left alone."""
    api(world.a_liaison).act(world.plan.id, "submit")
    api(world.b_liaison).act(world.plan.id, "peer_approve", "同意")
    run_once(at("2024-07-16 09:00"))  # 3 days before 7月19日
    assert _addresses(smtp.inbox) == ["c-head@example.com"]
    assert "同组互审将于7月19日截止" in smtp.inbox.messages[0]["Subject"]


def test_a_return_re_arms_the_draft_reminders(world, api, smtp):
    """A peer returns the plan: round 2 of the draft is armed and its reminders reach the
    unit; the peer-review reminders of round 1 stop."""
    api(world.a_liaison).act(world.plan.id, "submit")
    run_once(at("2024-07-16 09:00"))
    assert _addresses(smtp.inbox) == ["b-liaison@example.com", "c-head@example.com"]
    smtp.inbox.messages.clear()

    api(world.c_head).act(world.plan.id, "return", "重点工作目标未量化")
    statuses = {(r.stage, r.round, r.rule): r.status for r in Reminder.query}
    assert statuses[("peer_review", 1, "before")] == "cancelled"
    assert statuses[("draft", 2, "before")] == "pending"

    run_once(at("2024-07-17 09:00"))  # the draft (7月10日) is now overdue, in round 2
    assert _addresses(smtp.inbox) == [
        "a-head@example.com",
        "a-liaison@example.com",
        "leader2@example.com",
        "leader@example.com",
        "office2@example.com",
        "office@example.com",
    ]
    keys = [m.dedupe_key for m in OutboxMessage.query.filter_by(to_addr="a-liaison@example.com")]
    assert any(":draft:2:overdue:" in k for k in keys)


def test_withdrawing_and_resubmitting_does_not_repeat_a_reminder(world, api, smtp):
    """Re-entering a stage in the same round re-arms it, but a reminder already sent for a
    day is not sent again."""
    api(world.a_liaison).act(world.plan.id, "submit")
    run_once(at("2024-07-16 09:00"))
    sent = len(smtp.inbox.messages)
    api(world.a_head).act(world.plan.id, "withdraw")
    api(world.a_head).act(world.plan.id, "submit")
    run_once(at("2024-07-16 11:00"))
    assert len(smtp.inbox.messages) == sent


def test_an_extension_moves_the_reminders(world, api, smtp):
    """After the office extends the draft to 7月17日, nobody is told it is overdue on 7月11日;
    the reminders follow the new date."""
    api(world.office).post(
        f"/api/v1/plans/{world.plan.id}/extensions",
        json={"due_date": "2024-07-17", "reason": "系统故障顺延"},
    )
    run_once(at("2024-07-11 09:00"))  # the 7-days-before of 7月17日 was 7月10日
    run_once(at("2024-07-14 09:00"))  # 3 days before
    assert [(m["To"], m["Subject"]) for m in smtp.inbox.messages] == [
        ("a-liaison@example.com", "【绩效提醒】单位A：初稿将于7月17日截止（还有6天）"),
        ("a-liaison@example.com", "【绩效提醒】单位A：初稿将于7月17日截止（还有3天）"),
    ]


def test_each_reminder_is_also_a_notice(world, smtp, api):
    """The liaison finds the reminder in the notice list, unread."""
    run_once(at("2024-07-08 09:00"))
    body = api(world.a_liaison).get("/api/v1/notices").get_json()
    assert body["unread"] == 1
    assert body["items"][0]["kind"] == "reminder"
    assert body["items"][0]["title"].startswith("【绩效提醒】单位A：初稿将于7月10日截止")
