"""What one action costs in SQL: the post-action work is done once per plan, so the number of
statements of each step of the chain stays under a fixed bound whatever the program's size."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from tests.factories import build_world, make_plan, make_unit, make_user
from wfapp.database import db
from wfapp.models import Role
from wfapp.services import plans

# The chain of a plan with two peer units: statements per action, measured on SQLite with
# a little headroom (PostgreSQL batches the reminders' INSERTs: fewer). Before the post-action
# work was made once per plan: submit 63, peer approvals 30 and 41, leader 39, office 22.
# The audit trail's hash chain adds three per action (claim, read and move its head).
BOUND = {"submit": 33, "peer_approve": 31, "leader_approve": 29, "office_approve": 23}


@contextmanager
def counted():
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _chain(world):
    steps = [
        (world.a_liaison, "submit"),
        (world.b_liaison, "peer_approve"),
        (world.c_head, "peer_approve"),
        (world.leader, "leader_approve"),
        (world.office, "office_approve"),
    ]
    out = []
    plan_id = world.plan.id
    for user, action in steps:
        db.session.expire_all()  # each request starts from a fresh session
        user = db.session.get(type(user), user.id)
        assert user.grants
        with counted() as statements:
            plans.fire(user, plan_id, action, comment="同意")
        out.append((action, len(statements)))
    return out


def test_each_action_of_the_chain_stays_under_its_bound(app):
    """Does an action cost a bounded number of statements, however many people and plans
    the program has?"""
    world = build_world()
    # A bigger program: more plans, and more people in the reviewing units.
    for k in range(20):
        unit = make_unit(f"单位Y{k}")
        make_plan(world.program, world.group, unit, peers=[world.units["B"]])
        make_user(f"y{k}", (Role.LIAISON, unit), (Role.UNIT_HEAD, world.units["C"]))
    db.session.commit()
    costs = _chain(world)
    print(costs)
    for action, n in costs:
        assert n <= BOUND[action], (action, n, costs)
