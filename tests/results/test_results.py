"""Closing evaluation, result versions, flags and publication, through the API as each user.

The group: units A > B > C > D by their sheets, two evaluators, Quanzhou 2021 rules
(4 × 30 % floored = 1 优秀; the last three 一般 when at least 70)."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook

from tests.results.helpers import deduction, results_world, signed_sheet
from tests.year.helpers import PDF
from wfapp.database import db
from wfapp.models import AuditEvent, EvaluationSheet, Plan, ResultVersion, UnitResult
from wfapp.scoring import evaluate
from wfapp.services import results
from wfapp.services.errors import Invalid

ROOT = Path(__file__).resolve().parents[2]
BASE = "/api/v1/programs/{p}/groups/{g}"


def base(world) -> str:
    return BASE.format(p=world.program.id, g=world.group.id)


def close(api, world, **body):
    return api(world.office).post(f"{base(world)}/close-evaluation", json=body)


def flag(api, world, key, kind, reason="班子成员受处分"):
    office = api(world.office)
    plan = world.extra["plans"][key]
    data = {"kind": kind, "reason": reason, "file": (io.BytesIO(PDF), "处分决定.pdf")}
    return office.client.post(
        f"/api/v1/plans/{plan.id}/result-flags",
        data=data,
        headers=office.headers,
        content_type="multipart/form-data",
    )


def ranking(body) -> list[tuple[str, str, str]]:
    return [(i["unit"], i["total"], i["grade_label"]) for i in body["items"]]


# --- the office closes evaluation ---------------------------------------------------------


def test_close_is_refused_with_the_missing_sheets(app, api):
    """Can the office close a group while an evaluator has not signed? Not without a reason;
    the answer names each missing sheet, and nothing moves."""
    world = results_world()
    d = world.extra["plans"]["D"]
    sheet = db.session.query(EvaluationSheet).filter_by(plan_id=d.id).first()
    sheet.state = "draft"
    db.session.commit()

    r = close(api, world)
    assert r.status_code == 422
    messages = [e["message"] for e in r.get_json()["errors"]]
    assert any("单位D" in m and sheet.evaluator.display_name in m for m in messages)
    assert db.session.query(ResultVersion).count() == 0
    db.session.expire_all()
    assert {p.state for p in db.session.query(Plan)} == {"central_evaluation"}


def test_forced_close_records_its_reason(app, api):
    """Can the office force the close with a reason? Yes: the signed sheets count, the reason
    is kept on the version and in every plan's history."""
    world = results_world()
    d = world.extra["plans"]["D"]
    db.session.query(EvaluationSheet).filter_by(plan_id=d.id).first().state = "draft"
    db.session.commit()

    r = close(api, world, force_reason="考评组成员因公出差，经批准按已签名评分表计分")
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["version"]["forced_reason"].startswith("考评组成员因公出差")
    d_item = next(i for i in body["items"] if i["unit"] == "单位D")
    assert any("1 份评分" in line for line in d_item["explanation"])
    events = db.session.query(AuditEvent).filter_by(action="close_evaluation", plan_id=d.id).all()
    assert [e.comment for e in events] == ["考评组成员因公出差，经批准按已签名评分表计分"]


def test_close_without_public_score_names_the_unit(app, api):
    """A unit without its 公众评议 score cannot be scored: the answer says which."""
    world = results_world(public=False)
    r = close(api, world)
    assert r.status_code == 422
    assert any(
        "单位A" in e["message"] and "公众评议" in e["message"] for e in r.get_json()["errors"]
    )
    assert db.session.query(ResultVersion).count() == 0


def test_close_scores_the_group_and_moves_plans_on(app, api):
    """Closing scores every unit (version 1, unpublished) and sends a plan with findings to
    rectification, the others to the archive."""
    world = results_world()
    plans = world.extra["plans"]
    deduction(world, plans["C"], "1.5")  # a 察访核验 finding
    r = close(api, world)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["version"]["version"] == 1 and body["version"]["published_at"] is None
    # A: sheets 96 % and 94 % of every weight → 95.00 × 70 % = 66.50; public 90 × 30 % = 27.00.
    assert ranking(body) == [
        ("单位A", "93.50", "优秀"),
        ("单位B", "88.70", "一般"),
        ("单位C", "83.80", "一般"),  # 59.50 + 25.80 − 1.50
        ("单位D", "80.50", "一般"),
    ]
    db.session.expire_all()
    states = {k: db.session.get(Plan, p.id).state for k, p in plans.items()}
    assert states == {"A": "closed", "B": "closed", "C": "rectification", "D": "closed"}
    assert close(api, world).status_code == 409  # once per group


