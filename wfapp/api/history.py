"""/api/v1 routes of a unit's grades across the years and the accountability flag (效能问责)."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify

from wfapp.api.openapi_history import PastGradeIn
from wfapp.api.routes import bp, parse, token_required
from wfapp.services import history


def year_out(y: history.YearGrade, flags: dict[int, str]) -> dict[str, Any]:
    return {
        "year": y.year,
        "grade": y.grade,
        "grade_label": y.label,
        "source": y.source,
        "program": {"id": y.program.id, "title": y.program.title} if y.program else None,
        "plan_id": y.plan_id,
        "total": str(y.total) if y.total is not None else None,
        "rank": y.rank,
        "group_size": y.group_size,
        "published": y.published,
        "note": y.note,
        "accountability": flags.get(y.year),
    }


def history_out(found: history.UnitHistory) -> dict[str, Any]:
    return {
        "unit": {"id": found.unit.id, "name": found.unit.name},
        "accountability": found.flag,
        "years": [year_out(y, found.flags) for y in found.years],
    }


@bp.get("/units/<int:unit_id>/history")
@token_required
def unit_history(unit_id: int):
    return jsonify(history_out(history.unit_history(g.api_user, unit_id)))


@bp.post("/units/<int:unit_id>/past-grades")
@token_required
def record_past_grade(unit_id: int):
    body = parse(PastGradeIn)
    history.record_past_grade(g.api_user, unit_id, body.year, body.grade, body.note)
    return jsonify(history_out(history.unit_history(g.api_user, unit_id))), 201


@bp.get("/programs/<int:program_id>/accountability")
@token_required
def accountability(program_id: int):
    flagged = history.accountability(g.api_user, program_id)
    return jsonify(
        {
            "units": [
                {"unit": {"id": f.unit.id, "name": f.unit.name}, "plan_id": f.plan.id,
                 "reason": f.reason}
                for f in flagged
            ]
        }
    )  # fmt: skip
