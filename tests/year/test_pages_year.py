"""The year's pages, as the people who use them (Flask test client, CSRF on)."""

from __future__ import annotations

import io
import re

from tests.factories import fresh
from tests.pages import csrf_of, login
from tests.year.helpers import PDF, PNG, year_world
from wfapp.database import db
from wfapp.models import (
    AuditEvent,
    ChangeRequest,
    EvaluationSheet,
    EvidenceFile,
    ExternalEntry,
    SelfScore,
)


def page(client, url: str) -> tuple[str, str]:
    r = client.get(url)
    assert r.status_code == 200, r.status_code
    return r.get_data(True), csrf_of(r) if "csrf_token" in r.get_data(True) else ""


# --- progress and evidence ------------------------------------------------------------------


def test_a_liaison_reports_progress_with_a_file(app, client):
    """The liaison reports Q3 progress with a PDF; the report, its file and the history
    show it; the file downloads as an attachment."""
    world = year_world()
    plan_id = world.plan.id
    login(client, world.a_liaison)
    html, token = page(client, f"/plans/{plan_id}/progress?period=Q3")
    assert 'id="form-progress"' in html
    r = client.post(
        f"/plans/{plan_id}/progress",
        data={
            "csrf_token": token,
            "indicator": "1-1",
            "period": "Q3",
            "status": "on_track",
            "text": "完成投资 60%",
            "file": (io.BytesIO(PDF), "第三季度台账.pdf"),
        },
    )
    assert r.status_code == 302
    html, _ = page(client, f"/plans/{plan_id}/progress?period=Q3")
    assert "第三季度台账.pdf" in html and "按计划推进" in html
    assert "尚未报告：1-2-1、1-2-2、2-1" in html
    file_id = EvidenceFile.query.one().id
    r = client.get(f"/evidence/{file_id}/download")
    assert r.headers["Content-Disposition"].startswith("attachment;")
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    html, _ = page(client, f"/plans/{plan_id}/year")
    assert "报告进度" in html and "上传佐证材料" in html


def test_bad_progress_shows_errors_next_to_the_fields(app, client):
    """An empty text and a PNG named .pdf: both named next to their fields, nothing saved."""
    world = year_world()
    login(client, world.a_liaison)
    _, token = page(client, f"/plans/{world.plan.id}/progress")
    r = client.post(
        f"/plans/{world.plan.id}/progress",
        data={
            "csrf_token": token,
            "indicator": "1-1",
            "period": "Q3",
            "status": "on_track",
            "text": " ",
            "file": (io.BytesIO(PNG), "台账.pdf"),
        },
    )
    assert r.status_code == 422
    html = r.get_data(True)
    assert 'id="errors-text"' in html
    r = client.post(
        f"/plans/{world.plan.id}/progress",
        data={
            "csrf_token": token,
            "indicator": "1-1",
            "period": "Q3",
            "status": "on_track",
            "text": "有进展",
            "file": (io.BytesIO(PNG), "台账.pdf"),
        },
    )
    assert r.status_code == 422
    assert 'id="errors-file"' in r.get_data(True)
    assert EvidenceFile.query.count() == 0


def test_a_form_without_csrf_token_is_refused(app, client):
    """A forged POST (no token) is refused before anything happens."""
    world = year_world()
    login(client, world.a_liaison)
    r = client.post(f"/plans/{world.plan.id}/evidence", data={"file": (io.BytesIO(PDF), "a.pdf")})
    assert r.status_code == 400
    assert EvidenceFile.query.count() == 0


def test_another_unit_sees_progress_but_no_form_and_a_stranger_sees_no_draft(app, client):
    world = year_world()
    login(client, world.b_liaison)
    html, _ = page(client, f"/plans/{world.plan.id}/progress")
    assert 'id="form-progress"' not in html
    assert client.get(f"/plans/{world.plan.id}/external").status_code == 403
    world.plan.state = "draft"
    db.session.commit()
    login(client, world.d_liaison)
    assert client.get(f"/plans/{world.plan.id}/progress").status_code == 404
    assert client.get(f"/plans/{world.plan.id}/year").status_code == 404


def test_pages_need_a_login(app, client):
    """Signed out, the year's pages send you to the login page and back."""
    world = year_world()
    r = client.get(f"/plans/{world.plan.id}/year")
    assert r.status_code == 302
    assert "/login" in r.headers["Location"] and "next=" in r.headers["Location"]


def test_the_office_board_shows_each_units_share(app, client):
    world = year_world()
    login(client, world.office)
    html, _ = page(client, f"/programs/{world.program.id}/year?period=Q3")
    assert "单位A" in html and "0.0%" in html
    login(client, world.a_liaison)
    assert client.get(f"/programs/{world.program.id}/year").status_code == 403


# --- change requests ------------------------------------------------------------------------


