"""The year's work through the API, as the people who do it."""

from __future__ import annotations

import io

from tests.factories import fresh
from tests.year.helpers import PDF, PNG, year_world
from wfapp.database import db
from wfapp.models import AuditEvent, EvidenceFile, ExternalEntry, SheetItem


def upload(client, plan_id, name="第三季度台账.pdf", data=PDF):
    return client.client.post(
        f"/api/v1/plans/{plan_id}/evidence",
        data={"file": (io.BytesIO(data), name)},
        headers=client.headers,
        content_type="multipart/form-data",
    )


def leaves(plan):
    return [(leaf.code, leaf.weight) for leaf in plan.leaves]


def fill_self_assessment(api_client, plan):
    items = [
        {"code": code, "score": str(weight), "explanation": "已完成"}
        for code, weight in leaves(plan)
    ]
    return api_client.put(f"/api/v1/plans/{plan.id}/self-assessment", json={"items": items})


# --- unit: progress with evidence -----------------------------------------------------------


def test_unit_reports_progress_with_a_pdf_and_downloads_it(app, api):
    """A liaison uploads a PDF, reports Q3 progress on a leaf with it; the office board counts
    the leaf; the file comes back as an attachment with its Chinese name."""
    world = year_world()
    plan = world.plan
    liaison = api(world.a_liaison)
    r = upload(liaison, plan.id)
    assert r.status_code == 201, r.get_json()
    file_id = r.get_json()["id"]
    r = liaison.post(
        f"/api/v1/plans/{plan.id}/progress",
        json={
            "indicator": "1-1",
            "period": "Q3",
            "status": "on_track",
            "text": "已完成投资 60%",
            "evidence_ids": [file_id],
        },
    )
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["evidence"][0]["name"] == "第三季度台账.pdf"

    body = liaison.get(f"/api/v1/plans/{plan.id}/progress?period=Q3").get_json()
    assert [i["indicator"] for i in body["items"]] == ["1-1"]
    assert body["gaps"] == ["1-2-1", "1-2-2", "2-1"]

    board = api(world.office).get(
        f"/api/v1/programs/{world.program.id}/progress-board?date=2024-08-20"
    )
    assert board.get_json()["period"] == "Q3"
    assert board.get_json()["items"][0]["reported"] == 1
    assert board.get_json()["items"][0]["share"] == "25.0"
    assert (
        api(world.a_liaison).get(f"/api/v1/programs/{world.program.id}/progress-board").status_code
        == 403
    )

    r = api(world.b_liaison).get(f"/api/v1/evidence/{file_id}")  # a published plan is public
    assert r.status_code == 200
    assert r.data == PDF
    disposition = r.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E7%AC%AC%E4%B8%89" in disposition
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_a_draft_plans_evidence_is_not_visible_to_another_unit(app, api):
    """Who may not see the plan may not download its files (404, as if absent)."""
    world = year_world()
    file_id = upload(api(world.a_liaison), world.plan.id).get_json()["id"]
    world.plan.state = "draft"
    db.session.commit()
    assert api(world.d_liaison).get(f"/api/v1/evidence/{file_id}").status_code == 404
    assert api(world.a_head).get(f"/api/v1/evidence/{file_id}").status_code == 200


def test_progress_for_a_non_leaf_or_without_text_is_refused(app, api):
    """Progress is reported on leaves, with a text; every problem is named."""
    world = year_world()
    r = api(world.a_liaison).post(
        f"/api/v1/plans/{world.plan.id}/progress",
        json={"indicator": "1", "period": "Q3", "status": "done", "text": ""},
    )
    assert r.status_code == 422
    assert {e["code"] for e in r.get_json()["errors"]} == {"indicator", "text"}


# --- change requests --------------------------------------------------------------------------


def test_change_request_that_breaks_the_sums_is_refused_up_front(app, api):
    """Raising one leaf's weight without lowering another leaves its parent unbalanced: 422
    naming the row, nothing stored."""
    world = year_world()
    r = api(world.a_liaison).post(
        f"/api/v1/plans/{world.plan.id}/change-requests",
        json={"reason": "调整权重", "rows": [{"code": "1-1", "weight": "35"}]},
    )
    assert r.status_code == 422
    codes = {e["code"] for e in r.get_json()["errors"]}
    assert "1" in codes
    assert (
        api(world.a_liaison)
        .get(f"/api/v1/plans/{world.plan.id}/change-requests")
        .get_json()["items"]
        == []
    )


