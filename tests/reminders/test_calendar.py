"""The office keeps the program's calendar; due_date() answers for pages, API and reminders."""

from __future__ import annotations

from datetime import date, datetime

from wfapp.database import db
from wfapp.models import AuditEvent, CalendarDay, Reminder, StageDeadline
from wfapp.services import reminders
from wfapp.services.deadlines import due_date
from wfapp.timeutil import SHANGHAI


def _calendar_url(world, tail=""):
    return f"/api/v1/programs/{world.program.id}/calendar{tail}"


def test_the_current_stage_is_due_on_the_programs_date(world, api):
    """Can a liaison see when the plan's current stage is due?"""
    assert due_date(world.plan) == date(2024, 7, 10)
    body = api(world.a_liaison).get(f"/api/v1/plans/{world.plan.id}").get_json()
    assert body["due_date"] == "2024-07-10"


def test_a_due_date_n_working_days_after_an_event_skips_national_day(world):
    """Draft due 3 working days after a return on Friday Sep 27, 2024: Sep 29 (调休 Sunday),
    Sep 30, then Oct 8 after the holiday."""
    entry = world.program.calendar_entry("draft")
    entry.due_date, entry.after_event, entry.working_days = None, "return", 3
    db.session.add(
        AuditEvent(
            object_type="plan",
            object_id=world.plan.id,
            plan_id=world.plan.id,
            action="return",
            from_state="peer_review",
            to_state="draft",
            round=1,
            at=datetime(2024, 9, 27, 16, 0, tzinfo=SHANGHAI),
        )
    )
    db.session.commit()
    assert due_date(world.plan) == date(2024, 10, 8)
    # An office closure on Oct 8 moves it on by one working day.
    db.session.add(CalendarDay(program_id=world.program.id, day=date(2024, 10, 8)))
    db.session.commit()
    assert due_date(world.plan) == date(2024, 10, 9)


def test_office_sets_a_stage_as_working_days_after_an_event(world, api):
    """Can the office make a stage due N working days after an event?"""
    r = api(world.office).put(
        _calendar_url(world, "/stages/peer_review"),
        json={"after_event": "stage_entered", "working_days": 5},
    )
    assert r.status_code == 200, r.get_json()
    row = next(s for s in r.get_json()["stages"] if s["stage"] == "peer_review")
    assert (row["due_date"], row["after_event"], row["working_days"]) == (
        None,
        "stage_entered",
        5,
    )
    assert row["rule_text"] == "进入本环节后5个工作日"
    assert AuditEvent.query.filter_by(object_type="program", action="set_stage_deadline").count()


def test_bad_calendar_input_names_each_field(world, api):
    """A date and a relative rule at once, a bad event and a bad count: 422, each named."""
    r = api(world.office).put(
        _calendar_url(world, "/stages/draft"),
        json={"due_date": "2024-07-12", "after_event": "nonsense", "working_days": 0},
    )
    assert r.status_code == 422
    codes = {e["code"] for e in r.get_json()["errors"]}
    assert codes == {"due_date", "after_event", "working_days"}
    assert world.program.calendar_entry("draft").due_date == date(2024, 7, 10)
    r = api(world.office).put(_calendar_url(world, "/stages/draft"), json={"due_date": "7月12日"})
    assert r.status_code == 422
    assert r.get_json()["errors"][0]["code"] == "due_date"


def test_only_the_office_edits_the_calendar(world, api):
    """May a liaison or a leader change a due date? No (403); they may read it."""
    for user in (world.a_liaison, world.leader, world.admin):
        r = api(user).put(_calendar_url(world, "/stages/draft"), json={"due_date": "2024-08-01"})
        assert r.status_code == 403
        assert api(user).get(_calendar_url(world)).status_code == 200
    assert StageDeadline.query.filter_by(stage="draft").one().due_date == date(2024, 7, 10)


def test_office_declares_a_closure_and_removes_it(world, api):
    """Can the office declare a closure and take it back?"""
    office = api(world.office)
    r = office.put(
        _calendar_url(world, "/days/2024-07-15"), json={"working": False, "note": "防台停办"}
    )
    assert r.status_code == 200
    assert r.get_json()["days"] == [{"day": "2024-07-15", "working": False, "note": "防台停办"}]
    assert office.delete(_calendar_url(world, "/days/2024-07-15")).get_json()["days"] == []
    assert office.delete(_calendar_url(world, "/days/2024-07-15")).status_code == 404
    assert office.put(_calendar_url(world, "/days/15-07-2024"), json={}).status_code == 422


def test_office_grants_one_plan_an_extension_with_a_reason(world, api):
    """An extension moves only this plan's due date, is audited with its reason, and
    moves the armed reminders."""
    reminders.arm(world.plan)
    db.session.commit()
    r = api(world.office).post(
        f"/api/v1/plans/{world.plan.id}/extensions",
        json={"due_date": "2024-07-17", "reason": "单位主要负责人调整，需重新审定"},
    )
    assert r.status_code == 201, r.get_json()
    assert due_date(world.plan) == date(2024, 7, 17)
    event = AuditEvent.query.filter_by(action="grant_extension").one()
    assert event.comment == "单位主要负责人调整，需重新审定"
    assert event.data == {"stage": "draft", "from": "2024-07-10", "to": "2024-07-17"}
    before = Reminder.query.filter_by(plan_id=world.plan.id, rule="before").one()
    assert before.next_at == datetime(2024, 7, 10, 9, tzinfo=SHANGHAI)  # 7 days before 7-17
    items = api(world.a_liaison).get(f"/api/v1/plans/{world.plan.id}/extensions").get_json()
    assert items["items"][0]["reason"] == "单位主要负责人调整，需重新审定"


def test_an_extension_needs_a_reason_a_later_date_and_the_office(world, api):
    """No reason, an earlier date, or a unit asking for itself: refused, nothing recorded."""
    url = f"/api/v1/plans/{world.plan.id}/extensions"
    r = api(world.office).post(url, json={"due_date": "2024-07-20", "reason": "   "})
    assert r.status_code == 422 and r.get_json()["errors"][0]["code"] == "reason"
    r = api(world.office).post(url, json={"due_date": "2024-07-01", "reason": "提前"})
    assert r.status_code == 422 and r.get_json()["errors"][0]["code"] == "due_date"
    r = api(world.a_head).post(url, json={"due_date": "2024-07-20", "reason": "工作量大"})
    assert r.status_code == 403
    r = api(world.d_liaison).post(url, json={"due_date": "2024-07-20", "reason": "工作量大"})
    assert r.status_code == 404
    assert due_date(world.plan) == date(2024, 7, 10)


def test_office_changes_reminder_rules_for_a_stage(world, api):
    """Can the office change when a stage's reminders go out? Bad values are named."""
    url = f"/api/v1/programs/{world.program.id}/reminder-rules/draft"
    body = {"days_before": [5, 1], "overdue_repeat": False, "escalate_after": 2}
    r = api(world.office).put(url, json=body)
    assert r.status_code == 200
    rules = next(s for s in r.get_json()["stages"] if s["stage"] == "draft")["reminders"]
    assert rules["days_before"] == [5, 1] and rules["customized"] is True
    assert reminders.policy_for(world.program.id, "draft").escalate_after == 2
    r = api(world.office).put(url, json={"days_before": [-1], "escalate_after": 0})
    assert r.status_code == 422
    assert {e["code"] for e in r.get_json()["errors"]} == {"days_before", "escalate_after"}
    assert api(world.a_liaison).put(url, json=body).status_code == 403
