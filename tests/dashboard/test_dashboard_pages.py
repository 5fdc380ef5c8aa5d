"""The dashboard page (绩效办工作台 → 图表概览): what the office sees, that it works offline
and under the CSP, and who does not see it."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from tests.pages import Browser, text
from tests.results.helpers import results_world
from tests.web.test_offline_pages import EXTERNAL
from wfapp.services import results
from wfapp.services.dashboard import dashboard

from .helpers import dash_world

SVG = re.compile(r"<svg\b.*?</svg>", re.S)


def url(world) -> str:
    return f"/office/programs/{world.program.id}/dashboard"


def test_the_office_sees_each_groups_charts_and_numbers(app, client):
    """Each group is a section with its charts as inline SVG (well-formed, labelled) and the
    numbers in tables; overdue counts link to the unit's items and to the 整改 board."""
    world = dash_world()
    plans = world.extra["plans"]
    r = Browser(client).login(world.office).get(url(world))
    assert r.status_code == 200
    html = text(r)
    assert 'aria-current="page">图表概览</a>' in html
    sections = re.findall(r'<section class="dashboard-group" id="group-(\d+)"', html)
    assert sections == [str(g.id) for g in world.program.groups]
    charts = SVG.findall(html)
    # 第一组, 第二组: stages, overdue, closure (not scored: no grades); 第三组: stages, overdue.
    assert len(charts) == 8
    for svg in charts:
        root = ET.fromstring(svg)
        assert root.get("role") == "img" and root.get("aria-label")
    assert "第一组：各环节方案数：初稿 1个，同组互审 0个" in html
    assert f'href="/plans/{plans["A"].id}/rectification"' in html
    # The page counts on the real today: as many as the service finds for it.
    overdue = dashboard(world.office, world.program.id).groups[0].units[0].overdue
    assert overdue >= 1
    assert f'data-testid="overdue-{plans["A"].id}">{overdue}</a>' in html
    assert f'href="/office/programs/{world.program.id}/rectification"' in html
    assert "尚未结束考评计分" in html and "本组还没有整改事项" in html
    assert re.search(r"<td>\d{4}-\d{2}-\d{2}</td><td class=\"num\">\d+</td>", html)


def test_the_page_needs_nothing_from_outside_and_no_inline_style(app, client):
    world = dash_world()
    html = text(Browser(client).login(world.office).get(url(world)))
    assert not EXTERNAL.search(html), EXTERNAL.search(html)
    assert "http://" not in html and "https://" not in html
    assert "style=" not in html and "<script>" not in html


def test_a_scored_group_shows_its_grades(app, client):
    """After closing evaluation the grade chart shows the latest version, unpublished, then
    published."""
    world = results_world()
    results.close_evaluation(world.office, world.program.id, world.group.id)
    b = Browser(client).login(world.office)
    html = text(b.get(url(world)))
    assert "第 1 版结果，未公布" in html
    assert "等次分布：优秀 1个，良好 0个，一般 3个，差 0个" in html
    results.publish(world.office, world.program.id, world.group.id)
    assert "第 1 版结果，已公布" in text(b.get(url(world)))


def test_the_console_has_the_tab(app, client):
    world = dash_world()
    html = text(Browser(client).login(world.office).get(f"/office/programs/{world.program.id}"))
    assert f'href="/office/programs/{world.program.id}/dashboard"' in html


@pytest.mark.parametrize("who", ["a_liaison", "leader", "evaluator", "d_liaison", "admin"])
def test_others_may_not_open_it(app, client, who):
    """Units, leaders, evaluators and admins have no standing for the office's dashboard."""
    world = dash_world()
    r = Browser(client).login(getattr(world, who)).get(url(world))
    assert r.status_code == 403
    assert "图表概览" not in text(r) or "无权" in text(r)


def test_without_login_it_asks_to_sign_in(app, client):
    world = dash_world()
    r = Browser(client).login(None).get(url(world))
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_an_unknown_program_is_404(app, client):
    world = dash_world()
    r = (
        Browser(client)
        .login(world.office)
        .get(f"/office/programs/{world.program.id + 9}/dashboard")
    )
    assert r.status_code == 404
