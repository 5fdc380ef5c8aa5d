"""Random actions by random users (Hypothesis): the plan only ever takes steps the workflow
allows, each change leaves exactly one audit event, and a refused action changes nothing."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from tests.factories import ApiClient, build_world, table
from wfapp.database import db
from wfapp.models import AuditEvent, PeerSignoff
from wfapp.workflows.plan import PLAN_WORKFLOW

ACTORS = [
    "a-liaison",
    "a-head",
    "b-liaison",
    "b-head",
    "c-head",
    "d-liaison",
    "leader",
    "leader2",
    "office",
    "office2",
    "evaluator",
]
_worlds = itertools.count()


class PlanUnderFire(RuleBasedStateMachine):
    def __init__(self, client):
        super().__init__()
        self.world = build_world(suffix=f"-{next(_worlds)}")
        self.client = client
        self.changes = 0

    def snapshot(self):
        db.session.expire_all()
        plan = self.world.plan
        return (
            plan.state,
            plan.version,
            plan.round,
            AuditEvent.query.filter_by(plan_id=plan.id).count(),
            PeerSignoff.query.filter_by(plan_id=plan.id).count(),
        )

    @rule(
        actor=st.sampled_from(ACTORS),
        action=st.sampled_from([*PLAN_WORKFLOW.actions, "reopen"]),
        comment=st.sampled_from(["", "请修改第3项"]),
        stale=st.booleans(),
        to_user=st.sampled_from([None, "leader2", "office2", "b-head", "a-head"]),
    )
    def fire(self, actor, action, comment, stale, to_user):
        before = self.snapshot()
        state, version = before[0], before[1]
        extra = {"to_user": f"{to_user}{self.suffix}"} if to_user else {}
        r = ApiClient(self.client, self.world.users[actor]).act(
            self.world.plan.id, action, comment, version=version - 1 if stale else version, **extra
        )
        after = self.snapshot()
        if r.status_code == 200:
            self.changes += 1
            assert not stale
            allowed = {
                t.dest or t.source
                for t in PLAN_WORKFLOW.transitions
                if t.source == state and t.action == action
            }
            assert after[0] in allowed
            assert after[3] == before[3] + 1, "exactly one audit event per change"
            assert after[1] > before[1]
        else:
            assert r.status_code in (403, 404, 409, 422), r.get_json()
            assert after == before, "a refused action changes nothing"

    @rule(pick=st.integers(min_value=0, max_value=50))
    def someone_offered_an_action_takes_it(self, pick):
        """Steer towards the later stages: fire one of the actions the API offers someone."""
        offers = []
        for actor in ACTORS:
            api = ApiClient(self.client, self.world.users[actor])
            r = api.get(f"/api/v1/plans/{self.world.plan.id}")
            if r.status_code == 200:
                offers += [(actor, a) for a in r.get_json()["actions"] if a != "delegate"]
        if not offers:
            return
        actor, action = offers[pick % len(offers)]
        before = self.snapshot()
        r = ApiClient(self.client, self.world.users[actor]).act(
            self.world.plan.id, action, "理由", version=before[1]
        )
        # Offered means allowed now; only what the user brings (a reason, a complete
        # self-assessment) may still be refused, and then nothing changes.
        assert r.status_code in (200, 422), (actor, action, r.get_json())
        if r.status_code == 422:
            assert self.snapshot() == before
            return
        self.changes += 1
        assert self.snapshot()[3] == before[3] + 1

    @rule(valid=st.booleans(), actor=st.sampled_from(["a-liaison", "a-head", "b-liaison"]))
    def edit_table(self, valid, actor):
        before = self.snapshot()
        rows = table()
        if not valid:
            rows[1]["weight"] = "99"
        r = ApiClient(self.client, self.world.users[actor]).put(
            f"/api/v1/plans/{self.world.plan.id}/indicators", json={"indicators": rows}
        )
        after = self.snapshot()
        if r.status_code == 200:
            self.changes += 1
            assert valid and before[0] == "draft"
            assert after[3] == before[3] + 1
        else:
            assert after == before

    @property
    def suffix(self):
        return self.world.users["a-liaison"].username.removeprefix("a-liaison")

    @invariant()
    def state_is_one_the_workflow_knows(self):
        assert self.world.plan.state in PLAN_WORKFLOW.states

    @invariant()
    def audit_counts_every_change(self):
        assert AuditEvent.query.filter_by(plan_id=self.world.plan.id).count() == self.changes


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
def test_random_actions_keep_the_workflow_honest(app, client):
    run_state_machine_as_test(
        lambda: PlanUnderFire(client),
        settings=settings(
            max_examples=20,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
