"""`wfapp storage migrate`: the local evidence folder moves into the object store, and
running it again changes nothing."""

from __future__ import annotations

import io
import os

from tests.year.helpers import PDF, year_world
from wfapp.database import db
from wfapp.models import EvidenceFile

from .conftest import bucket_keys


def test_migrate_copies_local_files_once_and_downloads_then_come_from_s3(
    app, client, api, seaweed, monkeypatch
):
    """An office switching to S3: files uploaded before the switch are copied, checked by
    SHA-256, still downloadable afterwards; a second run copies nothing."""
    world = year_world()
    ids = [
        post.get_json()["id"]
        for post in (
            client.post(
                f"/api/v1/plans/{world.plan.id}/evidence",
                data={"file": (io.BytesIO(PDF + bytes([i])), f"台账{i}.pdf")},
                headers=api(world.a_liaison).headers,
            )
            for i in range(3)
        )
    ]
    db.session.expire_all()
    names = {db.session.get(EvidenceFile, i).stored_name for i in ids}
    for name, value in seaweed.env().items():
        if name.startswith("AWS_"):
            monkeypatch.setenv(name, value)
    app.config.update(STORAGE="s3", S3_ENDPOINT_URL=seaweed.endpoint, S3_BUCKET="wft-migrate")
    runner = app.test_cli_runner()

    first = runner.invoke(args=["storage", "migrate"])
    assert first.exit_code == 0, first.output
    assert "已复制 3 个文件" in first.output
    assert {k.removeprefix("evidence/") for k in bucket_keys(seaweed, "wft-migrate")} == names

    second = runner.invoke(args=["storage", "migrate", "--remove-local"])
    assert second.exit_code == 0, second.output
    assert "已复制 0 个文件，已在对象存储中 3 个" in second.output
    assert os.listdir(app.config["EVIDENCE_DIR"]) == []

    got = client.get(f"/api/v1/evidence/{ids[1]}", headers=api(world.a_head).headers)
    assert got.status_code == 200 and got.data == PDF + bytes([1])

    checked = runner.invoke(args=["storage", "check"])
    assert checked.exit_code == 0, checked.output
    assert "记录 3 条，对象 3 个；缺少对象 0 个" in checked.output


def test_check_names_a_row_whose_object_is_gone(app, client, api):
    """After a restore that missed a file, `wfapp storage check` names it and exits 1."""
    world = year_world()
    r = client.post(
        f"/api/v1/plans/{world.plan.id}/evidence",
        data={"file": (io.BytesIO(PDF), "台账.pdf")},
        headers=api(world.a_liaison).headers,
    )
    db.session.expire_all()
    name = db.session.get(EvidenceFile, r.get_json()["id"]).stored_name
    os.remove(os.path.join(app.config["EVIDENCE_DIR"], name))
    result = app.test_cli_runner().invoke(args=["storage", "check"])
    assert result.exit_code == 1
    assert f"缺少对象：{name}" in result.output


def test_migrate_names_files_missing_locally_and_fails(app, client, api, seaweed, monkeypatch):
    """A row whose local file is gone is named and the command exits non-zero."""
    world = year_world()
    r = client.post(
        f"/api/v1/plans/{world.plan.id}/evidence",
        data={"file": (io.BytesIO(PDF), "台账.pdf")},
        headers=api(world.a_liaison).headers,
    )
    db.session.expire_all()
    name = db.session.get(EvidenceFile, r.get_json()["id"]).stored_name
    os.remove(os.path.join(app.config["EVIDENCE_DIR"], name))
    for key, value in seaweed.env().items():
        if key.startswith("AWS_"):
            monkeypatch.setenv(key, value)
    app.config.update(STORAGE="s3", S3_ENDPOINT_URL=seaweed.endpoint, S3_BUCKET="wft-missing")
    result = app.test_cli_runner().invoke(args=["storage", "migrate"])
    assert result.exit_code == 1
    assert name in result.output


def test_migrate_refuses_without_s3_configured(app):
    """Run while STORAGE is still local, it says what to set."""
    result = app.test_cli_runner().invoke(args=["storage", "migrate"])
    assert result.exit_code != 0
    assert "STORAGE" in result.output
