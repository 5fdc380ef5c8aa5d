"""Fixtures: a fresh database per test (SQLite file, or PostgreSQL or MariaDB/MySQL when
WFAPP_TEST_DATABASE_URL is set), the app, API clients acting as a given user.

The tests run in parallel (pytest-xdist). A SQLite file is per test anyway; on a server
each worker uses its own database "<name>_<worker id>" (test_gw0, test_gw1 …), created
beside the given one when missing, and empties it between its tests. Each worker builds the
app once and lends it to each test on that test's database, its configuration restored."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from tests.databases import beside, cleaner, create_database
from wfapp import create_app
from wfapp.database import db, setup_engine_events
from wfapp.extensions import limiter

# A database server to run on instead of SQLite: PostgreSQL or MariaDB/MySQL.
GIVEN_SERVER_URL = os.environ.get("WFAPP_TEST_DATABASE_URL")
# Set by pytest-xdist in each worker ("gw0", "gw1" …); absent without xdist or with -n0.
WORKER = os.environ.get("PYTEST_XDIST_WORKER")

# This process's server database: the given one, or under xdist the worker's own.
SERVER_URL = beside(GIVEN_SERVER_URL, WORKER) if GIVEN_SERVER_URL and WORKER else GIVEN_SERVER_URL
SERVER_DIALECT = make_url(SERVER_URL).get_dialect().name if SERVER_URL else "sqlite"


# Screenshots of the browser tests (tests/browser).
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "browser"


def pytest_sessionstart(session) -> None:
    """Empty the screenshot folder once per run: here, not in an xdist worker."""
    if not hasattr(session.config, "workerinput") and ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)


def pytest_addoption(parser) -> None:
    parser.addoption(
        "--reverse",
        action="store_true",
        help="run the tests in reverse order (each test must hold on its own data)",
    )


def pytest_collection_modifyitems(config, items) -> None:
    """Tests of one database's own mechanism belong to that database's run (.ci/run does
    both): the other run skips them by design. Not a missing component: nothing is absent,
    the test is not for this run. With --reverse, the order is turned round."""
    if config.getoption("--reverse"):
        items.reverse()
    other = "sqlite_only" if SERVER_URL else "server_only"
    reason = (
        "by design: for the SQLite run"
        if SERVER_URL
        else "by design: for the PostgreSQL and MariaDB runs (WFAPP_TEST_DATABASE_URL)"
    )
    for item in items:
        if item.get_closest_marker(other):
            item.add_marker(pytest.mark.skip(reason=reason))


def _config(url: str) -> dict:
    return {
        "DATABASE_URL": url,
        "SECRET_KEY": "test-secret",
        "TESTING": True,
        "DEMO": True,  # tests log in as demo users outside the default database
        "BASE_URL": "http://testserver",
    }


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory) -> str:
    """Build the schema once: a SQLite file to copy, or the tables on the server."""
    if SERVER_URL:
        create_database(SERVER_URL)
        app = create_app(_config(SERVER_URL))
        with app.app_context():
            db.drop_all()
            db.create_all()
            db.engine.dispose()
        return SERVER_URL
    path = tmp_path_factory.mktemp("template") / "template.db"
    app = create_app(_config(f"sqlite:///{path}"))
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return str(path)


@pytest.fixture(scope="session")
def _server_cleaner(_template_db: str):
    """Empties every table between tests (tests/databases.py says how, per server)."""
    engine = create_engine(_template_db)
    yield cleaner(engine)
    engine.dispose()


@pytest.fixture
def database_url(_template_db: str, tmp_path: Path, request) -> str:
    if SERVER_URL:
        request.getfixturevalue("_server_cleaner")()
        return SERVER_URL
    target = tmp_path / "wfapp.db"
    shutil.copy(_template_db, target)
    return f"sqlite:///{target}"


@pytest.fixture(scope="session")
def _shared_app(tmp_path_factory) -> Flask:
    """One app per process (per xdist worker): building one, its routes above all, takes
    longer than most tests. `app` lends it to each test on that test's database."""
    from tests.client import IsolatedClient, refuse_unsaved_writes

    unused = tmp_path_factory.mktemp("unused") / "unused.db"  # each test's file replaces it
    app = create_app(_config(SERVER_URL or f"sqlite:///{unused}"))
    app.test_client_class = IsolatedClient  # each request its own app context and session
    refuse_unsaved_writes(app)  # a successful request commits what it wrote
    return app


def _use_sqlite_file(app: Flask, url: str) -> None:
    """Point the app at this test's SQLite file: a new engine in place of the last one,
    made as Flask-SQLAlchemy makes it, with the pragmas wfapp sets on every connection."""
    app.config.update(DATABASE_URL=url, SQLALCHEMY_DATABASE_URI=url)
    engine = create_engine(url, **app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    db.engines[None] = engine  # type: ignore[index]  # the app's engines by bind key (a dict)
    setup_engine_events(app)
    assert db.engine is engine


@pytest.fixture
def app(_shared_app: Flask, database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The app on this test's database, in an app context for the test's own setup and reads;
    requests never see that context (tests/client.py): each runs in its own, with its own
    session, so the test sees only what a request committed (`fresh`, tests/factories.py).
    Whatever the test changes in the configuration is undone afterwards, and its database
    connections are closed."""
    app = _shared_app
    saved = dict(app.config)
    app.config["EVIDENCE_DIR"] = str(tmp_path / "evidence")
    with app.app_context():
        if not SERVER_URL:
            _use_sqlite_file(app, database_url)
        yield app
        db.session.remove()
        db.engine.dispose()
        limiter.reset()  # the login ceiling counts in this process's memory
    app.config.clear()
    app.config.update(saved)


@pytest.fixture
def client(app: Flask):
    return app.test_client()


@pytest.fixture
def api(client):
    """api(user).get/post/put(...): JSON requests with that user's bearer token."""
    from tests.factories import ApiClient

    return lambda user: ApiClient(client, user)


@pytest.fixture
def world(app):
    """A program, a group of four units, unit A's plan in draft with peers B and C."""
    from tests.factories import build_world

    return build_world()
