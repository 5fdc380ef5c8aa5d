"""The office console (绩效办工作台): settings, groups and units, users and grants,
assignments with a suggestion, and the board."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from tests.factories import fresh, make_plan, make_unit
from tests.pages import text
from wfapp.database import db
from wfapp.models import AuditEvent, PeerAssignment, Plan, User
from wfapp.services import office, plans


def _settings_data(world, **changes):
    data = {
        "title": world.program.title,
        "total_points": "100",
        "countersign_policy": "all",
        "countersign_min": "",
        "deadline_draft": "2024-07-10",
        "deadline_peer_review": "2024-07-19",
        "deadline_leader_review": "2024-07-26",
        "deadline_office_review": "2024-08-15",
    }
    data.update(changes)
    return data


def test_only_the_office_and_admins_reach_the_console(world, browser):
    """Can a liaison or a leader open the office console? No (403). The office can."""
    url = f"/office/programs/{world.program.id}"
    for who in (world.a_liaison, world.leader, world.evaluator):
        browser.login(who)
        assert browser.get(url).status_code == 403
        assert "绩效办工作台" not in text(browser.get("/inbox"))
    browser.login(None)
    assert browser.get(url).status_code == 302
    for who in (world.office, world.admin):
        browser.login(who)
        assert browser.get(url).status_code == 200


def test_the_board_counts_plans_per_stage_and_marks_overdue_ones(world, browser):
    """Every unit's plan with its stage, due date and an overdue mark; counts per stage."""
    make_plan(world.program, world.group, world.units["B"], peers=[world.units["C"]])
    plans.fire(world.a_liaison, world.plan.id, "submit")
    browser.login(world.office)
    html = text(browser.get(f"/office/programs/{world.program.id}"))
    counts = dict(re.findall(r'data-state="(\w+)"><strong>(\d+)</strong>', html))
    assert counts["draft"] == "1" and counts["peer_review"] == "1" and counts["published"] == "0"
    assert html.count('<tr class="overdue">') == 2  # the demo calendar of 2024 is long past


def test_settings_save_and_leave_an_audit_event(world, browser):
    """The office changes the total, the countersign policy and a date: saved and audited."""
    url = f"/office/programs/{world.program.id}/settings"
    browser.login(world.office)
    data = _settings_data(
        world,
        countersign_policy="at_least",
        countersign_min="1",
        deadline_self_assessment="2024-12-31",
    )
    r = browser.submit(url, url, data)
    assert r.status_code == 302, text(r)[-1500:]
    db.session.refresh(world.program)
    assert world.program.countersign_policy == "at_least" and world.program.countersign_min == 1
    assert world.program.deadline_for("self_assessment") == date(2024, 12, 31)
    event = AuditEvent.query.filter_by(object_type="program", object_id=world.program.id).one()
    assert event.actor_id == world.office.id
    assert event.data["countersign_policy"] == ["all", "at_least"]


def test_bad_settings_are_refused_next_to_their_fields_and_the_input_is_kept(world, browser):
    """At-least without N, dates out of order: nothing saved, messages by the fields,
    what was typed still there."""
    url = f"/office/programs/{world.program.id}/settings"
    browser.login(world.office)
    data = _settings_data(
        world,
        title="新的项目名称",
        countersign_policy="at_least",
        deadline_leader_review="2024-07-01",
    )
    r = browser.submit(url, url, data)
    assert r.status_code == 422
    html = text(r)
    assert 'value="新的项目名称"' in html
    assert "“至少 N 家”须填写不小于 1 的数" in html
    assert "分管领导审定的截止日期不能早于同组互审（2024-07-19）" in html
    db.session.refresh(world.program)
    assert world.program.title != "新的项目名称"


def test_the_office_adds_a_group_and_a_unit_whose_plan_starts_as_a_draft(world, browser):
    browser.login(world.office)
    url = f"/office/programs/{world.program.id}/groups"
    assert browser.submit(url, url, {"name": "第四系列"}).status_code == 302
    group = next(g for g in world.program.groups if g.name == "第四系列")
    r = browser.submit(
        url,
        f"/office/programs/{world.program.id}/units",
        {"group_id": group.id, "name": "泉州市文化和旅游局", "short_name": "市文旅局"},
    )
    assert r.status_code == 302
    plan = Plan.query.filter_by(group_id=group.id).one()
    assert plan.state == "draft" and plan.indicators == []
    assert "泉州市文化和旅游局" in text(browser.get(url))
    r = browser.submit(
        url,
        f"/office/programs/{world.program.id}/units",
        {"group_id": group.id, "name": "泉州市文化和旅游局"},
    )
    assert r.status_code == 422 and "该单位已参加本项目" in text(r)


