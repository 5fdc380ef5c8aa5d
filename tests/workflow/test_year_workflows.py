"""The year's workflows as data, without an app."""

from __future__ import annotations

import pytest

from wfapp.workflows import GuardContext, GuardFailed, InvalidAction
from wfapp.workflows.change_request import CHANGE_REQUEST_WORKFLOW
from wfapp.workflows.evaluation_sheet import SHEET_WORKFLOW
from wfapp.workflows.plan import PLAN_WORKFLOW


def plan_ctx(**facts) -> GuardContext:
    return GuardContext({"pending_change_requests": 0, "self_assessment_missing": [], **facts})


def test_office_opens_and_unit_submits_self_assessment():
    assert PLAN_WORKFLOW.fire("published", "open_self_assessment", plan_ctx()) == "self_assessment"
    assert (
        PLAN_WORKFLOW.fire("self_assessment", "submit_self_assessment", plan_ctx())
        == "central_evaluation"
    )
    assert PLAN_WORKFLOW.roles_for("open_self_assessment", "published") == {"office"}
    assert PLAN_WORKFLOW.roles_for("submit_self_assessment", "self_assessment") == {
        "liaison",
        "unit_head",
    }


def test_a_pending_change_or_a_missing_leaf_stops_the_step():
    with pytest.raises(GuardFailed) as exc:
        PLAN_WORKFLOW.fire("published", "open_self_assessment", plan_ctx(pending_change_requests=1))
    assert exc.value.guards[0].name == "no_pending_change_requests"
    with pytest.raises(GuardFailed):
        PLAN_WORKFLOW.fire(
            "self_assessment", "submit_self_assessment", plan_ctx(self_assessment_missing=["1-1"])
        )


def test_closing_evaluation_branches_on_findings():
    """Closing evaluation sends a plan with findings to rectification, any other to the
    archive; it is a group action of the office, nobody's duty on one plan."""
    assert PLAN_WORKFLOW.actions_from("central_evaluation") == ["close_evaluation"]
    assert PLAN_WORKFLOW.is_batch("close_evaluation")
    assert PLAN_WORKFLOW.actors_of("central_evaluation") == frozenset()
    assert PLAN_WORKFLOW.roles_for("close_evaluation", "central_evaluation") == {"office"}
    found = PLAN_WORKFLOW.fire(
        "central_evaluation", "close_evaluation", plan_ctx(has_findings=True)
    )
    clean = PLAN_WORKFLOW.fire(
        "central_evaluation", "close_evaluation", plan_ctx(has_findings=False)
    )
    assert (found, clean) == ("rectification", "closed")
    with pytest.raises(InvalidAction):
        PLAN_WORKFLOW.fire("central_evaluation", "open_self_assessment", plan_ctx())


def test_change_request_states():
    ctx = GuardContext({"comment": "", "table_errors": []})
    assert CHANGE_REQUEST_WORKFLOW.fire("pending", "approve", ctx) == "approved"
    assert CHANGE_REQUEST_WORKFLOW.fire("pending", "withdraw", ctx) == "withdrawn"
    with pytest.raises(GuardFailed):
        CHANGE_REQUEST_WORKFLOW.fire("pending", "reject", ctx)  # no reason
    with pytest.raises(GuardFailed):
        CHANGE_REQUEST_WORKFLOW.fire(
            "pending", "approve", GuardContext({"comment": "", "table_errors": ["x"]})
        )
    with pytest.raises(InvalidAction):
        CHANGE_REQUEST_WORKFLOW.fire("approved", "reject", GuardContext({"comment": "x"}))


def test_a_sheet_signs_when_complete_and_reopens_with_a_reason():
    assert SHEET_WORKFLOW.fire("draft", "sign", GuardContext({"unscored": []})) == "signed"
    with pytest.raises(GuardFailed):
        SHEET_WORKFLOW.fire("draft", "sign", GuardContext({"unscored": ["1-1"]}))
    with pytest.raises(GuardFailed):
        SHEET_WORKFLOW.fire("signed", "reopen", GuardContext({"comment": " "}))
    assert SHEET_WORKFLOW.fire("signed", "reopen", GuardContext({"comment": "重评"})) == "draft"
    assert SHEET_WORKFLOW.roles_for("reopen", "signed") == {"office"}
