"""Who a stored task waits for, read three ways that must agree (the inbox's SQL condition,
the Python check for loaded tasks, the reminders' list of people), the rebuild that writes
the tasks of every running object afresh (the migration, `wfapp tasks rebuild`), and the
notice that announces each kind of task."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from sqlalchemy import delete, func, select, update

from tests.factories import build_world, make_plan, make_unit, make_user
from tests.rectification.helpers import make_item
from tests.results.helpers import signed_sheet
from wfapp.database import db
from wfapp.models import Notice, Plan, Role, Task, TaskRole, User
from wfapp.services import change_requests, evaluation, plans, rectification, tasks
from wfapp.services.task_check import verify


def _open() -> list[Task]:
    return list(db.session.scalars(select(Task).where(Task.closed_at.is_(None)).order_by(Task.id)))


def _snapshot() -> set[tuple]:
    """Every open task as what it says, without ids or times."""
    return {
        (
            t.kind,
            t.object_type,
            t.object_id,
            t.plan_id,
            t.stage,
            tuple(t.actions),
            t.user_id,
            t.role,
            t.unit_id,
            t.due_date,
            t.reason,
        )
        for t in _open()
    }


@pytest.fixture
def cycle(app):
    """One program with work waiting on every kind of candidate: A's plan in 同组互审 (the
    peer units B and C), E's with the leader (分管领导审定), F's with the office (绩效办批复),
    G's in 整改 with an item for the unit and one for 核验, and a delegated peer review
    (one person, not a unit); plus a liaison whose account is disabled."""
    world = build_world()
    plans.fire(world.a_liaison, world.plan.id, "submit")
    e, f, g = (make_unit(f"单位{k}") for k in "EFG")
    world.users["e-liaison"] = make_user("e-liaison", (Role.LIAISON, e))
    world.users["g-liaison"] = make_user("g-liaison", (Role.LIAISON, g))
    world.users["g-old"] = make_user("g-old", (Role.LIAISON, g))
    world.users["b-clerk"] = make_user("b-clerk", (Role.LIAISON, world.units["B"]))
    db.session.get(User, world.users["g-old"].id).active = False
    leader_plan = make_plan(world.program, world.group, e, state="leader_review")
    world.users["leader"].grants[0].unit_id = e.id  # the leader of E (and of B)
    office_plan = make_plan(world.program, world.group, f, state="office_review")
    rect_plan = make_plan(world.program, world.group, g, state="rectification")
    db.session.commit()
    open_item = make_item(rect_plan, world.office)
    checked = make_item(rect_plan, world.office, finding="制度未上墙")
    rectification.act(world.users["g-liaison"], checked.id, "start")
    _evidence(world, checked)
    rectification.act(world.users["g-liaison"], checked.id, "submit", result_statement="已上墙")
    plans.fire(world.b_liaison, world.plan.id, "delegate", to_user_id=world.users["b-clerk"].id)
    # D's published plan with a change request waiting for the office; K's plan in 集中考评
    # with its evaluator.
    changed_plan = make_plan(world.program, world.group, world.units["D"], state="published")
    k = make_unit("单位K")
    eval_plan = make_plan(world.program, world.group, k, state="central_evaluation")
    db.session.commit()
    row = {"code": "2-1", "parent": "2", "category": "capacity", "content": "规范行政执法（调整）"}
    request = change_requests.propose(
        world.d_liaison, changed_plan.id, reason="机构调整", rows=[{**row, "weight": "40"}]
    )
    evaluation.assign(world.office, world.program.id, world.evaluator.id, plan_id=eval_plan.id)
    # Another program's office work, which world's office must not see.
    other = build_world(state="office_review", suffix="乙")
    world.extra.update(
        leader_plan=leader_plan,
        office_plan=office_plan,
        rect_plan=rect_plan,
        item=open_item,
        changed_plan=changed_plan,
        request=request,
        eval_plan=eval_plan,
        other=other,
    )
    return world


def _mine(user: User) -> set[int]:
    return set(db.session.scalars(select(Task.id).where(tasks.mine(user))))


def test_the_three_readers_agree_for_every_user_and_task(cycle):
    """For each active user and open task: the inbox's condition, the check on loaded tasks
    and the list of the task's people say the same; a disabled account is nobody's."""
    open_tasks = _open()
    assert {t.role for t in open_tasks} >= {TaskRole.UNIT, TaskRole.LEADER, TaskRole.OFFICE}
    assert any(t.user_id is not None for t in open_tasks)
    people = tasks.people_of(open_tasks)
    for user in db.session.scalars(select(User)):
        mine = _mine(user)
        for task in open_tasks:
            told = user.id in people[task.id]
            assert tasks.waits_for(user, task) is (task.id in mine), (user.username, task.kind)
            assert told is (task.id in mine and user.active), (user.username, task.kind)
    assert cycle.users["g-old"].id not in {u for ids in people.values() for u in ids}


def test_each_candidate_sees_only_its_own_work(cycle):
    """Who sees what: the peer units' people A's review, the leader E's plan, the office F's
    plan and the item waiting for 核验, G's liaison the open item, the delegate B's review."""
    w = cycle

    def plans_of(user: User) -> set[tuple[str, int]]:
        rows = db.session.scalars(select(Task).where(Task.id.in_(_mine(user))))
        return {(t.kind, t.plan_id) for t in rows}

    a_plan, e_plan, f_plan, g_plan = (
        w.plan.id,
        w.extra["leader_plan"].id,
        w.extra["office_plan"].id,
        w.extra["rect_plan"].id,
    )
    assert plans_of(w.c_head) == {("plan", a_plan)}
    assert plans_of(w.users["b-clerk"]) == {("plan", a_plan)}
    assert plans_of(w.leader) == {("plan", e_plan)}
    assert plans_of(w.leader2) == set()
    d_plan, k_plan = w.extra["changed_plan"].id, w.extra["eval_plan"].id
    assert plans_of(w.office) == {
        ("plan", f_plan),
        ("rectification_item", g_plan),
        ("change_request", d_plan),
    }
    assert plans_of(w.extra["other"].office) == {("plan", w.extra["other"].plan.id)}
    assert plans_of(w.evaluator) == {("evaluation_sheet", k_plan)}
    assert plans_of(w.users["g-liaison"]) == {("rectification_item", g_plan)}
    assert plans_of(w.a_liaison) == set() and plans_of(w.d_liaison) == set()
    # Delegated: B's own people no longer wait; the delegate does, by name.
    assert plans_of(w.b_liaison) == set()
    (delegated,) = [t for t in _open() if t.user_id is not None and t.kind == "plan"]
    assert delegated.user_id == w.users["b-clerk"].id and delegated.role is None


def test_a_closed_task_or_an_unknown_group_waits_for_nobody(cycle):
    """waits_for: a closed task waits for no one, even its own person; a group role the
    writer does not know names no one (rather than failing)."""
    w = cycle
    (review,) = [t for t in tasks.open_tasks("plan", w.plan.id) if t.role == TaskRole.UNIT]
    assert tasks.waits_for(w.c_head, review)
    plans.fire(w.c_head, w.plan.id, "peer_approve")
    db.session.rollback()
    closed = db.session.get(Task, review.id)
    assert closed.closed_at is not None and not tasks.waits_for(w.c_head, closed)
    odd = Task(role="inspector", unit_id=w.units["C"].id, program_id=w.program.id)
    assert not tasks.waits_for(w.c_head, odd)


def test_the_actions_offered_are_those_of_the_users_tasks(cycle):
    """actions_for: the actions of the tasks waiting for the user, in order, once each."""
    item_tasks = tasks.open_tasks("rectification_item", cycle.extra["item"].id)
    assert tasks.actions_for(cycle.users["g-liaison"], item_tasks) == list(item_tasks[0].actions)
    assert tasks.actions_for(cycle.office, item_tasks) == []
    everything = _open()
    offered = tasks.actions_for(cycle.office, everything)
    assert len(offered) == len(set(offered)) and "office_approve" in offered


def test_reminders_go_to_the_people_of_the_stage(cycle):
    """pending_actors: the people of the plan's open plan-stage tasks, by username, active
    only; nobody once the plan has no open stage task."""
    w = cycle
    names = [u.username for u in tasks.pending_actors(w.plan)]
    assert names == ["b-clerk", "c-head"]  # the delegate for B, C's head
    assert [u.username for u in tasks.pending_actors(w.extra["leader_plan"])] == ["leader"]
    assert [u.username for u in tasks.pending_actors(w.extra["office_plan"])] == [
        "office",
        "office2",
    ]
    # An item's tasks are not a stage: a plan in 整改 waits for no one itself; nor are the
    # evaluators' sheets (they have reminders of their own).
    assert tasks.pending_actors(w.extra["rect_plan"]) == []
    assert w.evaluator not in tasks.pending_actors(w.extra["eval_plan"])


def test_open_tasks_filters_by_kind_and_leaves_closed_ones_out(cycle):
    """open_tasks: one object's open tasks, of one kind if asked, oldest first."""
    w = cycle
    a_tasks = tasks.open_tasks("plan", w.plan.id)
    assert [t.unit_id for t in a_tasks if t.role] == [w.units["C"].id]
    assert tasks.open_tasks("plan", w.plan.id, "plan") == a_tasks
    assert tasks.open_tasks("plan", w.plan.id, "evaluation_sheet") == []
    assert [t.id for t in a_tasks] == sorted(t.id for t in a_tasks)
    plans.fire(w.c_head, w.plan.id, "return", comment="目标未量化")
    assert {t.stage for t in tasks.open_tasks("plan", w.plan.id)} == {"draft"}


