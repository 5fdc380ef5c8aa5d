"""The office's lists of a program at a city's size: search, filters, paging."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.pages import Browser, text
from wfapp.database import db
from wfapp.models import Plan, User
from wfapp.services import deadlines
from wfapp.services.demo import load_demo
from wfapp.services.demo_scale import add_plans
from wfapp.timeutil import local_today

UNITS = "/office/programs/1/groups"


@pytest.fixture
def office(app, client):
    load_demo()
    add_plans(70)
    user = db.session.scalars(select(User).where(User.username == "office")).one()
    return Browser(client).login(user)


def _units(page) -> list[str]:
    table = text(page).split('id="units"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<a href="/plans/\d+">([^<]+)</a>', table)


def test_the_office_finds_units_by_name(office) -> None:
    """Can the office type part of a unit's name and see only those units?"""
    page = office.get(UNITS + "?q=鲤城")
    assert page.status_code == 200
    names = _units(page)
    assert names and all("鲤城" in n for n in names)
    assert "清除条件" in text(page)


def test_the_office_narrows_by_group_and_stage(office) -> None:
    """Does choosing a group and a stage leave only that group's plans in that stage?"""
    plan = db.session.scalars(select(Plan).where(Plan.state == "self_assessment")).first()
    page = office.get(f"{UNITS}?group={plan.group_id}&state=self_assessment")
    wanted = db.session.scalars(
        select(Plan).where(Plan.group_id == plan.group_id, Plan.state == "self_assessment")
    ).all()
    assert sorted(_units(page)) == sorted(p.unit.name for p in wanted)


def test_only_overdue_plans_when_asked(office) -> None:
    """With 只看逾期方案, is every plan listed past its stage's due date, and none missing?"""
    everything = db.session.scalars(select(Plan)).all()
    due = deadlines.due_dates(everything)
    late = {p.unit.name for p in everything if due[p.id] and due[p.id] < local_today()}
    shown: list[str] = []
    number = 1
    while True:
        page = office.get(f"{UNITS}?overdue=1&page={number}")
        shown += _units(page)
        if 'rel="next"' not in text(page):
            break
        number += 1
    assert set(shown) == late and len(shown) == len(late)


def test_a_long_list_comes_in_pages(office) -> None:
    """Are 74 units shown 50 at a time, with a 下一页 link to the rest, and does a page past
    the end show the last page?"""
    first = office.get(UNITS)
    assert len(_units(first)) == 50
    assert "共 74 个单位，第 1–50 个单位（第 1 / 2 页）" in text(first)
    assert 'href="/office/programs/1/groups?page=2" rel="next">下一页' in text(first)
    second = office.get(UNITS + "?page=2")
    assert len(_units(second)) == 24
    assert set(_units(first)).isdisjoint(_units(second))
    assert "第 2 / 2 页" in text(office.get(UNITS + "?page=99"))


def test_the_office_finds_users_by_unit(office) -> None:
    """Does the user list search user names, names and the units people work for?"""
    page = office.get("/office/programs/1/users?q=市国资委")
    assert "u3-liaison" in text(page) and "u3-head" in text(page)
    assert "u1-liaison" not in text(page)


def test_every_office_page_has_the_tab_bar(office) -> None:
    """Do the calendar, the year console and the evaluation page show the console's tabs?"""
    for url in ("/programs/1/calendar", "/programs/1/year", "/programs/1/evaluation/assignments"):
        page = text(office.get(url))
        assert 'aria-label="工作台"' in page and 'aria-current="page"' in page, url
