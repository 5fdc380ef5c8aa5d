"""The declarative base, the unbound Flask-SQLAlchemy handle, and the few statements that
differ between the databases wfapp runs on (SQLite, PostgreSQL, MariaDB/MySQL).

The naming convention makes migrations name constraints the same way on every database."""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DDL, JSON, MetaData, Numeric, Table, event
from sqlalchemy.orm import DeclarativeBase, registry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Points and weights: exact decimals with two places (SQLAlchemy rounds to the scale on the
# way out, so SQLite's float storage still returns exact values).
Points = Numeric(8, 2)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={Decimal: Points, list[str]: JSON, dict: JSON},
    )


db = SQLAlchemy(model_class=Base)


# Tables whose rows no one may change or remove once written: triggers refuse it, and on
# SQLite the authorizer below refuses dropping those triggers or tables from the app too.
APPEND_ONLY_TABLES = frozenset({"audit_event", "external_entry", "result_flag"})
_schema_owner = ContextVar("wfapp_schema_owner", default=False)


@contextmanager
def schema_owner() -> Iterator[None]:
    """Migrations (and only they) run as the schema's owner: on SQLite the authorizer then
    lets them drop and recreate the append-only tables' triggers."""
    token = _schema_owner.set(True)
    try:
        yield
    finally:
        _schema_owner.reset(token)


def _authorizer(action: int, arg1: str | None, arg2: str | None, _db, _trigger) -> int:
    """SQLite's per-statement check on the app's own connections: SQL that reaches the
    database through the app (an injection, a careless script) cannot switch the
    append-only guarantees off."""
    if _schema_owner.get():
        return sqlite3.SQLITE_OK
    if action in (sqlite3.SQLITE_DROP_TRIGGER, sqlite3.SQLITE_DROP_TEMP_TRIGGER):
        return sqlite3.SQLITE_DENY if arg2 in APPEND_ONLY_TABLES else sqlite3.SQLITE_OK
    if action in (sqlite3.SQLITE_DROP_TABLE, sqlite3.SQLITE_ALTER_TABLE):
        table = arg1 if action == sqlite3.SQLITE_DROP_TABLE else arg2
        return sqlite3.SQLITE_DENY if table in APPEND_ONLY_TABLES else sqlite3.SQLITE_OK
    # Turning recursive triggers off would let REPLACE delete rows unseen again.
    guarded = ("recursive_triggers", "writable_schema")
    if action == sqlite3.SQLITE_PRAGMA and arg2 is not None and (arg1 or "").lower() in guarded:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def setup_engine_events(app: Flask) -> None:
    """SQLite: enforce foreign keys, use WAL so readers do not block the writer, fire delete
    triggers for REPLACE (recursive_triggers), and refuse DDL against the append-only tables."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name != "sqlite":
            return

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            # REPLACE INTO deletes the old row; only with this do BEFORE DELETE triggers see it.
            cursor.execute("PRAGMA recursive_triggers=ON")
            cursor.close()
            dbapi_connection.set_authorizer(_authorizer)


# SQLAlchemy names the dialect "mariadb" for mariadb:// URLs and "mysql" for mysql:// ones,
# whichever server answers; both speak the same SQL here.
MYSQL_DIALECTS = ("mysql", "mariadb")


def is_mysql(dialect_name: str) -> bool:
    return dialect_name in MYSQL_DIALECTS


def append_only_sql(table: str, dialect_name: str) -> list[str]:
    """Triggers that refuse UPDATE and DELETE on `table`, for anyone who bypasses the ORM.
    Migrations run these too, so the names must stay as they are."""
    message = f"{table} is append-only"
    if dialect_name == "postgresql":
        return [
            f"CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{message}'; END; $$ LANGUAGE plpgsql",
            f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()",
        ]
    if is_mysql(dialect_name):
        return [
            f"CREATE TRIGGER {table}_no_{what.lower()} BEFORE {what} ON {table} FOR EACH ROW "
            f"SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{message}'"
            for what in ("UPDATE", "DELETE")
        ]
    return [
        f"CREATE TRIGGER {table}_no_{what.lower()} BEFORE {what} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
        for what in ("UPDATE", "DELETE")
    ]


def make_append_only(table: Table) -> None:
    """create_all() creates the triggers with the table, on each database."""
    for dialect in ("sqlite", "postgresql", *MYSQL_DIALECTS):
        for sql in append_only_sql(table.name, dialect):
            event.listen(table, "after_create", DDL(sql).execute_if(dialect=dialect))


def insert_unless_present(session, model, **values) -> None:
    """INSERT a row unless one with the same unique key exists (a parallel transaction may
    have written it first), in each database's words."""
    dialect = session.get_bind().dialect.name
    if is_mysql(dialect):
        from sqlalchemy.dialects.mysql import insert

        # MySQL has no DO NOTHING: setting a key column to itself leaves the row as it was.
        key = next(iter(values))
        statement = insert(model).values(**values)
        session.execute(statement.on_duplicate_key_update({key: statement.inserted[key]}))
        return
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(model).values(**values).on_conflict_do_nothing())


def mysql_foreign_key_checks(bind, on: bool) -> None:
    """Downgrades drop a table's indexes before the table, and MariaDB/MySQL refuse to drop
    an index a foreign key uses unless the checks are off for that moment."""
    if is_mysql(bind.dialect.name):
        bind.exec_driver_sql(f"SET SESSION foreign_key_checks = {int(on)}")


def check_database(engine) -> None:
    """Refuse a MariaDB/MySQL database whose tables would not hold every Chinese character
    (MySQL's "utf8" and latin1 lose four-byte ones such as 𠮷): a ValueError says what to do."""
    if not is_mysql(engine.dialect.name):
        return
    with engine.connect() as conn:
        charset = conn.exec_driver_sql(
            "SELECT DEFAULT_CHARACTER_SET_NAME FROM information_schema.SCHEMATA "
            "WHERE SCHEMA_NAME = DATABASE()"
        ).scalar()
    if charset != "utf8mb4":
        raise ValueError(
            f"数据库字符集为 {charset}，须为 utf8mb4：ALTER DATABASE <名称> CHARACTER SET utf8mb4 "
            "COLLATE utf8mb4_bin（在建表之前）"
        )
