"""Offline intranets: no page may refer to any external URL (no CDN, fonts or scripts from
elsewhere). Every GET page is walked as several kinds of user."""

from __future__ import annotations

import re

import pytest

from tests.factories import make_plan
from tests.pages import text
from tests.rectification.helpers import make_item
from wfapp.services import plans

EXTERNAL = re.compile(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", re.I)
USERS = [None, "a-liaison", "b-liaison", "leader", "office", "admin", "d-liaison", "evaluator"]


def _urls(app, world, published) -> list[str]:
    values = {
        "plan_id": world.plan.id,
        "program_id": world.program.id,
        "group_id": world.group.id,
        "unit_id": world.units["A"].id,
        # Objects this world does not have: their pages answer 404, in HTML, checked too.
        "message_id": 1,
        "evidence_id": 1,
        "request_id": 1,
        "sheet_id": 1,
        "item_id": 1,  # unit D's rectification item, made below
        "token": "no-such-feed",
    }
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static" or rule.rule.startswith("/api/"):
            continue
        missing = set(rule.arguments) - values.keys()
        assert not missing, f"teach this test the argument(s) {missing} of {rule.rule}"
        url = rule.rule
        for name, value in values.items():
            url = url.replace(f"<int:{name}>", str(value)).replace(f"<{name}>", str(value))
        urls.append(url)
        if "plan_id" in rule.arguments:
            urls.append(url.replace(f"/{world.plan.id}", f"/{published.id}", 1))
    return urls


@pytest.mark.parametrize("username", USERS)
def test_no_page_refers_to_an_external_url(app, world, browser, username):
    """Whatever page a user opens, nothing in it points off the server."""
    plans.fire(world.a_liaison, world.plan.id, "submit")
    plans.fire(world.b_liaison, world.plan.id, "return", comment="请补充")  # a diff exists now
    published = make_plan(world.program, world.group, world.units["D"], state="published")
    make_item(published, finding="台账不全")
    browser.login(world.users[username] if username else None)
    seen = 0
    for url in _urls(app, world, published):
        r = browser.get(url)
        assert r.status_code < 500, url
        if r.mimetype != "text/html":
            continue
        html = text(r)
        assert not EXTERNAL.search(html), (url, EXTERNAL.search(html).group(0))
        seen += 1
    assert seen >= 10


def test_the_stylesheet_and_scripts_are_served_by_the_app(client):
    """CSS and JavaScript come from the app itself and refer to nothing outside."""
    for path in ("/static/css/app.css", "/static/js/app.js", "/static/js/editor.js"):
        r = client.get(path)
        assert r.status_code == 200, path
        assert not EXTERNAL.search(r.get_data(as_text=True)), path
    css = client.get("/static/css/app.css").get_data(as_text=True)
    assert "@font-face" not in css and "@import" not in css
    assert "size: A4 landscape" in css
