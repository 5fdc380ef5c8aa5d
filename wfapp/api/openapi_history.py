"""The history's part of the OpenAPI document: a unit's years, past grades, accountability."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StrictInt, StrictStr

from wfapp.api.openapi_year import _op
from wfapp.api.schemas import Body
from wfapp.models import GRADE_LABELS


class PastGradeIn(Body):
    """A grade of a year before wfapp, from the paper record (office); again to correct."""

    year: StrictInt
    grade: Annotated[StrictStr, Field(json_schema_extra={"enum": list(GRADE_LABELS)})]
    note: Annotated[StrictStr, Field(max_length=500)] = ""


BODIES = (PastGradeIn,)


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
