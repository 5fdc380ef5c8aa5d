"""Random walks (Hypothesis state machines) through every workflow, with no app and no
database: from any state, any action with any facts either takes exactly the step the
definition gives or is refused and leaves the state alone.

Each walk keeps its own record of the states it stood in and the transitions it took; the
test ends by checking that record against the definition, so a walk that never reached
集中考评 (or any other state or step) fails instead of passing on what it did not see."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from wfapp.workflows import GuardContext, GuardFailed, InvalidAction
from wfapp.workflows.change_request import CHANGE_REQUEST_WORKFLOW
from wfapp.workflows.engine import Transition, Workflow
from wfapp.workflows.evaluation_sheet import SHEET_WORKFLOW
from wfapp.workflows.plan import PLAN_WORKFLOW
from wfapp.workflows.rectification import RECTIFICATION_WORKFLOW

WORKFLOWS = {
    w.name: w
    for w in (PLAN_WORKFLOW, CHANGE_REQUEST_WORKFLOW, SHEET_WORKFLOW, RECTIFICATION_WORKFLOW)
}

# Every fact a guard of these workflows reads, each from a small domain holding both answers.
FACTS = st.fixed_dictionaries(
    {
        "comment": st.sampled_from(["", "  ", "理由"]),
        "table_errors": st.sampled_from([[], ["权重合计不等于总分"]]),
        "peer_units": st.integers(0, 3),
        "signoffs": st.integers(0, 3),
        "countersign_policy": st.sampled_from(["all", "any", "at_least"]),
        "countersign_min": st.none() | st.integers(1, 3),
        "delegate_eligible": st.booleans(),
        "pending_change_requests": st.integers(0, 2),
        "self_assessment_missing": st.sampled_from([[], ["1-1"]]),
        "has_findings": st.booleans(),
        "open_rectification_items": st.integers(0, 2),
        "result_statement": st.sampled_from(["", "已整改"]),
        "evidence": st.integers(0, 2),
        "unscored": st.sampled_from([[], ["1-1"]]),
    }
)


def step(t: Transition) -> tuple[str, str, str]:
    return (t.source, t.action, t.dest or t.source)


def expected(workflow: Workflow, state: str, action: str, facts: dict) -> str | None:
    """The definition read directly: the first transition of `action` from `state` whose
    conditions hold and whose `unless` guards do not; None when there is none."""
    ctx = GuardContext(dict(facts))
    for t in workflow.transitions:
        if (
            t.source == state
            and t.action == action
            and all(g.check(ctx) for g in t.conditions)
            and not any(g.check(ctx) for g in t.unless)
        ):
            return t.dest or t.source
    return None


def walk(workflow: Workflow, seen_states: set, taken: set):
    class Walk(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.state = workflow.states[0]
            seen_states.add(self.state)

        def _fire(self, action: str, facts: dict) -> None:
            want = expected(workflow, self.state, action, facts)
            try:
                got = workflow.fire(self.state, action, GuardContext(dict(facts)))
            except InvalidAction:
                assert not any(
                    t.source == self.state and t.action == action for t in workflow.transitions
                ), "a defined action was refused as unknown"
                assert want is None
                return
            except GuardFailed as exc:
                assert want is None, f"{action} from {self.state} refused: {exc}"
                assert exc.guards, "a refusal names the guards that failed"
                return
            assert got == want, (self.state, action, facts)
            taken.add((self.state, action, got))
            self.state = got
            seen_states.add(got)

        @rule(action=st.sampled_from(workflow.actions), facts=FACTS)
        def anything(self, action, facts):
            self._fire(action, facts)

        @rule(pick=st.integers(0, 20), facts=FACTS)
        def an_action_of_this_state(self, pick, facts):
            """Steer: one of the actions defined from the current state."""
            actions = workflow.actions_from(self.state)
            if actions:
                self._fire(actions[pick % len(actions)], facts)

        @invariant()
        def the_state_is_one_of_the_definition(self):
            assert self.state in workflow.states

    return Walk


@pytest.mark.parametrize("name", sorted(WORKFLOWS))
def test_a_walk_reaches_every_state_and_takes_every_transition(name):
    workflow = WORKFLOWS[name]
    seen_states: set = set()
    taken: set = set()
    run_state_machine_as_test(
        walk(workflow, seen_states, taken),
        settings=settings(
            max_examples=300,
            stateful_step_count=40,
            derandomize=True,  # the same walks every run: the record is reliable
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
    assert seen_states == set(workflow.states), set(workflow.states) - seen_states
    assert taken == {step(t) for t in workflow.transitions}, {
        step(t) for t in workflow.transitions
    } - taken
