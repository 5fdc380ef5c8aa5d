"""Rectification's part of the OpenAPI document: schemas from the pydantic bodies."""

from __future__ import annotations

from typing import Any

from wfapp.api.openapi_year import _id, _op
from wfapp.api.rectification_schemas import ItemActionIn, ItemIn, ItemUpdateIn
from wfapp.workflows.rectification import RECTIFICATION_WORKFLOW

BODIES = (ItemIn, ItemUpdateIn, ItemActionIn)


def paths(ctx: dict[str, Any]) -> dict[str, Any]:
    """ctx: the helpers of wfapp.api.openapi (ref, json, errors, secured)."""
    W = ("400", "401", "403", "404", "409", "422")  # every error a write may meet
    op = lambda *a, **k: _op(*a, ctx=ctx, **k)  # noqa: E731
    action = {
        "name": "action",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "enum": RECTIFICATION_WORKFLOW.actions},
    }
    return {
        "/api/v1/workflows/rectification": {
            "get": {
                "summary": "The rectification item workflow: states, actions, who, guards",
                "responses": {"200": ctx["json"]({"type": "object"})},
            }
        },
        "/api/v1/rectification-items": {
            "get": op("The items of the caller's own units, newest program first")
        },
        "/api/v1/plans/{plan_id}/rectification-items": {
            "get": op("The plan's rectification items", params=("plan_id",)),
            "post": op(
                "Office: record a finding by hand (due_date, or due_working_days from today)",
                params=("plan_id",),
                body="ItemIn",
                status="201",
                errors=W,
            ),
        },
        "/api/v1/plans/{plan_id}/rectification-items/collect": {
            "post": op(
                "Office: make items of findings that have none yet (sheets marked as findings, "
                "low scores, 察访核验 deductions); idempotent",
                params=("plan_id",),
                errors=("401", "403", "404", "409"),
            )
        },
        "/api/v1/rectification-items/{item_id}": {
            "get": op("One item with the caller's actions and its history", params=("item_id",)),
            "put": op(
                "Change the unit's fields (owners, measures, result) or the office's "
                "(finding, due date); only the fields sent",
                params=("item_id",),
                body="ItemUpdateIn",
                errors=W,
            ),
        },
        "/api/v1/rectification-items/{item_id}/evidence": {
            "post": op(
                "Unit: attach an evidence file (checked by content)",
                params=("item_id",),
                body="multipart",
                status="201",
                errors=W,
            )
        },
        "/api/v1/rectification-items/{item_id}/actions/{action}": {
            "post": {
                **op(
                    "start / submit (unit; submit needs a result statement and evidence), "
                    "reject (with a reason) / verify / close (office)",
                    params=("item_id",),
                    body="ItemActionIn",
                    errors=W,
                ),
                "parameters": [_id("item_id"), action],
            }
        },
        "/api/v1/programs/{program_id}/rectification-board": {
            "get": op(
                "Office: closure rate per unit and group",
                params=("program_id",),
                errors=("401", "403", "404"),
            )
        },
        "/api/v1/programs/{program_id}/close": {
            "post": op(
                "Office: close (归档) the program; open items are copied into the next program",
                params=("program_id",),
                errors=("401", "403", "404", "409"),
            )
        },
        "/api/v1/programs/{program_id}/rectification-record": {
            "get": op(
                "Office: each unit's record of the year before (rectification_items, "
                "rectification_closed_on_time, rectification_open_items) as scheme inputs",
                params=("program_id",),
                errors=("401", "403", "404"),
            )
        },
    }
