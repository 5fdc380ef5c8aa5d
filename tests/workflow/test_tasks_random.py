"""Random walks of every workflow (Hypothesis): after each step the stored tasks agree with
the slow recomputation (`wfapp tasks verify`): who is awaited, due dates, return reasons.

One world holds a plan at each part of the cycle: A's plan from its draft on (peer review,
delegations, returns, publication, self-assessment), D's plan published (change requests),
B's plan in 集中考评 (evaluator assignments and sheets), C's plan in 整改 (items, the
program closed). Random users take random actions through the services; most are refused,
and a refused action must leave the tasks as they were.
"""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from tests.factories import build_world, make_plan, make_unit, make_user
from wfapp.database import db
from wfapp.models import ChangeRequest, EvaluatorAssignment, RectificationItem, Role, Task
from wfapp.services import (
    calendar,
    change_requests,
    evaluation,
    office,
    plans,
    rectification,
)
from wfapp.services.errors import ServiceError
from wfapp.services.task_check import verify
from wfapp.workflows.change_request import CHANGE_REQUEST_WORKFLOW
from wfapp.workflows.plan import PLAN_WORKFLOW
from wfapp.workflows.rectification import RECTIFICATION_WORKFLOW

USERS = [
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
    "evaluator2",
]
_worlds = itertools.count()


def _try(call, *args, **kw) -> bool:
    try:
        call(*args, **kw)
        return True
    except ServiceError:
        db.session.rollback()
        return False


