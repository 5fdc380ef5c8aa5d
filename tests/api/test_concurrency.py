"""Two people click at once: one wins, the other gets 409, and the record shows one action."""

from __future__ import annotations

import threading

import pytest

from tests.factories import build_world
from wfapp.database import db
from wfapp.models import AuditEvent, PeerSignoff
from wfapp.services import auth


def race(app, calls):
    """Run each (user, url, body) call in its own thread, released together."""
    barrier = threading.Barrier(len(calls))
    statuses: list[int] = []

    def worker(headers, url, body):
        client = app.test_client()
        with app.app_context():
            barrier.wait()
            r = client.post(url, json=body, headers=headers)
            statuses.append(r.status_code)
            db.session.remove()

    threads = [threading.Thread(target=worker, args=call) for call in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return sorted(statuses)


def bearer(user):
    return {"Authorization": f"Bearer {auth.issue_token(user)}"}


@pytest.mark.parametrize("attempt", range(3))
def test_two_office_users_approve_the_same_version(app, attempt):
    """Both office users press 批复公开 on the same page: exactly one 200, one 409, one event."""
    world = build_world(state="office_review")
    url = f"/api/v1/plans/{world.plan.id}/actions/office_approve"
    body = {"comment": "同意", "version": world.plan.version}
    statuses = race(app, [(bearer(world.office), url, body), (bearer(world.office2), url, body)])
    assert statuses == [200, 409]
    db.session.expire_all()
    assert world.plan.state == "published"
    assert AuditEvent.query.filter_by(action="office_approve").count() == 1


def test_two_peers_approving_at_once_never_lose_a_signature(app):
    """Two peer units sign together: one wins, the other is told to reload; never a plan stuck
    with two signatures and no move."""
    world = build_world(state="peer_review")
    url = f"/api/v1/plans/{world.plan.id}/actions/peer_approve"
    body = {"comment": "同意", "version": world.plan.version}
    statuses = race(app, [(bearer(world.b_liaison), url, body), (bearer(world.c_head), url, body)])
    assert statuses == [200, 409]
    db.session.expire_all()
    assert PeerSignoff.query.count() == 1
    assert world.plan.state == "peer_review"
