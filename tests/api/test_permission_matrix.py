"""Who may fire which action in which state, through the API: role × action × state.

Each cell is written out: 200 done, 403 no standing for this action, 404 the plan is not
visible to this user, 409 the user could act but not in this state, 422 a guard refused
(delegate with no colleague named).
"""

from __future__ import annotations

import pytest

from tests.factories import build_world, fresh
from tests.snapshot import differences, snapshot

ROLES = [
    "a_liaison",
    "a_head",
    "b_liaison",
    "c_head",
    "leader",
    "office",
    "d_liaison",
    "evaluator",
    "admin",
]
ACTIONS = [
    "submit",
    "withdraw",
    "peer_approve",
    "leader_approve",
    "office_approve",
    "return",
    "delegate",
]
STATES = ["draft", "peer_review", "leader_review", "office_review", "published"]

UNIT = {"a_liaison", "a_head"}
PEERS = {"b_liaison", "c_head"}
# Who cannot even see the plan in each state (a draft is the unit's and the office's only).
HIDDEN = {
    "draft": {"b_liaison", "c_head", "leader", "d_liaison", "evaluator", "admin"},
    "peer_review": {"d_liaison", "evaluator", "admin"},
    "leader_review": {"d_liaison", "evaluator", "admin"},
    "office_review": {"d_liaison", "evaluator", "admin"},
    "published": set(),
}
# Cells that are not 403 (or 404 for the hidden).
EXPECTED: dict[str, dict[str, dict[str, int]]] = {
    "draft": {
        "submit": dict.fromkeys(UNIT, 200),
        "withdraw": dict.fromkeys(UNIT, 409),
        "office_approve": {"office": 409},
        "return": {"office": 409},
        "delegate": {"office": 409},
    },
    "peer_review": {
        "submit": dict.fromkeys(UNIT, 409),
        "withdraw": dict.fromkeys(UNIT, 200),
        "peer_approve": dict.fromkeys(PEERS, 200),
        "leader_approve": {"leader": 409},
        "office_approve": {"office": 409},
        "return": {**dict.fromkeys(PEERS, 200), "leader": 409, "office": 409},
        "delegate": {**dict.fromkeys(PEERS, 422), "leader": 409, "office": 409},
    },
    "leader_review": {
        "submit": dict.fromkeys(UNIT, 409),
        "withdraw": dict.fromkeys(UNIT, 409),
        "peer_approve": dict.fromkeys(PEERS, 409),
        "leader_approve": {"leader": 200},
        "office_approve": {"office": 409},
        "return": {**dict.fromkeys(PEERS, 409), "leader": 200, "office": 409},
        "delegate": {**dict.fromkeys(PEERS, 409), "leader": 422, "office": 409},
    },
    "office_review": {
        "submit": dict.fromkeys(UNIT, 409),
        "withdraw": dict.fromkeys(UNIT, 409),
        "peer_approve": dict.fromkeys(PEERS, 409),
        "leader_approve": {"leader": 409},
        "office_approve": {"office": 200},
        "return": {**dict.fromkeys(PEERS, 409), "leader": 409, "office": 200},
        "delegate": {**dict.fromkeys(PEERS, 409), "leader": 409, "office": 422},
    },
    "published": {
        "submit": dict.fromkeys(UNIT, 409),
        "withdraw": dict.fromkeys(UNIT, 409),
        "peer_approve": dict.fromkeys(PEERS, 409),
        "leader_approve": {"leader": 409},
        "office_approve": {"office": 409},
        "return": {**dict.fromkeys(PEERS, 409), "leader": 409, "office": 409},
        "delegate": {**dict.fromkeys(PEERS, 409), "leader": 409, "office": 409},
    },
}


def expected(role: str, action: str, state: str) -> int:
    if role in HIDDEN[state]:
        return 404
    return EXPECTED[state].get(action, {}).get(role, 403)


CASES = [(r, a, s, expected(r, a, s)) for s in STATES for a in ACTIONS for r in ROLES]


@pytest.mark.parametrize(("role", "action", "state", "status"), CASES)
def test_matrix(app, api, role, action, state, status):
    world = build_world(state=state)
    user = world.users[role.replace("_", "-")]
    before = (world.plan.state, world.plan.version, world.plan.round)
    rows = snapshot()
    r = api(user).act(world.plan.id, action, "理由", version=world.plan.version)
    assert r.status_code == status, r.get_json()
    body = r.get_json()
    saved = fresh(world.plan)
    if status != 200:
        assert body["errors"], "every refusal names its problem"
        assert differences(rows, snapshot()) == {}, "a refusal changes nothing"
    else:  # what the answer says is what was committed
        assert (saved.state, saved.version, saved.round) == (
            body["state"],
            body["version"],
            body["round"],
        )
        assert saved.version > before[1]


@pytest.mark.parametrize(("role", "state"), [(r, s) for s in STATES for r in ROLES])
def test_actions_listed_are_exactly_those_that_succeed(app, api, role, state):
    """The `actions` of a plan are exactly those this user would not be refused."""
    world = build_world(state=state)
    user = world.users[role.replace("_", "-")]
    r = api(user).get(f"/api/v1/plans/{world.plan.id}")
    if role in HIDDEN[state]:
        assert r.status_code == 404
        return
    listed = set(r.get_json()["actions"]) & set(ACTIONS)  # the approval chain's actions
    assert listed == {a for a in ACTIONS if expected(role, a, state) in (200, 422)}
