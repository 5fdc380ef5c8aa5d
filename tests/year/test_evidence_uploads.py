"""Uploads are judged by content, size and name; a refused one stores nothing."""

from __future__ import annotations

import io
import os

import pytest

from tests.factories import forget
from tests.year.helpers import (
    DOCX,
    EXE,
    JPG,
    MP3_FRAME,
    MP3_ID3,
    MP4,
    PDF,
    PNG,
    XLSX,
    ZIP,
    year_world,
)
from wfapp.models import AuditEvent, EvidenceFile


def post(client, api, user, plan_id, name, data):
    return client.post(
        f"/api/v1/plans/{plan_id}/evidence",
        data={"file": (io.BytesIO(data), name)},
        headers=api(user).headers,
    )


def stored_files(app) -> list[str]:
    folder = app.config["EVIDENCE_DIR"]
    return os.listdir(folder) if os.path.isdir(folder) else []


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("台账.pdf", PDF),
        ("照片.png", PNG),
        ("现场.JPG", JPG),
        ("现场.jpeg", JPG),
        ("录音.mp3", MP3_ID3),
        ("录音2.mp3", MP3_FRAME),
        ("视频.mp4", MP4),
        ("总结.docx", DOCX),
        ("台账.xlsx", XLSX),
    ],
)
def test_each_allowed_kind_is_accepted_by_its_content(app, client, api, name, data):
    """Can a liaison upload each of the allowed kinds? Yes, with a SHA-256 kept."""
    world = year_world()
    r = post(client, api, world.a_liaison, world.plan.id, name, data)
    assert r.status_code == 201, r.get_json()
    assert len(r.get_json()["sha256"]) == 64
    assert stored_files(app) and not any(name in f for f in stored_files(app))
    forget()
    (saved,) = EvidenceFile.query.all()  # committed, not only written to disk
    assert saved.sha256 == r.get_json()["sha256"] and saved.original_name == name


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("报告.pdf", PNG, "不符"),  # a PNG calling itself a PDF
        ("报告.pdf", EXE, "不符"),  # an .exe renamed
        ("setup.exe", EXE, "不支持"),
        ("资料.docx", ZIP, "不符"),  # a plain zip renamed .docx
        ("资料.xlsx", DOCX, "不符"),  # a Word file calling itself Excel
        ("空.pdf", b"", "为空"),
        ("../../etc/passwd.pdf", PDF, "路径"),
        ("/tmp/x.pdf", PDF, "路径"),
        ("..\\x.pdf", PDF, "路径"),
        ("a\x00.pdf", PDF, "路径"),
        ("C:x.pdf", PDF, "盘符"),
        (".hidden.pdf", PDF, "开头"),
        ("", PDF, "文件名"),
    ],
)
def test_refused_uploads_store_nothing(app, client, api, name, data, words):
    """Is a mislabelled, empty or path-like upload refused with a clear message and no
    trace — no row, no file, no audit event?"""
    world = year_world()
    before = AuditEvent.query.count()
    r = post(client, api, world.a_liaison, world.plan.id, name, data)
    assert r.status_code in (400, 422), r.get_json()
    body = r.get_json()
    assert body["errors"][0]["code"] == "file"
    assert words in body["message"]
    assert EvidenceFile.query.count() == 0
    assert stored_files(app) == []
    assert AuditEvent.query.count() == before


def test_an_upload_over_the_limit_is_refused(app, client, api):
    """The size limit comes from config (EVIDENCE_MAX_BYTES)."""
    app.config["EVIDENCE_MAX_BYTES"] = 1024
    world = year_world()
    r = post(client, api, world.a_liaison, world.plan.id, "大文件.pdf", PDF + b"0" * 2000)
    assert r.status_code == 422
    assert "大小上限（1 KB）" in r.get_json()["message"]
    assert EvidenceFile.query.count() == 0
    assert stored_files(app) == []


def test_a_failed_progress_report_removes_the_file_it_brought(app, client, api):
    """A report refused after its file was checked (here: no text) leaves no file behind."""
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
    assert stored_files(app) == []


def test_who_cannot_upload_is_refused(app, client, api):
    """Can a surveyor or another unit upload evidence for unit A? No (403)."""
    world = year_world()
    for user in (world.surveyor, world.b_liaison):
        assert post(client, api, user, world.plan.id, "a.pdf", PDF).status_code == 403
    assert stored_files(app) == []