def test_a_marked_finding_sends_the_plan_to_rectification(app, api):
    """An item an evaluator marked as a finding sends the plan to rectification."""
    world = results_world(units="AB", sign=False)
    a, b = world.extra["plans"]["A"], world.extra["plans"]["B"]
    for user in (world.evaluator, world.evaluator2):
        signed_sheet(a, user, Decimal("0.95"))
    signed_sheet(b, world.evaluator, Decimal("0.9"), findings=("2-1",))
    signed_sheet(b, world.evaluator2, Decimal("0.9"))
    db.session.commit()
    assert close(api, world).status_code == 200
    db.session.expire_all()
    assert db.session.get(Plan, b.id).state == "rectification"
    assert db.session.get(Plan, world.plan.id).state == "closed"


def test_a_plan_not_yet_in_evaluation_blocks_even_a_forced_close(app, api):
    world = results_world()
    world.extra["plans"]["B"].state = "self_assessment"
    db.session.commit()
    r = close(api, world, force_reason="赶进度")
    assert r.status_code == 422
    assert any("尚未进入集中考评" in e["message"] for e in r.get_json()["errors"])


def test_nobody_but_the_office_closes(app, api):
    """Can a unit, an evaluator or an admin close the group? No (403)."""
    world = results_world()
    for user in (world.a_liaison, world.evaluator, world.admin, world.leader):
        r = api(user).post(f"{base(world)}/close-evaluation", json={})
        assert r.status_code == 403, user.username
    assert db.session.query(ResultVersion).count() == 0


def test_a_plan_cannot_be_closed_alone(app, api):
    """Can the office close one plan through the plan actions? No: closing is per group."""
    world = results_world()
    r = api(world.office).act(world.plan.id, "close_evaluation")
    assert r.status_code == 403
    assert (
        "close_evaluation"
        not in api(world.office).get(f"/api/v1/plans/{world.plan.id}").get_json()["actions"]
    )


# --- flags, reruns and the difference -----------------------------------------------------


def test_downgrade_from_excellent_and_veto_show_after_a_rerun(app, api):
    """A 降档 takes A from 优秀 to 良好, a 一票否决 makes B 差; the rerun is version 2 and
    shows each unit's change against version 1."""
    world = results_world()
    assert close(api, world).status_code == 200
    assert flag(api, world, "A", "downgrade").status_code == 201
    assert flag(api, world, "B", "veto", "发生重大安全生产责任事故").status_code == 201

    r = api(world.office).post(f"{base(world)}/results/rescore", json={"reason": "录入降档与否决"})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["version"]["version"] == 2
    items = {i["unit"]: i for i in body["items"]}
    a, b, c = items["单位A"], items["单位B"], items["单位C"]
    assert (a["grade_before_flags_label"], a["grade_label"]) == ("优秀", "良好")
    assert (a["reward_factor_before_flags"], a["reward_factor"]) == ("1.00", "0.90")
    assert (b["grade_before_flags_label"], b["grade_label"]) == ("一般", "差")
    assert b["flags"]["veto"] == "发生重大安全生产责任事故"
    assert any("降" in line for line in a["explanation"])
    assert a["changed"] and b["changed"] and not c["changed"]
    assert a["previous"] == {"total": "93.50", "rank": 1, "grade": "excellent"}


def test_a_flag_needs_reason_and_evidence(app, api):
    world = results_world()
    close(api, world)
    plan = world.extra["plans"]["A"]
    r = api(world.office).post(
        f"/api/v1/plans/{plan.id}/result-flags", json={"kind": "veto", "reason": " "}
    )
    assert r.status_code == 422
    codes = {e["code"] for e in r.get_json()["errors"]}
    assert {"reason", "file"} <= codes


def test_only_the_office_enters_flags(app, api):
    """Can the unit, its leader or the inspector enter a 一票否决? No."""
    world = results_world()
    close(api, world)
    for user in (world.a_liaison, world.leader, world.inspector):
        r = api(user).post(
            f"/api/v1/plans/{world.plan.id}/result-flags",
            json={"kind": "veto", "reason": "x", "evidence_id": 1},
        )
        assert r.status_code == 403, user.username


def test_a_cancelled_flag_no_longer_counts(app, api):
    world = results_world()
    close(api, world)
    made = flag(api, world, "A", "downgrade").get_json()
    office = api(world.office)
    assert (
        office.post(f"/api/v1/result-flags/{made['id']}/cancel", json={"reason": ""}).status_code
        == 422
    )
    r = office.post(f"/api/v1/result-flags/{made['id']}/cancel", json={"reason": "处分已撤销"})
    assert r.status_code == 201
    assert (
        office.post(
            f"/api/v1/result-flags/{made['id']}/cancel", json={"reason": "再撤"}
        ).status_code
        == 409
    )
    body = office.post(f"{base(world)}/results/rescore", json={"reason": "复核"}).get_json()
    assert next(i for i in body["items"] if i["unit"] == "单位A")["grade_label"] == "优秀"
    assert not any(i["changed"] for i in body["items"])


# --- publication --------------------------------------------------------------------------


