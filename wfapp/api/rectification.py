"""/api/v1 routes of rectification (整改): parse, one service call, answer."""

from __future__ import annotations

from flask import g, jsonify

from wfapp.api.rectification_schemas import (
    ItemActionIn,
    ItemIn,
    ItemUpdateIn,
    board_out,
    item_out,
)
from wfapp.api.routes import bp, parse, token_required
from wfapp.api.year import _upload
from wfapp.database import db
from wfapp.models import Program
from wfapp.permissions import VIEW_BOARD
from wfapp.services import access, plans, rectification
from wfapp.services.errors import NotFound
from wfapp.workflows.rectification import RECTIFICATION_WORKFLOW


def _full(item) -> dict:
    user = g.api_user
    return item_out(
        item, rectification.available_actions(user, item), rectification.history(user, item)
    )


@bp.get("/workflows/rectification")
def rectification_workflow():
    return jsonify(RECTIFICATION_WORKFLOW.describe())


@bp.get("/rectification-items")
@token_required
def my_items():
    return jsonify({"items": [item_out(i) for i in rectification.my_items(g.api_user)]})


@bp.get("/plans/<int:plan_id>/rectification-items")
@token_required
def plan_items(plan_id: int):
    plan = plans.get_plan(g.api_user, plan_id)
    return jsonify({"items": [item_out(i) for i in rectification.items_of(g.api_user, plan)]})


@bp.post("/plans/<int:plan_id>/rectification-items")
@token_required
def add_item(plan_id: int):
    body = parse(ItemIn)
    item = rectification.add_item(g.api_user, plan_id, **body.model_dump())
    return jsonify(_full(item)), 201


@bp.post("/plans/<int:plan_id>/rectification-items/collect")
@token_required
def collect_findings(plan_id: int):
    created = rectification.collect_findings(g.api_user, plan_id)
    return jsonify({"items": [item_out(i) for i in created]})


@bp.get("/rectification-items/<int:item_id>")
@token_required
def get_item(item_id: int):
    return jsonify(_full(rectification.get_item(g.api_user, item_id)))


@bp.put("/rectification-items/<int:item_id>")
@token_required
def update_item(item_id: int):
    body = parse(ItemUpdateIn)
    changes = body.model_dump(exclude_unset=True)
    version = changes.pop("version", None)
    item = rectification.update_item(g.api_user, item_id, changes, version)
    return jsonify(_full(item))


@bp.post("/rectification-items/<int:item_id>/evidence")
@token_required
def attach_item_evidence(item_id: int):
    item = rectification.attach_evidence(g.api_user, item_id, _upload())
    return jsonify(_full(item)), 201


@bp.post("/rectification-items/<int:item_id>/actions/<action>")
@token_required
def item_action(item_id: int, action: str):
    body = parse(ItemActionIn)
    item = rectification.act(
        g.api_user,
        item_id,
        action,
        comment=body.comment,
        version=body.version,
        result_statement=body.result_statement,
    )
    return jsonify(_full(item))


@bp.get("/programs/<int:program_id>/rectification-board")
@token_required
def rectification_board(program_id: int):
    return jsonify(board_out(rectification.board(g.api_user, program_id)))


@bp.post("/programs/<int:program_id>/close")
@token_required
def close_program(program_id: int):
    result = rectification.close_program(g.api_user, program_id)
    return jsonify(
        {
            "program_id": result.program.id,
            "next_program_id": result.target.id if result.target else None,
            "carried": [item_out(i) for i in result.carried],
            "not_carried": [i.id for i in result.not_carried],
            "closed_plans": [p.id for p in result.finished],
        }
    )


@bp.get("/programs/<int:program_id>/rectification-record")
@token_required
def rectification_record(program_id: int):
    """The record of the year before, per unit: what this program's scheme may read."""
    program = db.session.get(Program, program_id)
    if program is None:
        raise NotFound("未找到该考评项目")
    access.require(g.api_user, VIEW_BOARD, program)
    rows = rectification.record_by_unit(program)
    return jsonify({"units": [{"unit": {"id": u.id, "name": u.name}, **r} for u, r in rows]})
