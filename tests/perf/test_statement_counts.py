"""Does a list page cost the same number of SQL statements at 20 plans as at 500?

The demo program is built once for this module (`wfapp demo`, then `demo --plans 20`), every
page below is requested as each role and its statements counted; then 480 more plans are
added and every page is counted again. A page whose count grows with the number of plans
loads something per row (an N+1) and fails here, naming the page and the role.

The navigation's 待办 count is the inbox's, not the page's: it is left out (shown as 0).
"""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import create_engine, select

from tests.conftest import PG_URL, _config, beside, ensure_database
from tests.factories import ApiClient
from tests.pages import Browser
from tests.statements import count_statements
from wfapp.database import db, setup_engine_events
from wfapp.models import ResultVersion, User
from wfapp.services.demo import load_demo
from wfapp.services.demo_scale import add_plans

PROGRAM = 1  # the demo program

# (role, url): the list pages and API lists of each role. "{results}" is the newest group
# with published results. The inbox, the office board and the dashboard have their own tests.
PAGES: list[tuple[str, str]] = [
    ("office", "/plans"),
    ("office", "/plans?page=2"),
    ("office", f"/office/programs/{PROGRAM}/groups"),
    ("office", f"/office/programs/{PROGRAM}/groups?q=晋江&state=draft"),
    ("office", f"/office/programs/{PROGRAM}/users"),
    ("office", f"/office/programs/{PROGRAM}/users?q=局"),
    ("office", f"/office/programs/{PROGRAM}/assignments"),
    ("office", f"/programs/{PROGRAM}/calendar"),
    ("office", f"/programs/{PROGRAM}/year"),
    ("office", f"/programs/{PROGRAM}/evaluation/assignments"),
    ("office", f"/programs/{PROGRAM}/results"),
    ("office", f"/programs/{PROGRAM}/groups/{{results}}/results"),
    ("office", f"/office/programs/{PROGRAM}/rectification"),
    ("office", "/public"),
    ("office", "/api/v1/plans"),
    ("office", "/api/v1/rectification-items"),
    ("office", f"/api/v1/programs/{PROGRAM}/rectification-board"),
    ("office", f"/api/v1/programs/{PROGRAM}/rectification-record"),
    ("office", f"/api/v1/programs/{PROGRAM}/progress-board"),
    ("office", f"/api/v1/programs/{PROGRAM}/evaluator-assignments"),
    ("office", f"/api/v1/programs/{PROGRAM}/evaluation-status"),
    ("office", f"/api/v1/programs/{PROGRAM}/calendar"),
    ("office", f"/api/v1/programs/{PROGRAM}/accountability"),
    ("office", f"/api/v1/programs/{PROGRAM}/groups/{{results}}/results"),
    ("liaison", "/plans"),
    ("liaison", "/year"),
    ("liaison", "/rectification"),
    ("liaison", "/api/v1/plans"),
    ("liaison", "/api/v1/rectification-items"),
    ("peer", "/plans"),
    ("peer", "/api/v1/plans"),
    ("evaluator", "/api/v1/evaluation/plans"),
    ("anonymous", "/public"),
    ("anonymous", f"/public?program={PROGRAM}"),
]
USERS = {
    "office": "office",
    "liaison": "u1-liaison",
    "peer": "u2-liaison",
    "evaluator": "evaluator1",
}
SIZES = (20, 500)


def _request(client, role: str, url: str):
    if url.startswith("/api/"):
        user = db.session.scalars(select(User).where(User.username == USERS[role])).one()
        return ApiClient(client, user).get(url)
    browser = Browser(client)
    if role != "anonymous":
        browser.login(db.session.scalars(select(User).where(User.username == USERS[role])).one())
    return browser.get(url)


def _measure(app: Flask, role: str, url: str) -> int:
    """The statements of one request (the second: the first may fill caches)."""
    client = app.test_client()
    nav = app.jinja_env.globals["inbox_count"]
    app.jinja_env.globals["inbox_count"] = _not_counted
    try:
        _request(client, role, url)
        db.session.expire_all()
        with count_statements() as counter:
            response = _request(client, role, url)
    finally:
        app.jinja_env.globals["inbox_count"] = nav
    assert response.status_code == 200, f"{role} {url}: {response.status_code}"
    db.session.expire_all()
    return counter.total


def _not_counted() -> int:
    """The navigation's 待办 count, left out (see the module's docstring)."""
    return 0


def _results_group() -> int:
    return db.session.scalars(
        select(ResultVersion.group_id).order_by(ResultVersion.group_id.desc())
    ).first()


@pytest.fixture(scope="module")
def counts(_shared_app: Flask, tmp_path_factory) -> dict[tuple[str, str], list[int]]:
    """{(role, url): [statements at 20 plans, at 500]}, on a database of this module's own."""
    app = _shared_app
    with app.app_context():
        saved_engine = db.engines[None]  # type: ignore[index]
    saved_config = dict(app.config)
    if PG_URL:
        url = beside(PG_URL, "statements")
        ensure_database(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('statements') / 'wfapp.db'}"
    app.config.update(_config(url), SQLALCHEMY_DATABASE_URI=url)
    app.config["EVIDENCE_DIR"] = str(tmp_path_factory.mktemp("evidence"))
    out: dict[tuple[str, str], list[int]] = {}
    with app.app_context():
        db.engines[None] = create_engine(url, **app.config["SQLALCHEMY_ENGINE_OPTIONS"])  # type: ignore[index]
        setup_engine_events(app)
        try:
            db.drop_all()
            db.create_all()
            load_demo()
            added = 0
            for size in SIZES:
                add_plans(size - added)
                added = size
                group = _results_group()
                for role, page in PAGES:
                    measured = _measure(app, role, page.format(results=group))
                    out.setdefault((role, page), []).append(measured)
            db.session.remove()
            db.drop_all()
        finally:
            db.session.remove()
            db.engine.dispose()
            db.engines[None] = saved_engine  # type: ignore[index]
    app.config.clear()
    app.config.update(saved_config)
    return out


@pytest.mark.parametrize(("role", "url"), PAGES, ids=[f"{r}:{u}" for r, u in PAGES])
def test_statements_do_not_grow_with_plans(counts, role: str, url: str) -> None:
    """Does this page (as this role) run as many statements at 500 plans as at 20?"""
    at_20, at_500 = counts[(role, url)]
    assert at_500 == at_20, f"{role} {url}: {at_20} statements at 20 plans, {at_500} at 500"
