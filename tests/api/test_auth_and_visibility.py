"""Tokens, throttled logins, the demo password rule, and who may see which plan."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.factories import PASSWORD, make_user
from wfapp.database import db
from wfapp.models import AuditEvent, Role
from wfapp.models.audit import AppendOnlyError


def token(client, username, password=PASSWORD, addr="10.0.0.1"):
    return client.post(
        "/api/v1/auth/token",
        json={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": addr},
    )


class TestSignIn:
    def test_right_password_gives_a_token_that_works(self, world, client):
        r = token(client, "a-liaison")
        assert r.status_code == 200
        r = client.get(
            "/api/v1/plans", headers={"Authorization": f"Bearer {r.get_json()['token']}"}
        )
        assert [p["id"] for p in r.get_json()["items"]] == [world.plan.id]

    def test_wrong_password_and_unknown_user_look_the_same(self, world, client):
        """Nobody learns from the answer whether a username exists."""
        a, b = token(client, "a-liaison", "wrong"), token(client, "nobody", "wrong")
        assert a.status_code == b.status_code == 401
        assert a.get_json() == b.get_json()

    def test_no_token_or_a_forged_one_is_401(self, world, client):
        assert client.get("/api/v1/plans").status_code == 401
        r = client.get("/api/v1/plans", headers={"Authorization": "Bearer forged.token.value"})
        assert r.status_code == 401

    def test_five_failures_make_that_clients_next_try_wait_not_the_owners(self, world, client):
        """Five wrong passwords from one address slow that address's next try for this
        account; the owner, at another address, logs in at once."""
        for _ in range(5):
            assert token(client, "a-liaison", "wrong", addr="10.0.0.1").status_code == 401
        r = token(client, "a-liaison", addr="10.0.0.1")
        assert r.status_code == 429
        assert "秒后再试" in r.get_json()["message"]
        assert token(client, "a-liaison", addr="10.9.9.9").status_code == 200

    def test_failures_for_one_account_do_not_slow_others_at_the_same_address(self, world, client):
        for i in range(5):
            token(client, f"guess{i}", "wrong", addr="10.6.6.6")
        for _ in range(6):
            token(client, "b-liaison", "wrong", addr="10.6.6.6")
        assert token(client, "a-head", addr="10.6.6.6").status_code == 200

    def test_passwords_are_stored_as_argon2(self, world):
        assert world.a_liaison.password_hash.startswith("$argon2id$")

    def test_deactivated_user_token_stops_working(self, world, client, api):
        headers = api(world.a_liaison).headers
        world.a_liaison.active = False
        db.session.commit()
        assert client.get("/api/v1/plans", headers=headers).status_code == 401


class TestDemoPassword:
    def test_demo_password_refused_outside_the_embedded_database(self, app, client):
        """On a real database the published demo password must not open anything."""
        user = make_user("demo-user", password="wfapp-demo")
        user.is_demo = True
        db.session.commit()
        app.config["DEMO"] = False
        assert token(client, "demo-user", "wfapp-demo").status_code == 401
        app.config["DEMO"] = True
        assert token(client, "demo-user", "wfapp-demo").status_code == 200


class TestVisibility:
    def test_a_draft_is_the_units_and_the_offices(self, world, api):
        url = f"/api/v1/plans/{world.plan.id}"
        for user in (world.a_liaison, world.a_head, world.office):
            assert api(user).get(url).status_code == 200
        for user in (world.b_liaison, world.c_head, world.leader, world.d_liaison, world.admin):
            assert api(user).get(url).status_code == 404
            assert api(user).get(url + "/history").status_code == 404

    def test_once_submitted_peers_and_leader_see_it_too(self, world, api):
        api(world.a_liaison).act(world.plan.id, "submit")
        url = f"/api/v1/plans/{world.plan.id}"
        for user in (world.b_liaison, world.c_head, world.leader):
            assert api(user).get(url).status_code == 200
        assert api(world.d_liaison).get(url).status_code == 404
        ids = [p["id"] for p in api(world.b_liaison).get("/api/v1/plans").get_json()["items"]]
        assert ids == [world.plan.id]

    def test_another_units_liaison_cannot_act_on_it(self, world, api):
        """IDOR: knowing the id is not enough."""
        r = api(world.d_liaison).act(world.plan.id, "submit", version=1)
        assert r.status_code == 404
        r = api(world.d_liaison).put(f"/api/v1/plans/{world.plan.id}/indicators", json=[])
        assert r.status_code == 404

    def test_a_user_with_no_grant_sees_nothing(self, world, api):
        nobody = make_user("nobody")
        db.session.commit()
        assert api(nobody).get("/api/v1/plans").get_json()["items"] == []

    def test_leader_of_another_unit_does_not_see_it(self, world, api):
        other = make_user("other-leader", (Role.LEADER, world.units["D"]))
        db.session.commit()
        api(world.a_liaison).act(world.plan.id, "submit")
        assert api(other).get(f"/api/v1/plans/{world.plan.id}").status_code == 404


class TestAudit:
    def test_audit_events_cannot_be_changed_through_the_orm(self, world, api):
        api(world.a_liaison).act(world.plan.id, "submit", "提交")
        event = AuditEvent.query.first()
        event.comment = "改写历史"
        with pytest.raises(AppendOnlyError):
            db.session.commit()
        db.session.rollback()
        db.session.delete(AuditEvent.query.first())
        with pytest.raises(AppendOnlyError):
            db.session.commit()
        db.session.rollback()

    def test_audit_events_cannot_be_changed_in_sql(self, world, api):
        """The database itself refuses, for anyone who bypasses the application."""
        api(world.a_liaison).act(world.plan.id, "submit", "提交")
        for statement in ("UPDATE audit_event SET comment = 'x'", "DELETE FROM audit_event"):
            with pytest.raises(Exception, match="append-only"):
                db.session.execute(text(statement))
            db.session.rollback()
        assert AuditEvent.query.one().comment == "提交"


def test_workflow_description_is_public(client):
    d = client.get("/api/v1/workflows/plan").get_json()
    assert d["states"][0] == {"name": "draft", "label": "初稿"}
    assert {a["name"] for a in d["actions"]} >= {"submit", "return", "delegate"}


def test_openapi_document_lists_the_endpoints(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    for path in (
        "/api/v1/auth/token",
        "/api/v1/plans",
        "/api/v1/plans/{plan_id}",
        "/api/v1/plans/{plan_id}/indicators",
        "/api/v1/plans/{plan_id}/actions/{action}",
        "/api/v1/plans/{plan_id}/history",
        "/api/v1/workflows/plan",
    ):
        assert path in doc["paths"]
