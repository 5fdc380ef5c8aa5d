"""The results' part of the OpenAPI document (paths by hand, bodies from pydantic)."""

from __future__ import annotations

from typing import Any

from wfapp.api.openapi_year import _op
from wfapp.api.results_schemas import BODIES

__all__ = ["BODIES", "paths"]

GROUP = ("program_id", "group_id")
VERSION_QUERY = (
    {
        "name": "version",
        "in": "query",
        "schema": {"type": "integer"},
        "description": "a version of the group's results (default: the latest)",
    },
)


def paths(ctx: dict[str, Any]) -> dict[str, Any]:
    W = ("400", "401", "403", "404", "409", "422")
    op = lambda *a, **k: _op(*a, ctx=ctx, **k)  # noqa: E731
    xlsx = {
        "description": "The ranking as an Excel workbook (attachment)",
        "content": {
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                "schema": {"type": "string", "format": "binary"}
            }
        },
    }
    base = "/api/v1/programs/{program_id}/groups/{group_id}"
    return {
        f"{base}/close-evaluation": {
            "post": op(
                "Office: close the group's evaluation: score it (version 1) and move every plan "
                "on (rectification with findings, else closed). Refused with each missing sheet "
                "unless force_reason is given",
                params=GROUP,
                body="CloseEvaluationIn",
                errors=W,
            )
        },
        f"{base}/results": {
            "get": op(
                "Office: a version of the group's ranking with each unit's explanation and the "
                "difference from the version before",
                params=GROUP,
                query=VERSION_QUERY,
                errors=("401", "403", "404"),
            )
        },
        f"{base}/results/rescore": {
            "post": op(
                "Office: score the group again from what is stored now (a new version)",
                params=GROUP,
                body="RescoreIn",
                errors=W,
            )
        },
        f"{base}/results/publish": {
            "post": op(
                "Office: publish the latest version (409 if its inputs changed since)",
                params=GROUP,
                body="PublishIn",
                errors=W,
            )
        },
        f"{base}/results.xlsx": {
            "get": op(
                "Office: the ranking as Excel",
                params=GROUP,
                query=VERSION_QUERY,
                response=xlsx,
                errors=("401", "403", "404"),
            )
        },
        "/api/v1/plans/{plan_id}/result-flags": {
            "post": op(
                "Office: 降档 (downgrade) or 一票否决 (veto) with a reason and evidence "
                "(evidence_id, or multipart with kind, reason, file), before publication",
                params=("plan_id",),
                body="FlagIn",
                status="201",
                errors=W,
            )
        },
        "/api/v1/result-flags/{flag_id}/cancel": {
            "post": op(
                "Office: cancel a flag, with a reason (before publication)",
                params=("flag_id",),
                body="CancelFlagIn",
                status="201",
                errors=W,
            )
        },
        "/api/v1/plans/{plan_id}/result": {
            "get": op(
                "The unit's own result and explanation, once published",
                params=("plan_id",),
                errors=("401", "403", "404", "409"),
            )
        },
    }