class EveryWorkflow(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        n = next(_worlds)
        w = self.world = build_world(suffix=f"-{n}")
        u = w.units
        w.users["evaluator2"] = make_user(f"evaluator2-{n}", (Role.EVALUATOR, w.program))
        self.published = make_plan(w.program, w.group, u["D"], peers=[u["B"]], state="published")
        self.evaluated = make_plan(
            w.program, w.group, u["B"], peers=[u["C"]], state="central_evaluation"
        )
        self.rectified = make_plan(
            w.program, w.group, u["C"], peers=[u["D"]], state="rectification"
        )
        # A unit without plans, to make the peer assignment of A's draft change.
        self.spare = make_unit(f"单位E-{n}")
        db.session.commit()

    def user(self, name):
        return db.session.get(type(self.world.users[name]), self.world.users[name].id)

    # --- the plan ---------------------------------------------------------------------

    @rule(
        actor=st.sampled_from(USERS),
        action=st.sampled_from(PLAN_WORKFLOW.actions),
        comment=st.sampled_from(["", "请量化第1-2项"]),
        to_user=st.sampled_from([None, "leader2", "office2", "b-head", "a-head"]),
    )
    def plan_action(self, actor, action, comment, to_user):
        to = self.user(to_user).id if to_user else None
        _try(
            plans.fire, self.user(actor), self.world.plan.id, action, comment=comment, to_user_id=to
        )

    @rule(pick=st.integers(min_value=0, max_value=99))
    def someone_offered_a_plan_action_takes_it(self, pick):
        """Steer towards later stages: take an action some user is offered now."""
        plan = db.session.get(type(self.world.plan), self.world.plan.id)
        offers = [
            (name, a)
            for name in USERS
            for a in plans.available_actions(self.user(name), plan)
            if a != "delegate"
        ]
        if offers:
            name, action = offers[pick % len(offers)]
            _try(plans.fire, self.user(name), plan.id, action, comment="理由")

    @rule(pick=st.integers(min_value=0, max_value=99))
    def a_reviewer_hands_the_review_on(self, pick):
        """Delegations: to one of the colleagues the page would offer."""
        plan = db.session.get(type(self.world.plan), self.world.plan.id)
        offers = [
            (name, to.id)
            for name in USERS
            if "delegate" in plans.available_actions(self.user(name), plan)
            for to in plans.eligible_delegates(self.user(name), plan)
        ]
        if offers:
            name, to_id = offers[pick % len(offers)]
            _try(plans.fire, self.user(name), plan.id, "delegate", to_user_id=to_id)

    @rule(peers=st.sampled_from([["B"], ["B", "C"], ["C", "D"], []]))
    def office_sets_peers(self, peers):
        ids = [self.world.units[k].id for k in peers]
        _try(office.set_peers, self.user("office"), {self.world.plan.id: ids})

    @rule(
        which=st.sampled_from(["plan", "published", "evaluated"]),
        day=st.integers(min_value=1, max_value=28),
    )
    def office_extends_a_due_date(self, which, day):
        plan = self.world.plan if which == "plan" else getattr(self, which)
        _try(calendar.grant_extension, self.user("office"), plan.id, date(2024, 9, day), "延期")

    @rule(
        stage=st.sampled_from(["draft", "peer_review", "central_evaluation"]),
        day=st.integers(1, 28),
    )
    def office_moves_a_stage(self, stage, day):
        _try(
            calendar.set_stage,
            self.user("office"),
            self.world.program.id,
            stage,
            due=date(2024, 10, day),
        )

    # --- change requests --------------------------------------------------------------

    @rule(actor=st.sampled_from(["d-liaison", "a-liaison", "office"]))
    def request_a_change(self, actor):
        rows = [
            {
                "code": "2-1",
                "parent": "2",
                "category": "capacity",
                "content": "规范行政执法（调整）",
                "weight": "40",
            }
        ]
        _try(change_requests.propose, self.user(actor), self.published.id, reason="调整", rows=rows)

    @rule(
        actor=st.sampled_from(["d-liaison", "office", "office2", "b-liaison"]),
        action=st.sampled_from(CHANGE_REQUEST_WORKFLOW.actions),
        comment=st.sampled_from(["", "不同意"]),
    )
    def decide_a_change(self, actor, action, comment):
        ids = db.session.scalars(
            db.select(ChangeRequest.id).where(ChangeRequest.plan_id == self.published.id)
        ).all()
        if ids:
            _try(change_requests.act, self.user(actor), ids[-1], action, comment=comment)

    @rule(actor=st.sampled_from(["office", "d-liaison"]))
    def fire_on_the_published_plan(self, actor):
        _try(plans.fire, self.user(actor), self.published.id, "open_self_assessment")

    # --- evaluation sheets ------------------------------------------------------------

    @rule(who=st.sampled_from(["evaluator", "evaluator2", "leader"]), group=st.booleans())
    def office_assigns_an_evaluator(self, who, group):
        target = {"group_id": self.world.group.id} if group else {"plan_id": self.evaluated.id}
        _try(
            evaluation.assign,
            self.user("office"),
            self.world.program.id,
            self.user(who).id,
            **target,
        )

    @rule(pick=st.integers(min_value=0, max_value=9))
    def office_unassigns(self, pick):
        ids = db.session.scalars(db.select(EvaluatorAssignment.id)).all()
        if ids:
            _try(evaluation.unassign, self.user("office"), ids[pick % len(ids)])

    @rule(who=st.sampled_from(["evaluator", "evaluator2"]), complete=st.booleans())
    def evaluator_scores(self, who, complete):
        plan = db.session.get(type(self.evaluated), self.evaluated.id)
        leaves = [leaf.code for leaf in plan.leaves]
        items = [
            {"code": c, "score": "1", "comment": "好"} for c in leaves[: None if complete else 1]
        ]
        _try(evaluation.save_sheet, self.user(who), plan.id, items)

    @rule(who=st.sampled_from(["evaluator", "evaluator2"]))
    def evaluator_signs(self, who):
        _try(evaluation.sign_sheet, self.user(who), self.evaluated.id)

    @rule(who=st.sampled_from(["evaluator", "evaluator2"]), reason=st.sampled_from(["", "重评"]))
    def office_reopens(self, who, reason):
        sheet = evaluation.sheet_of(self.evaluated, self.user(who))
        if sheet is not None:
            _try(evaluation.reopen_sheet, self.user("office"), sheet.id, reason)

    # --- rectification items -------------------------------------------------------------

    @rule()
    def office_records_a_finding(self):
        _try(
            rectification.add_item,
            self.user("office"),
            self.rectified.id,
            finding="台账不完整",
            due_date=date(2025, 3, 31),
        )

    @rule(
        actor=st.sampled_from(["c-head", "office", "a-liaison"]),
        action=st.sampled_from(RECTIFICATION_WORKFLOW.actions),
        pick=st.integers(min_value=0, max_value=9),
        comment=st.sampled_from(["", "证据不足"]),
    )
    def item_action(self, actor, action, pick, comment):
        ids = db.session.scalars(
            db.select(RectificationItem.id).where(RectificationItem.plan_id == self.rectified.id)
        ).all()
        if ids:
            _try(
                rectification.act,
                self.user(actor),
                ids[pick % len(ids)],
                action,
                comment=comment,
                result_statement="已整改",
            )

    # --- the check ------------------------------------------------------------------------

    @invariant()
    def tasks_agree_with_the_slow_way(self):
        db.session.expire_all()
        report = verify([self.world.program.id])
        assert report.ok, "\n".join(report.differences)
        db.session.rollback()


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
def test_random_walks_leave_the_tasks_the_workflows_say(app):
    """Whatever happens, in any order, the task rows say who must act, by when and why."""
    run_state_machine_as_test(
        EveryWorkflow,
        settings=settings(
            max_examples=12,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
    assert db.session.scalar(db.select(db.func.count(Task.id))) > 0