def test_approved_change_request_becomes_a_new_table_version_with_history(app, api):
    """Moving weight between two leaves of one parent, approved by the office: the table
    changes, versions 1 (as published) and 2 exist, history shows before and after."""
    world = year_world()
    plan_id = world.plan.id
    r = api(world.a_liaison).post(
        f"/api/v1/plans/{plan_id}/change-requests",
        json={
            "reason": "市里新增任务，调整权重",
            "rows": [
                {"code": "1-1", "weight": "25", "responsible_persons": ["张三", "赵六"]},
                {"code": "1-2", "weight": "35"},
                {"code": "1-2-1", "weight": "20"},
            ],
        },
    )
    assert r.status_code == 201, r.get_json()
    request_id = r.get_json()["id"]
    assert (
        api(world.a_liaison)
        .post(f"/api/v1/change-requests/{request_id}/actions/approve", json={})
        .status_code
        == 403
    )
    r = api(world.office).post(
        f"/api/v1/change-requests/{request_id}/actions/approve", json={"comment": "同意"}
    )
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["state"] == "approved"
    assert body["table_version"] == 2
    before = {row["code"]: row["weight"] for row in body["before"]}
    after = {row["code"]: row["weight"] for row in body["after"]}
    assert (before["1-1"], after["1-1"]) == ("30", "25")

    weights = {
        i["code"]: i["weight"]
        for i in api(world.office).get(f"/api/v1/plans/{plan_id}").get_json()["indicators"]
    }
    assert weights["1-1"] == "25.00"
    versions = api(world.office).get(f"/api/v1/plans/{plan_id}/table-versions").get_json()
    assert [v["number"] for v in versions["items"]] == [1, 2]
    v1 = {row["code"]: row["weight"] for row in versions["items"][0]["rows"]}
    assert v1["1-1"] == "30"
    events = AuditEvent.query.filter_by(plan_id=plan_id, action="approve").all()
    assert events[0].data["before"][0]["weight"] == "30"


def test_a_dynamic_target_takes_its_weight_from_the_dynamic_budget(app, api):
    """A new dynamic target must fit in the weight reserved for dynamic targets: taking it
    from a key target is refused; taking it from another dynamic target is accepted."""
    from tests.factories import row

    world = year_world()
    rows = [
        row("1", None, "key", "重点工作目标", 55),
        row("1-1", "1", "key", "完成重点项目投资", 55, dept="规划科"),
        row("2", None, "dynamic", "动态工作目标", 5),
        row("2-1", "2", "dynamic", "完成交办任务", 5, dept="办公室"),
        row("3", None, "capacity", "依法行政", 40),
        row("3-1", "3", "capacity", "规范行政执法", 40, dept="法规科"),
    ]
    from tests.factories import make_plan

    plan = make_plan(world.program, world.group, world.units["D"], state="published", rows=rows)
    d = api(world.d_liaison)
    too_much = d.post(
        f"/api/v1/plans/{plan.id}/change-requests",
        json={
            "reason": "新增任务",
            "rows": [
                {"code": "1", "weight": "53"},
                {"code": "1-1", "weight": "53"},
                {"code": "2", "weight": "7"},
                {
                    "code": "2-2",
                    "parent": "2",
                    "content": "防汛应急",
                    "weight": "2",
                    "responsible_departments": ["办公室"],
                },
            ],
        },
    )
    assert too_much.status_code == 422
    assert any("动态工作目标合计" in e["message"] for e in too_much.get_json()["errors"])
    ok = d.post(
        f"/api/v1/plans/{plan.id}/change-requests",
        json={
            "reason": "新增防汛任务",
            "rows": [
                {"code": "2-1", "weight": "3"},
                {
                    "code": "2-2",
                    "parent": "2",
                    "content": "防汛应急",
                    "weight": "2",
                    "responsible_departments": ["办公室"],
                },
            ],
        },
    )
    assert ok.status_code == 201, ok.get_json()
    assert ok.get_json()["added"] == ["2-2"]
    r = api(world.office).post(
        f"/api/v1/change-requests/{ok.get_json()['id']}/actions/approve", json={}
    )
    assert r.status_code == 200
    codes = [i.code for i in fresh(plan).indicators]
    assert codes.index("2-2") == codes.index("2-1") + 1


