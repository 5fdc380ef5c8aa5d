"""The plan workflow alone, with no app and no database: every legal and illegal transition."""

from __future__ import annotations

import pytest

from wfapp.workflows import GuardContext, GuardFailed, InvalidAction
from wfapp.workflows.plan import PLAN_WORKFLOW, S

W = PLAN_WORKFLOW


def ctx(**facts) -> GuardContext:
    base = {
        "table_errors": [],
        "peer_units": 2,
        "signoffs": 0,
        "countersign_policy": "all",
        "countersign_min": None,
        "comment": "",
        "delegate_eligible": False,
    }
    return GuardContext({**base, **facts})


LEGAL = [
    # (state, action, facts, next state)
    (S.DRAFT, "submit", {}, S.PEER_REVIEW),
    (S.PEER_REVIEW, "withdraw", {}, S.DRAFT),
    (S.PEER_REVIEW, "peer_approve", {"signoffs": 0}, S.PEER_REVIEW),
    (S.PEER_REVIEW, "peer_approve", {"signoffs": 1}, S.LEADER_REVIEW),
    (S.PEER_REVIEW, "peer_approve", {"countersign_policy": "any"}, S.LEADER_REVIEW),
    (
        S.PEER_REVIEW,
        "peer_approve",
        {"countersign_policy": "at_least", "countersign_min": 2},
        S.PEER_REVIEW,
    ),
    (
        S.PEER_REVIEW,
        "peer_approve",
        {"countersign_policy": "at_least", "countersign_min": 2, "signoffs": 1},
        S.LEADER_REVIEW,
    ),
    (
        S.PEER_REVIEW,
        "peer_approve",
        {"countersign_policy": "at_least", "countersign_min": 5, "signoffs": 1},
        S.LEADER_REVIEW,
    ),
    (S.LEADER_REVIEW, "leader_approve", {}, S.OFFICE_REVIEW),
    (S.OFFICE_REVIEW, "office_approve", {}, S.PUBLISHED),
    (S.PEER_REVIEW, "return", {"comment": "理由"}, S.DRAFT),
    (S.LEADER_REVIEW, "return", {"comment": "理由"}, S.DRAFT),
    (S.OFFICE_REVIEW, "return", {"comment": "理由"}, S.DRAFT),
    # Found by mutation testing: one peer unit is enough to submit; "at least 1" of two is
    # met by the first sign-off (where "all" is not); "at least" with no number means all.
    (S.DRAFT, "submit", {"peer_units": 1}, S.PEER_REVIEW),
    (
        S.PEER_REVIEW,
        "peer_approve",
        {"countersign_policy": "at_least", "countersign_min": 1},
        S.LEADER_REVIEW,
    ),
    (
        S.PEER_REVIEW,
        "peer_approve",
        {"countersign_policy": "at_least", "countersign_min": None, "signoffs": 1},
        S.LEADER_REVIEW,
    ),
    (S.PEER_REVIEW, "delegate", {"delegate_eligible": True}, S.PEER_REVIEW),
    (S.LEADER_REVIEW, "delegate", {"delegate_eligible": True}, S.LEADER_REVIEW),
    (S.OFFICE_REVIEW, "delegate", {"delegate_eligible": True}, S.OFFICE_REVIEW),
]


@pytest.mark.parametrize(("state", "action", "facts", "after"), LEGAL)
def test_legal_transition(state, action, facts, after):
    """Each action the workflow allows moves the plan where the sources say it goes."""
    assert W.fire(state, action, ctx(**facts)) == after


def _legal_pairs() -> set[tuple[str, str]]:
    return {(t.source, t.action) for t in W.transitions}


ILLEGAL = [
    (state, action)
    for state in W.states
    for action in W.actions
    if (state, action) not in _legal_pairs()
]


@pytest.mark.parametrize(("state", "action"), ILLEGAL)
def test_illegal_transition_is_refused(state, action):
    """An action fired from a state it does not start from is refused, whatever the facts."""
    with pytest.raises(InvalidAction):
        W.fire(state, action, ctx(comment="理由", delegate_eligible=True))


def test_every_state_of_the_cycle_is_defined():
    """All nine stages exist now, even those whose actions come later."""
    assert W.states == [
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


@pytest.mark.parametrize(
    ("state", "action", "facts", "guard"),
    [
        (S.DRAFT, "submit", {"table_errors": ["x"]}, "table_is_valid"),
        (S.DRAFT, "submit", {"peer_units": 0}, "has_peer_reviewers"),
        (S.PEER_REVIEW, "withdraw", {"signoffs": 1}, "no_reviewer_acted"),
        (S.LEADER_REVIEW, "return", {"comment": "   "}, "has_reason"),
        (S.PEER_REVIEW, "return", {"comment": None}, "has_reason"),
        (S.OFFICE_REVIEW, "delegate", {"delegate_eligible": False}, "delegate_is_eligible"),
    ],
)
def test_failing_guard_names_itself(state, action, facts, guard):
    """A refused action says which rule refused it, in Chinese."""
    with pytest.raises(GuardFailed) as info:
        W.fire(state, action, ctx(**facts))
    assert [g.name for g in info.value.guards] == [guard]
    assert info.value.guards[0].message


def test_unknown_action_is_invalid():
    with pytest.raises(InvalidAction):
        W.fire(S.DRAFT, "approve_everything", ctx())


def test_who_may_fire_what():
    """Roles come from the definition: the unit submits, reviewers return at their stage."""
    assert W.roles_for("submit", S.DRAFT) == {"liaison", "unit_head"}
    assert W.roles_for("return", S.PEER_REVIEW) == {"peer_reviewer"}
    assert W.roles_for("return", S.LEADER_REVIEW) == {"leader"}
    assert W.roles_for("return", S.OFFICE_REVIEW) == {"office"}
    assert W.roles_for("office_approve", S.LEADER_REVIEW) == frozenset()
    assert W.actors_of(S.PEER_REVIEW) == {"peer_reviewer"}  # withdraw is no duty


def test_description_feeds_api_and_diagram():
    """describe() lists every state with its Chinese label and every action with who fires it."""
    d = W.describe()
    assert [s["label"] for s in d["states"]][:5] == [
        "初稿",
        "同组互审",
        "分管领导审定",
        "绩效办批复",
        "公开",
    ]
    submit = next(a for a in d["actions"] if a["name"] == "submit")
    assert submit["transitions"] == [
        {
            "from": "draft",
            "to": "peer_review",
            "who": ["liaison", "unit_head"],
            "guards": [
                {"name": "has_peer_reviewers", "message": "尚未分配同组互审单位，请联系绩效办"},
                {"name": "table_is_valid", "message": "考评表未通过校验，请先修正"},
            ],
        }
    ]


def test_the_workflow_module_imports_neither_flask_nor_the_session():
    """A workflow is data and guards; it must stay usable without an app."""
    import ast
    import inspect

    import wfapp.workflows.engine as engine
    import wfapp.workflows.plan as plan

    for module in (engine, plan):
        tree = ast.parse(inspect.getsource(module))
        names = {
            (n.module or "") if isinstance(n, ast.ImportFrom) else a.name
            for n in ast.walk(tree)
            if isinstance(n, ast.Import | ast.ImportFrom)
            for a in n.names
        }
        assert not {
            n
            for n in names
            if n.startswith(("flask", "sqlalchemy", "wfapp.database", "wfapp.models"))
        }
