"""The unit of work every service runs in: commit on success, roll back on anything else.

A lost race surfaces here: a stale version (StaleDataError) or a unique key taken by a
concurrent request (IntegrityError) becomes 409, with nothing written.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from wfapp.database import db
from wfapp.models import Plan
from wfapp.services.errors import Conflict, NotFound

T = TypeVar("T", bound=Any)


@contextmanager
def transaction() -> Iterator[None]:
    try:
        yield
        db.session.commit()
    except (StaleDataError, IntegrityError) as exc:
        db.session.rollback()
        raise Conflict() from exc
    except BaseException:
        db.session.rollback()
        raise


def lock_row(model: type[T], row_id: int, missing: str = "未找到") -> T:
    """Load a row for a change: row-locked on PostgreSQL, fresh from the database."""
    row = db.session.scalars(
        select(model)
        .where(model.id == row_id)
        .with_for_update(of=model)
        .execution_options(populate_existing=True)
    ).first()
    if row is None:
        raise NotFound(missing)
    return row


def lock_plan(plan_id: int) -> Plan:
    return lock_row(Plan, plan_id)


def lock_with_plan(model: type[T], row_id: int, missing: str) -> tuple[Plan, T]:
    """A row that belongs to a plan (item, request …), locked for a change: its plan first,
    as every plan action locks it, then the row itself."""
    found = db.session.get(model, row_id)
    if found is None:
        raise NotFound(missing)
    plan = lock_plan(found.plan_id)
    return plan, lock_row(model, row_id, missing)
