"""The OpenAPI 3.1 document, built from the same pydantic models the routes validate with."""

from __future__ import annotations

from functools import cache
from typing import Any

from wfapp.api.schemas import ActionRequest, IndicatorTableIn, TokenRequest
from wfapp.workflows.plan import PLAN_WORKFLOW


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ERRORS = {
    "400": _json(_ref("Error"), "Malformed JSON"),
    "401": _json(_ref("Error"), "No valid bearer token"),
    "403": _json(_ref("Error"), "The caller may not do this"),
    "404": _json(_ref("Error"), "No such plan, or not visible to the caller"),
    "409": _json(_ref("Error"), "Stale version, or the plan has moved to another state"),
    "422": _json(_ref("Error"), "Validation failed; each problem named"),
}


def _errors(*codes: str) -> dict[str, Any]:
    return {c: _ERRORS[c] for c in codes}


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PLAN_ID = {"name": "plan_id", "in": "path", "required": True, "schema": {"type": "integer"}}
SECURED = [{"bearer": []}]


@cache
def document() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    for model in (TokenRequest, ActionRequest, IndicatorTableIn):
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    schemas["Error"] = {
        "type": "object",
        "required": ["message", "errors"],
        "properties": {
            "message": {"type": "string"},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                },
            },
        },
    }
    ref_obj = {
        "type": "object",
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
    }
    schemas["PlanSummary"] = {
        "type": "object",
        "required": ["id", "unit", "program", "state", "version"],
        "properties": {
            "id": {"type": "integer"},
            "unit": ref_obj,
            "group": ref_obj,
            "program": {"type": "object"},
            "state": {"type": "string", "enum": PLAN_WORKFLOW.states},
            "state_label": {"type": "string"},
            "version": {"type": "integer"},
            "round": {"type": "integer"},
        },
    }
    schemas["Indicator"] = {
        "type": "object",
        "properties": {
            "code": {"type": "string"},
            "parent": {"type": ["string", "null"]},
            "category": {"type": "string", "enum": ["key", "regular", "dynamic", "capacity"]},
            "level": {"type": "integer"},
            "content": {"type": "string"},
            "weight": {"type": "string", "description": "decimal, two places"},
            "responsible_leaders": {"type": "array", "items": {"type": "string"}},
            "responsible_departments": {"type": "array", "items": {"type": "string"}},
            "responsible_persons": {"type": "array", "items": {"type": "string"}},
            "note": {"type": "string"},
        },
    }
    schemas["Plan"] = {
        "allOf": [
            _ref("PlanSummary"),
            {
                "type": "object",
                "properties": {
                    "indicators": {"type": "array", "items": _ref("Indicator")},
                    "actions": {
                        "type": "array",
                        "items": {"type": "string", "enum": PLAN_WORKFLOW.actions},
                        "description": "the actions this caller may fire now",
                    },
                    "warnings": {"type": "array", "items": {"type": "object"}},
                    "due_date": {"type": ["string", "null"], "format": "date"},
                    "approval_number": {"type": ["string", "null"]},
                },
            },
        ]
    }
    schemas["HistoryItem"] = {
        "type": "object",
        "required": ["action", "from_state", "to_state", "actor", "at", "comment"],
        "properties": {
            "action": {"type": "string"},
            "from_state": {"type": ["string", "null"]},
            "to_state": {"type": ["string", "null"]},
            "actor": {"type": "string"},
            "at": {"type": "string", "format": "date-time"},
            "comment": {"type": "string"},
        },
    }
    items = lambda ref: {"type": "object", "properties": {"items": {"type": "array", "items": ref}}}  # noqa: E731
    paths = {
        "/api/v1/auth/token": {
            "post": {
                "summary": "Exchange username and password for a bearer token",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("TokenRequest")}},
                },
                "responses": {
                    "200": _json({"type": "object", "properties": {"token": {"type": "string"}}}),
                    **_errors("400", "401", "422"),
                    "429": _json(_ref("Error"), "Too many failed attempts"),
                },
            }
        },
        "/api/v1/plans": {
            "get": {
                "summary": "Plans the caller may see",
                "security": SECURED,
                "responses": {"200": _json(items(_ref("PlanSummary"))), **_errors("401")},
            }
        },
        "/api/v1/plans/{plan_id}": {
            "get": {
                "summary": "One plan with its table and the caller's actions",
                "security": SECURED,
                "parameters": [PLAN_ID],
                "responses": {"200": _json(_ref("Plan")), **_errors("401", "404")},
            }
        },
        "/api/v1/plans/{plan_id}/indicators": {
            "put": {
                "summary": "Replace a draft's target table; nothing is saved on any problem",
                "security": SECURED,
                "parameters": [PLAN_ID],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("IndicatorTableIn")}},
                },
                "responses": {
                    "200": _json(_ref("Plan")),
                    **_errors("400", "401", "403", "404", "409", "422"),
                },
            }
        },
        "/api/v1/plans/{plan_id}/indicators.xlsx": {
            "get": {
                "summary": "The target table as .xlsx, in the layout of the sources' table",
                "security": SECURED,
                "parameters": [PLAN_ID],
                "responses": {
                    "200": {
                        "description": "The workbook",
                        "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
                    },
                    **_errors("401", "404"),
                },
            },
            "put": {
                "summary": "Replace a draft's target table with an uploaded workbook in the same"
                ' layout; each problem names its Excel row ("第12行"); nothing is saved on any'
                " problem",
                "security": SECURED,
                "parameters": [
                    PLAN_ID,
                    {
                        "name": "version",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "integer"},
                        "description": "the plan version the table was edited from (409 if stale)",
                    },
                ],
                "requestBody": {
                    "required": True,
                    "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
                },
                "responses": {
                    "200": _json(_ref("Plan")),
                    **_errors("401", "403", "404", "409", "422"),
                    "413": _json(_ref("Error"), "File too large"),
                },
            },
        },
        "/api/v1/plans/{plan_id}/actions/{action}": {
            "post": {
                "summary": "Fire a workflow action",
                "security": SECURED,
                "parameters": [
                    PLAN_ID,
                    {
                        "name": "action",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "enum": PLAN_WORKFLOW.actions},
                    },
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("ActionRequest")}},
                },
                "responses": {
                    "200": _json(_ref("Plan")),
                    **_errors("400", "401", "403", "404", "409", "422"),
                },
            }
        },
        "/api/v1/plans/{plan_id}/history": {
            "get": {
                "summary": "The plan's audit trail, oldest first",
                "security": SECURED,
                "parameters": [PLAN_ID],
                "responses": {"200": _json(items(_ref("HistoryItem"))), **_errors("401", "404")},
            }
        },
        "/api/v1/workflows/plan": {
            "get": {
                "summary": "The plan workflow: states, actions and who may fire each",
                "responses": {"200": _json({"type": "object"})},
            }
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "wfapp API", "version": "1"},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
