"""The OpenAPI 3.1 document, built from the same pydantic models the routes validate with."""

from __future__ import annotations

from functools import cache
from typing import Any

from wfapp.api import (
    openapi_dashboard,
    openapi_history,
    openapi_rectification,
    openapi_results,
    openapi_year,
)
from wfapp.api.schemas import (
    ActionRequest,
    CalendarDayIn,
    ExtensionIn,
    IndicatorTableIn,
    ReminderPolicyIn,
    StageDeadlineIn,
    TokenRequest,
)
from wfapp.workflows.plan import PLAN_WORKFLOW

PAGE_PARAMETERS = [
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1}},
    {
        "name": "per_page",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 100},
    },
]


def paged_items(schema: dict[str, Any]) -> dict[str, Any]:
    """A page of a list: its items and where the page stands (wfapp.api.paging)."""
    return {
        "type": "object",
        "required": ["items", "page", "per_page", "total", "pages"],
        "properties": {
            "items": {"type": "array", "items": schema},
            **{k: {"type": "integer"} for k in ("page", "per_page", "total", "pages")},
        },
    }


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
    for model in (
        TokenRequest,
        ActionRequest,
        IndicatorTableIn,
        StageDeadlineIn,
        CalendarDayIn,
        ReminderPolicyIn,
        ExtensionIn,
        *openapi_year.BODIES,
        *openapi_results.BODIES,
        *openapi_rectification.BODIES,
        *openapi_history.BODIES,
    ):
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
                "summary": "Plans the caller may see, a page at a time (by program, then unit)",
                "security": SECURED,
                "parameters": PAGE_PARAMETERS,
                "responses": {
                    "200": _json(paged_items(_ref("PlanSummary"))),
                    **_errors("401", "422"),
                },
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
    schemas.update(_reminder_schemas())
    paths.update(_reminder_paths())
    ctx = {"ref": _ref, "json": _json, "errors": _errors, "secured": SECURED}
    paths.update(openapi_year.paths(ctx))
    paths.update(openapi_results.paths(ctx))
    paths.update(openapi_rectification.paths(ctx))
    paths.update(openapi_history.paths(ctx))
    paths.update(openapi_dashboard.paths(ctx))
    return {
        "openapi": "3.1.0",
        "info": {"title": "wfapp API", "version": "1"},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


# --- the deadline feature: calendar, extensions, notices, iCal, outbox ---------------------

PROGRAM_ID = {"name": "program_id", "in": "path", "required": True, "schema": {"type": "integer"}}
STAGE = {
    "name": "stage",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "enum": PLAN_WORKFLOW.states},
}
DAY = {
    "name": "day",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "format": "date"},
}


def _body(name: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": _ref(name)}}}


def _reminder_schemas() -> dict[str, Any]:
    string, integer, boolean = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
    nullable_date = {"type": ["string", "null"], "format": "date"}
    return {
        "Calendar": {
            "type": "object",
            "properties": {
                "program": {"type": "object"},
                "coverage": {
                    "type": "object",
                    "description": "years the statutory-holiday data covers",
                    "properties": {"first_year": integer, "last_year": integer},
                },
                "stages": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "stage": string,
                            "label": string,
                            "due_date": nullable_date,
                            "after_event": {"type": ["string", "null"]},
                            "working_days": {"type": ["integer", "null"]},
                            "opens_on": nullable_date,
                            "rule_text": string,
                            "reminders": {"type": "object"},
                        },
                    },
                },
                "days": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "day": {"type": "string", "format": "date"},
                            "working": boolean,
                            "note": string,
                        },
                    },
                },
            },
        },
        "Extension": {
            "type": "object",
            "properties": {
                "id": integer,
                "stage": string,
                "due_date": {"type": "string", "format": "date"},
                "reason": string,
                "granted_by": string,
                "at": {"type": "string", "format": "date-time"},
            },
        },
        "Notice": {
            "type": "object",
            "properties": {
                "id": integer,
                "kind": {"type": "string", "enum": ["reminder", "returned", "awaits", "published"]},
                "title": string,
                "body": string,
                "plan_id": {"type": ["integer", "null"]},
                "link": {"type": ["string", "null"]},
                "created_at": {"type": "string", "format": "date-time"},
                "read": boolean,
            },
        },
        "OutboxMessage": {
            "type": "object",
            "properties": {
                "id": integer,
                "status": {"type": "string", "enum": ["pending", "sending", "sent", "dead"]},
                "to": string,
                "subject": string,
                "attempts": integer,
                "last_error": {"type": ["string", "null"]},
            },
        },
        "FeedUrl": {"type": "object", "properties": {"url": {"type": ["string", "null"]}}},
    }


