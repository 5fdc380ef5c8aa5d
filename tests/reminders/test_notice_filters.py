"""The notice list filters by unread and by kind, offers each notice's work as a button, and
keeps the filter after marking one read."""

from __future__ import annotations

import re

from tests.pages import Browser, text
from wfapp.database import db
from wfapp.models import Notice


def _kinds(page: str) -> list[str]:
    return re.findall(r'<tr class="(?:unread|read)" data-kind="([a-z]+)"', page)


def _two_notices(api, world) -> None:
    """Unit A's liaison has two unread notices: the return of the plan and a reminder."""
    api(world.a_liaison).act(world.plan.id, "submit")
    api(world.c_head).act(world.plan.id, "return", "请细化")
    db.session.add(Notice(user_id=world.a_liaison.id, kind="reminder", title="初稿环节将截止"))
    db.session.commit()


def test_a_liaison_filters_notices_by_kind_and_unread(world, api, client):
    """Can a liaison see only unread notices, only reminders, or only returns?"""
    _two_notices(api, world)
    browser = Browser(client).login(world.a_liaison)
    assert sorted(_kinds(text(browser.get("/notices")))) == ["reminder", "returned"]
    assert _kinds(text(browser.get("/notices?kind=reminder"))) == ["reminder"]
    assert _kinds(text(browser.get("/notices?kind=returned"))) == ["returned"]
    assert _kinds(text(browser.get("/notices?kind=nonsense"))) != []  # an unknown kind: all


def test_marking_read_keeps_the_filter_and_drops_the_notice_from_unread(world, api, client):
    """Marked read from the unread list, a notice leaves it and the page stays filtered."""
    _two_notices(api, world)
    browser = Browser(client).login(world.a_liaison)
    notice = db.session.query(Notice).filter_by(user_id=world.a_liaison.id, kind="reminder").one()
    r = browser.submit("/notices?unread=1", f"/notices/{notice.id}/read?unread=1")
    assert r.status_code == 302 and r.headers["Location"].endswith("/notices?unread=1")
    db.session.expire_all()
    assert db.session.get(Notice, notice.id).read_at is not None
    assert _kinds(text(browser.get("/notices?unread=1"))) == ["returned"]
    page = text(browser.get("/notices?unread=1&kind=reminder"))
    assert _kinds(page) == [] and "没有符合筛选条件的消息" in page


def test_each_notice_offers_its_work_as_a_button(world, api, client):
    """A return notice has a 去办理 button to the plan, not only a text link."""
    _two_notices(api, world)
    page = text(Browser(client).login(world.a_liaison).get("/notices?kind=returned"))
    assert f'<a class="button" href="/plans/{world.plan.id}">去办理</a>' in page
