"""Every rule of `authorize` for a plan, written out by hand: for each action and each of the
plan's nine states, exactly who is allowed. Widening or narrowing any one rule (a role
added or dropped, a state added or dropped, visibility loosened) changes some cell here.

The people: the unit's liaison and head, a peer reviewer, the unit's leader, the office,
the evaluator assigned to the plan and one who is not, the 效能办 (inspector), the 统计局
(surveyor), an admin, a liaison of an unrelated unit and nobody signed in. The expectations
do not read PLAN_RULES or the workflows' WHO: they restate the product's rules."""

from __future__ import annotations

import pytest

from tests.factories import forget
from tests.year.helpers import year_world
from wfapp import permissions as P
from wfapp.database import db
from wfapp.models import EvaluatorAssignment
from wfapp.permissions import authorize

STATES = [
    "draft",
    "peer_review",
    "leader_review",
    "office_review",
    "published",
    "self_assessment",
    "central_evaluation",
    "rectification",
    "closed",
]
REVIEW = {"peer_review", "leader_review", "office_review"}
PUBLIC = {"published", "self_assessment", "central_evaluation", "rectification", "closed"}
YEAR = {"published", "self_assessment", "central_evaluation"}
AFTER_SUBMISSION = {"central_evaluation", "rectification", "closed"}
EVERY = set(STATES)

UNIT = {"a-liaison", "a-head"}
SIGNED_IN = {
    "a-liaison",
    "a-head",
    "b-liaison",  # liaison of a peer reviewing unit
    "leader",
    "office",
    "evaluator",  # assigned to the plan
    "evaluator2",  # of the program, not assigned
    "inspector",
    "surveyor",
    "admin",
    "d-liaison",  # of a unit with nothing to do with the plan
}
EVERYONE = SIGNED_IN | {None}


def visible(state: str) -> set:
    """Who can see the plan at all: a draft is the unit's and the office's; in review its
    reviewers see it too; from publication on, every signed-in user (公开)."""
    if state == "draft":
        return UNIT | {"office"}
    if state in REVIEW:
        return UNIT | {"office", "b-liaison", "leader"}
    return set(SIGNED_IN)


# action → [(states, who)]: who may act in those states (before visibility); nobody else.
RULES: dict[str, list[tuple[set, set]]] = {
    P.VIEW: [(EVERY, SIGNED_IN)],
    P.EDIT_INDICATORS: [({"draft"}, UNIT)],
    P.GRANT_EXTENSION: [(EVERY - {"closed"}, {"office"})],
    P.REPORT_PROGRESS: [({"published", "self_assessment"}, UNIT)],
    P.UPLOAD_EVIDENCE: [(YEAR, UNIT | {"office", "inspector"})],
    P.REQUEST_CHANGE: [({"published"}, UNIT)],
    P.VIEW_CHANGE_REQUESTS: [(EVERY, UNIT | {"leader", "office"})],
    P.SAVE_SELF_ASSESSMENT: [({"self_assessment"}, UNIT)],
    P.VIEW_SELF_ASSESSMENT: [
        ({"published", "self_assessment"}, UNIT | {"leader", "office"}),
        (AFTER_SUBMISSION, UNIT | {"leader", "office", "evaluator"}),
    ],
    P.ASSIGN_EVALUATORS: [(YEAR, {"office"})],
    P.SCORE: [({"central_evaluation"}, {"evaluator"})],
    P.VIEW_SHEETS: [(EVERY, {"office"})],
    P.VIEW_EXTERNAL: [(EVERY, UNIT | {"leader", "office", "inspector", "surveyor"})],
    "record_public_score": [(YEAR, {"surveyor"})],
    "record_bonus": [(YEAR, {"inspector", "office"})],
    "record_deduction": [(YEAR, {"inspector"})],
    P.ENTER_FLAGS: [(AFTER_SUBMISSION, {"office"})],
    P.VIEW_RESULT: [({"rectification", "closed"}, UNIT | {"leader", "office"})],
    P.VIEW_ITEMS: [(EVERY, UNIT | {"leader", "office"})],
    P.ADD_ITEM: [({"rectification"}, {"office"})],
    # The plan's workflow.
    "submit": [({"draft"}, UNIT)],
    "withdraw": [({"peer_review"}, UNIT)],
    "peer_approve": [({"peer_review"}, {"b-liaison"})],
    "leader_approve": [({"leader_review"}, {"leader"})],
    "office_approve": [({"office_review"}, {"office"})],
    "return": [
        ({"peer_review"}, {"b-liaison"}),
        ({"leader_review"}, {"leader"}),
        ({"office_review"}, {"office"}),
    ],
    "delegate": [
        ({"peer_review"}, {"b-liaison"}),
        ({"leader_review"}, {"leader"}),
        ({"office_review"}, {"office"}),
    ],
    "open_self_assessment": [({"published"}, {"office"})],
    "submit_self_assessment": [({"self_assessment"}, UNIT)],
    "close_evaluation": [({"central_evaluation"}, {"office"})],
    "finish_rectification": [],  # automatic: nobody fires it
}


def allowed(action: str, state: str) -> set:
    who: set = set()
    for states, people in RULES[action]:
        if state in states:
            who |= people
    return who & visible(state)


@pytest.fixture
def matrix(app):
    world = year_world()
    world.users["evaluator2"]
    db.session.add(
        EvaluatorAssignment(
            program_id=world.program.id,
            evaluator_id=world.evaluator.id,
            plan_id=world.plan.id,
            assigned_by_id=world.office.id,
        )
    )
    db.session.commit()
    return world


def test_every_plan_action_of_the_product_is_pinned_here():
    """A new rule (or workflow action) must get its row in RULES."""
    from wfapp.workflows.plan import PLAN_WORKFLOW

    product = set(P.PLAN_RULES) | set(PLAN_WORKFLOW.actions) | {P.VIEW}
    assert product == set(RULES)


@pytest.mark.parametrize("action", sorted(RULES))
def test_who_may_do_what_in_each_state(matrix, action):
    """Exactly the people of the rule, in exactly its states, and only if they see the plan."""
    users = {None: None, **{name: matrix.users[name] for name in SIGNED_IN}}
    for state in STATES:
        matrix.plan.state = state
        db.session.commit()
        forget()
        got = {name for name, user in users.items() if authorize(user, action, matrix.plan)}
        assert got == allowed(action, state), (action, state)


@pytest.mark.parametrize("state", STATES)
def test_the_public_portal_reads_published_plans_only(matrix, state):
    """VIEW_PUBLIC: anyone, signed in or not, once the plan is published; nobody before."""
    matrix.plan.state = state
    db.session.commit()
    users = [None, *(matrix.users[n] for n in sorted(SIGNED_IN))]
    got = {authorize(u, P.VIEW_PUBLIC, matrix.plan) for u in users}
    assert got == {state in PUBLIC}


def test_an_inactive_user_has_no_standing(matrix):
    """A deactivated account is nobody: the office itself is refused everything."""
    matrix.plan.state = "office_review"
    matrix.office.active = False
    db.session.commit()
    assert not any(authorize(matrix.office, a, matrix.plan) for a in RULES)
