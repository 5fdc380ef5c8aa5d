"""Organisation: programs, groups, units, departments, users and their role grants."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wfapp.database import db
from wfapp.timeutil import UTCDateTime, utcnow


class Role(StrEnum):
    LIAISON = "liaison"  # 绩效联络员, of a unit
    UNIT_HEAD = "unit_head"  # 单位负责人, of a unit
    LEADER = "leader"  # 分管领导, assigned to units
    OFFICE = "office"  # 绩效办, per program
    EVALUATOR = "evaluator"  # 考评组成员, per program
    INSPECTOR = "inspector"  # 效能办, per program
    SURVEYOR = "surveyor"  # 统计局, per program
    ADMIN = "admin"  # system administrator, per program


UNIT_ROLES = frozenset({Role.LIAISON, Role.UNIT_HEAD, Role.LEADER})
PROGRAM_ROLES = frozenset({Role.OFFICE, Role.EVALUATOR, Role.INSPECTOR, Role.SURVEYOR, Role.ADMIN})

ROLE_LABELS = {
    Role.LIAISON: "绩效联络员",
    Role.UNIT_HEAD: "单位负责人",
    Role.LEADER: "分管领导",
    Role.OFFICE: "绩效办",
    Role.EVALUATOR: "考评组成员",
    Role.INSPECTOR: "效能办",
    Role.SURVEYOR: "统计局",
    Role.ADMIN: "系统管理员",
}


class CountersignPolicy(StrEnum):
    ALL = "all"
    ANY = "any"
    AT_LEAST = "at_least"


class Program(db.Model):
    __tablename__ = "program"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    total_points: Mapped[Decimal] = mapped_column(default=Decimal(100))
    scheme: Mapped[str | None] = mapped_column(String(100))
    countersign_policy: Mapped[str] = mapped_column(String(20), default=CountersignPolicy.ALL)
    countersign_min: Mapped[int | None]
    # 整改: an indicator whose mean signed score is below this share of its weight is a finding.
    low_score_threshold: Mapped[Decimal] = mapped_column(
        default=Decimal("0.6"), server_default="0.60"
    )
    # Closed by the office (归档): its open rectification items went on to the next program.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    groups: Mapped[list[Group]] = relationship(back_populates="program", order_by="Group.id")
    deadlines: Mapped[list[StageDeadline]] = relationship(
        back_populates="program", cascade="all, delete-orphan"
    )

    def deadline_for(self, stage: str) -> date | None:
        """The stage's fixed due date; wfapp.services.deadlines.due_date knows the rest."""
        entry = self.calendar_entry(stage)
        return entry.due_date if entry else None

    def calendar_entry(self, stage: str) -> StageDeadline | None:
        return next((d for d in self.deadlines if d.stage == stage), None)


class StageDeadline(db.Model):
    """The program's calendar: when each stage must be done.

    A stage is due either on a fixed date, or `working_days` working days after an event of
    the plan (`after_event`: "stage_entered" or a workflow action such as "return").
    `opens_on`: the date on which the scheduler opens the stage for every waiting plan.
    """

    __tablename__ = "stage_deadline"
    __table_args__ = (UniqueConstraint("program_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"))
    stage: Mapped[str] = mapped_column(String(40))
    due_date: Mapped[date | None]
    after_event: Mapped[str | None] = mapped_column(String(40))
    working_days: Mapped[int | None]
    opens_on: Mapped[date | None]

    program: Mapped[Program] = relationship(back_populates="deadlines")


class Group(db.Model):
    """系列 / 考评组: units ranked against each other within one program."""

    __tablename__ = "unit_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))

    program: Mapped[Program] = relationship(back_populates="groups")


class Unit(db.Model):
    """参评单位."""

    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    short_name: Mapped[str] = mapped_column(String(50))

    departments: Mapped[list[Department]] = relationship(
        back_populates="unit", order_by="Department.id"
    )


class Department(db.Model):
    """科室 / 直属单位 inside a unit."""

    __tablename__ = "department"
    __table_args__ = (UniqueConstraint("unit_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    name: Mapped[str] = mapped_column(String(200))

    unit: Mapped[Unit] = relationship(back_populates="departments")


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    # Demo users carry the published demo password; see wfapp.services.auth.
    is_demo: Mapped[bool] = mapped_column(default=False)
    # Changing it revokes every API token and session issued before.
    token_nonce: Mapped[str] = mapped_column(String(32))
    # The browser sessions' generation, part of the session's user id: logout and a password
    # change replace it, so a copied session cookie stops working on every node at once.
    session_token: Mapped[str] = mapped_column(String(32), default=lambda: secrets.token_hex(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set for a user provisioned from the directory (LDAP / AD) at first login: such a user
    # has no usable local password and logs in against the directory only.
    directory_dn: Mapped[str | None] = mapped_column(String(500))

    grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login: a new session token ends every session
        return f"{self.id}:{self.session_token}"

    def unit_ids(self, *roles: str) -> set[int]:
        return {g.unit_id for g in self.grants if g.unit_id is not None and g.role in roles}

    def program_ids(self, *roles: str) -> set[int]:
        return {g.program_id for g in self.grants if g.program_id is not None and g.role in roles}

    def has_role(self, role: str) -> bool:
        return any(g.role == role for g in self.grants)


class RoleGrant(db.Model):
    """A role held by a user: of a unit (liaison, unit_head, leader) or in a program."""

    __tablename__ = "role_grant"
    __table_args__ = (UniqueConstraint("user_id", "role", "unit_id", "program_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    program_id: Mapped[int | None] = mapped_column(ForeignKey("program.id"))
    # Granted from the user's directory groups; replaced at each directory login, while the
    # grants the office gave by hand stay.
    from_directory: Mapped[bool] = mapped_column(default=False, server_default="0")

    user: Mapped[User] = relationship(back_populates="grants")
    unit: Mapped[Unit | None] = relationship()
