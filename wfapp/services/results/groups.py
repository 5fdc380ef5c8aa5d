"""Looking up a program's group for a user, its plans, and locking them for a change of results."""

from __future__ import annotations

from sqlalchemy import select

from wfapp.database import db
from wfapp.models import Group, Plan, Program, ResultVersion, Unit, User
from wfapp.services.access import require
from wfapp.services.errors import NotFound


def is_published(group_id: int) -> bool:
    found = db.session.scalar(
        select(ResultVersion.id).where(
            ResultVersion.group_id == group_id, ResultVersion.published_at.is_not(None)
        )
    )
    return found is not None


def program_for(user: User, action: str, program_id: int) -> Program:
    program = db.session.get(Program, program_id)
    if program is None:
        raise NotFound("未找到该考评项目")
    require(user, action, program)
    return program


def group_in(program: Program, group_id: int) -> Group:
    group = db.session.get(Group, group_id)
    if group is None or group.program_id != program.id:
        raise NotFound("未找到该考评组")
    return group


def plans_of_group(group: Group) -> list[Plan]:
    return list(
        db.session.scalars(
            select(Plan).join(Unit).where(Plan.group_id == group.id).order_by(Plan.id)
        )
    )


def lock_group(group: Group) -> list[Plan]:
    """Every plan of the group, row-locked on PostgreSQL and fresh: one close, rerun or
    publication at a time per group."""
    return list(
        db.session.scalars(
            select(Plan)
            .where(Plan.group_id == group.id)
            .order_by(Plan.id)
            .with_for_update(of=Plan)
            .execution_options(populate_existing=True)
        )
    )
