"""The permission matrix of the year's work: role × action × state, written out by hand
(not read from wfapp.permissions, so that a changed rule makes a test fail)."""

from __future__ import annotations

import pytest

from tests.year.helpers import year_world
from wfapp.database import db
from wfapp.models import ChangeRequest, EvaluationSheet, EvaluatorAssignment
from wfapp.permissions import Decision, authorize, decide

USERS = [
    "a-liaison",
    "a-head",
    "leader",
    "office",
    "b-liaison",
    "d-liaison",
    "evaluator",
    "evaluator2",
    "a-evaluator",
    "inspector",
    "surveyor",
]
# a-evaluator is also liaison of unit A: a unit role, never its evaluator.
UNIT = {"a-liaison", "a-head", "a-evaluator"}
YEAR = ("published", "self_assessment", "central_evaluation")
STATES = ("draft", *YEAR, "closed")
READERS = UNIT | {"leader", "office"}

EXPECTED: dict[str, dict[str, set[str]]] = {
    "report_progress": {"published": UNIT, "self_assessment": UNIT},
    "upload_evidence": {s: UNIT | {"office", "inspector"} for s in YEAR},
    "request_change": {"published": UNIT},
    # A draft is seen by its unit and the office only.
    "view_change_requests": {s: READERS for s in YEAR}
    | {"draft": UNIT | {"office"}, "closed": READERS},
    "save_self_assessment": {"self_assessment": UNIT},
    "view_self_assessment": {
        "published": READERS,
        "self_assessment": READERS,
        "central_evaluation": READERS | {"evaluator"},
        "closed": READERS | {"evaluator"},
    },
    "score": {"central_evaluation": {"evaluator"}},
    "view_sheets": {s: {"office"} for s in STATES},
    "assign_evaluators": {s: {"office"} for s in YEAR},
    "view_external": {s: READERS | {"inspector", "surveyor"} for s in (*YEAR, "closed")}
    | {"draft": UNIT | {"office"}},
    "record_public_score": {s: {"surveyor"} for s in YEAR},
    "record_bonus": {s: {"inspector", "office"} for s in YEAR},
    "record_deduction": {s: {"inspector"} for s in YEAR},
    "open_self_assessment": {"published": {"office"}},
    "submit_self_assessment": {"self_assessment": UNIT},
}


@pytest.fixture
def matrix_world(app):
    world = year_world()
    # evaluator: assigned to the group; a-evaluator too, but A is their own unit.
    for name in ("evaluator", "a-evaluator"):
        db.session.add(
            EvaluatorAssignment(
                program_id=world.program.id,
                evaluator_id=world.users[name].id,
                group_id=world.group.id,
                assigned_by_id=world.office.id,
            )
        )
    db.session.commit()
    return world


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_plan_actions_of_the_year(matrix_world, action, state):
    """Who may report, upload, request changes, self-assess, score, record external inputs,
    open and submit self-assessment — in which state of the plan?"""
    world = matrix_world
    world.plan.state = state
    db.session.commit()
    allowed = EXPECTED[action].get(state, set())
    got = {u for u in USERS if authorize(world.users[u], action, world.plan)}
    assert got == allowed


def test_an_evaluator_of_the_plans_own_unit_never_relates_as_evaluator(matrix_world):
    """Assigned to the group, a-evaluator still cannot score unit A's plan (403)."""
    world = matrix_world
    world.plan.state = "central_evaluation"
    db.session.commit()
    assert decide(world.a_evaluator, "score", world.plan) is Decision.FORBIDDEN
    assert decide(world.evaluator, "score", world.plan) is Decision.ALLOWED


def test_a_unit_acting_in_the_wrong_state_gets_409_not_403(matrix_world):
    world = matrix_world
    world.plan.state = "central_evaluation"
    db.session.commit()
    assert decide(world.a_liaison, "report_progress", world.plan) is Decision.WRONG_STATE
    assert decide(world.b_liaison, "report_progress", world.plan) is Decision.FORBIDDEN


SHEET_EXPECTED = {
    ("score", "draft"): {"evaluator"},
    ("sign", "draft"): {"evaluator"},
    ("reopen", "signed"): {"office"},
}


@pytest.mark.parametrize("sheet_state", ["draft", "signed"])
@pytest.mark.parametrize("action", ["view", "score", "sign", "reopen"])
def test_sheet_actions(matrix_world, action, sheet_state):
    """Only its evaluator fills and signs a draft sheet; only the office reopens a signed
    one; nobody else even sees it."""
    world = matrix_world
    world.plan.state = "central_evaluation"
    sheet = EvaluationSheet(
        plan_id=world.plan.id, evaluator_id=world.evaluator.id, state=sheet_state
    )
    db.session.add(sheet)
    db.session.commit()
    if action == "view":
        allowed = {"evaluator", "office"}
    else:
        allowed = SHEET_EXPECTED.get((action, sheet_state), set())
    got = {u for u in USERS if authorize(world.users[u], action, sheet)}
    assert got == allowed
    assert decide(world.evaluator2, "view", sheet) is Decision.NOT_VISIBLE


def test_a_sheet_cannot_be_signed_outside_central_evaluation(matrix_world):
    world = matrix_world
    sheet = EvaluationSheet(plan_id=world.plan.id, evaluator_id=world.evaluator.id)
    world.plan.state = "central_evaluation"
    db.session.add(sheet)
    db.session.commit()
    world.plan.state = "rectification"
    db.session.commit()
    assert decide(world.evaluator, "sign", sheet) is Decision.WRONG_STATE


@pytest.mark.parametrize("cr_state", ["pending", "approved", "rejected", "withdrawn"])
@pytest.mark.parametrize("action", ["view", "approve", "reject", "withdraw"])
def test_change_request_actions(matrix_world, action, cr_state):
    """The office approves or rejects a pending request, the unit withdraws it; the
    leader reads it; other units do not see it."""
    world = matrix_world
    request = ChangeRequest(
        plan_id=world.plan.id,
        state=cr_state,
        reason="调整",
        rows=[],
        before=[],
        requested_by_id=world.a_liaison.id,
    )
    db.session.add(request)
    db.session.commit()
    if action == "view":
        allowed = READERS
    elif cr_state != "pending":
        allowed = set()
    else:
        allowed = {"office"} if action in ("approve", "reject") else UNIT
    got = {u for u in USERS if authorize(world.users[u], action, request)}
    assert got == allowed
