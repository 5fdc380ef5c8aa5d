"""A newcomer's whole demo year in one command: `wfapp demo --through STAGE` drives the demo
program through the real services, and running it again changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from wfapp.database import db
from wfapp.models import (
    AuditEvent,
    EvidenceFile,
    Plan,
    Program,
    ProgressReport,
    RectificationItem,
    UnitResult,
    User,
)
from wfapp.services import rectification, self_assessment
from wfapp.services.demo import PROGRAM_TITLE, program_title
from wfapp.timeutil import local_today

from .helpers import pdf


def _run(app, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=["demo", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _demo_plans() -> list[Plan]:
    program = db.session.scalars(select(Program).where(Program.title == PROGRAM_TITLE)).one()
    return list(db.session.scalars(select(Plan).where(Plan.program_id == program.id)))


def _user(name: str) -> User:
    return db.session.scalars(select(User).where(User.username == name)).one()


def test_through_closed_on_an_empty_database_archives_the_whole_year(app):
    """From nothing to 归档: every demo plan is closed, the results carry grades, and what
    was still open lives on in next year's program, linked to its origin."""
    output = _run(app, "--through", "closed")
    assert "演示项目已推进到「归档" in output
    assert {p.state for p in _demo_plans()} == {"closed"}
    grades = db.session.scalars(select(UnitResult.grade_label)).all()
    assert len(grades) == 4 and set(grades) <= {"优秀", "良好", "一般", "差"}
    nxt = db.session.scalars(select(Program).where(Program.title == program_title(2025))).one()
    carried = db.session.scalars(
        select(RectificationItem).where(RectificationItem.program_id == nxt.id)
    ).all()
    assert carried and all(i.carried_from_id and i.state == "open" for i in carried)
    record = rectification.record(nxt)
    assert sum(r["rectification_open_items"] for r in record.values()) == len(carried)


def test_running_a_stage_again_changes_nothing(app):
    """Idempotent: the second run reports nothing to do and writes no audit event."""
    _run(app, "--through", "rectification")
    events = db.session.scalar(select(func.count(AuditEvent.id)))
    assert "无需推进" in _run(app, "--through", "rectification")
    assert "无需推进" in _run(app, "--through", "published")
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events


def test_self_assessment_stage_leaves_the_units_their_own_work(app):
    """Through 自评: plans are in self-assessment with half-year progress and evidence;
    units 1–3 have saved a draft, unit 4 has not started; nothing is submitted."""
    _run(app, "--through", "self_assessment")
    plans = sorted(_demo_plans(), key=lambda p: p.id)
    assert {p.state for p in plans} == {"self_assessment"}
    assert db.session.scalar(select(func.count(ProgressReport.id))) == 12
    assert db.session.scalar(select(func.count(EvidenceFile.id))) == 4
    started = [bool(self_assessment.entries(_user(f"u{n}-liaison"), p)) for n, p in
               enumerate(plans, start=1)]  # fmt: skip
    assert started == [True, True, True, False]


def test_rectification_stage_has_items_in_every_condition(app):
    """Through 整改: a plan without findings is archived, the others are in 整改 with items
    closed, awaiting the unit, awaiting the office, extended and overdue."""
    _run(app, "--through", "rectification")
    states = sorted(p.state for p in _demo_plans())
    assert states == ["closed", "rectification", "rectification", "rectification"]
    items = db.session.scalars(select(RectificationItem)).all()
    assert {i.state for i in items} == {"open", "in_progress", "submitted", "verified", "closed"}
    today = local_today()
    assert any(rectification.is_overdue(i, today) for i in items)
    assert any(i.state == "in_progress" and i.due_date > today for i in items)
    assert {i.source_kind for i in items} == {"sheet_finding", "inspection"}


def test_a_newcomer_closes_unit_1s_last_item_and_the_plan_archives(app):
    """What README tells a newcomer to try: u1-liaison rectifies the open item with evidence,
    the office verifies and closes it, and unit 1's plan archives itself."""
    _run(app, "--through", "rectification")
    plan = min(_demo_plans(), key=lambda p: p.id)
    clerk, office = _user("u1-liaison"), _user("office")
    (item,) = [i for i in rectification.items_of(clerk, plan) if i.state == "open"]
    rectification.act(clerk, item.id, "start")
    rectification.attach_evidence(clerk, item.id, pdf())
    rectification.act(clerk, item.id, "submit", result_statement="台账已补齐")
    rectification.act(office, item.id, "verify")
    rectification.act(office, item.id, "close")
    db.session.refresh(plan)
    assert plan.state == "closed"
