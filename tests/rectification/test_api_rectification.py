"""Rectification through the API: an item's whole life, refusals named field by field,
who may do what (the permission matrix), the board, closing a program."""

from __future__ import annotations

from datetime import date

import pytest

from wfapp.database import db
from wfapp.models import AuditEvent, RectificationItem

from .helpers import PDF, make_item, rect_world


def _upload(client_api, item_id: int, data: bytes = PDF, name: str = "整改报告.pdf"):
    import io

    return client_api.post(
        f"/api/v1/rectification-items/{item_id}/evidence",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        json=None,
    )


def _act(client_api, item_id: int, action: str, **body):
    return client_api.post(f"/api/v1/rectification-items/{item_id}/actions/{action}", json=body)


def test_an_items_whole_life_through_the_api(app, api):
    """The office records a finding; the unit starts, fills in measures, attaches evidence,
    submits; the office rejects with a reason; the unit resubmits; the office verifies and
    closes it, and the plan (its only item) closes."""
    world = rect_world()
    office, liaison, head = api(world.office), api(world.a_liaison), api(world.a_head)
    created = office.post(
        f"/api/v1/plans/{world.plan.id}/rectification-items",
        json={
            "finding": "重点项目台账不全",
            "responsible_department": "规划科",
            "responsible_person": "张三",
            "due_date": "2025-04-30",
            "indicator_code": "1-1",
        },
    )
    assert created.status_code == 201, created.get_json()
    item = created.get_json()
    assert (item["state"], item["source"]["kind"], item["due_date"]) == (
        "open",
        "manual",
        "2025-04-30",
    )
    assert item["actions"] == []  # nothing for the office while the unit is to act
    item_id = item["id"]

    mine = liaison.get("/api/v1/rectification-items").get_json()["items"]
    assert [i["id"] for i in mine] == [item_id]
    assert liaison.get(f"/api/v1/rectification-items/{item_id}").get_json()["actions"] == ["start"]
    started = _act(liaison, item_id, "start").get_json()
    assert started["state"] == "in_progress"
    saved = liaison.put(
        f"/api/v1/rectification-items/{item_id}",
        json={"measures": "逐项补录台账", "version": started["version"]},
    )
    assert saved.status_code == 200 and saved.get_json()["measures"] == "逐项补录台账"

    refused = _act(liaison, item_id, "submit")
    assert refused.status_code == 422
    assert {e["code"] for e in refused.get_json()["errors"]} == {"result_statement", "evidence"}

    assert _upload(liaison, item_id).status_code == 201
    submitted = _act(head, item_id, "submit", result_statement="已补录 2024 年全部台账")
    assert submitted.status_code == 200 and submitted.get_json()["state"] == "submitted"

    no_reason = _act(office, item_id, "reject", comment="  ")
    assert no_reason.status_code == 422
    assert no_reason.get_json()["errors"][0]["code"] == "comment"
    rejected = _act(office, item_id, "reject", comment="缺少第四季度台账")
    assert rejected.get_json()["state"] == "in_progress"

    assert _act(liaison, item_id, "submit", result_statement="已补第四季度").status_code == 200
    assert _act(office, item_id, "verify").get_json()["state"] == "verified"
    closed = _act(office, item_id, "close").get_json()
    assert closed["state"] == "closed" and closed["closed_at"]
    assert [h["action"] for h in closed["history"]] == [
        "create_item",
        "start_item",
        "edit_item",
        "attach_item_evidence",
        "submit_item",
        "reject_item",
        "submit_item",
        "verify_item",
        "close_item",
    ]
    plan = office.get(f"/api/v1/plans/{world.plan.id}").get_json()
    assert plan["state"] == "closed"
    history = office.get(f"/api/v1/plans/{world.plan.id}/history").get_json()["items"]
    assert history[-1]["action"] == "finish_rectification" and history[-1]["actor"] == "system"


def test_bad_input_is_named_field_by_field_and_nothing_is_saved(app, api):
    world = rect_world()
    response = api(world.office).post(
        f"/api/v1/plans/{world.plan.id}/rectification-items",
        json={
            "finding": " ",
            "due_date": "2025-04-30",
            "due_working_days": 5,
            "indicator_code": "9",
        },
    )
    assert response.status_code == 422
    codes = {e["code"] for e in response.get_json()["errors"]}
    assert codes == {"finding", "due", "indicator_code"}
    extra = api(world.office).post(
        f"/api/v1/plans/{world.plan.id}/rectification-items",
        json={"finding": "x", "due_date": "2025-04-30", "state": "closed"},
    )
    assert extra.status_code == 422
    assert RectificationItem.query.count() == 0


def test_a_stale_version_is_refused_with_409(app, api):
    world = rect_world()
    item = make_item(world.plan)
    liaison = api(world.a_liaison)
    version = liaison.get(f"/api/v1/rectification-items/{item.id}").get_json()["version"]
    assert _act(liaison, item.id, "start", version=version).status_code == 200
    stale = liaison.put(
        f"/api/v1/rectification-items/{item.id}", json={"measures": "x", "version": version}
    )
    assert stale.status_code == 409
    db.session.expire_all()
    assert db.session.get(RectificationItem, item.id).measures == ""


