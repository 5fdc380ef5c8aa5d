"""Browser tests: Debian's Chromium through Playwright against a live server.

Each test gets its own server, in a thread on a free localhost port, on its own database
freshly seeded with the demo, so the tests hold in any order and any subset: a temporary
SQLite file, or — when WFAPP_TEST_DATABASE_URL is set — a separate database
"<name>_browser" next to the process's own (under xdist the worker's, "<name>_gw0_browser"),
emptied and seeded again for each test. One browser per session (per xdist worker);
screenshots of each step go to test-artifacts/browser/, emptied when the run starts
(tests/conftest.py)."""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.components import missing
from tests.conftest import ARTIFACTS, SERVER_URL
from tests.databases import beside, create_database
from wfapp import create_app
from wfapp.database import db

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "wfapp-demo"


def _database_url(tmp_path: Path) -> str:
    if not SERVER_URL:
        return f"sqlite:///{tmp_path / 'live.db'}"
    url = beside(SERVER_URL, "browser")
    create_database(url)
    return url


def _need_chromium() -> None:
    if not os.path.exists(CHROMIUM):
        missing("Chromium", f"{CHROMIUM} not found: apt-get install chromium")


@pytest.fixture
def live_app(tmp_path: Path) -> Iterator:
    """This test's live server app, on its own database seeded with the demo; the test may
    prepare data in it through the service layer (inside `with live_app.app_context():`)."""
    _need_chromium()
    from wfapp.services.demo import load_demo

    app = create_app(
        {
            "DATABASE_URL": _database_url(tmp_path),
            "SECRET_KEY": "browser-test-secret",
            "DEMO": True,
            "TESTING": False,
            "EVIDENCE_DIR": str(tmp_path / "live-evidence"),
        }
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        load_demo()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def live_server(live_app) -> Iterator[str]:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def chromium():
    _need_chromium()
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-gpu",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


class Session:
    """One tab, driven as a person would: log in, click, type, take a picture of each step."""

    def __init__(self, page, base: str, prefix: str):
        self.page, self.base, self.prefix, self.step = page, base, prefix, 0
        self.errors: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("console", self._console)

    # Refusals the pages answer on purpose (a failed save, a conflict) are not errors.
    _EXPECTED = ("status of 409", "status of 422")

    def _console(self, msg) -> None:
        if msg.type == "error" and not any(e in msg.text for e in self._EXPECTED):
            self.errors.append(msg.text)

    def goto(self, path: str):
        return self.page.goto(self.base + path)

    def login(self, username: str, password: str = PASSWORD) -> None:
        self.goto("/login")
        self.page.fill("#username", username)
        self.page.fill("#password", password)
        self.page.click("form button[type=submit]")
        self.page.wait_for_url("**/inbox")

    def logout(self) -> None:
        self.page.click("header form button[type=submit]")
        self.page.wait_for_url("**/login")

    def buttons(self) -> set[str]:
        return set(
            self.page.eval_on_selector_all("[data-action]", "els => els.map(e => e.dataset.action)")
        )

    def shot(self, name: str, full_page: bool = True) -> Path:
        self.step += 1
        path = ARTIFACTS / f"{self.prefix}-{self.step:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path


PHONE = {"width": 390, "height": 844}


@pytest.fixture
def session_factory(chromium, live_server):
    contexts = []

    def make(prefix: str, viewport: dict | None = None, **options) -> Session:
        context = chromium.new_context(
            viewport=viewport or {"width": 1366, "height": 900},
            locale="zh-CN",
            accept_downloads=True,
            **options,
        )
        contexts.append(context)
        return Session(context.new_page(), live_server, prefix)

    yield make
    for context in contexts:
        context.close()


@dataclass(frozen=True)
class LiveWorld:
    """A world of its own in the live database (tests/factories.build_world: a program,
    units A–D, twelve users): ids and usernames only, for tests that must not share data."""

    plan_id: int
    program_id: int
    usernames: dict[str, str]
    password: str  # every factory user's

    def user(self, key: str) -> str:
        return self.usernames[key]


_WORLDS = itertools.count(1)


@pytest.fixture
def live_world(live_app) -> Callable[..., LiveWorld]:
    """make(state="draft", prepare=None): a fresh world; `prepare(world)` runs in the app
    context (through the services) before the ids are handed out."""
    from tests.factories import PASSWORD as FACTORY_PASSWORD
    from tests.factories import build_world

    def make(state: str = "draft", prepare: Callable | None = None) -> LiveWorld:
        with live_app.app_context():
            world = build_world(state=state, suffix=f"-w{os.getpid()}-{next(_WORLDS)}")
            db.session.commit()
            if prepare is not None:
                prepare(world)
            found = LiveWorld(
                world.plan.id,
                world.program.id,
                {key: user.username for key, user in world.users.items()},
                FACTORY_PASSWORD,
            )
            db.session.remove()
        return found

    return make
