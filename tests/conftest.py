"""Fixtures: a fresh database per test (SQLite file, or PostgreSQL when
WFAPP_TEST_DATABASE_URL is set), the app, API clients acting as a given user."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, text

from wfapp import create_app
from wfapp.database import db

PG_URL = os.environ.get("WFAPP_TEST_DATABASE_URL")


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
    """Build the schema once: a SQLite file to copy, or the PostgreSQL tables."""
    if PG_URL:
        app = create_app(_config(PG_URL))
        with app.app_context():
            db.drop_all()
            db.create_all()
            db.engine.dispose()
        return PG_URL
    path = tmp_path_factory.mktemp("template") / "template.db"
    app = create_app(_config(f"sqlite:///{path}"))
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return str(path)


@pytest.fixture(scope="session")
def _pg_cleaner(_template_db: str):
    """Empties every table between tests. DELETE with triggers off (the audit trail's
    append-only trigger included) is an order of magnitude faster than TRUNCATE here."""
    engine = create_engine(_template_db)
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]

    def clean() -> None:
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            for name in tables:
                conn.execute(text(f'DELETE FROM "{name}"'))

    yield clean
    engine.dispose()


@pytest.fixture
def database_url(_template_db: str, tmp_path: Path, request) -> str:
    if PG_URL:
        request.getfixturevalue("_pg_cleaner")()
        return PG_URL
    target = tmp_path / "wfapp.db"
    shutil.copy(_template_db, target)
    return f"sqlite:///{target}"


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = create_app({**_config(database_url), "EVIDENCE_DIR": str(tmp_path / "evidence")})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


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
