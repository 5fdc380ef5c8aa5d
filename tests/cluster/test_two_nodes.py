"""Two app nodes on one PostgreSQL and one object store, behind nginx: what a user does
through one node holds on the other, one action wins a race across nodes, and the
scheduler moves when its node is killed without losing a reminder."""

from __future__ import annotations

import os
import threading
from collections import Counter

import pytest
from sqlalchemy import select, text

from cluster.nodes import wait_until
from tests.year.helpers import PDF
from wfapp import create_app
from wfapp.database import db as wfdb
from wfapp.models import Plan, User
from wfapp.services import mail

from .conftest import scheduler_holder
from .http import Client, bearer, csrf, token

pytestmark = pytest.mark.xdist_group("cluster")


def plan_state(db, plan_id: int) -> str:
    with db.connect() as conn:
        return conn.execute(text("SELECT state FROM plan WHERE id = :i"), {"i": plan_id}).scalar()


def act(base: str, username: str, plan_id: int, action: str, **extra):
    headers = bearer(token(base, username))
    version = Client().get(f"{base}/api/v1/plans/{plan_id}", headers=headers).json()["version"]
    return Client().post(
        f"{base}/api/v1/plans/{plan_id}/actions/{action}",
        headers=headers,
        json_body={"comment": "同意", "version": version, **extra},
    )


def publish_plan_1(cluster, db) -> None:
    """Walk unit 1's plan to 公开, each step through the other node than the last."""
    a, b = (n.url for n in cluster.nodes)
    steps = {
        "draft": [(a, "u1-liaison", "submit")],
        "peer_review": [(b, "u2-head", "peer_approve"), (a, "u3-head", "peer_approve")],
        "leader_review": [(b, "leader1", "leader_approve")],
        "office_review": [(a, "office", "office_approve")],
    }
    for _ in range(5):
        state = plan_state(db, 1)
        if state not in steps:
            return
        for base, username, action in steps[state]:
            r = act(base, username, 1, action)
            assert r.status in (200, 409), r.text  # 409: signed earlier


def test_a_file_uploaded_through_node_a_downloads_through_node_b(cluster, db):
    """Can a unit's liaison upload a file through one node and a peer download it through
    the other? Yes: the bytes are in the shared object store, the download is an attachment."""
    publish_plan_1(cluster, db)
    a, b = cluster.nodes
    data = PDF + os.urandom(200_000)
    up = Client().post(
        f"{a.url}/api/v1/plans/1/evidence",
        headers=bearer(token(a.url, "u1-liaison")),
        file=("file", "上半年工作台账.pdf", data, "application/pdf"),
    )
    assert up.status == 201, up.text
    evidence_id = up.json()["id"]
    for base in (b.url, cluster.url):  # node B directly, and through nginx
        down = Client().get(
            f"{base}/api/v1/evidence/{evidence_id}", headers=bearer(token(base, "u2-liaison"))
        )
        assert down.status == 200, down.text
        assert down.body == data
        assert down.headers["Content-Disposition"].startswith("attachment;")
        assert down.headers["X-Content-Type-Options"] == "nosniff"
    # The page download through the balancer, as a browser gets it.
    browser = Client()
    login_page = browser.get(f"{cluster.url}/login")
    form = {"csrf_token": csrf(login_page), "username": "u1-head", "password": "wfapp-demo"}
    assert browser.post(f"{cluster.url}/login", form=form).status == 302
    page = browser.get(f"{b.url}/evidence/{evidence_id}/download")
    assert page.status == 200 and page.body == data


def test_a_plan_action_raced_on_both_nodes_has_exactly_one_winner(cluster, db):
    """Two heads of unit 2 submit its plan at the same moment, one through each node: one
    submission wins (200), the other is told the page is stale (409)."""
    assert plan_state(db, 2) == "draft"
    a, b = cluster.nodes
    requests = []
    for node, username in ((a, "u2-liaison"), (b, "u2-head")):
        headers = bearer(token(node.url, username))
        version = Client().get(f"{node.url}/api/v1/plans/2", headers=headers).json()["version"]
        requests.append((node.url, headers, version))
    start = threading.Barrier(2)
    answers: list[int] = []

    def submit(base, headers, version):
        start.wait()
        r = Client().post(
            f"{base}/api/v1/plans/2/actions/submit",
            headers=headers,
            json_body={"comment": "请审核", "version": version},
        )
        answers.append(r.status)

    threads = [threading.Thread(target=submit, args=args) for args in requests]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(answers) == [200, 409]
    assert plan_state(db, 2) == "peer_review"
    with db.connect() as conn:
        submits = conn.execute(
            text(
                "SELECT count(*) FROM audit_event WHERE object_type = 'plan' AND object_id = 2"
                " AND action = 'submit'"
            )
        ).scalar()
    assert submits == 1


