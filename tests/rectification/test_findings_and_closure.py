"""Findings become items once; the plan closes by itself with its last item."""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories import make_user
from wfapp.database import db
from wfapp.models import AuditEvent, ExternalEntry, Plan, RectificationItem, Role
from wfapp.services import plans, rectification
from wfapp.services.errors import Conflict, Forbidden
from wfapp.services.uow import lock_plan, transaction

from .helpers import DUE, make_item, pdf, rect_world, sign_sheet


def _items(plan: Plan) -> list[RectificationItem]:
    return list(RectificationItem.query.filter_by(plan_id=plan.id).order_by(RectificationItem.id))


def test_entering_rectification_turns_sheet_findings_low_scores_and_inspections_into_items(app):
    """Evaluators' findings, an indicator below 60 % of its weight on average, and a 察访核验
    deduction each become one item, owned by the indicator's department and person."""
    world = rect_world(state="central_evaluation")
    plan = world.plan
    # A 察访核验 deduction in force (recorded while the plan was still in evaluation).
    entry = ExternalEntry(
        plan_id=plan.id,
        kind="deduction",
        points=1,
        reason="值班记录不全",
        occurred_on=date(2024, 9, 12),
        created_by_id=world.inspector.id,
    )
    db.session.add(entry)
    db.session.commit()
    # 1-1 weighs 30: one evaluator marks it a finding; 2-1 weighs 40: mean 20 < 0.6 × 40.
    scores = {"1-1": "28", "1-2-1": "15", "1-2-2": "15", "2-1": "18"}
    sign_sheet(plan, world.evaluator, scores, findings={"1-1"})
    other = make_user("evaluator2", (Role.EVALUATOR, world.program))
    sign_sheet(plan, other, {**scores, "2-1": "22"})

    with transaction():
        locked = lock_plan(plan.id)
        # As the colleague's closing of the evaluation will: the plan enters 整改.
        from wfapp.services.events import plan_changed

        locked.state = "rectification"
        plan_changed.send(
            locked,
            actor=None,
            action="close_evaluation",
            from_state="central_evaluation",
            to_state="rectification",
            comment="",
        )

    items = _items(plan)
    kinds = {(i.source_kind, i.source_ref) for i in items}
    assert kinds == {("sheet_finding", "1-1"), ("low_score", "2-1"), ("inspection", str(entry.id))}
    by_kind = {i.source_kind: i for i in items}
    assert by_kind["sheet_finding"].responsible_department == "规划科"
    assert by_kind["sheet_finding"].responsible_person == "张三"
    assert "1-1 评语" in by_kind["sheet_finding"].finding
    assert "平均得分 20" in by_kind["low_score"].finding
    assert "值班记录不全" in by_kind["inspection"].finding
    assert all(i.due_date == DUE and i.state == "open" for i in items)
    # Each creation is in the plan's history.
    created = AuditEvent.query.filter_by(plan_id=plan.id, action="create_from_finding").count()
    assert created == 3


def test_collecting_findings_again_creates_nothing_new(app):
    """Can the office run the collection twice? Yes, and the same origin makes one item."""
    world = rect_world()
    sign_sheet(
        world.plan, world.evaluator, {"1-1": "10", "1-2-1": "15", "1-2-2": "15", "2-1": "40"}
    )
    first = rectification.collect_findings(world.office, world.plan.id)
    assert [(i.source_kind, i.source_ref) for i in first] == [("low_score", "1-1")]
    assert rectification.collect_findings(world.office, world.plan.id) == []
    assert len(_items(world.plan)) == 1


def test_a_score_at_the_threshold_is_not_a_finding(app):
    """Exactly 60 % of the weight is not below the threshold."""
    world = rect_world()
    sign_sheet(
        world.plan, world.evaluator, {"1-1": "18", "1-2-1": "15", "1-2-2": "15", "2-1": "40"}
    )
    assert rectification.collect_findings(world.office, world.plan.id) == []


def test_a_unit_may_not_collect_findings(app):
    world = rect_world()
    with pytest.raises(Forbidden):
        rectification.collect_findings(world.a_liaison, world.plan.id)


def _close(world, item) -> None:
    rectification.act(world.a_liaison, item.id, "start")
    rectification.attach_evidence(world.a_liaison, item.id, pdf())
    rectification.act(world.a_liaison, item.id, "submit", result_statement="已补齐台账")
    rectification.act(world.office, item.id, "verify")
    rectification.act(world.office, item.id, "close")


def test_the_plan_closes_when_its_last_item_closes(app):
    """Closing the first of two items leaves the plan in 整改; closing the second closes it,
    as the system, in the same transaction, and the history says so."""
    world = rect_world()
    first, second = make_item(world.plan), make_item(world.plan, finding="制度未更新")
    _close(world, first)
    db.session.refresh(world.plan)
    assert world.plan.state == "rectification"
    _close(world, second)
    db.session.refresh(world.plan)
    assert world.plan.state == "closed"
    event = AuditEvent.query.filter_by(plan_id=world.plan.id, action="finish_rectification").one()
    assert (event.actor_id, event.from_state, event.to_state) == (None, "rectification", "closed")
    assert event.comment == "整改事项已全部销号"


def test_nobody_may_fire_the_automatic_closing_by_hand(app, api):
    """Can the office close a plan in 整改 with open items by calling the action? No."""
    world = rect_world()
    make_item(world.plan)
    response = api(world.office).act(world.plan.id, "finish_rectification")
    assert response.status_code == 403
    with pytest.raises(Forbidden):
        plans.fire(world.office, world.plan.id, "finish_rectification")
    db.session.refresh(world.plan)
    assert world.plan.state == "rectification"


def test_the_second_of_two_concurrent_verifications_is_refused(app):
    """Two office users verify the same submission from the same page: one wins, one 409."""
    world = rect_world()
    item = make_item(world.plan)
    rectification.act(world.a_liaison, item.id, "start")
    rectification.attach_evidence(world.a_liaison, item.id, pdf())
    done = rectification.act(world.a_liaison, item.id, "submit", result_statement="已整改")
    seen = done.version
    rectification.act(world.office, item.id, "verify", version=seen)
    with pytest.raises(Conflict):
        rectification.act(world.office2, item.id, "verify", version=seen)
    with pytest.raises(Conflict):
        rectification.act(world.office2, item.id, "verify")  # no longer submitted
