"""A unit's grades across the years and the 效能问责 flag, as the office, the unit and others
see them: results scored here, grades entered from before wfapp, the office board."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.pages import Browser, text
from tests.results.helpers import results_world
from wfapp.database import db
from wfapp.models import AuditEvent, PastGrade
from wfapp.services import history, results
from wfapp.services.errors import Forbidden, Invalid


@pytest.fixture
def scored(app):
    """A group of four scored in 2024 (A 优秀, B, C, D 一般); D was 一般 in 2022 and 2023,
    C 一般 in 2023 only, A 差 in 2023."""
    world = results_world()
    results.close_evaluation(world.office, world.program.id, world.group.id)
    u = world.units
    for unit, year, grade in [
        (u["D"], 2022, "fair"),
        (u["D"], 2023, "fair"),
        (u["C"], 2023, "fair"),
        (u["A"], 2023, "poor"),
    ]:
        history.record_past_grade(world.office, unit.id, year, grade, "往年通报")
    return world


# --- the office ---------------------------------------------------------------------------


def test_three_years_of_fair_raise_the_flag_on_the_office_board(scored, client):
    """D is 一般 for the third year running: the office board names it with the reason; C
    (two years) and A (差 last year, 优秀 now) are not named."""
    world = scored
    flagged = history.accountability(world.office, world.program.id)
    assert [(f.unit.id, f.reason) for f in flagged] == [
        (world.units["D"].id, "连续3年（2022—2024年度）考评结果为一般")
    ]
    page = Browser(client).login(world.office).get(f"/office/programs/{world.program.id}")
    body = text(page)
    assert "效能问责提示" in body and "连续3年（2022—2024年度）考评结果为一般" in body
    assert world.units["D"].name in body.split("效能问责提示")[1].split("各单位方案")[0]
    assert world.units["C"].name not in body.split("效能问责提示")[1].split("各单位方案")[0]


def test_a_unit_graded_poor_is_flagged_that_year(scored):
    """Entering 差 for a year is enough for that year's flag (the history shows it)."""
    world = scored
    found = history.unit_history(world.office, world.units["A"].id)
    assert found.flags == {2023: "2023年度考评结果为差"}
    assert found.flag is None  # the latest year (2024, 优秀) calls for nothing


def test_history_merges_results_here_and_grades_entered(scored):
    """D's years: 2024 from the results here (score, rank, not yet published), 2023 and 2022
    entered, newest first."""
    world = scored
    found = history.unit_history(world.office, world.units["D"].id)
    assert [(y.year, y.label, y.source) for y in found.years] == [
        (2024, "一般", "result"),
        (2023, "一般", "past"),
        (2022, "一般", "past"),
    ]
    latest = found.years[0]
    assert latest.rank == 4 and latest.group_size == 4 and latest.published is False
    assert latest.program.id == world.program.id
    assert found.flag == "连续3年（2022—2024年度）考评结果为一般"


def test_a_year_scored_here_cannot_be_entered_by_hand(scored):
    world = scored
    with pytest.raises(Invalid) as exc:
        history.record_past_grade(world.office, world.units["D"].id, 2024, "good")
    assert [p.code for p in exc.value.problems] == ["year"]
    assert db.session.scalars(select(PastGrade).where(PastGrade.year == 2024)).all() == []


def test_bad_input_names_each_field_and_saves_nothing(scored):
    world = scored
    before = db.session.scalars(select(PastGrade)).all()
    with pytest.raises(Invalid) as exc:
        history.record_past_grade(world.office, world.units["B"].id, 1999, "great", "x" * 501)
    assert sorted(p.code for p in exc.value.problems) == ["grade", "note", "year"]
    assert db.session.scalars(select(PastGrade)).all() == before


def test_a_correction_replaces_the_grade_and_the_audit_keeps_the_old_one(scored):
    world = scored
    d = world.units["D"].id
    history.record_past_grade(world.office, d, 2022, "good", "更正：通报第2号")
    assert history.unit_history(world.office, d).flag is None  # the streak is broken
    event = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "record_past_grade", AuditEvent.object_id == d)
        .order_by(AuditEvent.id.desc())
    ).first()
    assert event.data["before"] == {"grade": "fair", "note": "往年通报"}
    assert event.data["grade"] == "good"


def test_the_office_enters_a_grade_on_the_page_and_errors_stay_by_the_field(scored, client):
    world = scored
    b = Browser(client).login(world.office)
    url = f"/units/{world.units['B'].id}/history"
    bad = b.submit(url, f"/units/{world.units['B'].id}/past-grades", {"year": "", "grade": ""})
    assert bad.status_code == 422 and "请填写年度" in text(bad)
    wrong = b.submit(
        url, f"/units/{world.units['B'].id}/past-grades", {"year": "2023", "grade": ""}
    )
    assert wrong.status_code == 422 and "请选择等次" in text(wrong)
    ok = b.submit(
        url,
        f"/units/{world.units['B'].id}/past-grades",
        {"year": "2023", "grade": "good", "note": "通报"},
    )
    assert ok.status_code == 302
    page = text(b.get(url))
    assert "2023" in page and "良好" in page and "往年录入（通报）" in page


# --- who may see what ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "unit", "status"),
    [
        ("office", "D", 200),
        ("admin", "D", 200),
        ("inspector", "D", 200),  # 效能办 acts on the rule
        ("d-liaison", "D", 200),  # its own unit
        ("leader", "A", 200),  # 分管领导 of A and B
        ("leader", "D", 403),
        ("a-liaison", "D", 403),  # another unit's
        ("evaluator", "D", 403),
    ],
)
def test_who_reads_a_units_history(scored, api, who, unit, status):
    world = scored
    r = api(world.users[who]).get(f"/api/v1/units/{world.units[unit].id}/history")
    assert r.status_code == status, r.get_json()
    if status == 200:
        years = [y["year"] for y in r.get_json()["years"]]
        assert years == sorted(years, reverse=True) and 2024 in years


@pytest.mark.parametrize("who", ["admin", "inspector", "d-liaison", "leader", "evaluator"])
def test_only_an_office_enters_past_grades(scored, api, who):
    world = scored
    r = api(world.users[who]).post(
        f"/api/v1/units/{world.units['B'].id}/past-grades", json={"year": 2022, "grade": "good"}
    )
    assert r.status_code == 403, r.get_json()
    with pytest.raises(Forbidden):
        history.record_past_grade(world.users[who], world.units["B"].id, 2022, "good")


def test_the_api_enters_a_grade_and_names_bad_fields(scored, api):
    world = scored
    b = world.units["B"].id
    r = api(world.office).post(f"/api/v1/units/{b}/past-grades", json={"year": "2022"})
    assert r.status_code in (400, 422)
    assert {e["code"] for e in r.get_json()["errors"]} >= {"year", "grade"}
    r = api(world.office).post(
        f"/api/v1/units/{b}/past-grades", json={"year": 2022, "grade": "good", "note": "通报"}
    )
    assert r.status_code == 201
    assert r.get_json()["years"][-1] == {
        **r.get_json()["years"][-1],
        "year": 2022,
        "grade": "good",
        "grade_label": "良好",
        "source": "past",
    }
    flagged = api(world.office).get(f"/api/v1/programs/{world.program.id}/accountability")
    assert [u["unit"]["id"] for u in flagged.get_json()["units"]] == [world.units["D"].id]
    assert api(world.d_liaison).get(
        f"/api/v1/programs/{world.program.id}/accountability"
    ).status_code in (403, 404)
