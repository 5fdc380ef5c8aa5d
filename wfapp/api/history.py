"""/api/v1 routes of a unit's grades across the years and the accountability flag (效能问责);
their part of the OpenAPI document."""

from __future__ import annotations

from typing import Annotated, Any

from flask import g, jsonify
from pydantic import Field, StrictInt, StrictStr

from wfapp.api.openapi_year import _op
from wfapp.api.routes import bp, parse, token_required
from wfapp.api.schemas import Body
from wfapp.models import GRADE_LABELS
from wfapp.services import history


class PastGradeIn(Body):
    """A grade of a year before wfapp, from the paper record (office); again to correct."""

    year: StrictInt
    grade: Annotated[StrictStr, Field(json_schema_extra={"enum": list(GRADE_LABELS)})]
    note: Annotated[StrictStr, Field(max_length=500)] = ""


BODIES = (PastGradeIn,)


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


def paths(ctx: dict[str, Any]) -> dict[str, Any]:
    op = lambda *a, **k: _op(*a, ctx=ctx, **k)  # noqa: E731
    return {
        "/api/v1/units/{unit_id}/history": {
            "get": op(
                "A unit's grades across the years, newest first, with the accountability "
                "flag (效能问责) of each year",
                params=("unit_id",),
                errors=("401", "403", "404"),
            )
        },
        "/api/v1/units/{unit_id}/past-grades": {
            "post": op(
                "Office: enter (or correct) a grade of a year before wfapp",
                params=("unit_id",),
                body="PastGradeIn",
                status="201",
                errors=("400", "401", "403", "404", "422"),
            )
        },
        "/api/v1/programs/{program_id}/accountability": {
            "get": op(
                "Office: the program's units that the accountability rule flags for its year",
                params=("program_id",),
                errors=("401", "403", "404"),
            )
        },
    }
