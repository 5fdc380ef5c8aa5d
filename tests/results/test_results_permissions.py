"""Who may do what with results: role × action (× state for the plan's own actions)."""

from __future__ import annotations

import pytest

from tests.factories import build_world
from wfapp.database import db
from wfapp.permissions import (
    CLOSE_EVALUATION,
    ENTER_FLAGS,
    PUBLISH_RESULTS,
    RESCORE,
    UPLOAD_SCHEME,
    VIEW_RESULT,
    VIEW_RESULTS,
    Decision,
    decide,
)

A, F, N, W = Decision.ALLOWED, Decision.FORBIDDEN, Decision.NOT_VISIBLE, Decision.WRONG_STATE
PROGRAM_ACTIONS = [CLOSE_EVALUATION, VIEW_RESULTS, RESCORE, PUBLISH_RESULTS, UPLOAD_SCHEME]


@pytest.mark.parametrize("action", PROGRAM_ACTIONS)
@pytest.mark.parametrize(
    ("role", "expected"),
    [("office", A), ("admin", F), ("a_liaison", F), ("leader", F), ("evaluator", F)],
)
def test_program_wide_result_actions_are_the_offices(app, action, role, expected):
    """Can anyone but the program's office close, read the ranking, rerun, publish or upload
    a scheme? No; not even the system administrator."""
    world = build_world()
    assert decide(getattr(world, role), action, world.program) is expected


def test_anonymous_sees_no_program_results(app):
    world = build_world()
    assert decide(None, VIEW_RESULTS, world.program) is N


# state → role → decision; roles left out are FORBIDDEN.
PLAN_MATRIX = {
    ENTER_FLAGS: {
        "published": {"office": W},
        "central_evaluation": {"office": A},
        "rectification": {"office": A},
        "closed": {"office": A},
    },
    VIEW_RESULT: {
        "published": {r: W for r in ("a_liaison", "a_head", "leader", "office")},
        "central_evaluation": {r: W for r in ("a_liaison", "a_head", "leader", "office")},
        "rectification": {r: A for r in ("a_liaison", "a_head", "leader", "office")},
        "closed": {r: A for r in ("a_liaison", "a_head", "leader", "office")},
    },
}
ROLES = ["a_liaison", "a_head", "b_liaison", "leader", "office", "d_liaison", "evaluator"]


@pytest.mark.parametrize("action", list(PLAN_MATRIX))
@pytest.mark.parametrize("state", ["published", "central_evaluation", "rectification", "closed"])
def test_flags_and_own_result_by_role_and_state(app, action, state):
    """Who may enter a 降档/一票否决 on a plan, and who may read its result, in each state:
    the office enters flags from centralized evaluation on; the unit, its leader and the
    office read the result once evaluation is closed; other units never."""
    world = build_world(state=state)
    db.session.commit()
    for role in ROLES:
        expected = PLAN_MATRIX[action][state].get(role, F)
        assert decide(getattr(world, role), action, world.plan) is expected, role