def test_publish_is_recorded_and_freezes_flags(app, api):
    """Publishing is an action of its own, in every plan's history; after it no flag may be
    entered."""
    world = results_world()
    close(api, world)
    r = api(world.office).post(f"{base(world)}/results/publish", json={"version": 1})
    assert r.status_code == 200
    assert r.get_json()["version"]["published_at"]
    events = db.session.query(AuditEvent).filter_by(action="publish_results").all()
    assert len(events) == 4 and all(e.data["version"] == 1 for e in events)
    assert flag(api, world, "A", "veto").status_code == 409
    again = api(world.office).post(f"{base(world)}/results/publish", json={})
    assert again.status_code == 409


def test_publish_waits_for_a_rerun_after_a_flag(app, api):
    """A flag entered after scoring must be scored before publication (409 until the rerun)."""
    world = results_world()
    close(api, world)
    flag(api, world, "A", "downgrade")
    office = api(world.office)
    assert office.post(f"{base(world)}/results/publish", json={}).status_code == 409
    office.post(f"{base(world)}/results/rescore", json={"reason": "计入降档"})
    assert office.post(f"{base(world)}/results/publish", json={"version": 1}).status_code == 409
    assert office.post(f"{base(world)}/results/publish", json={"version": 2}).status_code == 200


def test_a_unit_sees_only_its_own_result_once_published(app, api):
    """Before publication the unit reads nothing; after it, its own result and explanation,
    never another unit's, nor the group ranking."""
    world = results_world()
    close(api, world)
    mine = f"/api/v1/plans/{world.plan.id}/result"
    r = api(world.a_liaison).get(mine)
    assert r.status_code == 200 and r.get_json() == {
        "published": False,
        "result": None,
        "version": None,
    }
    office_view = api(world.office).get(mine).get_json()
    assert office_view["published"] is False and office_view["result"]["total"] == "93.50"

    api(world.office).post(f"{base(world)}/results/publish", json={})
    body = api(world.a_liaison).get(mine).get_json()
    assert body["published"] and body["result"]["grade_label"] == "优秀"
    assert body["result"]["explanation"][-3].startswith("排名 1/4")
    b_plan = world.extra["plans"]["B"]
    assert api(world.a_liaison).get(f"/api/v1/plans/{b_plan.id}/result").status_code == 403
    assert api(world.d_liaison).get(mine).status_code == 403
    assert api(world.a_liaison).get(f"{base(world)}/results").status_code == 403
    assert api(world.leader).get(mine).get_json()["published"] is True


def test_excel_has_the_ranking_and_totals(app, api):
    world = results_world()
    close(api, world)
    r = api(world.office).get(f"{base(world)}/results.xlsx")
    assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(r.data)).active
    header = [c.value for c in ws[3]]
    assert header[:2] == ["排名", "单位"] and "综合得分" in header and "绩效奖励系数" in header
    total, grade = header.index("综合得分"), header.index("等次")
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=4, max_row=7)]
    assert [(r[0], r[1], Decimal(str(r[total])), r[grade]) for r in rows] == [
        (1, "单位A", Decimal("93.5"), "优秀"),
        (2, "单位B", Decimal("88.7"), "一般"),
        (3, "单位C", Decimal("85.3"), "一般"),
        (4, "单位D", Decimal("80.5"), "一般"),
    ]
    assert api(world.a_liaison).get(f"{base(world)}/results.xlsx").status_code == 403


def test_stored_rows_match_the_engine(app):
    """What the pages read (unit rows) is what the engine computed for the stored inputs."""
    world = results_world()
    version = results.close_evaluation(world.office, world.program.id, world.group.id)
    engine = evaluate(results.scheme_in_force(world.program).scheme, version.inputs)
    rows = db.session.query(UnitResult).filter_by(result_version_id=version.id).all()
    assert {(str(r.plan_id), r.total, r.grade) for r in rows} == {
        (u.unit, u.total, u.grade) for u in engine.units
    }


def test_an_uploaded_scheme_is_checked_line_by_line(app, api, client):
    """A broken scheme is refused with its line numbers; a good one is in force from then on."""
    world = results_world()
    broken = "scheme: x\ntitle: t\nscale: 100\ntotal: weighted\ncomponents: []\ngrades: {}\n"
    try:
        results.upload_scheme(world.office, world.program.id, broken)
    except Invalid as exc:
        assert exc.problems and all(p.message.startswith("第 ") for p in exc.problems)
    else:
        raise AssertionError("a broken scheme was accepted")
    text = (ROOT / "config/schemes/quanzhou-2021.yaml").read_text(encoding="utf-8")
    lenient = text.replace("{top_ratio: 30%, rounding: floor", "{top_ratio: 50%, rounding: floor")
    row = results.upload_scheme(world.office, world.program.id, lenient)
    assert row.version == 1
    version = results.close_evaluation(world.office, world.program.id, world.group.id)
    assert [r.grade for r in version.rows][:2] == ["excellent", "excellent"]
    assert version.scheme_text == lenient
