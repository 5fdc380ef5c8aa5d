"""The rectification item's workflow as data: no app, no database."""

from __future__ import annotations

import pytest

from wfapp.workflows import GuardContext, GuardFailed, InvalidAction
from wfapp.workflows.plan import PLAN_WORKFLOW
from wfapp.workflows.rectification import RECTIFICATION_WORKFLOW as W


def ctx(statement: str = "已整改", evidence: int = 1, comment: str = "") -> GuardContext:
    return GuardContext({"result_statement": statement, "evidence": evidence, "comment": comment})


def test_the_happy_path_goes_open_in_progress_submitted_verified_closed():
    state = "open"
    for action, expected in [
        ("start", "in_progress"),
        ("submit", "submitted"),
        ("verify", "verified"),
        ("close", "closed"),
    ]:
        state = W.fire(state, action, ctx())
        assert state == expected


@pytest.mark.parametrize(
    ("statement", "evidence", "failed"),
    [
        ("", 1, {"has_result_statement"}),
        ("已整改", 0, {"has_evidence"}),
        (" ", 0, {"has_result_statement"}),
    ],
)
def test_a_submission_needs_a_result_statement_and_evidence(statement, evidence, failed):
    """The engine names the first guard that fails; the service names every one."""
    with pytest.raises(GuardFailed) as exc:
        W.fire("in_progress", "submit", ctx(statement, evidence))
    assert {g.name for g in exc.value.guards} == failed


def test_the_office_rejects_back_to_in_progress_only_with_a_reason():
    with pytest.raises(GuardFailed):
        W.fire("submitted", "reject", ctx(comment="  "))
    assert W.fire("submitted", "reject", ctx(comment="佐证不足")) == "in_progress"


@pytest.mark.parametrize(
    ("state", "action"),
    [
        ("open", "submit"),
        ("open", "verify"),
        ("in_progress", "close"),
        ("closed", "reject"),
        ("verified", "submit"),
    ],
)
def test_actions_out_of_turn_are_invalid(state, action):
    with pytest.raises(InvalidAction):
        W.fire(state, action, ctx(comment="x"))


def test_the_unit_works_and_the_office_judges():
    assert W.roles_for("start", "open") == {"liaison", "unit_head"}
    assert W.roles_for("submit", "in_progress") == {"liaison", "unit_head"}
    for action, state in [("reject", "submitted"), ("verify", "submitted"), ("close", "verified")]:
        assert W.roles_for(action, state) == {"office"}


def test_the_plan_closes_by_itself_from_rectification_and_nobody_is_waited_for():
    """finish_rectification is automatic: no role fires it, the inbox awaits no one."""
    assert PLAN_WORKFLOW.is_automatic("finish_rectification")
    assert not PLAN_WORKFLOW.is_automatic("submit")
    assert PLAN_WORKFLOW.actors_of("rectification") == frozenset()
    assert PLAN_WORKFLOW.roles_for("finish_rectification", "rectification") == frozenset()
    facts = GuardContext({"open_rectification_items": 1})
    with pytest.raises(GuardFailed):
        PLAN_WORKFLOW.fire("rectification", "finish_rectification", facts)
    done = GuardContext({"open_rectification_items": 0})
    assert PLAN_WORKFLOW.fire("rectification", "finish_rectification", done) == "closed"
