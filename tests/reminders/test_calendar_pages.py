"""The office's calendar pages: forms with CSRF, Chinese errors next to the field."""

from __future__ import annotations

from datetime import date

from tests.pages import csrf_token, login
from wfapp.models import CalendarDay, DeadlineExtension


def test_the_office_sets_a_due_date_on_the_calendar_page(world, client):
    """Can the office move the peer-review deadline through the page?"""
    login(client, world.office)
    url = f"/programs/{world.program.id}/calendar"
    token = csrf_token(client, url)
    r = client.post(
        f"{url}/stages/peer_review",
        data={"csrf_token": token, "s-peer_review-due_date": "2024-07-22"},
    )
    assert r.status_code == 302
    assert world.program.calendar_entry("peer_review").due_date == date(2024, 7, 22)
    assert "2024年7月22日" in client.get(url).get_data(as_text=True)


def test_a_date_and_a_relative_rule_at_once_is_refused_next_to_the_field(world, client):
    """Both kinds at once: 422 with the Chinese message on the page; nothing changes."""
    login(client, world.office)
    url = f"/programs/{world.program.id}/calendar"
    token = csrf_token(client, url)
    r = client.post(
        f"{url}/stages/draft",
        data={
            "csrf_token": token,
            "s-draft-due_date": "2024-07-12",
            "s-draft-after_event": "return",
            "s-draft-working_days": "3",
        },
    )
    assert r.status_code == 422
    assert "截止日期只能是固定日期或“事件后N个工作日”之一" in r.get_data(as_text=True)
    assert world.program.calendar_entry("draft").due_date == date(2024, 7, 10)


def test_the_office_declares_a_closure_and_others_only_read(world, client):
    """The office adds a closure; a liaison sees the calendar without forms and may not post."""
    login(client, world.office)
    url = f"/programs/{world.program.id}/calendar"
    token = csrf_token(client, url)
    r = client.post(
        f"{url}/days",
        data={"csrf_token": token, "day": "2024-07-15", "working": "0", "note": "台风"},
    )
    assert r.status_code == 302
    assert CalendarDay.query.one().note == "台风"
    r = client.post(f"{url}/rules/draft", data={"csrf_token": token, "p-draft-days_before": "七"})
    assert r.status_code == 422 and "请填写以逗号分隔的天数" in r.get_data(as_text=True)

    login(client, world.a_liaison)
    page = client.get(url).get_data(as_text=True)
    content = page.split("<main", 1)[1]  # the navigation has its own logout form
    assert "台风" in content and "<form" not in content
    token = csrf_token(client, "/me/calendar-feed")  # a valid token of the liaison's session
    r = client.post(f"{url}/days", data={"csrf_token": token, "day": "2024-07-16"})
    assert r.status_code == 403


def test_the_office_grants_an_extension_on_the_plans_page(world, client):
    """The extension form needs a reason (error next to the field), then records it."""
    login(client, world.office)
    url = f"/plans/{world.plan.id}/extension"
    token = csrf_token(client, url)
    r = client.post(url, data={"csrf_token": token, "due_date": "2024-07-20", "reason": ""})
    assert r.status_code == 422 and "延期必须填写理由" in r.get_data(as_text=True)
    r = client.post(url, data={"csrf_token": token, "due_date": "2024-07-05", "reason": "顺延"})
    assert r.status_code == 422 and "应晚于当前截止日期" in r.get_data(as_text=True)
    r = client.post(url, data={"csrf_token": token, "due_date": "2024-07-20", "reason": "顺延"})
    assert r.status_code == 302
    assert DeadlineExtension.query.one().reason == "顺延"
    login(client, world.a_liaison)
    page = client.get(url).get_data(as_text=True)
    assert "顺延" in page and "批准延期</button>" not in page
