"""The `wfapp` command as an operator uses it."""

from __future__ import annotations

from decimal import Decimal

from wfapp.models import AuditEvent, Plan, Program, User
from wfapp.services.targets import check_table


def test_demo_is_complete_and_idempotent(app):
    """`wfapp demo` twice gives one program, four units, sixteen users, four valid plans."""
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["demo"])
    assert "新增 项目 0、单位 0、用户 0、方案 0" in second.output
    assert Program.query.count() == 1
    program = Program.query.one()
    assert program.deadline_for("draft").isoformat() == "2024-07-10"
    assert program.deadline_for("central_evaluation").isoformat() == "2025-02-28"
    assert {u.username for u in User.query} >= {
        "admin",
        "office",
        "leader1",
        "u1-liaison",
        "u1-head",
        "u4-head",
        "evaluator3",
        "inspector",
        "surveyor",
    }
    assert all(u.email == f"{u.username}@example.com" for u in User.query)
    plans = Plan.query.order_by(Plan.id).all()
    assert len(plans) == 4
    assert all(p.state == "draft" for p in plans)
    for plan in plans:
        rows = [i.as_row() for i in plan.indicators]
        assert check_table(rows, Decimal(100)).ok
    u1 = plans[0]
    assert u1.unit.short_name == "晋江生态环境局"
    assert (
        sum(1 for i in u1.indicators if not any(j.parent_id == i.id for j in u1.indicators)) == 54
    )
    assert {a.reviewer_unit.short_name for a in u1.peer_assignments} == {
        "市自然资源和规划局",
        "市国资委",
    }


def test_demo_if_empty_leaves_existing_data_alone(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["demo"])
    r = runner.invoke(args=["demo", "--if-empty"])
    assert "未加载" in r.output


def test_serve_refuses_demo_users_outside_the_embedded_database(app):
    """A real database with the published demo password is not served, and the reason is given."""
    runner = app.test_cli_runner()
    runner.invoke(args=["demo"])
    app.config["DEMO"] = False
    r = runner.invoke(args=["serve", "--port", "0"])
    assert r.exit_code != 0
    assert "演示用户" in r.output and "WFAPP_DEMO=1" in r.output


def test_demo_users_walk_the_chain_with_the_demo_password(app, client):
    """The documented curl walk-through: demo users, the demo password, unit 1 to published."""
    app.test_cli_runner().invoke(args=["demo"])

    def as_(username):
        r = client.post("/api/v1/auth/token", json={"username": username, "password": "wfapp-demo"})
        assert r.status_code == 200, r.get_json()
        return {"Authorization": f"Bearer {r.get_json()['token']}"}

    plan_id = Plan.query.order_by(Plan.id).first().id

    def act(username, action, comment=""):
        headers = as_(username)
        version = client.get(f"/api/v1/plans/{plan_id}", headers=headers).get_json()["version"]
        r = client.post(
            f"/api/v1/plans/{plan_id}/actions/{action}",
            json={"comment": comment, "version": version},
            headers=headers,
        )
        assert r.status_code == 200, (username, action, r.get_json())
        return r.get_json()["state"]

    assert act("u1-liaison", "submit", "请审核") == "peer_review"
    assert act("u2-liaison", "peer_approve", "同意") == "peer_review"
    assert act("u3-head", "return", "动态工作目标需细化") == "draft"
    assert act("u1-head", "submit", "已修改") == "peer_review"
    assert act("u2-head", "peer_approve") == "peer_review"
    assert act("u3-liaison", "peer_approve") == "leader_review"
    assert act("leader1", "leader_approve", "同意") == "office_review"
    assert act("office", "office_approve", "准予公开") == "published"
    actions = [
        e.action for e in AuditEvent.query.filter_by(plan_id=plan_id).order_by(AuditEvent.id)
    ]
    assert actions.count("return") == 1 and actions[-1] == "office_approve"


def test_create_user_with_grants(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["demo"])
    r = runner.invoke(
        args=[
            "create-user",
            "--username",
            "zhang",
            "--display-name",
            "张三",
            "--email",
            "zhang@example.com",
            "--password",
            "a-long-password",
            "--grant",
            "liaison@市国资委",
            "--grant",
            f"office@{Program.query.one().id}",
        ]
    )
    assert r.exit_code == 0, r.output
    user = User.query.filter_by(username="zhang").one()
    assert {g.role for g in user.grants} == {"liaison", "office"}
    assert user.password_hash.startswith("$argon2")
    r = runner.invoke(
        args=[
            "create-user",
            "--username",
            "li",
            "--display-name",
            "李四",
            "--email",
            "l@x",
            "--password",
            "a-long-password",
            "--grant",
            "liaison@不存在的单位",
        ]
    )
    assert r.exit_code != 0 and "未找到单位" in r.output
