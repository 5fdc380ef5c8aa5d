"""The 整改 pages with the test client: an item's whole life clicked through, errors next to
their fields, the board and closing the program, who sees what."""

from __future__ import annotations

import io

from tests.pages import Browser, text
from wfapp.database import db
from wfapp.models import RectificationItem

from .helpers import PDF, make_item, rect_world


def _item_url(item_id: int) -> str:
    return f"/rectification-items/{item_id}"


def test_an_items_whole_life_through_the_pages(app, client):
    """The office registers a finding; the unit starts, uploads evidence and submits; the
    office rejects with a reason; the unit resubmits; the office verifies and closes; the
    plan is archived and the board shows 100 %."""
    world = rect_world()
    b = Browser(client)
    plan_page = f"/plans/{world.plan.id}/rectification"

    b.login(world.office)
    response = b.submit(
        plan_page,
        plan_page,
        {"finding": "重点项目台账不全", "responsible_person": "张三", "due_date": "2025-04-30"},
    )
    assert response.status_code == 302
    item = RectificationItem.query.one()
    page = _item_url(item.id)

    b.login(world.a_liaison)
    assert "重点项目台账不全" in text(b.get("/rectification"))
    assert b.submit(page, f"{page}/start", {"version": "1"}).status_code == 302
    refused = b.submit(page, f"{page}/submit", {"result_statement": ""})
    assert refused.status_code == 422
    html = text(refused)
    assert 'id="errors-result_statement"' in html and 'id="errors-evidence"' in html
    upload = b.submit(
        page,
        f"{page}/evidence",
        {"file": (io.BytesIO(PDF), "整改报告.pdf")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 302
    assert "整改报告.pdf" in text(b.get(page))
    assert b.submit(page, f"{page}/submit", {"result_statement": "已补录"}).status_code == 302

    b.login(world.office)
    html = text(b.get(page))
    assert 'id="do-verify"' in html and 'id="do-reject"' in html and 'id="do-start"' not in html
    no_reason = b.submit(page, f"{page}/reject", {"comment": ""})
    assert no_reason.status_code == 422 and 'id="errors-comment"' in text(no_reason)
    assert b.submit(page, f"{page}/reject", {"comment": "缺第四季度"}).status_code == 302
    assert "整改中" in text(b.get(page))

    b.login(world.a_head)
    assert b.submit(page, f"{page}/submit", {"result_statement": "已补齐"}).status_code == 302

    b.login(world.office)
    assert b.submit(page, f"{page}/verify").status_code == 302
    assert b.submit(page, f"{page}/close").status_code == 302
    html = text(b.get(page))
    assert "已销号" in html and "缺第四季度" in html
    db.session.refresh(world.plan)
    assert world.plan.state == "closed"
    board = text(b.get(f"/office/programs/{world.program.id}/rectification"))
    assert 'id="total-rate">100.0%' in board


def test_the_unit_fills_in_measures_and_owners(app, client):
    world = rect_world()
    item = make_item(world.plan)
    b = Browser(client).login(world.a_liaison)
    page = _item_url(item.id)
    response = b.submit(
        page,
        f"{page}/edit",
        {
            "responsible_department": "审批科",
            "responsible_person": "李四",
            "measures": "建立台账制度",
            "result_statement": "",
            "version": str(item.version),
        },
    )
    assert response.status_code == 302
    html = text(b.get(page))
    assert "建立台账制度" in html and "李四" in html


def test_a_bad_due_date_is_named_next_to_the_field(app, client):
    world = rect_world()
    b = Browser(client).login(world.office)
    page = f"/plans/{world.plan.id}/rectification"
    response = b.submit(page, page, {"finding": "问题"})
    assert response.status_code == 422
    assert 'id="errors-due"' in text(response)
    assert RectificationItem.query.count() == 0


def test_who_sees_the_pages(app, client):
    """Another unit may not open an item (404); the leader reads it without buttons; the
    unit sees no office board (403)."""
    world = rect_world()
    item = make_item(world.plan)
    b = Browser(client)
    assert b.login(world.d_liaison).get(_item_url(item.id)).status_code == 404
    html = text(b.login(world.leader).get(_item_url(item.id)))
    assert "台账不全" in html and "data-action=" not in html
    assert (
        b.login(world.a_liaison)
        .get(f"/office/programs/{world.program.id}/rectification")
        .status_code
        == 403
    )


def test_the_office_closes_the_program_from_the_board(app, client):
    world = rect_world()
    make_item(world.plan)
    b = Browser(client).login(world.office)
    board = f"/office/programs/{world.program.id}/rectification"
    assert "归档本项目" in text(b.get(board))
    response = b.submit(board, f"/office/programs/{world.program.id}/close")
    assert response.status_code == 302
    html = text(b.get(board))
    assert 'id="closed-note"' in html and "没有下一年度的考评项目" in html
