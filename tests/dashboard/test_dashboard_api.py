"""GET /api/v1/programs/<id>/dashboard: the page's numbers as JSON (decimals as strings,
dates ISO), as the OpenAPI document describes them; only for the program's office."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.results.helpers import results_world
from wfapp.services import results

from .helpers import dash_world


def path(world) -> str:
    return f"/api/v1/programs/{world.program.id}/dashboard"


def conforms(value: Any, schema: dict[str, Any], where: str = "$") -> None:
    """Enough of JSON Schema for the document's own answer: types, required, enums."""
    kinds = schema.get("type")
    kinds = [kinds] if isinstance(kinds, str) else kinds or []
    python = {
        "object": dict,
        "array": list,
        "string": str,
        "integer": int,
        "boolean": bool,
        "null": type(None),
    }
    assert any(isinstance(value, python[k]) for k in kinds), (where, value, kinds)
    if "enum" in schema:
        assert value in schema["enum"], (where, value)
    if isinstance(value, dict):
        assert set(schema.get("required", [])) <= set(value), (where, value.keys())
        for key, sub in schema.get("properties", {}).items():
            conforms(value[key], sub, f"{where}.{key}")
    if isinstance(value, list):
        for i, item in enumerate(value):
            conforms(item, schema["items"], f"{where}[{i}]")


def test_the_office_reads_the_numbers(app, api, client):
    """Stages in workflow order with labels, every unit's items with the overdue count,
    the closure series with ISO dates and rates as strings; the answer matches the schema
    the OpenAPI document gives for it."""
    world = dash_world()
    plans = world.extra["plans"]
    r = api(world.office).get(path(world))
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["program_id"] == world.program.id and body["closed_at"] is None
    assert body["today"] == body["until"] == date.fromisoformat(body["today"]).isoformat()
    first, second, third = body["groups"]
    assert first["group"]["name"] == "第一组"
    assert [(s["label"], s["plans"]) for s in first["plans_per_stage"]][:2] == [
        ("初稿", 1),
        ("同组互审", 0),
    ]
    units = first["rectification"]["units"]
    assert [u["plan_id"] for u in units] == [plans[k].id for k in "ABCD"]
    a = units[0]
    assert (a["unit"]["name"], a["items"], a["open"], a["closed"]) == ("单位A", 3, 2, 1)
    assert a["overdue"] == 2  # today is long past both due dates (20 March, 30 April 2025)
    assert first["rectification"]["closure_rate"] == "50.0"
    assert first["grades"] == {"version": None, "published": False, "levels": []}
    points = first["closure"]["points"]
    assert points[0] == {"date": "2025-03-03", "closed": 0, "items": 2, "rate": "0.0"}
    assert points[-1]["date"] == body["until"] and points[-1]["rate"] == "50.0"
    assert first["closure"]["step"] == "month"  # from March 2025 to today
    assert third["closure"] == {"step": "week", "points": []}
    assert second["rectification"]["overdue"] == 1

    doc = client.get("/api/v1/openapi.json").get_json()
    op = doc["paths"]["/api/v1/programs/{program_id}/dashboard"]["get"]
    # and the request bounds every operation documents (400, 413, 422)
    assert {"200", "401", "403", "404"} <= set(op["responses"])
    conforms(body, op["responses"]["200"]["content"]["application/json"]["schema"])


def test_grades_in_the_json(app, api):
    world = results_world()
    results.close_evaluation(world.office, world.program.id, world.group.id)
    (group,) = api(world.office).get(path(world)).get_json()["groups"]
    assert group["grades"]["version"] == 1 and group["grades"]["published"] is False
    assert [(lv["grade"], lv["label"], lv["units"]) for lv in group["grades"]["levels"]] == [
        ("excellent", "优秀", 1),
        ("good", "良好", 0),
        ("fair", "一般", 3),
        ("poor", "差", 0),
    ]


@pytest.mark.parametrize("who", ["a_liaison", "a_head", "leader", "evaluator", "admin"])
def test_others_are_refused(app, api, who):
    world = dash_world()
    r = api(getattr(world, who)).get(path(world))
    assert r.status_code == 403 and r.get_json()["message"]


def test_no_token_no_program(app, api, client):
    world = dash_world()
    assert client.get(path(world)).status_code == 401
    missing = api(world.office).get(f"/api/v1/programs/{world.program.id + 9}/dashboard")
    assert missing.status_code == 404
