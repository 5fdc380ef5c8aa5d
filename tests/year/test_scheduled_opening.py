"""Self-assessment opens on the program calendar's date, through the same service path and
audit as a person's action, with the system as the actor."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tests.factories import make_plan
from tests.year.helpers import year_world
from wfapp.database import db
from wfapp.models import AuditEvent, ChangeRequest, StageDeadline
from wfapp.services import openings, plans, tasks
from wfapp.workflows.plan import PLAN_WORKFLOW


def _opens_on(world, day: date) -> None:
    world.program.deadlines.append(StageDeadline(stage="self_assessment", opens_on=day))
    db.session.commit()


def test_published_plans_open_on_the_date_and_not_before(app):
    world = year_world()
    other = make_plan(world.program, world.group, world.units["D"], state="published")
    _opens_on(world, date(2024, 12, 1))

    report = openings.run_due(datetime(2024, 11, 30, 8, tzinfo=UTC))
    assert report.opened == 0
    report = openings.run_due(datetime(2024, 12, 1, 1, tzinfo=UTC))  # 09:00 in Shanghai
    assert report.opened == 2
    db.session.expire_all()
    assert world.plan.state == other.state == "self_assessment"
    event = AuditEvent.query.filter_by(plan_id=world.plan.id, action="open_self_assessment").one()
    assert event.actor_id is None and event.comment == "按考评日历开启自评"
    assert openings.run_due(datetime(2024, 12, 2, 1, tzinfo=UTC)).opened == 0  # once


def test_a_plan_with_a_pending_change_request_waits_and_does_not_block_the_others(app):
    world = year_world()
    other = make_plan(world.program, world.group, world.units["D"], state="published")
    db.session.add(
        ChangeRequest(
            plan_id=world.plan.id,
            state="pending",
            reason="调整",
            rows=[],
            before=[],
            requested_by_id=world.a_liaison.id,
        )
    )
    _opens_on(world, date(2024, 12, 1))
    report = openings.run_due(datetime(2024, 12, 1, 1, tzinfo=UTC))
    assert (report.opened, report.refused) == (1, 1)
    db.session.expire_all()
    assert world.plan.state == "published" and other.state == "self_assessment"


def test_the_system_may_fire_only_calendar_actions(app):
    """Nothing but a scheduled action can be fired without a person."""
    world = year_world(state="office_review")
    import pytest

    from wfapp.services.errors import Forbidden

    with pytest.raises(Forbidden):
        plans.fire_scheduled(world.plan.id, "office_approve", "自动批复")
    assert PLAN_WORKFLOW.is_scheduled("open_self_assessment")


def test_a_published_plan_is_nobodys_pending_duty(app):
    """Opening self-assessment is the calendar's business: published plans do not fill the
    office's inbox for months."""
    world = year_world()
    assert tasks.pending_actors(world.plan) == []
    assert not plans.is_awaited(world.office, world.plan)
    assert "open_self_assessment" in plans.available_actions(world.office, world.plan)
