"""The unit of work every service runs in: commit on success, roll back on anything else.

A lost race surfaces here: a stale version (StaleDataError) or a unique key taken by a
concurrent request (IntegrityError) becomes 409, with nothing written.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from wfapp.database import db
from wfapp.models import Plan
from wfapp.services.errors import Conflict, NotFound


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


def lock_plan(plan_id: int) -> Plan:
    """Load the plan for a change: row-locked on PostgreSQL, fresh from the database."""
    plan = db.session.scalars(
        select(Plan)
        .where(Plan.id == plan_id)
        .with_for_update(of=Plan)
        .execution_options(populate_existing=True)
    ).first()
    if plan is None:
        raise NotFound()
    return plan
