"""我的待办 read from the task rows: every workflow's work, its due date, why it came back,
and the buttons allowed there; the navigation's count is one query."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import event

from tests.factories import build_world, make_plan, make_unit, make_user
from tests.pages import text
from tests.rectification.helpers import make_item, rect_world
from wfapp.database import db
from wfapp.models import EvaluatorAssignment, Notice, Role, Task
from wfapp.services import inbox, plans, rectification


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr[^>]*data-testid="inbox-item"[^>]*>(.*?)</tr>', html, re.S)


# --- the unit ------------------------------------------------------------------------------


def test_a_returned_plan_shows_the_reason_and_the_submit_button(world, browser):
    """After a return the liaison sees the plan with the reviewer's reason and can resubmit
    from the inbox: a POST form carrying the CSRF token and the plan's version."""
    plans.fire(world.a_liaison, world.plan.id, "submit")
    plans.fire(world.c_head, world.plan.id, "return", comment="重点工作目标未量化")
    browser.login(world.a_liaison)
    html = text(browser.get("/inbox"))
    (row,) = _rows(html)
    assert "重点工作目标未量化" in row and "初稿" in row
    form = re.search(r'<form method="post" action="([^"]+)".*?</form>', row, re.S)
    assert form.group(1) == f"/plans/{world.plan.id}/actions/submit"
    assert 'name="csrf_token"' in form.group(0)
    db.session.expire_all()
    version = re.search(r'name="version" value="(\d+)"', form.group(0)).group(1)
    assert int(version) == plans.get_plan(world.a_liaison, world.plan.id).version
    r = browser.submit("/inbox", form.group(1), {"version": version})
    assert r.status_code == 302
    db.session.expire_all()
    assert plans.get_plan(world.a_liaison, world.plan.id).state == "peer_review"
    assert _rows(text(browser.get("/inbox"))) == []


def test_a_liaison_with_an_overdue_item_sees_it(app, browser):
    """A 整改 item of the unit past its due date is in the liaison's inbox, marked overdue,
    and leaves it once submitted for 核验."""
    world = rect_world()
    item = make_item(world.plan, world.office, due_date=date(2000, 1, 31))
    browser.login(world.a_liaison)
    (row,) = _rows(text(browser.get("/inbox")))
    assert "整改事项" in row and "逾期" in row and "待整改" in row
    assert f'action="/rectification-items/{item.id}/start"' in row
    assert f'href="/rectification-items/{item.id}"' in row


# --- the office ----------------------------------------------------------------------------


def test_the_office_sees_an_item_waiting_for_verification(app, browser):
    """Once the unit submits an item, the office's inbox lists it with 核验通过 as a button
    and 退回重新整改 as a link to the item's page (it needs a reason)."""
    world = rect_world()
    item = make_item(world.plan, world.office)
    db.session.refresh(item)
    rectification.act(world.a_liaison, item.id, "start")
    _attach(world, item)
    rectification.act(world.a_liaison, item.id, "submit", result_statement="已建立台账")
    browser.login(world.office)
    html = text(browser.get("/inbox"))
    (row,) = [r for r in _rows(html) if "整改事项" in r]
    assert "已提交待核验" in row
    assert f'action="/rectification-items/{item.id}/verify"' in row
    assert re.search(rf'href="/rectification-items/{item.id}"[^>]*>退回重新整改', row)
    browser.login(world.a_liaison)
    assert not [r for r in _rows(text(browser.get("/inbox"))) if "整改事项" in r]


def _attach(world, item):
    from io import BytesIO

    from tests.rectification.helpers import PDF
    from wfapp.services.evidence import Upload

    rectification.attach_evidence(world.a_liaison, item.id, Upload("台账.pdf", BytesIO(PDF)))


# --- reviewers and evaluators --------------------------------------------------------------


def test_a_review_handed_on_leaves_the_others_inbox(app, browser):
    """A leader who delegates the review to a colleague loses it; the colleague has it."""
    world = build_world(state="leader_review")
    plans.fire(world.leader, world.plan.id, "delegate", to_user_id=world.leader2.id)
    browser.login(world.leader)
    assert not _rows(text(browser.get("/inbox")))
    browser.login(world.leader2)
    (row,) = _rows(text(browser.get("/inbox")))
    assert "分管领导审定" in row


def test_an_evaluator_sees_the_sheet_to_fill(world, browser):
    """An evaluator assigned to a plan in 集中考评 has its sheet in the inbox, linked."""
    plan = make_plan(world.program, world.group, world.units["D"], state="central_evaluation")
    db.session.add(
        EvaluatorAssignment(
            program_id=world.program.id,
            evaluator_id=world.evaluator.id,
            plan_id=plan.id,
            assigned_by_id=world.office.id,
        )
    )
    db.session.commit()
    browser.login(world.evaluator)
    (row,) = _rows(text(browser.get("/inbox")))
    assert f'href="/plans/{plan.id}/sheet"' in row and "集中考评评分" in row


# --- the counts and notices ----------------------------------------------------------------


def test_the_navigation_count_is_one_query_whatever_the_number_of_plans(app):
    """The count of a peer reviewer with many plans waiting is one SQL statement."""
    world = build_world(state="peer_review")
    reviewer = make_user("many-b", (Role.LIAISON, world.units["B"]))
    for k in range(12):
        unit = make_unit(f"单位X{k}")
        make_plan(world.program, world.group, unit, peers=[world.units["B"]], state="peer_review")
    db.session.commit()
    assert reviewer.grants  # the signed-in user, as every request has them loaded
    statements = []

    def count(*_a, **_k):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        n = inbox.count(reviewer)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert n == 13
    assert len(statements) == 1


def test_a_notice_of_a_task_is_done_when_the_task_closes(world):
    """The peer's "awaits" notice is marked read once the peer signed."""
    plans.fire(world.a_liaison, world.plan.id, "submit")
    notice = db.session.scalars(db.select(Notice).filter_by(user_id=world.b_liaison.id)).one()
    assert notice.read_at is None and notice.task_id is not None
    plans.fire(world.b_liaison, world.plan.id, "peer_approve")
    db.session.expire_all()
    assert db.session.get(Notice, notice.id).read_at is not None
    assert db.session.get(Task, notice.task_id).closed_at is not None
    # C's review is still open, and so is C's notice.
    other = db.session.scalars(db.select(Notice).filter_by(user_id=world.c_head.id)).one()
    assert other.read_at is None
