"""The iCal feed lists what is still to be done: the plan's current and coming stages
(集中考评 included), the open 整改 items with their own dates, each with alarms on the days
the reminders go out; finished stages and closed items drop out."""

from __future__ import annotations

from datetime import date, timedelta

from icalendar import Calendar

from tests.factories import build_world
from tests.pages import Browser
from tests.rectification.helpers import DUE, make_item, rect_world
from wfapp.database import db
from wfapp.models import EvaluatorAssignment, ReminderPolicy, StageDeadline

CENTRAL = date(2025, 2, 28)


def _feed(api, client, user) -> dict[str, tuple[date, list[timedelta]]]:
    url = api(user).post("/api/v1/me/ical").get_json()["url"]
    cal = Calendar.from_ical(client.get(url.replace("http://testserver", "")).data)
    return {
        str(e["SUMMARY"]): (
            e.decoded("DTSTART"),
            [a.decoded("TRIGGER") for a in e.walk("VALARM")],
        )
        for e in cal.walk("VEVENT")
    }


def _year_world(state: str):
    world = build_world(state=state)
    world.program.deadlines += [
        StageDeadline(stage="self_assessment", due_date=date(2024, 12, 31)),
        StageDeadline(stage="central_evaluation", due_date=CENTRAL),
    ]
    db.session.commit()
    return world


def test_a_published_plan_drops_its_finished_stages(app, api, client):
    """For the unit head of a plan in 自评, 初稿 … 绩效办批复 are done and gone; 自评 and
    集中考评 are still ahead."""
    world = _year_world("self_assessment")
    events = _feed(api, client, world.a_head)
    assert {k: v[0] for k, v in events.items()} == {
        "【截止】单位A·自评": date(2024, 12, 31),
        "【截止】单位A·集中考评": CENTRAL,
    }


def test_an_assigned_evaluator_sees_the_central_evaluation_deadline(app, api, client):
    """An evaluator assigned to the group has 集中考评 in the feed, and nothing else."""
    world = _year_world("central_evaluation")
    db.session.add(
        EvaluatorAssignment(
            program_id=world.program.id,
            evaluator_id=world.evaluator.id,
            group_id=world.group.id,
            assigned_by_id=world.office.id,
        )
    )
    db.session.commit()
    assert {k: v[0] for k, v in _feed(api, client, world.evaluator).items()} == {
        "【截止】单位A·集中考评": CENTRAL
    }


def test_open_rectification_items_are_in_the_feed_until_closed(app, api, client):
    """The liaison's feed has each open item on its own due date (not the stage's); once an
    item is closed it leaves the feed; the office sees the open ones too."""
    world = rect_world()
    later = DUE + timedelta(days=30)
    first = make_item(world.plan, world.office)
    second = make_item(world.plan, world.office, finding="制度未建立", due_date=later)
    events = _feed(api, client, world.a_liaison)
    assert events[f"【截止】单位A·整改事项 #{first.id}"][0] == DUE
    assert events[f"【截止】单位A·整改事项 #{second.id}"][0] == later
    assert "【截止】单位A·整改" not in events  # the stage's date is only the items' default
    db.session.get(type(first), first.id).state = "closed"
    db.session.commit()
    events = _feed(api, client, world.a_liaison)
    assert f"【截止】单位A·整改事项 #{first.id}" not in events
    assert f"【截止】单位A·整改事项 #{second.id}" in events
    assert f"【截止】单位A·整改事项 #{second.id}" in _feed(api, client, world.office)


def test_alarms_follow_the_programs_reminder_policy(app, api, client):
    """The office set reminders 5 and 1 days before 初稿: the event alarms on those days."""
    world = build_world()
    db.session.add(ReminderPolicy(program_id=world.program.id, stage="draft", days_before=[5, 1]))
    db.session.commit()
    _, alarms = _feed(api, client, world.a_liaison)["【截止】单位A·初稿"]
    assert sorted(alarms) == [timedelta(days=-5, hours=9), timedelta(days=-1, hours=9)]


def test_every_page_links_to_the_subscription_with_a_copy_button(world, client):
    """Signed in, the header links to 日历订阅; its page shows the address beside a copy
    button once the user has created it."""
    browser = Browser(client).login(world.a_liaison)
    page = browser.get("/plans").get_data(as_text=True)
    assert 'href="/me/calendar-feed"' in page and "日历订阅" in page
    browser.submit("/me/calendar-feed", "/me/calendar-feed/rotate")
    page = browser.get("/me/calendar-feed").get_data(as_text=True)
    assert 'data-copy="feed-url"' in page and 'id="feed-url"' in page
