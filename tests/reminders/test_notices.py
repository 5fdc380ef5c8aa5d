"""Notices: actions that concern a user show up in their list, with an unread count."""

from __future__ import annotations

from flask import render_template_string

from tests.pages import csrf_token, login
from wfapp.models import Notice


def _notices(api, user):
    return api(user).get("/api/v1/notices").get_json()


def test_a_returned_plan_tells_the_unit_with_the_reason(world, api):
    """Does the liaison learn that the plan was returned, and why?"""
    api(world.a_liaison).act(world.plan.id, "submit")
    api(world.c_head).act(world.plan.id, "return", "重点工作目标未量化")
    for user in (world.a_liaison, world.a_head):
        items = _notices(api, user)["items"]
        returned = [n for n in items if n["kind"] == "returned"]
        assert len(returned) == 1
        assert returned[0]["title"] == "方案被退回修改：单位A2024年度绩效工作方案"
        assert returned[0]["body"] == "退回理由：重点工作目标未量化"
        assert returned[0]["link"] == f"/plans/{world.plan.id}"
    # The one who returned it is not told of their own action.
    assert _notices(api, world.c_head)["items"][0]["kind"] == "awaits"


def test_a_submitted_plan_tells_the_peer_reviewers_it_awaits_them(world, api):
    """After submission each peer reviewer has a notice; the submitter and others do not."""
    api(world.a_liaison).act(world.plan.id, "submit")
    for user in (world.b_liaison, world.b_head, world.c_head):
        (notice,) = _notices(api, user)["items"]
        assert notice["kind"] == "awaits"
        assert notice["title"] == "待您办理（同组互审）：单位A2024年度绩效工作方案"
    for user in (world.a_liaison, world.d_liaison, world.leader):
        assert _notices(api, user)["items"] == []


def test_publication_tells_the_unit(world, api):
    """When the office approves, the unit hears its plan is published."""
    from tests.factories import make_plan

    plan = make_plan(world.program, world.group, world.units["D"], state="office_review")
    api(world.office).act(plan.id, "office_approve", "同意", approval_number="泉效〔2024〕1号")
    (notice,) = _notices(api, world.d_liaison)["items"]
    assert (notice["kind"], notice["title"]) == (
        "published",
        "方案已批复公开：单位D2024年度绩效工作方案",
    )


def test_a_user_marks_notices_read_and_the_count_follows(world, api):
    """Unread count, mark one read, mark all read; another user's notice is not theirs."""
    api(world.a_liaison).act(world.plan.id, "submit")
    body = _notices(api, world.b_liaison)
    assert body["unread"] == 1
    notice_id = body["items"][0]["id"]
    assert api(world.c_head).post(f"/api/v1/notices/{notice_id}/read").status_code == 404
    r = api(world.b_liaison).post(f"/api/v1/notices/{notice_id}/read")
    assert r.get_json()["read"] is True
    assert _notices(api, world.b_liaison)["unread"] == 0
    assert api(world.c_head).post("/api/v1/notices/read-all").get_json()["marked"] == 1
    assert _notices(api, world.c_head)["unread"] == 0


def test_the_notice_page_shows_the_unread_count_and_marks_read(world, api, client):
    """The page lists notices with the count; its buttons carry CSRF tokens."""
    api(world.a_liaison).act(world.plan.id, "submit")
    login(client, world.b_liaison)
    page = client.get("/notices").get_data(as_text=True)
    assert "我的消息（1 条未读）" in page and "待您办理（同组互审）" in page
    notice = Notice.query.filter_by(user_id=world.b_liaison.id).one()
    assert client.post(f"/notices/{notice.id}/read").status_code == 400  # no token
    token = csrf_token(client, "/notices")
    r = client.post(f"/notices/{notice.id}/read", data={"csrf_token": token})
    assert r.status_code == 302
    assert "1 条未读" not in client.get("/notices").get_data(as_text=True)


def test_the_navigation_can_ask_for_the_unread_count(world, api, app):
    """Templates get unread_notice_count(): the signed-in user's unread notices, 0 if none."""
    from flask import g
    from flask_login import login_user

    api(world.a_liaison).act(world.plan.id, "submit")
    with app.test_request_context():
        login_user(world.c_head)
        assert render_template_string("{{ unread_notice_count() }}") == "1"
    g.pop("_login_user", None)  # the test's app context outlives the request
    with app.test_request_context():
        assert render_template_string("{{ unread_notice_count() }}") == "0"


def test_pages_need_a_signed_in_user(client, world):
    """Anonymous visitors are sent to the login page from the notice, feed and calendar pages."""
    for url in ("/notices", "/me/calendar-feed", f"/programs/{world.program.id}/calendar"):
        r = client.get(url)
        assert r.status_code == 302 and "/login" in r.headers["Location"], url


def test_a_delegated_review_tells_only_the_new_reviewer(world, api):
    """When the leader hands the review to leader2, only leader2 is told it awaits them."""
    from wfapp.database import db

    world.plan.state = "leader_review"
    db.session.commit()
    r = api(world.leader).act(world.plan.id, "delegate", "请代为审定", to_user="leader2")
    assert r.status_code == 200, r.get_json()
    (notice,) = _notices(api, world.leader2)["items"]
    assert notice["title"] == "待您办理（分管领导审定）：单位A2024年度绩效工作方案"
    assert _notices(api, world.leader)["items"] == []