def test_rejection_needs_a_reason_and_the_unit_may_withdraw(app, api):
    world = year_world()
    body = {"reason": "调整责任人", "rows": [{"code": "2-1", "responsible_persons": "王五、赵六"}]}
    first = api(world.a_liaison).post(f"/api/v1/plans/{world.plan.id}/change-requests", json=body)
    rid = first.get_json()["id"]
    r = api(world.office).post(f"/api/v1/change-requests/{rid}/actions/reject", json={})
    assert r.status_code == 422
    assert r.get_json()["errors"][0]["code"] == "comment"
    r = api(world.a_head).post(f"/api/v1/change-requests/{rid}/actions/withdraw", json={})
    assert r.get_json()["state"] == "withdrawn"
    r = api(world.office).post(
        f"/api/v1/change-requests/{rid}/actions/reject", json={"comment": "x"}
    )
    assert r.status_code == 409


# --- self-assessment --------------------------------------------------------------------------


def test_self_assessment_opens_fills_and_submits(app, api):
    """The office opens it; an incomplete submission names the missing leaves; a score
    above the weight is refused; a complete one moves the plan to central evaluation."""
    world = year_world()
    plan = world.plan
    r = api(world.office).post(f"/api/v1/programs/{world.program.id}/open-self-assessment")
    assert r.get_json()["opened"] == [plan.id]
    liaison = api(world.a_liaison)
    r = liaison.put(
        f"/api/v1/plans/{plan.id}/self-assessment",
        json={"items": [{"code": "1-1", "score": "31", "explanation": "超额"}]},
    )
    assert r.status_code == 422
    assert r.get_json()["errors"][0]["code"] == "1-1"
    r = liaison.put(
        f"/api/v1/plans/{plan.id}/self-assessment",
        json={"items": [{"code": "1-1", "score": "29.5", "explanation": "基本完成"}]},
    )
    assert r.status_code == 200
    assert r.get_json()["missing"] == ["1-2-1", "1-2-2", "2-1"]
    r = liaison.act(plan.id, "submit_self_assessment")
    assert r.status_code == 422
    assert {"1-2-1", "1-2-2", "2-1"} <= {e["code"] for e in r.get_json()["errors"]}
    assert fill_self_assessment(liaison, plan).status_code == 200
    r = liaison.act(plan.id, "submit_self_assessment", "自评完成")
    assert r.get_json()["state"] == "central_evaluation"


def test_self_assessment_cannot_open_while_a_change_is_pending(app, api):
    world = year_world()
    api(world.a_liaison).post(
        f"/api/v1/plans/{world.plan.id}/change-requests",
        json={"reason": "调整", "rows": [{"code": "2-1", "content": "规范行政执法，全面公开"}]},
    )
    r = api(world.office).act(world.plan.id, "open_self_assessment")
    assert r.status_code == 422
    assert r.get_json()["errors"][0]["code"] == "no_pending_change_requests"


# --- centralized evaluation ------------------------------------------------------------------


def test_evaluator_of_the_plans_own_unit_is_refused(app, api):
    """An evaluator who is liaison of unit A cannot be assigned to A's plan or A's group."""
    world = year_world("central_evaluation")
    office = api(world.office)
    url = f"/api/v1/programs/{world.program.id}/evaluator-assignments"
    for target in ({"plan_id": world.plan.id}, {"group_id": world.group.id}):
        r = office.post(url, json={"evaluator": "a-evaluator", **target})
        assert r.status_code == 422
        assert r.get_json()["errors"][0]["code"] == "evaluator"
    r = office.post(url, json={"evaluator": "a-liaison", "plan_id": world.plan.id})
    assert r.status_code == 422  # not an evaluator of the program at all
    assert office.get(url).get_json()["items"] == []


