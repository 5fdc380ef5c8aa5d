"""Evidence on either backend: uploaded through the API, downloaded as an attachment, nothing
left behind by a refused or failed upload, and what a killed request leaves is swept."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import timedelta

import pytest

from tests.year.helpers import PDF, PNG, year_world
from wfapp.database import db
from wfapp.models import EvidenceFile
from wfapp.storage import store
from wfapp.storage.maintenance import sweep
from wfapp.timeutil import utcnow


def post(client, api, user, plan_id, name, data):
    return client.post(
        f"/api/v1/plans/{plan_id}/evidence",
        data={"file": (io.BytesIO(data), name)},
        headers=api(user).headers,
    )


def stored_keys() -> set[str]:
    return {item.key for item in store("evidence").listing()}


def test_an_upload_is_stored_and_downloaded_as_an_attachment(backend_app, client, api):
    """Can a liaison's upload be downloaded by a peer unit's liaison? Yes, as an attachment
    with nosniff, the bytes streamed from the store; a repeat with its ETag answers 304."""
    world = year_world()
    data = PDF + os.urandom(300_000)
    r = post(client, api, world.a_liaison, world.plan.id, "半年小结.pdf", data)
    assert r.status_code == 201, r.get_json()
    db.session.expire_all()
    row = db.session.get(EvidenceFile, r.get_json()["id"])
    assert stored_keys() == {row.stored_name}

    got = client.get(f"/api/v1/evidence/{row.id}", headers=api(world.b_liaison).headers)
    assert got.status_code == 200
    assert got.data == data
    assert got.headers["Content-Disposition"].startswith("attachment;")
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.headers["Content-Type"] == "application/pdf"
    assert int(got.headers["Content-Length"]) == len(data)
    again = client.get(
        f"/api/v1/evidence/{row.id}",
        headers={**api(world.b_liaison).headers, "If-None-Match": got.headers["ETag"]},
    )
    assert again.status_code == 304 and again.data == b""


def test_a_mislabelled_upload_stores_nothing(backend_app, client, api):
    """Is a PNG calling itself a PDF refused before anything reaches the store? Yes."""
    world = year_world()
    r = post(client, api, world.a_liaison, world.plan.id, "报告.pdf", PNG)
    assert r.status_code == 422
    assert stored_keys() == set()


def test_a_failed_progress_report_removes_its_object(backend_app, client):
    """A report refused after its file was stored (no text) leaves no object behind."""
    from tests.pages import csrf_of, login

    world = year_world()
    login(client, world.a_liaison)
    token = csrf_of(client.get(f"/plans/{world.plan.id}/progress"))
    r = client.post(
        f"/plans/{world.plan.id}/progress",
        data={
            "csrf_token": token,
            "indicator": "1-1",
            "period": "Q3",
            "status": "on_track",
            "text": "",
            "file": (io.BytesIO(PDF), "台账.pdf"),
        },
    )
    assert r.status_code == 422
    assert EvidenceFile.query.count() == 0
    assert stored_keys() == set()


def test_a_missing_object_answers_404_in_chinese(backend_app, client, api):
    """A row whose bytes are gone answers 404 with a message, not 500."""
    world = year_world()
    r = post(client, api, world.a_liaison, world.plan.id, "a.pdf", PDF)
    store("evidence").delete(db.session.get(EvidenceFile, r.get_json()["id"]).stored_name)
    got = client.get(f"/api/v1/evidence/{r.get_json()['id']}", headers=api(world.a_liaison).headers)
    assert got.status_code == 404
    assert "丢失" in got.get_json()["message"]


KILLED_UPLOAD = """
import io, os, signal, sys
from wfapp import create_app
from wfapp.database import db
from wfapp.models import User
from wfapp.services import audit, evidence

app = create_app()
with app.app_context():
    def killed(*args, **kwargs):  # the process dies after the object is stored, before commit
        os.kill(os.getpid(), signal.SIGKILL)
    audit.record_event = killed
    user = db.session.get(User, int(sys.argv[1]))
    evidence.upload(user, int(sys.argv[2]), evidence.Upload("台账.pdf", io.BytesIO(sys.stdin.buffer.read())))
"""


def _killed_upload(app, user_id: int, plan_id: int) -> None:
    env = {
        **os.environ,
        "WFAPP_DATABASE_URL": app.config["DATABASE_URL"],
        "WFAPP_SECRET_KEY": "killed-upload",
        "WFAPP_EVIDENCE_DIR": app.config["EVIDENCE_DIR"],
        "WFAPP_STORAGE": app.config["STORAGE"],
        "WFAPP_S3_ENDPOINT_URL": str(app.config["S3_ENDPOINT_URL"]),
        "WFAPP_S3_BUCKET": app.config["S3_BUCKET"],
        "WFAPP_S3_PREFIX": str(app.config["S3_PREFIX"]),
    }
    done = subprocess.run(
        [sys.executable, "-c", KILLED_UPLOAD, str(user_id), str(plan_id)],
        input=PDF,
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == -9, done.stderr.decode()


def test_an_object_left_by_a_killed_request_is_swept(backend_app, client, api):
    """A process killed between storing the bytes and committing leaves an object with no
    row; the sweep keeps it during the grace period, then removes it, and never touches an
    object that has its row."""
    world = year_world()
    kept = post(client, api, world.a_liaison, world.plan.id, "保留.pdf", PDF)
    assert kept.status_code == 201
    db.session.expire_all()
    kept_key = db.session.get(EvidenceFile, kept.get_json()["id"]).stored_name
    user_id, plan_id = world.a_liaison.id, world.plan.id
    db.session.remove()

    _killed_upload(backend_app, user_id, plan_id)
    db.session.expire_all()
    assert EvidenceFile.query.count() == 1
    orphans = stored_keys() - {kept_key}
    assert len(orphans) == 1

    assert sweep().removed == []  # younger than STORAGE_SWEEP_AFTER_SECONDS
    later = utcnow() + timedelta(seconds=backend_app.config["STORAGE_SWEEP_AFTER_SECONDS"] + 60)
    assert sweep(now=later).removed == sorted(orphans)
    assert stored_keys() == {kept_key}


@pytest.mark.parametrize("grace", [3600])
def test_the_scheduler_sweeps_when_due(app, grace):
    """The active scheduler sweeps on its first tick, then once per interval."""
    from wfapp.scheduler import Worker

    app.config.update(STORAGE_SWEEP_AFTER_SECONDS=0, STORAGE_SWEEP_INTERVAL_SECONDS=grace)
    target = store("evidence")
    target.put("0123.pdf", io.BytesIO(PDF), len(PDF), "application/pdf")
    worker = Worker(app)
    try:
        worker.tick()
        assert {s.key for s in target.listing()} == set()
        target.put("4567.pdf", io.BytesIO(PDF), len(PDF), "application/pdf")
        worker.tick()  # within the interval: not again
        assert {s.key for s in target.listing()} == {"4567.pdf"}
    finally:
        worker.stop()
