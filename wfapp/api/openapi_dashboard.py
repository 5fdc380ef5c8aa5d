"""The dashboard's part of the OpenAPI document: one GET, its answer described in full."""

from __future__ import annotations

from typing import Any

from wfapp.api.openapi_year import _op
from wfapp.workflows.plan import PLAN_WORKFLOW

_INT = {"type": "integer"}
_STR = {"type": "string"}
_RATE = {
    "type": ["string", "null"],
    "description": 'per cent with one decimal, e.g. "62.5"; null without items',
}
_TALLY = {
    "items": _INT,
    "closed": _INT,
    "closed_on_time": _INT,
    "open": _INT,
    "overdue": {**_INT, "description": "open items past their due date today"},
    "closure_rate": _RATE,
}


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": list(properties), "properties": properties}


def _array(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": item}


REF = _object({"id": _INT, "name": _STR})
DASHBOARD = _object(
    {
        "program_id": _INT,
        "today": {**_STR, "format": "date"},
        "until": {
            **_STR,
            "format": "date",
            "description": "last day of the closure series: today, or the day the program closed",
        },
        "closed_at": {"type": ["string", "null"], "format": "date-time"},
        "groups": _array(
            _object(
                {
                    "group": REF,
                    "plans_per_stage": _array(
                        _object(
                            {
                                "state": {**_STR, "enum": PLAN_WORKFLOW.states},
                                "label": _STR,
                                "plans": _INT,
                            }
                        )
                    ),
                    "rectification": _object(
                        {
                            **_TALLY,
                            "units": _array(_object({"plan_id": _INT, "unit": REF, **_TALLY})),
                        }
                    ),
                    "grades": _object(
                        {
                            "version": {
                                "type": ["integer", "null"],
                                "description": "the latest result version; null: not scored yet",
                            },
                            "published": {"type": "boolean"},
                            "levels": _array(
                                _object({"grade": _STR, "label": _STR, "units": _INT})
                            ),
                        }
                    ),
                    "closure": _object(
                        {
                            "step": {**_STR, "enum": ["week", "month"]},
                            "points": _array(
                                _object(
                                    {
                                        "date": {**_STR, "format": "date"},
                                        "closed": _INT,
                                        "items": _INT,
                                        "rate": {**_STR, "description": "per cent, one decimal"},
                                    }
                                )
                            ),
                        }
                    ),
                }
            )
        ),
    }
)


def paths(ctx: dict[str, Any]) -> dict[str, Any]:
    return {
        "/api/v1/programs/{program_id}/dashboard": {
            "get": _op(
                "Office: per group the plans per stage, overdue rectification items per unit, "
                "the grade distribution of the latest result version and the closure rate "
                "over time (a point a week, or a month over long spans)",
                params=("program_id",),
                errors=("401", "403", "404"),
                response=ctx["json"](DASHBOARD),
                ctx=ctx,
            )
        }
    }
