"""The plan page: who sees it, which buttons each person gets, and what an action does."""

from __future__ import annotations

import re

import pytest

from tests.factories import build_world, fresh
from tests.pages import text
from wfapp.database import db
from wfapp.models import AuditEvent
from wfapp.services import plans


def buttons(html: str) -> set[str]:
    return set(re.findall(r'data-action="(\w+)"', html))


# state → user → the buttons that user sees (None: the page is not found for them).
EXPECTED = {
    "draft": {
        "a-liaison": {"submit"},
        "a-head": {"submit"},
        "b-liaison": None,
        "leader": None,
        "office": set(),
        "d-liaison": None,
        "evaluator": None,
    },
    "peer_review": {
        "a-liaison": {"withdraw"},
        "b-liaison": {"peer_approve", "return", "delegate"},
        "c-head": {"peer_approve", "return", "delegate"},
        "leader": set(),
        "office": set(),
        "d-liaison": None,
    },
    "leader_review": {
        "a-head": set(),
        "b-liaison": set(),
        "leader": {"leader_approve", "return", "delegate"},
        "leader2": {"leader_approve", "return", "delegate"},
        "office": set(),
        "d-liaison": None,
    },
    "office_review": {
        "a-liaison": set(),
        "leader": set(),
        "office": {"office_approve", "return", "delegate"},
        "office2": {"office_approve", "return", "delegate"},
        "d-liaison": None,
    },
    "published": {
        "a-liaison": set(),
        "office": {"open_self_assessment"},  # the year goes on: self-assessment opens
        "d-liaison": set(),  # published plans are public
        "evaluator": set(),
    },
}
CASES = [(state, user) for state, users in EXPECTED.items() for user in users]


@pytest.mark.parametrize(("state", "username"), CASES)
def test_each_person_sees_exactly_their_buttons(app, browser, state, username):
    """Does each role see the buttons it may use in this state, and no others?"""
    world = build_world(state=state)
    browser.login(world.users[username])
    r = browser.get(f"/plans/{world.plan.id}")
    expected = EXPECTED[state][username]
    if expected is None:
        assert r.status_code == 404
        assert world.plan.unit.name not in text(r)
        return
    assert r.status_code == 200
    assert buttons(text(r)) == expected


def test_another_units_plan_is_not_found_anywhere(world, browser):
    """Can a liaison of an unrelated unit reach unit A's plan by guessing its URL? 404 everywhere."""
    browser.login(world.d_liaison)
    pid = world.plan.id
    for url in (
        f"/plans/{pid}",
        f"/plans/{pid}/edit",
        f"/plans/{pid}/indicators.xlsx",
        f"/plans/{pid}/diff",
        f"/public/plans/{pid}",
    ):
        assert browser.get(url).status_code == 404, url
    r = browser.submit("/inbox", f"/plans/{pid}/actions/submit", {"version": world.plan.version})
    assert r.status_code == 404
    assert fresh(world.plan).state == "draft"


def test_a_peer_cannot_fire_the_units_own_submit(world, browser):
    """Can someone who sees the plan fire an action that is not theirs? 403, nothing changes."""
    browser.login(world.a_liaison)
    page = f"/plans/{world.plan.id}"
    browser.submit(page, f"{page}/actions/submit", {"version": world.plan.version, "comment": ""})
    browser.login(world.leader)
    r = browser.submit(
        page, f"{page}/actions/office_approve", {"version": fresh(world.plan).version}
    )
    assert r.status_code == 403
    assert "无权" in text(r)
    assert fresh(world.plan).state == "peer_review"


def test_submitting_through_the_page_moves_the_plan_and_records_the_comment(world, browser):
    """A liaison submits with a comment: the plan goes to 同组互审 and the history shows it."""
    browser.login(world.a_liaison)
    page = f"/plans/{world.plan.id}"
    r = browser.submit(
        page, f"{page}/actions/submit", {"version": world.plan.version, "comment": "请各位审核"}
    )
    assert r.status_code == 302
    html = text(browser.get(page))
    assert "已提交审核" in html
    assert "请各位审核" in html
    assert 'class="wf-state wf-current" aria-current="step"' in html
    current = re.search(r'wf-current" aria-current="step"><rect[^>]*/><text[^>]*>([^<]+)<', html)
    assert current and current.group(1) == "同组互审"


def test_a_return_without_a_reason_is_refused_next_to_the_field(world, browser):
    """Can a reviewer return a plan without saying why? No: 422, the message sits by the field."""
    plans.fire(world.a_liaison, world.plan.id, "submit")
    browser.login(world.b_liaison)
    page = f"/plans/{world.plan.id}"
    r = browser.submit(
        page, f"{page}/actions/return", {"version": world.plan.version, "comment": "  "}
    )
    assert r.status_code == 422
    html = text(r)
    form = re.search(r'<form[^>]*data-action-form="return".*?</form>', html, re.S).group(0)
    assert "退回必须填写理由" in form
    assert world.plan.state == "peer_review"