def test_signed_sheet_is_locked_until_the_office_reopens_it(app, api):
    """An evaluator scores, signs; the sheet then refuses changes (409); only the office
    reopens it, with a reason; the group is complete only when every sheet is signed."""
    world = year_world("central_evaluation")
    plan = world.plan
    office = api(world.office)
    url = f"/api/v1/programs/{world.program.id}/evaluator-assignments"
    assert (
        office.post(url, json={"evaluator": "evaluator", "group_id": world.group.id}).status_code
        == 201
    )
    evaluator = api(world.evaluator)
    assert [p["id"] for p in evaluator.get("/api/v1/evaluation/plans").get_json()["items"]] == [
        plan.id
    ]
    items = [{"code": c, "score": str(w - 1), "comment": "较好"} for c, w in leaves(plan)]
    r = evaluator.put(f"/api/v1/plans/{plan.id}/sheet", json={"items": items[:2]})
    assert r.status_code == 200, r.get_json()
    r = evaluator.post(f"/api/v1/plans/{plan.id}/sheet/sign", json={})
    assert r.status_code == 422
    evaluator.put(f"/api/v1/plans/{plan.id}/sheet", json={"items": items})
    r = evaluator.post(f"/api/v1/plans/{plan.id}/sheet/sign", json={})
    assert r.get_json()["state"] == "signed"
    sheet_id = r.get_json()["id"]
    status = office.get(f"/api/v1/programs/{world.program.id}/evaluation-status").get_json()
    assert status["groups"][0]["all_signed"] is True

    r = evaluator.put(
        f"/api/v1/plans/{plan.id}/sheet", json={"items": [{"code": "2-1", "score": "1"}]}
    )
    assert r.status_code == 409
    assert SheetItem.query.filter_by(indicator_code="2-1").one().score == 39
    assert (
        evaluator.post(f"/api/v1/sheets/{sheet_id}/reopen", json={"reason": "x"}).status_code == 403
    )
    assert office.post(f"/api/v1/sheets/{sheet_id}/reopen", json={"reason": ""}).status_code == 422
    r = office.post(f"/api/v1/sheets/{sheet_id}/reopen", json={"reason": "2-1 评分依据不足"})
    assert r.get_json()["state"] == "draft"
    assert AuditEvent.query.filter_by(action="reopen_sheet").one().comment == "2-1 评分依据不足"
    assert (
        evaluator.put(
            f"/api/v1/plans/{plan.id}/sheet", json={"items": [{"code": "2-1", "score": "38"}]}
        ).status_code
        == 200
    )


def test_an_unassigned_evaluator_cannot_score(app, api):
    world = year_world("central_evaluation")
    r = api(world.evaluator2).put(
        f"/api/v1/plans/{world.plan.id}/sheet", json={"items": [{"code": "2-1", "score": "1"}]}
    )
    assert r.status_code == 403


# --- external inputs -------------------------------------------------------------------------


