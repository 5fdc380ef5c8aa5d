"""The declarative base and the unbound Flask-SQLAlchemy handle.

The naming convention makes migrations name constraints the same way on SQLite and
PostgreSQL."""

from decimal import Decimal

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import JSON, MetaData, Numeric, event
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


def setup_engine_events(app: Flask) -> None:
    """SQLite: enforce foreign keys and use WAL so readers do not block the writer."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name != "sqlite":
            return

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()