def test_an_account_switched_off_on_one_node_loses_its_session_on_the_other(cluster, db):
    """One signed session serves every node; when the office switches the account off
    through node B, the same cookie is refused by node A at once."""
    a, b = cluster.nodes
    user = Client()
    page = user.get(f"{a.url}/login")
    form = {"csrf_token": csrf(page), "username": "u4-liaison", "password": "wfapp-demo"}
    assert user.post(f"{a.url}/login", form=form).status == 302
    assert user.get(f"{b.url}/inbox").status == 200

    with db.connect() as conn:
        target = conn.execute(text("SELECT id FROM user_account WHERE username='u4-liaison'"))
        target_id = target.scalar()
        program_id = conn.execute(text("SELECT min(id) FROM program")).scalar()
    office = Client()
    page = office.get(f"{b.url}/login")
    form = {"csrf_token": csrf(page), "username": "office", "password": "wfapp-demo"}
    assert office.post(f"{b.url}/login", form=form).status == 302
    users_page = office.get(f"{b.url}/office/programs/{program_id}/users")
    switch = f"{b.url}/office/programs/{program_id}/users/{target_id}/active"
    assert office.post(switch, form={"csrf_token": csrf(users_page), "active": "0"}).status == 302
    assert user.get(f"{a.url}/inbox").status == 302  # sent back to the login page
    office.post(switch, form={"csrf_token": csrf(users_page), "active": "1"})


def test_failed_logins_on_one_node_throttle_the_account_on_the_other(cluster):
    """Wrong passwords for one account through node A: node B makes the next try wait
    too, even with the right password (the attempts are counted in the shared database)."""
    a, b = cluster.nodes
    for _ in range(5):  # LOGIN_MAX_FAILURES
        r = Client().post(
            f"{a.url}/api/v1/auth/token", json_body={"username": "u3-head", "password": "wrong"}
        )
        assert r.status == 401
    right = Client().post(
        f"{b.url}/api/v1/auth/token", json_body={"username": "u3-head", "password": "wfapp-demo"}
    )
    assert right.status == 429, right.text


BACKLOG = 40


def _write_backlog(database_url: str) -> None:
    """Forty reminders due at once, as the scan writes them after a deadline day's outage."""
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "backlog", "DEMO": True})
    with app.app_context():
        users = wfdb.session.scalars(select(User).order_by(User.id)).all()
        plan = wfdb.session.get(Plan, 3)
        for i in range(BACKLOG):
            user = users[i % len(users)]
            subject = f"【绩效提醒】初稿已逾期（第{i + 1}封）"
            mail.enqueue(
                f"cluster-kill:{i}", user, plan, subject, "请尽快提交", "<p>请尽快提交</p>"
            )
        wfdb.session.commit()
        wfdb.session.remove()
        wfdb.engine.dispose()


def test_killing_the_scheduler_node_mid_run_loses_no_reminder(cluster, db, sink):
    """kill -9 of the node whose scheduler is delivering a backlog of reminders: the other
    node's scheduler takes the lock within a minute and sends the rest. Every reminder arrives; at most the one in
    flight arrives twice, with the same Message-ID (at-least-once, docs/operations.md)."""
    holder = wait_until(lambda: scheduler_holder(db), 60)
    assert holder in {"wfapp-a", "wfapp-b"}
    victim = cluster.node(holder.removeprefix("wfapp-"))
    survivor = next(n for n in cluster.nodes if n is not victim)
    before = len(sink.received())

    sink.delay = 0.15
    _write_backlog(cluster.database_url)
    with db.connect() as conn:
        backlog = conn.execute(text("SELECT count(*) FROM outbox_message WHERE status <> 'sent'"))
        pending = backlog.scalar()
    assert pending >= BACKLOG, pending
    assert wait_until(lambda: sink.count - before >= 5, 60), "delivery did not start"
    victim.kill()

    assert wait_until(lambda: scheduler_holder(db) == f"wfapp-{survivor.name}", 60)

    def delivered() -> bool:
        with db.connect() as conn:
            left = conn.execute(
                text("SELECT count(*) FROM outbox_message WHERE status IN ('pending', 'sending')")
            )
            return left.scalar() == 0

    assert wait_until(delivered, 90, step=0.5)
    sink.delay = 0.0
    with db.connect() as conn:
        rows = conn.execute(
            text("SELECT message_id, status FROM outbox_message WHERE status <> 'dead'")
        ).all()
    assert {status for _, status in rows} == {"sent"}
    received = Counter(m["Message-ID"] for m in sink.received())
    expected = {f"<{mid.strip('<>')}>" for mid, _ in rows}
    assert expected <= set(received)  # nothing lost
    duplicates = {mid: n for mid, n in received.items() if n > 1}
    assert len(duplicates) <= 1 and all(n == 2 for n in duplicates.values())
    cluster.restart(victim)  # two nodes again for whatever runs next
