"""The results pages, as the office and a unit use them."""

from __future__ import annotations

import io

from tests.pages import Browser, text
from tests.results.helpers import results_world
from tests.results.test_results import close
from tests.year.helpers import PDF
from wfapp.database import db
from wfapp.models import EvaluationSheet, Plan, ResultFlag
from wfapp.services import results


def urls(world):
    p, g = world.program.id, world.group.id
    return {
        "overview": f"/programs/{p}/results",
        "close": f"/programs/{p}/groups/{g}/close",
        "group": f"/programs/{p}/groups/{g}/results",
        "flags": f"/programs/{p}/groups/{g}/flags",
        "rescore": f"/programs/{p}/groups/{g}/results/rescore",
        "publish": f"/programs/{p}/groups/{g}/results/publish",
        "mine": f"/plans/{world.plan.id}/result",
    }


def test_office_closes_a_group_from_the_pages(app, client):
    """The office sees the missing sheet, cannot close without a reason, forces with one and
    lands on the ranking with each unit's explanation."""
    world = results_world()
    d = world.extra["plans"]["D"]
    db.session.query(EvaluationSheet).filter_by(plan_id=d.id).first().state = "draft"
    db.session.commit()
    u = urls(world)
    browser = Browser(client).login(world.office)

    overview = text(browser.get(u["overview"]))
    assert "结束考评并计分" in overview and "quanzhou-2021" in overview
    page = text(browser.get(u["close"]))
    assert "单位D" in page and "尚未签名" in page and "强制结束的理由" in page

    refused = browser.submit(u["close"], u["close"], {"force_reason": ""})
    assert refused.status_code == 422
    assert 'id="errors-force_reason"' in text(refused)
    assert db.session.query(Plan).filter_by(state="central_evaluation").count() == 4

    done = browser.submit(u["close"], u["close"], {"force_reason": "经批准按已签名评分表计分"})
    assert done.status_code == 302
    ranking = text(browser.get(u["group"]))
    assert "第 1 版" in ranking and "未公布" in ranking
    assert "单位A" in ranking and "93.50" in ranking
    assert "综合得分 = 66.50 + 27.00 + 0.00 + 0.00 = 93.50" in ranking
    assert "经批准按已签名评分表计分" in ranking


def test_flag_rerun_difference_and_publish_in_the_pages(app, client):
    """A 降档 entered on the page, a rerun shows A's change, publishing lets the unit read
    its grade and explanation."""
    world = results_world()
    results.close_evaluation(world.office, world.program.id, world.group.id)
    u = urls(world)
    office = Browser(client).login(world.office)

    missing = office.submit(
        u["group"], u["flags"], {"plan": str(world.plan.id), "kind": "downgrade", "reason": ""}
    )
    assert missing.status_code == 422
    assert 'id="errors-file"' in text(missing)
    data = {
        "plan": str(world.plan.id),
        "kind": "downgrade",
        "reason": "班子成员受处分",
        "file": (io.BytesIO(PDF), "处分决定.pdf"),
    }
    assert office.submit(u["group"], u["flags"], data).status_code == 302
    assert db.session.query(ResultFlag).count() == 1

    assert office.submit(u["group"], u["rescore"], {"reason": ""}).status_code == 422
    assert office.submit(u["group"], u["rescore"], {"reason": "计入降档"}).status_code == 302
    page = text(office.get(u["group"]))
    assert "第 2 版" in page and "与第 1 版相比" in page
    assert "优秀 → 良好" in page and "班子成员受处分" in page

    # One test client, one session: each login replaces the other.
    unit = Browser(client).login(world.a_liaison)
    assert "考评结果尚未公布" in text(unit.get(u["mine"]))
    office.login(world.office)
    assert office.submit(u["group"], u["publish"], {"version": "2"}).status_code == 302
    unit.login(world.a_liaison)
    mine = text(unit.get(u["mine"]))
    assert "良好" in mine and "按得分确定的等次 优秀" in mine and "降低一个等次" in mine
    assert "综合得分 = 66.50 + 27.00 + 0.00 + 0.00 = 93.50" in mine
    assert "单位B" not in mine
    assert unit.get(u["group"]).status_code == 403
    hub = text(unit.get(f"/plans/{world.plan.id}/year"))
    assert 'id="link-result"' in hub and "公布考评结果" in hub
    assert 'id="link-result"' in text(unit.get(f"/plans/{world.plan.id}"))
    other = world.extra["plans"]["B"]
    assert 'id="link-result"' not in text(unit.get(f"/plans/{other.id}"))


def test_results_pages_carry_no_external_urls(app, client):
    world = results_world()
    results.close_evaluation(world.office, world.program.id, world.group.id)
    browser = Browser(client).login(world.office)
    for url in (urls(world)["overview"], urls(world)["group"], urls(world)["mine"]):
        page = text(browser.get(url))
        assert "http://" not in page and "https://" not in page, url


def test_a_broken_scheme_upload_shows_its_lines(app, client):
    world = results_world()
    u = urls(world)
    browser = Browser(client).login(world.office)
    bad = {"file": (io.BytesIO(b"scheme: x\ngrades: [\n"), "bad.yaml")}
    r = browser.submit(u["overview"], f"/programs/{world.program.id}/scheme", bad)
    assert r.status_code == 422
    assert "第 " in text(r) and "行" in text(r)


def test_rescoring_published_results_asks_first(app, client, api):
    """Once results are published, the 重新计分 button asks before it makes a new version
    (the page's script shows the question; without a yes nothing is sent)."""
    world = results_world()
    close(api, world)
    results.publish(world.office, world.program.id, world.group.id)
    page = text(Browser(client).login(world.office).get(urls(world)["group"]))
    button = page[page.index('id="do-rescore"') - 60 : page.index("按现有数据重新计分")]
    assert 'data-confirm="结果已公布。重新计分将生成新版本' in button