def test_a_change_request_on_the_page_refused_then_approved(app, client):
    """A weight change that breaks the sum is refused with the row named; a balanced one is
    approved by the office and the history shows before and after."""
    world = year_world()
    plan_id = world.plan.id
    login(client, world.a_liaison)
    html, token = page(client, f"/plans/{plan_id}/change-requests")
    assert 'id="form-change-request"' in html
    r = client.post(
        f"/plans/{plan_id}/change-requests",
        data={"csrf_token": token, "reason": "调整", "weight-1-1": "35"},
    )
    assert r.status_code == 422
    assert 'id="errors-1"' in r.get_data(True)
    assert ChangeRequest.query.count() == 0
    r = client.post(
        f"/plans/{plan_id}/change-requests",
        data={
            "csrf_token": token,
            "reason": "任务调整",
            "weight-1-1": "25",
            "weight-1-2": "35",
            "weight-1-2-1": "20",
        },
    )
    assert r.status_code == 302
    request_id = ChangeRequest.query.one().id
    login(client, world.office)
    html, token = page(client, f"/change-requests/{request_id}")
    assert 'id="form-approve"' in html and 'id="form-withdraw"' not in html
    r = client.post(
        f"/change-requests/{request_id}/reject", data={"csrf_token": token, "comment": ""}
    )
    assert r.status_code == 422 and 'id="errors-comment"' in r.get_data(True)
    r = client.post(
        f"/change-requests/{request_id}/approve", data={"csrf_token": token, "comment": "同意"}
    )
    assert r.status_code == 302
    html, _ = page(client, f"/plans/{plan_id}/year")
    assert "批准方案调整" in html and "调整前后" in html


# --- self-assessment ------------------------------------------------------------------------


def test_self_assessment_through_the_pages(app, client):
    """The office opens it on the plan page; the unit saves a draft (a bad score is shown
    next to its row), fills every leaf and submits into central evaluation."""
    world = year_world()
    plan = world.plan
    login(client, world.office)
    html, token = page(client, f"/plans/{plan.id}/year")
    assert 'id="form-open_self_assessment"' in html
    r = client.post(
        f"/plans/{plan.id}/year/open_self_assessment",
        data={"csrf_token": token, "version": str(plan.version)},
    )
    assert r.status_code == 302

    login(client, world.a_liaison)
    html, token = page(client, f"/plans/{plan.id}/self-assessment")
    data = {"csrf_token": token, "score-1-1": "31", "explanation-1-1": "超额"}
    r = client.post(f"/plans/{plan.id}/self-assessment", data=data)
    assert r.status_code == 422 and 'id="errors-1-1"' in r.get_data(True)
    assert SelfScore.query.count() == 0
    data = {"csrf_token": token}
    for leaf in plan.leaves:
        data[f"score-{leaf.code}"] = str(leaf.weight)
        data[f"explanation-{leaf.code}"] = "已完成"
    assert client.post(f"/plans/{plan.id}/self-assessment", data=data).status_code == 302
    html, token = page(client, f"/plans/{plan.id}/self-assessment")
    assert 'id="form-submit_self_assessment"' in html
    r = client.post(
        f"/plans/{plan.id}/year/submit_self_assessment",
        data={"csrf_token": token, "version": str(fresh(plan).version)},
    )
    assert r.status_code == 302
    assert fresh(plan).state == "central_evaluation"


def test_an_incomplete_self_assessment_cannot_be_submitted_on_the_page(app, client):
    world = year_world("self_assessment")
    login(client, world.a_head)
    _, token = page(client, f"/plans/{world.plan.id}/year")
    r = client.post(
        f"/plans/{world.plan.id}/year/submit_self_assessment", data={"csrf_token": token}
    )
    assert r.status_code == 422
    assert "未填写自评得分或说明" in r.get_data(True)


# --- evaluation -----------------------------------------------------------------------------