def test_a_stale_page_gets_409_explains_and_keeps_the_typed_comment(world, browser):
    """Two people on one page: the second click arrives with an old version. It is refused
    with an explanation and a reload link, and what they typed is still there."""
    page = f"/plans/{world.plan.id}"
    browser.login(world.a_head)
    stale = world.plan.version
    plans.fire(world.a_liaison, world.plan.id, "submit")  # the colleague was faster
    r = browser.submit(
        page, f"{page}/actions/submit", {"version": stale, "comment": "我来提交：材料已齐"}
    )
    assert r.status_code == 409
    html = text(r)
    assert "其他人已处理" in html
    assert f'href="{page}"' in html  # reload
    assert "我来提交：材料已齐" in html
    assert AuditEvent.query.filter_by(plan_id=world.plan.id, action="submit").count() == 1


def test_a_stale_version_on_an_action_still_offered_keeps_the_comment_in_its_form(world, browser):
    """The office edits calendar-independent data meanwhile; the peer's approve form keeps the comment."""
    plans.fire(world.a_liaison, world.plan.id, "submit")
    page = f"/plans/{world.plan.id}"
    browser.login(world.b_liaison)
    stale = world.plan.version
    plans.fire(world.c_head, world.plan.id, "peer_approve", comment="同意")
    r = browser.submit(
        page, f"{page}/actions/peer_approve", {"version": stale, "comment": "B 单位同意"}
    )
    assert r.status_code == 409
    form = re.search(r'<form[^>]*data-action-form="peer_approve".*?</form>', text(r), re.S).group(0)
    assert "B 单位同意" in form


def test_delegate_offers_the_eligible_colleagues_only(world, browser):
    """The delegate form lists others of the same role and unit, not the whole directory."""
    for who, action in (
        (world.a_liaison, "submit"),
        (world.b_liaison, "peer_approve"),
        (world.c_head, "peer_approve"),
    ):
        plans.fire(who, world.plan.id, action)
    browser.login(world.leader)
    html = text(browser.get(f"/plans/{world.plan.id}"))
    form = re.search(r'<form[^>]*data-action-form="delegate".*?</form>', html, re.S).group(0)
    options = re.findall(r'<option value="(\d+)"', form)
    assert options == [str(world.leader2.id)]
    page = f"/plans/{world.plan.id}"
    r = browser.submit(
        page,
        f"{page}/actions/delegate",
        {"version": world.plan.version, "to_user": world.leader2.id, "comment": "请代审"},
    )
    assert r.status_code == 302
    assert buttons(text(browser.get(page))) == set()  # handed on: no longer the leader's


def test_office_approval_records_the_approval_number(world, browser):
    """The office publishes with a 批复 number; the page shows it."""
    for who, action in (
        (world.a_liaison, "submit"),
        (world.b_liaison, "peer_approve"),
        (world.c_head, "peer_approve"),
        (world.leader, "leader_approve"),
    ):
        plans.fire(who, world.plan.id, action)
    browser.login(world.office)
    page = f"/plans/{world.plan.id}"
    r = browser.submit(
        page,
        f"{page}/actions/office_approve",
        {
            "version": world.plan.version,
            "approval_number": "效办〔2024〕8号",
            "comment": "准予公开",
        },
    )
    assert r.status_code == 302
    db.session.refresh(world.plan)
    assert world.plan.state == "published"
    assert "效办〔2024〕8号" in text(browser.get(page))


def test_the_plan_page_shows_the_table_with_subtotals_and_total(world, browser):
    """The table is grouped: first-level cells span their rows, each block ends in 小计, then 合计."""
    browser.login(world.a_liaison)
    html = text(browser.get(f"/plans/{world.plan.id}"))
    table = re.search(r'<table class="target-table">.*?</table>', html, re.S).group(0)
    assert table.count('class="subtotal"') == 2
    assert re.search(r'rowspan="5"[^>]*><strong>职能工作目标</strong><br>60分', table)
    assert re.search(r'<td colspan="4" class="center">合计</td><td class="num">100</td>', table)


def test_the_inbox_lists_waiting_plans_most_urgent_first_and_counts_them(app, browser):
    """The inbox shows every plan waiting for me, overdue first, and the count is in the nav."""
    from datetime import date

    from tests.factories import make_plan

    world = build_world(state="peer_review")  # A's plan waits for B's review
    own = make_plan(world.program, world.group, world.units["B"], peers=[world.units["C"]])
    due = {d.stage: d for d in world.program.deadlines}
    due["draft"].due_date = date(2000, 1, 10)  # B's own draft is long overdue
    due["peer_review"].due_date = date(2099, 7, 19)
    db.session.commit()
    browser.login(world.b_liaison)
    html = text(browser.get("/inbox"))
    assert re.search(r'data-testid="inbox-count">2<', html)
    assert re.findall(r'<a href="/plans/(\d+)">', html) == [str(own.id), str(world.plan.id)]
    assert html.count("逾期") == 1