# --- the rebuild ---------------------------------------------------------------------------


def _empty_tasks(*where) -> None:
    """Delete tasks as if they had never been written (their notices stay, unlinked)."""
    ids = select(Task.id).where(*where).scalar_subquery()
    db.session.execute(update(Notice).where(Notice.task_id.in_(ids)).values(task_id=None))
    db.session.execute(delete(Task).where(*where))
    db.session.commit()


def test_a_rebuild_writes_every_running_objects_tasks_again(cycle, app):
    """With the task table emptied (as before the migration), `wfapp tasks rebuild` writes
    the same open tasks again, tells nobody, and `wfapp tasks verify` finds no difference."""
    before = _snapshot()
    notices = db.session.scalar(select(func.count(Notice.id)))
    _empty_tasks()
    assert _open() == []
    result = app.test_cli_runner().invoke(args=["tasks", "rebuild"])
    assert result.exit_code == 0, result.output
    running = db.session.scalar(select(func.count(Plan.id)).where(Plan.state != "closed"))
    # The running plans, the two open items and the pending change request.
    assert f"{running + 3} objects brought in line" in result.output
    db.session.rollback()
    assert _snapshot() == before
    assert db.session.scalar(select(func.count(Notice.id))) == notices
    assert verify().ok


def test_a_rebuild_of_some_plans_leaves_the_others(cycle):
    """rebuild(plan_ids): the given plans' tasks are written again; a stray open task of a
    closed plan is closed; and work done right after, in the same transaction, is told."""
    w = cycle
    leader_plan = w.extra["leader_plan"]
    _empty_tasks(Task.plan_id == leader_plan.id)
    closed = make_plan(w.program, w.group, make_unit("单位Z"), state="closed")
    db.session.commit()
    stray = Task(
        kind="plan",
        object_type="plan",
        object_id=closed.id,
        plan_id=closed.id,
        program_id=w.program.id,
        stage="rectification",
        actions=["finish_rectification"],
        role=TaskRole.UNIT,
        unit_id=closed.unit_id,
    )
    db.session.add(stray)
    db.session.commit()
    assert tasks.pending_actors(leader_plan) == []
    assert tasks.rebuild([leader_plan.id]) >= 2
    assert [u.username for u in tasks.pending_actors(leader_plan)] == ["leader"]
    assert db.session.get(Task, stray.id).closed_at is not None
    told = len(_notices(w.office))
    plans.fire(w.leader, leader_plan.id, "leader_approve")
    assert len(_notices(w.office)) == told + 1
    assert verify().ok


