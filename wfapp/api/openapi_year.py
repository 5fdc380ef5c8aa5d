"""The year's part of the OpenAPI document: schemas from the pydantic bodies, paths by hand."""

from __future__ import annotations

from typing import Any

from wfapp.api.year_schemas import (
    AssignmentIn,
    ChangeRequestIn,
    DecisionIn,
    ExternalIn,
    ProgressIn,
    ReopenIn,
    SelfAssessmentIn,
    SheetIn,
    SignIn,
)
from wfapp.workflows.change_request import CHANGE_REQUEST_WORKFLOW

BODIES = (
    ProgressIn,
    ChangeRequestIn,
    DecisionIn,
    SelfAssessmentIn,
    AssignmentIn,
    SheetIn,
    SignIn,
    ReopenIn,
    ExternalIn,
)


def _id(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


def _op(
    summary: str,
    *,
    params: tuple[str, ...] = (),
    body: str | None = None,
    status: str = "200",
    errors: tuple[str, ...] = ("401", "404"),
    query: tuple[dict[str, Any], ...] = (),
    response: dict[str, Any] | None = None,
    ctx: dict[str, Any],
) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": summary,
        "security": ctx["secured"],
        "parameters": [_id(p) for p in params] + list(query),
        "responses": {
            status: response or ctx["json"]({"type": "object"}),
            **ctx["errors"](*errors),
        },
    }
    if body == "multipart":
        op["requestBody"] = {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                }
            },
        }
    elif body:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": ctx["ref"](body)}},
        }
    return op


PERIOD_QUERY = (
    {"name": "period", "in": "query", "schema": {"type": "string"}},
    {
        "name": "date",
        "in": "query",
        "schema": {"type": "string", "format": "date"},
        "description": "the day that decides the current period (default: today)",
    },
)


def paths(ctx: dict[str, Any]) -> dict[str, Any]:
    """ctx: the helpers of wfapp.api.openapi (ref, json, errors, secured)."""
    W = ("400", "401", "403", "404", "409", "422")  # every error a write may meet
    op = lambda *a, **k: _op(*a, ctx=ctx, **k)  # noqa: E731
    download = {
        "description": "The file, always as an attachment (RFC 6266 filename*)",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
    return {
        "/api/v1/plans/{plan_id}/evidence": {
            "get": op("The plan's evidence files", params=("plan_id",)),
            "post": op(
                "Upload one evidence file (pdf, docx, xlsx, jpg, png, mp3, mp4; checked by content)",
                params=("plan_id",),
                body="multipart",
                status="201",
                errors=W,
            ),
        },
        "/api/v1/evidence/{evidence_id}": {
            "get": op("Download an evidence file", params=("evidence_id",), response=download)
        },
        "/api/v1/plans/{plan_id}/progress": {
            "get": op(
                "Progress reports for a period and the leaves still unreported",
                params=("plan_id",),
                query=PERIOD_QUERY,
            ),
            "post": op(
                "Report (or re-report) one leaf's progress for a period",
                params=("plan_id",),
                body="ProgressIn",
                status="201",
                errors=W,
            ),
        },
        "/api/v1/programs/{program_id}/progress-board": {
            "get": op(
                "Office: per unit, the share of leaves reported for the period",
                params=("program_id",),
                query=PERIOD_QUERY,
                errors=("401", "403", "404", "422"),
            )
        },
        "/api/v1/plans/{plan_id}/change-requests": {
            "get": op("The plan's change requests, newest first", params=("plan_id",)),
            "post": op(
                "Request a change after publication; refused up front if the sums would break",
                params=("plan_id",),
                body="ChangeRequestIn",
                status="201",
                errors=W,
            ),
        },
        "/api/v1/change-requests/{request_id}": {
            "get": op("One change request with before / after", params=("request_id",))
        },
        "/api/v1/change-requests/{request_id}/actions/{action}": {
            "post": {
                **op(
                    "approve / reject (office) or withdraw (unit) a pending request",
                    params=("request_id",),
                    body="DecisionIn",
                    errors=W,
                ),
                "parameters": [
                    _id("request_id"),
                    {
                        "name": "action",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "enum": CHANGE_REQUEST_WORKFLOW.actions},
                    },
                ],
            }
        },
        "/api/v1/plans/{plan_id}/table-versions": {
            "get": op(
                "The table as published (1) and after each approved change", params=("plan_id",)
            )
        },
        "/api/v1/plans/{plan_id}/self-assessment": {
            "get": op(
                "Every leaf's self score, explanation and evidence",
                params=("plan_id",),
                errors=("401", "404", "409"),
            ),
            "put": op(
                "Save a self-assessment draft (submit with the plan action submit_self_assessment)",
                params=("plan_id",),
                body="SelfAssessmentIn",
                errors=W,
            ),
        },
        "/api/v1/programs/{program_id}/open-self-assessment": {
            "post": op(
                "Office: open self-assessment for every published plan of the program",
                params=("program_id",),
                errors=("401", "403", "404"),
            )
        },
        "/api/v1/programs/{program_id}/evaluator-assignments": {
            "get": op("Office: evaluator assignments", params=("program_id",)),
            "post": op(
                "Office: assign an evaluator to a group or a plan (never to their own unit)",
                params=("program_id",),
                body="AssignmentIn",
                status="201",
                errors=W,
            ),
        },
        "/api/v1/evaluator-assignments/{assignment_id}": {
            "delete": op(
                "Office: remove an assignment (not after that evaluator signed)",
                params=("assignment_id",),
                status="204",
                errors=("401", "403", "404", "409"),
                response={"description": "Removed"},
            )
        },
        "/api/v1/programs/{program_id}/evaluation-status": {
            "get": op(
                "Office: evaluators and signed sheets per plan and group",
                params=("program_id",),
                errors=("401", "403", "404"),
            )
        },
        "/api/v1/evaluation/plans": {"get": op("The evaluator's assigned plans")},
        "/api/v1/plans/{plan_id}/sheet": {
            "get": op("The caller's own evaluation sheet for the plan", params=("plan_id",)),
            "put": op(
                "Save the caller's draft sheet", params=("plan_id",), body="SheetIn", errors=W
            ),
        },
        "/api/v1/plans/{plan_id}/sheet/sign": {
            "post": op(
                "Sign (and lock) the caller's sheet; every leaf must be scored",
                params=("plan_id",),
                body="SignIn",
                errors=W,
            )
        },
        "/api/v1/plans/{plan_id}/sheets": {
            "get": op("Office: every sheet of the plan", params=("plan_id",))
        },
        "/api/v1/sheets/{sheet_id}": {"get": op("One sheet", params=("sheet_id",))},
        "/api/v1/sheets/{sheet_id}/reopen": {
            "post": op(
                "Office: reopen a signed sheet, with a reason",
                params=("sheet_id",),
                body="ReopenIn",
                errors=W,
            )
        },
        "/api/v1/plans/{plan_id}/external": {
            "get": op("External inputs in force and their whole history", params=("plan_id",)),
            "post": op(
                "Record a public score (surveyor), bonus (inspector, office) or deduction "
                "(inspector); a correction names the entry it cancels",
                params=("plan_id",),
                body="ExternalIn",
                status="201",
                errors=W,
            ),
        },
    }
