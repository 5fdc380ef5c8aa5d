"""All models, imported here so that metadata (and Alembic) sees every table."""

from wfapp.models.audit import AuditEvent
from wfapp.models.auth import LoginAttempt
from wfapp.models.calendar import CalendarDay, CalendarFeed, DeadlineExtension, ReminderPolicy
from wfapp.models.notice import Notice
from wfapp.models.org import (
    PROGRAM_ROLES,
    UNIT_ROLES,
    CountersignPolicy,
    Department,
    Group,
    Program,
    Role,
    RoleGrant,
    StageDeadline,
    Unit,
    User,
)
from wfapp.models.outbox import (
    OutboxMessage,
    OutboxStatus,
    Reminder,
    ReminderStatus,
    SchedulerLease,
)
from wfapp.models.plan import Category, Indicator, Plan, PlanRevision
from wfapp.models.review import Delegation, PeerAssignment, PeerSignoff

__all__ = [
    "PROGRAM_ROLES",
    "UNIT_ROLES",
    "AuditEvent",
    "CalendarDay",
    "CalendarFeed",
    "Category",
    "CountersignPolicy",
    "DeadlineExtension",
    "Delegation",
    "Department",
    "Group",
    "Indicator",
    "LoginAttempt",
    "Notice",
    "OutboxMessage",
    "OutboxStatus",
    "PeerAssignment",
    "PeerSignoff",
    "Plan",
    "PlanRevision",
    "Program",
    "Reminder",
    "ReminderPolicy",
    "ReminderStatus",
    "Role",
    "RoleGrant",
    "SchedulerLease",
    "StageDeadline",
    "Unit",
    "User",
]