def test_a_refused_upload_stores_nothing(app, api):
    world = rect_world()
    item = make_item(world.plan)
    _act(api(world.a_liaison), item.id, "start")
    response = _upload(api(world.a_liaison), item.id, b"MZ\x90\x00", "报告.pdf")
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(RectificationItem, item.id).evidence == []
    assert AuditEvent.query.filter_by(action="attach_item_evidence").count() == 0


# --- who may do what ----------------------------------------------------------------------

ACTORS = ("a_liaison", "a_head", "leader", "office", "b_liaison", "evaluator", "admin")
# (action, item state) → who may; everyone else: 403 if they see it, 404 if they do not.
ALLOWED = {
    ("start", "open"): {"a_liaison", "a_head"},
    ("submit", "in_progress"): {"a_liaison", "a_head"},
    ("reject", "submitted"): {"office"},
    ("verify", "submitted"): {"office"},
    ("close", "verified"): {"office"},
}
SEES = {"a_liaison", "a_head", "leader", "office"}


@pytest.mark.parametrize(("action", "state"), sorted(ALLOWED))
@pytest.mark.parametrize("who", ACTORS)
def test_permission_matrix_for_item_actions(app, api, who, action, state):
    """Only the unit works on its item and only the office judges it; the leader sees it but
    may not act; other units, evaluators and admins do not even see it (404)."""
    world = rect_world()
    item = make_item(world.plan, state=state, result_statement="已整改")
    response = _act(api(getattr(world, who)), item.id, action, comment="理由")
    if who in ALLOWED[(action, state)]:
        expected = 422 if action == "submit" else 200  # no evidence yet: allowed, but refused
    else:
        expected = 403 if who in SEES else 404
    assert response.status_code == expected, response.get_json()


def test_acting_out_of_turn_is_a_conflict(app, api):
    """Can the office verify an item the unit has not submitted? No: 409, not 403."""
    world = rect_world()
    item = make_item(world.plan, state="in_progress")
    assert _act(api(world.office), item.id, "verify").status_code == 409
    assert _act(api(world.a_liaison), item.id, "close").status_code == 403


def test_only_the_office_adds_items_and_only_while_the_plan_is_in_rectification(app, api):
    world = rect_world()
    body = {"finding": "问题", "due_working_days": 5}
    url = f"/api/v1/plans/{world.plan.id}/rectification-items"
    assert api(world.a_liaison).post(url, json=body).status_code == 403
    # The plan is public from publication on; its items are not.
    assert api(world.d_liaison).post(url, json=body).status_code == 403
    assert api(world.d_liaison).get(url).status_code == 403
    world.plan.state = "published"
    db.session.commit()
    assert api(world.office).post(url, json=body).status_code == 409


def test_the_unit_edits_its_fields_and_the_office_its_own(app, api):
    """The unit may not move its own due date; the office may, and may not write the
    unit's measures."""
    world = rect_world()
    item = make_item(world.plan)
    url = f"/api/v1/rectification-items/{item.id}"
    assert api(world.a_liaison).put(url, json={"due_date": "2099-01-01"}).status_code == 403
    assert api(world.office).put(url, json={"measures": "x"}).status_code == 403
    moved = api(world.office).put(url, json={"due_date": "2025-06-30"})
    assert moved.status_code == 200 and moved.get_json()["due_date"] == "2025-06-30"


# --- the board and the program ------------------------------------------------------------


def test_the_board_gives_closure_rates_per_unit_and_group(app, api):
    world = rect_world()
    make_item(world.plan, state="closed", closed_at=None)
    make_item(world.plan, due_date=date(2024, 1, 31))
    board = api(world.office).get(f"/api/v1/programs/{world.program.id}/rectification-board")
    assert board.status_code == 200
    data = board.get_json()
    (group,) = data["groups"]
    unit_a = next(u for u in group["units"] if u["plan_id"] == world.plan.id)
    assert (unit_a["items"], unit_a["closed"], unit_a["open"], unit_a["overdue"]) == (2, 1, 1, 1)
    assert unit_a["closure_rate"] == "50.0" and group["total"]["closure_rate"] == "50.0"
    denied = api(world.a_liaison).get(f"/api/v1/programs/{world.program.id}/rectification-board")
    assert denied.status_code == 403


def test_the_workflow_and_the_endpoints_are_documented(client):
    described = client.get("/api/v1/workflows/rectification").get_json()
    assert [s["name"] for s in described["states"]] == [
        "open",
        "in_progress",
        "submitted",
        "verified",
        "closed",
    ]
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/api/v1/rectification-items/{item_id}/actions/{action}" in paths
    assert "/api/v1/programs/{program_id}/close" in paths
