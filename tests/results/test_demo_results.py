"""The demo walked to centralized evaluation, then closed by the office, as README tells."""

from __future__ import annotations

from wfapp.database import db
from wfapp.models import Plan, User
from wfapp.services import results
from wfapp.services.demo import load_demo
from wfapp.services.demo_year import to_evaluation


def test_demo_reaches_evaluation_and_the_office_closes_it(app):
    load_demo()
    assert to_evaluation() == 4
    assert to_evaluation() == 0  # idempotent
    office = db.session.query(User).filter_by(username="office").one()
    plan = db.session.query(Plan).order_by(Plan.id).first()
    version = results.close_evaluation(office, plan.program_id, plan.group_id)
    assert [(r.rank, r.grade_label) for r in version.rows] == [
        (1, "优秀"),
        (2, "一般"),
        (3, "一般"),
        (4, "一般"),
    ]
    assert version.rows[0].unit.name == "泉州市晋江生态环境局"
    states = [p.state for p in db.session.query(Plan).order_by(Plan.id)]
    # Units 1 and 3 have findings marked on their sheets, unit 4 a deduction: 整改.
    assert states == ["rectification", "closed", "rectification", "rectification"]