def _reminder_paths() -> dict[str, Any]:
    calendar_ok = {"200": _json(_ref("Calendar"))}
    edit_errors = _errors("400", "401", "403", "404", "422")
    feed = {"200": _json(_ref("FeedUrl")), **_errors("401")}
    return {
        "/api/v1/programs/{program_id}/calendar": {
            "get": {
                "summary": "The program's calendar: due date per stage, declared days, rules",
                "security": SECURED,
                "parameters": [PROGRAM_ID],
                "responses": {**calendar_ok, **_errors("401", "404")},
            }
        },
        "/api/v1/programs/{program_id}/calendar/stages/{stage}": {
            "put": {
                "summary": "Office: a stage's due date (a date, or N working days after an event)",
                "security": SECURED,
                "parameters": [PROGRAM_ID, STAGE],
                "requestBody": _body("StageDeadlineIn"),
                "responses": {**calendar_ok, **edit_errors},
            }
        },
        "/api/v1/programs/{program_id}/calendar/days/{day}": {
            "put": {
                "summary": "Office: declare a closure or an adjusted working day",
                "security": SECURED,
                "parameters": [PROGRAM_ID, DAY],
                "requestBody": _body("CalendarDayIn"),
                "responses": {**calendar_ok, **edit_errors},
            },
            "delete": {
                "summary": "Office: remove a declared day",
                "security": SECURED,
                "parameters": [PROGRAM_ID, DAY],
                "responses": {**calendar_ok, **edit_errors},
            },
        },
        "/api/v1/programs/{program_id}/reminder-rules/{stage}": {
            "put": {
                "summary": "Office: when and whom a stage's reminders reach",
                "security": SECURED,
                "parameters": [PROGRAM_ID, STAGE],
                "requestBody": _body("ReminderPolicyIn"),
                "responses": {**calendar_ok, **edit_errors},
            }
        },
        "/api/v1/plans/{plan_id}/extensions": {
            "get": {
                "summary": "The plan's deadline extensions",
                "security": SECURED,
                "parameters": [PLAN_ID],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {"items": {"type": "array", "items": _ref("Extension")}},
                        }
                    ),
                    **_errors("401", "404"),
                },
            },
            "post": {
                "summary": "Office: extend the plan's due date for a stage, with a reason",
                "security": SECURED,
                "parameters": [PLAN_ID],
                "requestBody": _body("ExtensionIn"),
                "responses": {
                    "201": _json(_ref("Extension"), "Granted"),
                    **_errors("400", "401", "403", "404", "409", "422"),
                },
            },
        },
        "/api/v1/notices": {
            "get": {
                "summary": "The caller's notices, newest first, with the unread count",
                "security": SECURED,
                "parameters": [
                    {"name": "unread", "in": "query", "schema": {"type": "string", "enum": ["1"]}}
                ],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "unread": {"type": "integer"},
                                "items": {"type": "array", "items": _ref("Notice")},
                            },
                        }
                    ),
                    **_errors("401"),
                },
            }
        },
        "/api/v1/notices/{notice_id}/read": {
            "post": {
                "summary": "Mark one of the caller's notices read",
                "security": SECURED,
                "parameters": [
                    {
                        "name": "notice_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer"},
                    }
                ],
                "responses": {"200": _json(_ref("Notice")), **_errors("401", "404")},
            }
        },
        "/api/v1/notices/read-all": {
            "post": {
                "summary": "Mark all the caller's notices read",
                "security": SECURED,
                "responses": {"200": _json({"type": "object"}), **_errors("401")},
            }
        },
        "/api/v1/me/ical": {
            "get": {
                "summary": "The caller's private iCal URL (null: none)",
                "security": SECURED,
                "responses": feed,
            },
            "post": {
                "summary": "A new private iCal URL; the old one stops working",
                "security": SECURED,
                "responses": feed,
            },
            "delete": {
                "summary": "Revoke the caller's iCal URL",
                "security": SECURED,
                "responses": feed,
            },
        },
        "/api/v1/outbox": {
            "get": {
                "summary": "Admins: outgoing mail of their programs, dead ones with the error",
                "security": SECURED,
                "parameters": [
                    {
                        "name": "status",
                        "in": "query",
                        "schema": {
                            "type": "string",
                            "enum": ["pending", "sending", "sent", "dead"],
                        },
                    }
                ],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "counts": {"type": "object"},
                                "items": {"type": "array", "items": _ref("OutboxMessage")},
                            },
                        }
                    ),
                    **_errors("401", "403", "422"),
                },
            }
        },
    }
