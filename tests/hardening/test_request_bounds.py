"""What an anonymous caller (or any caller) may send: every request is bounded before it is
read, and every malformed one is a 4xx, never a 500 or a grown worker."""

from __future__ import annotations

import json

import pytest

from tests.pages import text
from wfapp.bounds import MAX_ID
from wfapp.database import db
from wfapp.models import Plan


def test_max_content_length_is_the_configured_one_not_flasks_none(app):
    """The review found MAX_CONTENT_LENGTH = None: the config value lost to Flask's default."""
    assert app.config["MAX_CONTENT_LENGTH"] == 1_048_576


def test_an_anonymous_oversized_json_body_is_413_before_it_is_read(client):
    """A 2 MB body to the token endpoint (the review sent 200 MB) is refused unread."""
    body = b'{"username": "' + b"a" * 2_000_000 + b'", "password": "x"}'
    response = client.post(
        "/api/v1/auth/token", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.get_json()["message"] == "请求体过大"


def test_an_oversized_form_post_is_413(client):
    response = client.post("/login", data={"username": "x" * 2_000_000, "password": "x"})
    assert response.status_code == 413
    assert "文件过大" in text(response) or "413" in text(response)


def test_upload_routes_allow_their_own_larger_limit(app, world, api):
    """A 1.5 MB Excel body is over the general limit but within MAX_UPLOAD_BYTES: it reaches
    the Excel check (422: not a workbook) instead of 413."""
    db.session.commit()
    caller = api(world.a_liaison)
    response = caller.client.put(
        f"/api/v1/plans/{world.plan.id}/indicators.xlsx",
        data=b"x" * 1_500_000,
        headers={**caller.headers, "Content-Type": "application/octet-stream"},
    )
    assert response.status_code == 422


def test_an_upload_beyond_its_route_limit_is_413(app, world, api):
    app.config["MAX_UPLOAD_BYTES"] = 100_000
    db.session.commit()
    caller = api(world.a_liaison)
    response = caller.client.put(
        f"/api/v1/plans/{world.plan.id}/indicators.xlsx",
        data=b"x" * (100_000 + 1_048_576 + 1),
        headers={**caller.headers, "Content-Type": "application/octet-stream"},
    )
    assert response.status_code == 413


@pytest.mark.parametrize("depth", [33, 100_000])
def test_deeply_nested_json_is_400_before_login(client, depth):
    """The review's body nested 100,000 deep answered 500 (RecursionError)."""
    body = "[" * depth + "]" * depth
    response = client.post(
        "/api/v1/auth/token", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.get_json()["errors"]


def test_nesting_within_the_limit_and_brackets_inside_strings_are_fine(app):
    from wfapp.bounds import json_depth

    assert json_depth('{"a": [[1], {"b": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}]}') == 3
    assert app.json.loads('{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}') == {"a": "[" * 42}


@pytest.mark.parametrize("plan_id", [MAX_ID + 1, 2**63, 2**64 + 5])
def test_ids_beyond_the_database_range_are_404_on_pages_and_api(client, api, world, plan_id):
    """Any integer path id ≥ 2**31 answered 500 on PostgreSQL (≥ 2**63 on SQLite)."""
    db.session.commit()
    assert client.get(f"/portal/plans/{plan_id}").status_code == 404
    assert client.get(f"/plans/{plan_id}").status_code in (302, 404)
    assert api(world.a_liaison).get(f"/api/v1/plans/{plan_id}").status_code == 404


def test_the_largest_id_in_range_is_an_ordinary_404(api, world):
    db.session.commit()
    assert api(world.a_liaison).get(f"/api/v1/plans/{MAX_ID}").status_code == 404


def test_405_carries_allow_on_the_api_and_the_pages(client):
    response = client.delete("/api/v1/auth/token")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    page = client.put("/login")
    assert page.status_code == 405
    assert {"GET", "POST"} <= set(page.headers["Allow"].replace(" ", "").split(","))


def test_control_characters_in_json_are_refused_naming_the_field(api, world):
    """U+0003 in an indicator's text made the Excel export 500 for every user of the plan."""
    db.session.commit()
    caller = api(world.a_liaison)
    before = [i.as_row() for i in world.plan.indicators]
    rows = [dict(r) for r in before]
    rows[1]["content"] = "目标\x03内容"
    version = caller.get(f"/api/v1/plans/{world.plan.id}").get_json()["version"]
    response = caller.put(
        f"/api/v1/plans/{world.plan.id}/indicators", json={"indicators": rows, "version": version}
    )
    assert response.status_code == 422
    problem = response.get_json()["errors"][0]
    assert problem["code"] == "indicators.1.content"
    assert "U+0003" in problem["message"]
    db.session.expire_all()
    assert [i.as_row() for i in db.session.get(Plan, world.plan.id).indicators] == before


def test_control_characters_in_a_form_are_refused_naming_the_field(browser, world):
    db.session.commit()
    browser.login(world.a_liaison)
    response = browser.submit(
        f"/plans/{world.plan.id}",
        f"/plans/{world.plan.id}/actions/submit",
        {"comment": "请\x07审核", "version": world.plan.version},
    )
    assert response.status_code == 422
    assert "comment" in text(response) and "U+0007" in text(response)
    db.session.expire_all()
    assert db.session.get(Plan, world.plan.id).state == "draft"


def test_json_keys_are_checked_too(client):
    body = json.dumps({"user\x01name": "a", "password": "b"})
    response = client.post(
        "/api/v1/auth/token", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
