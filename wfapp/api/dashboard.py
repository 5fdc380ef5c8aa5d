"""/api/v1 route of the office's dashboard: the numbers its charts draw, per group."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify

from wfapp.api.rectification_schemas import tally_out
from wfapp.api.routes import bp, token_required
from wfapp.api.schemas import iso
from wfapp.services import dashboard as service


def group_out(d: service.GroupDashboard) -> dict[str, Any]:
    version = d.grades.version
    return {
        "group": {"id": d.group.id, "name": d.group.name},
        "plans_per_stage": [
            {"state": s.state, "label": s.label, "plans": s.plans} for s in d.stages
        ],
        "rectification": {
            **tally_out(d.total),
            "units": [
                {
                    "plan_id": u.plan.id,
                    "unit": {"id": u.plan.unit.id, "name": u.plan.unit.name},
                    **tally_out(u.tally),
                }
                for u in d.units
            ],
        },
        "grades": {
            "version": version.version if version else None,
            "published": d.grades.published,
            "levels": [
                {"grade": lv.grade, "label": lv.label, "units": lv.units} for lv in d.grades.levels
            ],
        },
        "closure": {
            "step": d.closure.step,
            "points": [
                {
                    "date": p.day.isoformat(),
                    "closed": p.closed,
                    "items": p.items,
                    "rate": str(p.rate),
                }
                for p in d.closure.points
            ],
        },
    }


@bp.get("/programs/<int:program_id>/dashboard")
@token_required
def dashboard(program_id: int):
    board = service.dashboard(g.api_user, program_id)
    return jsonify(
        {
            "program_id": board.program.id,
            "today": board.today.isoformat(),
            "until": board.end.isoformat(),
            "closed_at": iso(board.program.closed_at),
            "groups": [group_out(d) for d in board.groups],
        }
    )