def test_the_migrations_rebuild_runs_on_its_own_connection(cycle):
    """rebuild_on: the migration's rebuild, on a connection in its own transaction, writes
    the tasks and gives the app its session back afterwards."""
    _empty_tasks()
    app_session = db.session()
    with db.engine.begin() as connection:
        count = tasks.rebuild_on(connection)
    assert count >= 4
    assert db.session() is not app_session  # the migration's session is gone, a new one serves
    db.session.rollback()
    assert len(_open()) >= 5 and verify().ok


# --- the notices that announce tasks -------------------------------------------------------


def _notices(user: User) -> list[Notice]:
    return list(
        db.session.scalars(select(Notice).where(Notice.user_id == user.id).order_by(Notice.id))
    )


def test_each_kind_of_task_is_announced_in_its_own_words(cycle):
    """The notice of a new task says what waits and where: a stage, a return with its
    reason, an item to rectify, an item to verify, an item returned; the actor is not told."""
    w = cycle
    (review,) = _notices(w.c_head)
    assert review.kind == "awaits"
    assert review.title == f"待您办理（同组互审）：{w.plan.title}"
    assert review.link == f"/plans/{w.plan.id}" and review.body == ""
    assert _notices(w.a_liaison) == []  # the one who submitted is not told
    plans.fire(w.c_head, w.plan.id, "return", comment="目标未量化")
    returned = _notices(w.a_liaison)[-1]
    assert (returned.kind, returned.title) == ("returned", f"方案被退回修改：{w.plan.title}")
    assert returned.body == "退回理由：目标未量化"
    assert _notices(w.a_head)[-1].title == returned.title
    assert _notices(w.c_head)[-1].id == review.id  # the returner is not told

    item = w.extra["item"]
    g = w.users["g-liaison"]
    unit_notice = next(n for n in _notices(g) if n.task_id and f"#{item.id}" in n.title)
    assert unit_notice.title == f"整改事项 #{item.id}（{item.unit.short_name}）待整改"
    assert unit_notice.body == item.finding
    assert unit_notice.link == f"/rectification-items/{item.id}"
    rectification.act(g, item.id, "start")
    _evidence(w, item)
    rectification.act(g, item.id, "submit", result_statement="已建立台账")
    verify_notice = _notices(w.office)[-1]
    assert verify_notice.title == f"待您核验：整改事项 #{item.id}（{item.unit.short_name}）"
    assert verify_notice.body == "已建立台账"
    rectification.act(w.office, item.id, "reject", comment="佐证不足")
    back = _notices(g)[-1]
    assert back.kind == "returned"
    assert back.title == f"整改事项 #{item.id}（{item.unit.short_name}）被退回重新整改"
    assert back.body == "退回理由：佐证不足"


