"""The database servers the suite runs on besides SQLite: PostgreSQL and MariaDB/MySQL.

What differs between them for the harness: how a database is created or dropped beside the
given one, and how every table is emptied between tests although some refuse DELETE
(the append-only audit trail, result flags, external entries)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url

from wfapp.database import append_only_sql, db, is_mysql

# Databases created for the tests use the character set of every Chinese text, compared
# exactly (as PostgreSQL and SQLite compare): utf8mb4_bin.
MYSQL_CREATE = "CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"


def beside(url: str, suffix: str) -> str:
    """The URL of the database "<name>_<suffix>" on the same server."""
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{suffix}").render_as_string(hide_password=False)


def _server(url: str) -> Engine:
    """An engine on the server of `url` but outside any database that may be dropped."""
    parsed = make_url(url)
    if is_mysql(parsed.get_dialect().name):
        return create_engine(
            parsed.set(database="information_schema"), isolation_level="AUTOCOMMIT"
        )
    return create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")


def _quoted(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote_identifier(name)


def create_database(url: str, *, replace: bool = False) -> None:
    """Create the database `url` names unless it exists (or, with `replace`, anew)."""
    name = make_url(url).database
    assert name
    engine = _server(url)
    try:
        with engine.connect() as conn:
            quoted = _quoted(conn, name)
            if is_mysql(conn.dialect.name):
                if replace:
                    conn.execute(text(f"DROP DATABASE IF EXISTS {quoted}"))
                conn.execute(text(f"CREATE DATABASE IF NOT EXISTS {quoted} {MYSQL_CREATE}"))
                return
            if replace:
                conn.execute(text(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).first()
            if exists is None:
                conn.execute(text(f"CREATE DATABASE {quoted}"))
    finally:
        engine.dispose()


def drop_database(url: str) -> None:
    name = make_url(url).database
    assert name
    engine = _server(url)
    try:
        with engine.connect() as conn:
            force = "" if is_mysql(conn.dialect.name) else " WITH (FORCE)"
            conn.execute(text(f"DROP DATABASE IF EXISTS {_quoted(conn, name)}{force}"))
    finally:
        engine.dispose()


def cleaner(engine: Engine) -> Callable[[], None]:
    """A function that empties every table of wfapp on `engine`."""
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if is_mysql(engine.dialect.name):
        return lambda: _clean_mysql(engine, tables)

    def clean_postgresql() -> None:
        # DELETE with triggers off (the append-only ones included) is an order of magnitude
        # faster than TRUNCATE here.
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            for name in tables:
                conn.execute(text(f'DELETE FROM "{name}"'))

    return clean_postgresql


# Tables whose rows the database itself refuses to delete.
APPEND_ONLY = ("audit_event", "result_flag", "external_entry")


def _clean_mysql(engine: Engine, tables: list[str]) -> None:
    """MariaDB has no switch that turns triggers off, and the append-only triggers get no
    back door for the tests: an append-only table that has rows loses its DELETE trigger
    for the moment of the DELETE, and gets it back, made by the same statement the
    migrations use. Foreign keys are checked off so that the order does not matter."""
    with engine.connect() as conn:
        conn.execute(text("SET SESSION lock_wait_timeout = 20"))
        conn.execute(text("SET SESSION foreign_key_checks = 0"))
        for name in tables:
            if name in APPEND_ONLY:
                continue
            conn.execute(text(f"DELETE FROM `{name}`"))
        conn.commit()
        for name in APPEND_ONLY:
            if conn.execute(text(f"SELECT 1 FROM `{name}` LIMIT 1")).first() is None:
                continue
            (create_delete_trigger,) = [
                sql for sql in append_only_sql(name, conn.dialect.name) if "BEFORE DELETE" in sql
            ]
            conn.execute(text(f"DROP TRIGGER IF EXISTS `{name}_no_delete`"))
            try:
                conn.execute(text(f"DELETE FROM `{name}`"))
                conn.commit()
            finally:
                conn.execute(text(create_delete_trigger))
        conn.execute(text("SET SESSION foreign_key_checks = 1"))
