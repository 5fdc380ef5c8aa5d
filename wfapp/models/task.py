"""Tasks (待办): the open work of every workflow, one row per piece of work and who does it.

A task is written when an object enters a state that waits for someone and closed when it
leaves it (wfapp.services.tasks, in the transaction of the change). Who: a person
(`user_id`: a review handed on, an evaluator's sheet) or a role of a unit or a program
(`role` "unit" = the unit's liaisons and heads, "leader" = its 分管领导, "office" = the
program's 绩效办), resolved against role grants when read, like Camunda's candidate groups.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from wfapp.database import db
from wfapp.timeutil import UTCDateTime, utcnow

OPEN = text("closed_at IS NULL")


class TaskRole:
    UNIT = "unit"  # liaison or unit_head of unit_id
    LEADER = "leader"  # leader of unit_id
    OFFICE = "office"  # office of program_id


class Task(db.Model):
    __tablename__ = "task"
    __table_args__ = (
        # The inbox and the counts read open tasks by who; the sync reads them by object.
        Index("ix_task_open_user", "user_id", sqlite_where=OPEN, postgresql_where=OPEN),
        Index("ix_task_open_unit", "unit_id", "role", sqlite_where=OPEN, postgresql_where=OPEN),
        Index(
            "ix_task_open_program",
            "program_id",
            "role",
            sqlite_where=OPEN,
            postgresql_where=OPEN,
        ),
        Index(
            "ix_task_open_object",
            "object_type",
            "object_id",
            sqlite_where=OPEN,
            postgresql_where=OPEN,
        ),
        Index("ix_task_plan", "plan_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The workflow the work belongs to: plan, change_request, evaluation_sheet,
    # rectification_item.
    kind: Mapped[str] = mapped_column(String(40))
    # What waits: a plan, a change request, a rectification item (an evaluator's sheet is
    # work on its plan: the sheet may not exist before the first save).
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int]
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"))
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"))
    stage: Mapped[str] = mapped_column(String(40))  # the object's state
    actions: Mapped[list[str]] = mapped_column(JSON)  # what may be done there, in order
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    role: Mapped[str | None] = mapped_column(String(20))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    due_date: Mapped[date | None]  # a day in Asia/Shanghai, as every due date in wfapp
    reason: Mapped[str | None] = mapped_column(Text)  # why it came back (the return comment)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def who(self) -> tuple[int | None, str | None, int | None]:
        return (self.user_id, self.role, self.unit_id)