def test_evaluation_through_the_pages(app, client):
    """The office cannot assign a unit's own liaison-evaluator (error next to the field),
    assigns evaluator to the group; the evaluator saves, signs; the sheet is then locked;
    the office reopens it with a reason."""
    world = year_world("central_evaluation")
    plan = world.plan
    login(client, world.office)
    html, token = page(client, f"/programs/{world.program.id}/evaluation/assignments")
    r = client.post(
        f"/programs/{world.program.id}/evaluation/assignments",
        data={
            "csrf_token": token,
            "evaluator": str(world.a_evaluator.id),
            "target": f"group:{world.group.id}",
        },
    )
    assert r.status_code == 422 and 'id="errors-evaluator"' in r.get_data(True)
    r = client.post(
        f"/programs/{world.program.id}/evaluation/assignments",
        data={
            "csrf_token": token,
            "evaluator": str(world.evaluator.id),
            "target": f"group:{world.group.id}",
        },
    )
    assert r.status_code == 302

    login(client, world.evaluator)
    html, _ = page(client, "/year")
    assert f'id="sheet-{plan.id}"' in html
    html, token = page(client, f"/plans/{plan.id}/sheet")
    assert 'id="form-sheet"' in html
    data = {"csrf_token": token}
    for leaf in plan.leaves:
        data[f"score-{leaf.code}"] = str(leaf.weight)
        data[f"comment-{leaf.code}"] = "完成较好"
    data["finding-2-1"] = "1"
    assert client.post(f"/plans/{plan.id}/sheet", data=data).status_code == 302
    html, token = page(client, f"/plans/{plan.id}/sheet")
    assert 'id="form-sign"' in html
    assert (
        client.post(f"/plans/{plan.id}/sheet/sign", data={"csrf_token": token}).status_code == 302
    )
    html, _ = page(client, f"/plans/{plan.id}/sheet")
    assert 'id="form-sheet"' not in html and "已签名" in html
    r = client.post(f"/plans/{plan.id}/sheet", data=data)
    assert r.status_code == 409
    sheet = EvaluationSheet.query.one()
    assert sheet.state == "signed" and sheet.item("2-1").finding

    login(client, world.office)
    html, _ = page(client, f"/programs/{world.program.id}/year")
    assert "评分表已全部签名" in html
    html, token = page(client, f"/sheets/{sheet.id}")
    r = client.post(f"/sheets/{sheet.id}/reopen", data={"csrf_token": token, "reason": ""})
    assert r.status_code == 422 and 'id="errors-comment"' in r.get_data(True)
    r = client.post(
        f"/sheets/{sheet.id}/reopen", data={"csrf_token": token, "reason": "评分依据不足"}
    )
    assert r.status_code == 302
    db.session.refresh(sheet)
    assert sheet.state == "draft"


# --- external inputs ------------------------------------------------------------------------


def test_external_inputs_through_the_pages(app, client):
    """The surveyor enters a public score; the inspector a deduction with a photo and a
    bonus, then cancels the deduction; the unit reads them all."""
    world = year_world()
    plan_id = world.plan.id
    login(client, world.surveyor)
    html, token = page(client, f"/plans/{plan_id}/external")
    assert 'id="form-public_score"' in html and 'id="form-deduction"' not in html
    r = client.post(
        f"/plans/{plan_id}/external/public_score",
        data={"csrf_token": token, "points": "101", "cancels": ""},
    )
    assert r.status_code == 422 and 'id="errors-points"' in r.get_data(True)
    r = client.post(
        f"/plans/{plan_id}/external/public_score",
        data={"csrf_token": token, "points": "86.5", "cancels": ""},
    )
    assert r.status_code == 302

    login(client, world.inspector)
    html, token = page(client, f"/plans/{plan_id}/external")
    r = client.post(
        f"/plans/{plan_id}/external/deduction",
        data={
            "csrf_token": token,
            "points": "0.5",
            "occurred_on": "2024-09-12",
            "reason": "窗口人员脱岗",
            "cancels": "",
            "file": (io.BytesIO(PNG), "现场照片.png"),
        },
    )
    assert r.status_code == 302
    r = client.post(
        f"/plans/{plan_id}/external/bonus",
        data={
            "csrf_token": token,
            "points": "1",
            "level": "province",
            "reason": "获省级表彰",
            "cancels": "",
        },
    )
    assert r.status_code == 302
    deduction = ExternalEntry.query.filter_by(kind="deduction").one()
    r = client.post(
        f"/plans/{plan_id}/external-cancel",
        data={"csrf_token": token, "entry": str(deduction.id), "reason": "复核后撤销"},
    )
    assert r.status_code == 302

    login(client, world.a_liaison)
    html, _ = page(client, f"/plans/{plan_id}/external")
    assert "86.5" in html and "获省级表彰" in html and "撤销第" in html
    assert 'id="form-bonus"' not in html
    actions = [e.action for e in AuditEvent.query.filter_by(plan_id=plan_id)]
    assert {"record_public_score", "record_deduction", "record_bonus", "cancel_external"} <= set(
        actions
    )


def test_every_year_page_contains_no_external_url(app, client):
    """Offline intranets: no page may point at an external http(s) URL."""
    world = year_world("central_evaluation")
    login(client, world.office)
    for url in (
        "/year",
        f"/plans/{world.plan.id}/year",
        f"/plans/{world.plan.id}/progress",
        f"/plans/{world.plan.id}/evidence",
        f"/plans/{world.plan.id}/change-requests",
        f"/plans/{world.plan.id}/self-assessment",
        f"/plans/{world.plan.id}/sheets",
        f"/plans/{world.plan.id}/external",
        f"/programs/{world.program.id}/year",
        f"/programs/{world.program.id}/evaluation/assignments",
    ):
        html = client.get(url).get_data(True)
        assert not re.search(r"https?://", html), url