def test_an_evaluator_is_told_of_a_sheet_and_of_its_return(cycle):
    """A plan to score announces itself to its evaluator with a link to the sheet; a sheet the
    office unlocks again comes back with the office's reason."""
    w = cycle
    plan = w.extra["eval_plan"]
    (first,) = _notices(w.evaluator)
    assert (first.kind, first.title) == ("awaits", f"待您评分（集中考评）：{plan.title}")
    assert first.link == f"/plans/{plan.id}/sheet" and first.body == ""
    sheet = signed_sheet(plan, w.evaluator, Decimal("0.9"))
    db.session.commit()
    evaluation.reopen_sheet(w.office, sheet.id, "第2项评分依据不足")
    back = _notices(w.evaluator)[-1]
    assert (back.kind, back.title) == ("returned", f"评分表被退回重评：{plan.title}")
    assert back.body == "退回理由：第2项评分依据不足"
    assert back.link == f"/plans/{plan.id}/sheet"


def test_an_office_is_told_of_a_change_request(cycle):
    """A proposed change announces itself to the program's office, with its page."""
    w = cycle
    request = w.extra["request"]
    notice = next(n for n in _notices(w.office) if n.link == f"/change-requests/{request.id}")
    assert notice.kind == "awaits"
    assert notice.title == f"待您审批方案变更申请：{w.extra['changed_plan'].title}"
    assert all(n.link != notice.link for n in _notices(w.extra["other"].office))


def test_a_notice_is_done_when_its_task_closes(cycle):
    """Once the work is done by anyone, the notices announcing it read as done."""
    w = cycle
    (review,) = _notices(w.c_head)
    assert review.read_at is None
    plans.fire(w.c_head, w.plan.id, "peer_approve")
    db.session.rollback()
    assert db.session.get(Notice, review.id).read_at is not None


def _evidence(world, item) -> None:
    from tests.rectification.helpers import PDF
    from wfapp.services.evidence import Upload

    rectification.attach_evidence(
        world.users["g-liaison"], item.id, Upload("台账.pdf", BytesIO(PDF))
    )


def test_due_dates_follow_the_item(cycle):
    """A changed due date moves the open task's due date with it (updated in place)."""
    w = cycle
    item = w.extra["item"]
    (task,) = tasks.open_tasks("rectification_item", item.id)
    rectification.update_item(w.office, item.id, {"due_date": date(2031, 3, 31)})
    db.session.rollback()
    (moved,) = tasks.open_tasks("rectification_item", item.id)
    assert moved.id == task.id and moved.due_date == date(2031, 3, 31)