def test_external_entries_are_corrected_by_new_entries(app, api):
    """The surveyor enters a public score and corrects it; the inspector records a deduction
    with evidence and cancels it; old rows stay as they were."""
    world = year_world()
    plan_id = world.plan.id
    surveyor = api(world.surveyor)
    url = f"/api/v1/plans/{plan_id}/external"
    first = surveyor.post(url, json={"kind": "public_score", "points": "86.5"})
    assert first.status_code == 201, first.get_json()
    assert surveyor.post(url, json={"kind": "public_score", "points": "88"}).status_code == 409
    fix = surveyor.post(
        url,
        json={
            "kind": "public_score",
            "points": "88",
            "reason": "录入有误",
            "cancels": first.get_json()["id"],
        },
    )
    assert fix.status_code == 201
    assert (
        surveyor.post(
            url, json={"kind": "public_score", "points": "90", "cancels": first.get_json()["id"]}
        ).status_code
        == 409
    )
    assert (
        surveyor.post(
            url,
            json={"kind": "deduction", "points": "1", "reason": "x", "occurred_on": "2024-09-01"},
        ).status_code
        == 403
    )

    inspector = api(world.inspector)
    r = inspector.post(
        url,
        json={
            "kind": "deduction",
            "points": "0.5",
            "reason": "窗口人员脱岗",
            "occurred_on": "2024-09-12",
        },
    )
    assert r.status_code == 201, r.get_json()
    bonus = inspector.post(
        url, json={"kind": "bonus", "points": "1", "reason": "获省级表彰", "level": "province"}
    )
    assert bonus.status_code == 201
    r = inspector.post(
        url,
        json={
            "kind": "deduction",
            "cancels": r.get_json()["id"],
            "cancel_only": True,
            "reason": "复核撤销",
        },
    )
    assert r.status_code == 201
    body = api(world.a_liaison).get(url).get_json()
    assert [(e["kind"], e["points"]) for e in body["effective"]] == [
        ("public_score", "88"),
        ("bonus", "1"),
    ]
    assert len(body["history"]) == 5
    assert api(world.b_liaison).get(url).status_code == 403
    assert db.session.get(ExternalEntry, first.get_json()["id"]).points == 86.5


def test_an_inspectors_evidence_is_seen_only_by_who_sees_external_entries(app, api, client):
    world = year_world()
    r = client.post(
        f"/api/v1/plans/{world.plan.id}/evidence",
        data={"file": (io.BytesIO(PNG), "现场.png")},
        headers=api(world.inspector).headers,
    )
    assert r.status_code == 201
    assert EvidenceFile.query.count() == 1


def test_every_api_route_is_in_the_openapi_document(app, client):
    """A client reading /api/v1/openapi.json finds every route of the API."""
    import re

    documented = set(client.get("/api/v1/openapi.json").get_json()["paths"])
    routes = {
        re.sub(r"<(?:int:)?(\w+)>", r"{\1}", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1") and rule.rule != "/api/v1/openapi.json"
    }
    assert routes - documented == set()
    assert "/api/v1/plans/{plan_id}/sheet/sign" in documented


def test_a_stale_sheet_version_is_refused_and_changes_nothing(app, api):
    """Two tabs on one sheet: the second save carries an old version and gets 409."""
    world = year_world("central_evaluation")
    api(world.office).post(
        f"/api/v1/programs/{world.program.id}/evaluator-assignments",
        json={"evaluator": "evaluator", "plan_id": world.plan.id},
    )
    evaluator = api(world.evaluator)
    url = f"/api/v1/plans/{world.plan.id}/sheet"
    first = evaluator.put(url, json={"items": [{"code": "2-1", "score": "30"}]}).get_json()
    evaluator.put(
        url, json={"items": [{"code": "2-1", "score": "31"}], "version": first["version"]}
    )
    r = evaluator.put(
        url, json={"items": [{"code": "2-1", "score": "32"}], "version": first["version"]}
    )
    assert r.status_code == 409
    assert evaluator.get(url).get_json()["items"][0]["score"] == "31"


def test_signed_items_and_external_entries_resist_direct_changes(app, api):
    """Behind the services: a signed sheet's item cannot be updated through the ORM, and an
    external entry cannot be updated even with plain SQL."""
    import pytest
    from sqlalchemy import text

    from wfapp.models import EvaluationSheet
    from wfapp.models.evaluation import SignedSheetError

    world = year_world("central_evaluation")
    sheet = EvaluationSheet(plan_id=world.plan.id, evaluator_id=world.evaluator.id)
    sheet.items.append(SheetItem(indicator_code="2-1", score=30))
    db.session.add(sheet)
    db.session.commit()
    sheet.state = "signed"
    db.session.commit()
    sheet.items[0].score = 40
    with pytest.raises(SignedSheetError):
        db.session.commit()
    db.session.rollback()

    api(world.surveyor).post(
        f"/api/v1/plans/{world.plan.id}/external", json={"kind": "public_score", "points": "80"}
    )
    with pytest.raises(Exception, match="append-only"):
        db.session.execute(text("UPDATE external_entry SET points = 99"))
        db.session.commit()
    db.session.rollback()
    assert ExternalEntry.query.one().points == 80
