"""`wfapp demo --plans N`: many more plans in the demo program, usable as real ones."""

from __future__ import annotations

from sqlalchemy import func, select

from wfapp.database import db
from wfapp.models import AuditEvent, Indicator, PeerAssignment, Plan, RectificationItem, User
from wfapp.services import office, plans
from wfapp.workflows.plan import S


def test_demo_plans_span_the_year_and_work_like_any_other(app) -> None:
    """After `wfapp demo --plans 30`, are there 30 more plans in every part of the year, with
    tables, peers, history and 整改 items — and can their people act on them as usual?"""
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo"]).exit_code == 0
    result = runner.invoke(args=["demo", "--plans", "30"])
    assert result.exit_code == 0, result.output
    assert "已新增 30 份方案" in result.output and "份/秒" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Plan)) == 34
    states = set(db.session.scalars(select(Plan.state)))
    assert {S.DRAFT, S.PUBLISHED, S.SELF_ASSESSMENT, S.CENTRAL_EVALUATION} <= states
    assert states & {S.RECTIFICATION, S.CLOSED}
    assert db.session.scalar(select(func.count()).select_from(RectificationItem)) > 0
    generated = db.session.scalars(select(Plan).where(Plan.id > 4)).all()
    for plan in generated:
        assert db.session.scalar(select(func.count()).where(Indicator.plan_id == plan.id)) >= 17
    assert db.session.scalar(select(func.count()).select_from(PeerAssignment)) > 40
    assert db.session.scalar(
        select(func.count()).where(AuditEvent.action == "office_approve", AuditEvent.plan_id > 4)
    )

    draft = next(p for p in generated if p.state == S.DRAFT and p.peer_assignments)
    head = db.session.scalars(select(User).where(User.username == f"p{draft.id - 1}-head")).one()
    assert plans.table_check(draft).ok
    plans.fire(head, draft.id, "submit")
    db.session.expire_all()
    assert db.session.get(Plan, draft.id).state == S.PEER_REVIEW

    # New rows after the generated ones get ids of their own (sequences moved past them).
    office_user = db.session.scalars(select(User).where(User.username == "office")).one()
    group = db.session.get(Plan, 1).group
    added = office.add_unit(office_user, group.id, "泉州市新设单位", "新设单位")
    assert added.id == 35


def test_more_plans_can_be_added_again(app) -> None:
    """Does a second `--plans` run add to the first, with new units and users?"""
    runner = app.test_cli_runner()
    runner.invoke(args=["demo"])
    assert runner.invoke(args=["demo", "--plans", "12"]).exit_code == 0
    assert runner.invoke(args=["demo", "--plans", "12"]).exit_code == 0
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Plan)) == 28
