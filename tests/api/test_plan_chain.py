"""The whole approval chain through the API, as the people who do it."""

from __future__ import annotations

from wfapp.models import AuditEvent, PeerSignoff, PlanRevision


def test_draft_to_published_with_a_return_and_a_new_round(world, api):
    """A unit submits, a peer returns it with a reason, the unit resubmits in round 2, both
    peers, the leader and the office approve: the plan is published and the history tells it all."""
    plan_id = world.plan.id
    liaison, head = api(world.a_liaison), api(world.a_head)

    assert liaison.get(f"/api/v1/plans/{plan_id}").get_json()["actions"] == ["submit"]
    r = liaison.act(plan_id, "submit", "请审核")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["state"] == "peer_review"

    r = api(world.b_liaison).act(plan_id, "peer_approve", "同意")
    assert r.get_json()["state"] == "peer_review"  # countersign "all": C has not signed yet
    r = api(world.c_head).act(plan_id, "return", "重点工作目标未量化，请补充")
    assert r.status_code == 200
    body = r.get_json()
    assert (body["state"], body["round"]) == ("draft", 2)

    r = head.act(plan_id, "submit", "已按意见修改")
    assert r.get_json()["state"] == "peer_review"
    # Round 1's sign-off by B no longer counts: B must sign again.
    assert (
        "peer_approve" in api(world.b_liaison).get(f"/api/v1/plans/{plan_id}").get_json()["actions"]
    )
    api(world.b_liaison).act(plan_id, "peer_approve", "同意")
    r = api(world.c_head).act(plan_id, "peer_approve", "同意")
    assert r.get_json()["state"] == "leader_review"
    r = api(world.leader).act(plan_id, "leader_approve", "同意")
    assert r.get_json()["state"] == "office_review"
    r = api(world.office).act(
        plan_id, "office_approve", "准予公开", approval_number="泉直政府效办〔2024〕8号"
    )
    body = r.get_json()
    assert body["state"] == "published"
    assert body["approval_number"] == "泉直政府效办〔2024〕8号"

    items = liaison.get(f"/api/v1/plans/{plan_id}/history").get_json()["items"]
    assert [(i["action"], i["from_state"], i["to_state"]) for i in items] == [
        ("submit", "draft", "peer_review"),
        ("peer_approve", "peer_review", "peer_review"),
        ("return", "peer_review", "draft"),
        ("submit", "draft", "peer_review"),
        ("peer_approve", "peer_review", "peer_review"),
        ("peer_approve", "peer_review", "leader_review"),
        ("leader_approve", "leader_review", "office_review"),
        ("office_approve", "office_review", "published"),
    ]
    returned = items[2]
    assert returned["comment"] == "重点工作目标未量化，请补充"
    assert returned["actor"] == "c-head"
    assert returned["at"].endswith("+08:00")  # shown in Asia/Shanghai
    rounds = {s.round for s in PeerSignoff.query.filter_by(plan_id=plan_id)}
    assert rounds == {1, 2}
    assert [r.round for r in PlanRevision.query.filter_by(plan_id=plan_id)] == [1, 2]


def test_each_action_writes_exactly_one_audit_event(world, api):
    """Every state change leaves one audit event, written in the same transaction."""
    before = AuditEvent.query.count()
    api(world.a_liaison).act(world.plan.id, "submit")
    api(world.b_liaison).act(world.plan.id, "peer_approve")
    assert AuditEvent.query.count() == before + 2


def test_unit_may_withdraw_only_while_no_reviewer_has_acted(world, api):
    """Withdrawal is possible until the first peer signs; after that it is refused (422)."""
    plan_id = world.plan.id
    api(world.a_liaison).act(plan_id, "submit")
    r = api(world.a_head).act(plan_id, "withdraw", "补充材料")
    assert r.get_json()["state"] == "draft"
    api(world.a_liaison).act(plan_id, "submit")
    api(world.b_liaison).act(plan_id, "peer_approve")
    assert "withdraw" not in api(world.a_head).get(f"/api/v1/plans/{plan_id}").get_json()["actions"]
    r = api(world.a_head).act(plan_id, "withdraw", "补充材料")
    assert r.status_code == 422
    assert r.get_json()["errors"][0]["code"] == "no_reviewer_acted"


def test_a_peer_unit_signs_once_per_round(world, api):
    """A second sign-off by the same unit in the same round is a conflict, not a second vote."""
    plan_id = world.plan.id
    api(world.a_liaison).act(plan_id, "submit")
    assert api(world.b_liaison).act(plan_id, "peer_approve").status_code == 200
    r = api(world.b_head).act(plan_id, "peer_approve")
    assert r.status_code == 409
    assert PeerSignoff.query.filter_by(plan_id=plan_id).count() == 1


def test_stale_version_is_refused_with_409_and_changes_nothing(world, api):
    """Two people on the same page: the second click carries an old version and gets 409."""
    plan_id = world.plan.id
    version = api(world.a_liaison).get(f"/api/v1/plans/{plan_id}").get_json()["version"]
    assert api(world.a_liaison).act(plan_id, "submit", version=version).status_code == 200
    r = api(world.a_head).act(plan_id, "withdraw", version=version)
    assert r.status_code == 409
    assert "刷新" in r.get_json()["message"]
    assert api(world.a_head).get(f"/api/v1/plans/{plan_id}").get_json()["state"] == "peer_review"


def test_countersign_any_moves_on_with_the_first_peer(world, api):
    """With the policy "any", one peer's approval is enough."""
    world.program.countersign_policy = "any"
    from wfapp.database import db

    db.session.commit()
    api(world.a_liaison).act(world.plan.id, "submit")
    r = api(world.c_head).act(world.plan.id, "peer_approve")
    assert r.get_json()["state"] == "leader_review"


def test_delegate_hands_the_review_to_a_colleague_of_the_same_role(world, api):
    """The leader hands the review to the other leader of the unit; from then on only the
    delegate may act; handing it to someone of another role is refused."""
    plan_id = world.plan.id
    api(world.a_liaison).act(plan_id, "submit")
    api(world.b_liaison).act(plan_id, "peer_approve")
    api(world.c_head).act(plan_id, "peer_approve")

    r = api(world.leader).act(plan_id, "delegate", "请代为审定", to_user="office")
    assert r.status_code == 422
    assert r.get_json()["errors"][0]["code"] == "to_user"
    r = api(world.leader).act(plan_id, "delegate", "请代为审定", to_user="leader2")
    assert r.status_code == 200
    assert r.get_json()["state"] == "leader_review"
    assert api(world.leader).act(plan_id, "leader_approve").status_code == 403
    r = api(world.leader2).act(plan_id, "leader_approve", "同意")
    assert r.get_json()["state"] == "office_review"
    history = api(world.a_liaison).get(f"/api/v1/plans/{plan_id}/history").get_json()["items"]
    assert any(i["action"] == "delegate" and i["data"]["to_user"] == "leader2" for i in history)
