"""Lists ask the database which plans a user may see; single plans ask `can_view`. Do both
answer the same for every kind of user and every stage of the year?"""

from __future__ import annotations

from sqlalchemy import select

from wfapp.database import db
from wfapp.models import Plan, User
from wfapp.permissions import Decision, decide
from wfapp.services.demo import load_demo
from wfapp.services.demo_scale import add_plans
from wfapp.services.plans import visible_plans


def test_the_list_shows_exactly_the_plans_each_user_may_open(app) -> None:
    """Does /plans list a plan for a user exactly when that user may open it — as office,
    liaison, head, peer, 分管领导, evaluator, a new user without roles, a disabled user?"""
    load_demo()
    add_plans(40)
    disabled = db.session.scalars(select(User).where(User.username == "p5-head")).one()
    disabled.active = False
    # A plan returned to its unit after submission: its peers and leader still see it.
    returned = db.session.scalars(select(Plan).where(Plan.state == "draft")).first()
    returned.round = 2
    db.session.commit()
    names = ["office", "u1-liaison", "u1-head", "u2-liaison", "leader1", "evaluator1",
             "surveyor", "admin", "g2-leader", "p7-liaison", "p5-head"]  # fmt: skip
    everything = list(db.session.scalars(select(Plan)))
    assert {p.state for p in everything} >= {"draft", "peer_review", "published", "closed"}
    assert any(p.round > 1 and p.state == "draft" for p in everything)
    for name in names:
        user = db.session.scalars(select(User).where(User.username == name)).one()
        listed = {p.id for p in visible_plans(user)}
        allowed = {p.id for p in everything if decide(user, "view", p) is not Decision.NOT_VISIBLE}
        assert listed == allowed, name