def test_the_office_creates_a_user_and_grants_a_role_that_takes_effect(world, browser):
    """A new liaison for unit A: created, granted, and from then on sees A's plan."""
    browser.login(world.office)
    url = f"/office/programs/{world.program.id}/users"
    r = browser.submit(
        url,
        url,
        {
            "username": "a-liaison2",
            "display_name": "新联络员",
            "email": "x@example.com",
            "password": "long enough pw",
        },
    )
    assert r.status_code == 302
    created = User.query.filter_by(username="a-liaison2").one()
    r = browser.submit(
        url,
        f"/office/programs/{world.program.id}/grants",
        {"user_id": created.id, "role": "liaison", "unit_id": world.units["A"].id},
    )
    assert r.status_code == 302
    assert plans.available_actions(fresh(created), fresh(world.plan)) == ["submit"]
    short = browser.submit(
        url,
        url,
        {"username": "x", "display_name": "x", "email": "x@example.com", "password": "short"},
    )
    assert short.status_code == 422 and "初始密码至少 8 位" in text(short)
    assert AuditEvent.query.filter_by(object_type="user", object_id=created.id).count() == 2


def test_a_unit_role_needs_a_unit_of_this_program(world, browser):
    browser.login(world.office)
    url = f"/office/programs/{world.program.id}/users"
    other = make_unit("别的项目的单位")
    r = browser.submit(
        url,
        f"/office/programs/{world.program.id}/grants",
        {"user_id": world.evaluator.id, "role": "leader", "unit_id": other.id},
    )
    assert r.status_code == 302
    assert "请选择参加本项目的单位" in text(browser.get(url))
    assert not [g for g in world.evaluator.grants if g.role == "leader"]


@given(st.integers(min_value=2, max_value=12), st.integers(min_value=1, max_value=4))
def test_suggested_peers_are_from_the_group_never_itself_and_balanced(n, k):
    """Each plan gets k peers (fewer only when the group is too small), never itself, and
    each unit reviews the same number of plans."""
    units = list(range(100, 100 + n))
    got = office.suggest_peers(units, k)
    want = min(k, n - 1)
    assert set(got) == set(units)
    for unit, peers in got.items():
        assert unit not in peers and len(set(peers)) == len(peers) == want
        assert set(peers) <= set(units)
    load = Counter(p for peers in got.values() for p in peers)
    assert set(load.values()) <= {want}


def test_a_suggestion_is_shown_first_and_saved_only_when_confirmed(world, browser):
    """The office asks for a suggestion: the grid is filled but nothing changes until saved."""
    b_plan = make_plan(world.program, world.group, world.units["B"])
    url = f"/office/programs/{world.program.id}/assignments"
    browser.login(world.office)
    r = browser.submit(url, f"{url}/suggest", {"k": "1"})
    assert r.status_code == 200
    html = text(r)
    assert "尚未保存" in html
    assert PeerAssignment.query.filter_by(plan_id=b_plan.id).count() == 0
    checked = re.findall(r'name="peers-(\d+)" value="(\d+)"[^>]*checked', html)
    proposal: dict[str, list[str]] = {}
    for plan_id, unit_id in checked:
        proposal.setdefault(f"peers-{plan_id}", []).append(unit_id)
    r = browser.submit(url, url, proposal)
    assert r.status_code == 302
    db.session.expire_all()
    assert [a.reviewer_unit_id for a in b_plan.peer_assignments] == [world.units["A"].id]
    assert [a.reviewer_unit_id for a in world.plan.peer_assignments] == [world.units["B"].id]
    assert AuditEvent.query.filter_by(plan_id=b_plan.id, action="assign_peers").count() == 1


def test_peers_of_a_submitted_plan_cannot_be_changed(world):
    plans.fire(world.a_liaison, world.plan.id, "submit")
    from wfapp.services.errors import Conflict

    try:
        office.set_peers(world.office, {world.plan.id: [world.units["D"].id]})
    except Conflict as exc:
        assert "已提交" in exc.message
    else:
        raise AssertionError("a submitted plan's peers were changed")
    db.session.expire_all()
    assert len(world.plan.peer_assignments) == 2


def test_a_plan_may_not_review_itself_even_if_the_form_says_so(world):
    from wfapp.services.errors import Invalid

    try:
        office.set_peers(world.office, {world.plan.id: [world.units["A"].id]})
    except Invalid as exc:
        assert "同组的其他单位" in exc.problems[0].message
    else:
        raise AssertionError("a unit was made to review its own plan")
