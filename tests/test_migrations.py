"""Migrations: empty → head, no difference from the models, down to base, up again."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from tests.conftest import SERVER_URL, _config
from tests.databases import beside, create_database, drop_database
from wfapp import create_app
from wfapp.database import db


@pytest.fixture
def empty_database_url(tmp_path):
    """A database with nothing in it: a new SQLite file, or a scratch one on the server."""
    if not SERVER_URL:
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    scratch = beside(SERVER_URL, "migrations")
    create_database(scratch, replace=True)
    yield scratch
    drop_database(scratch)


def test_upgrade_check_downgrade_upgrade(empty_database_url):
    app = create_app(_config(empty_database_url))
    with app.app_context():
        directory = app.config["MIGRATIONS_DIR"]
        upgrade(directory=directory)
        with db.engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata
            )
        assert diff == [], f"models and migrations differ: {diff}"
        tables = set(inspect(db.engine).get_table_names())
        assert {"plan", "indicator", "audit_event", "peer_signoff"} <= tables

        downgrade(directory=directory, revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}

        upgrade(directory=directory)
        assert {"plan", "audit_event"} <= set(inspect(db.engine).get_table_names())
        # The append-only triggers come back with the schema.
        db.session.execute(
            text(
                "INSERT INTO audit_event (object_type, object_id, action, comment, at) "
                "VALUES ('plan', 1, 'x', '', CURRENT_TIMESTAMP)"
            )
        )
        db.session.commit()
        with pytest.raises(Exception, match="append-only"):
            db.session.execute(text("DELETE FROM audit_event"))
        db.session.rollback()
        db.engine.dispose()
