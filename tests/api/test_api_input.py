"""Bad input through the API gets a clear 4xx with each problem named; nothing is saved."""

from __future__ import annotations

from tests.factories import table
from wfapp.models import AuditEvent


def url(world, tail=""):
    return f"/api/v1/plans/{world.plan.id}{tail}"


def test_liaison_replaces_a_draft_table(world, api):
    """The unit's liaison may replace the draft's table; warnings come back with it."""
    rows = table()
    rows[1]["content"] = "完成重点项目投资30亿元"
    r = api(world.a_liaison).put(url(world, "/indicators"), json={"indicators": rows})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["indicators"][1]["content"] == "完成重点项目投资30亿元"
    assert body["indicators"][1]["weight"] == "30.00"
    assert body["warnings"] == [{"code": "1-2-2", "message": "未填写责任人，将由责任科室负责"}]


def test_invalid_table_is_refused_whole_with_row_codes(world, api):
    """One bad row: 422 naming it, and the stored table is unchanged."""
    before = api(world.a_liaison).get(url(world)).get_json()
    rows = table()
    rows[1]["weight"] = "31"
    rows[6]["responsible_departments"] = []
    r = api(world.a_liaison).put(url(world, "/indicators"), json={"indicators": rows})
    assert r.status_code == 422
    codes = {e["code"] for e in r.get_json()["errors"]}
    assert {"1", "2-1"} <= codes
    after = api(world.a_liaison).get(url(world)).get_json()
    assert after["indicators"] == before["indicators"]
    assert after["version"] == before["version"]


def test_table_of_a_submitted_plan_cannot_change(world, api):
    """Editing is for drafts only: 409 once it is submitted."""
    api(world.a_liaison).act(world.plan.id, "submit")
    r = api(world.a_liaison).put(url(world, "/indicators"), json={"indicators": table()})
    assert r.status_code == 409


def test_peer_may_not_edit(world, api):
    api(world.a_liaison).act(world.plan.id, "submit")
    r = api(world.b_liaison).put(url(world, "/indicators"), json={"indicators": table()})
    assert r.status_code == 403


def test_malformed_json_is_400(world, api):
    r = api(world.a_liaison).post(
        url(world, "/actions/submit"), data="{not json", content_type="application/json"
    )
    assert r.status_code == 400
    assert r.get_json()["errors"][0]["code"] == "body"


def test_unknown_fields_and_wrong_types_are_422(world, api):
    r = api(world.a_liaison).post(
        url(world, "/actions/submit"), json={"version": "1", "colour": "red"}
    )
    assert r.status_code == 422
    codes = {e["code"] for e in r.get_json()["errors"]}
    assert codes == {"version", "colour"}


def test_wrong_types_in_rows_are_422(world, api):
    rows = table()
    rows[0]["weight"] = {"value": 60}
    rows[1]["responsible_persons"] = [1, 2]
    r = api(world.a_liaison).put(url(world, "/indicators"), json=rows)
    assert r.status_code == 422
    codes = {e["code"] for e in r.get_json()["errors"]}
    assert any(c.startswith("indicators.0.weight") for c in codes)
    assert any(c.startswith("indicators.1.responsible_persons") for c in codes)


def test_missing_version_is_422(world, api):
    r = api(world.a_liaison).post(url(world, "/actions/submit"), json={"comment": "x"})
    assert r.status_code == 422
    assert r.get_json()["errors"][0]["code"] == "version"


def test_return_without_reason_is_422_and_nothing_recorded(world, api):
    api(world.a_liaison).act(world.plan.id, "submit")
    events = AuditEvent.query.count()
    r = api(world.b_liaison).act(world.plan.id, "return", "   ")
    assert r.status_code == 422
    assert r.get_json()["errors"][0]["code"] == "comment"
    assert AuditEvent.query.count() == events


def test_unknown_action_is_403_not_500(world, api):
    r = api(world.a_liaison).act(world.plan.id, "approve_everything")
    assert r.status_code == 403


def test_submit_of_an_invalid_table_lists_the_rows(world, api):
    """A table broken behind the API's back (data from an older version) is caught on submit."""
    from wfapp.database import db

    world.plan.indicators[1].weight = 1
    db.session.commit()
    r = api(world.a_liaison).act(world.plan.id, "submit")
    assert r.status_code == 422
    codes = [e["code"] for e in r.get_json()["errors"]]
    assert codes[0] == "table_is_valid" and "1" in codes


def test_not_found_routes_answer_json(world, api):
    r = api(world.a_liaison).get("/api/v1/nothing-here")
    assert r.status_code == 404
    assert r.get_json()["message"]
