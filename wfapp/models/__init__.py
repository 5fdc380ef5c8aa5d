"""All models, imported here so that metadata (and Alembic) sees every table."""

from wfapp.models.audit import AuditChainHead, AuditEvent
from wfapp.models.auth import LoginAttempt, LoginDelay
from wfapp.models.calendar import CalendarDay, CalendarFeed, DeadlineExtension, ReminderPolicy
from wfapp.models.change import ChangeRequest, TableVersion
from wfapp.models.evaluation import EvaluationSheet, EvaluatorAssignment, SelfScore, SheetItem
from wfapp.models.evidence import EvidenceFile, EvidenceScope
from wfapp.models.external import ExternalEntry, ExternalKind
from wfapp.models.history import GRADE_LABELS, PastGrade
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
from wfapp.models.progress import Period, ProgressReport, ProgressStatus
from wfapp.models.rectification import RectificationItem, SourceKind
from wfapp.models.results import (
    FlagKind,
    ProgramScheme,
    ResultFlag,
    ResultVersion,
    UnitResult,
)
from wfapp.models.review import Delegation, PeerAssignment, PeerSignoff
from wfapp.models.task import Task, TaskRole

__all__ = [
    "GRADE_LABELS",
    "PROGRAM_ROLES",
    "UNIT_ROLES",
    "AuditChainHead",
    "AuditEvent",
    "CalendarDay",
    "CalendarFeed",
    "Category",
    "ChangeRequest",
    "CountersignPolicy",
    "DeadlineExtension",
    "Delegation",
    "Department",
    "EvaluationSheet",
    "EvaluatorAssignment",
    "EvidenceFile",
    "EvidenceScope",
    "ExternalEntry",
    "ExternalKind",
    "FlagKind",
    "Group",
    "Indicator",
    "LoginAttempt",
    "LoginDelay",
    "Notice",
    "OutboxMessage",
    "OutboxStatus",
    "PastGrade",
    "PeerAssignment",
    "PeerSignoff",
    "Period",
    "Plan",
    "PlanRevision",
    "Program",
    "ProgramScheme",
    "ProgressReport",
    "ProgressStatus",
    "RectificationItem",
    "Reminder",
    "ReminderPolicy",
    "ReminderStatus",
    "ResultFlag",
    "ResultVersion",
    "Role",
    "RoleGrant",
    "SchedulerLease",
    "SelfScore",
    "SheetItem",
    "SourceKind",
    "StageDeadline",
    "TableVersion",
    "Task",
    "TaskRole",
    "Unit",
    "UnitResult",
    "User",
]
from wfapp.models import audit_chain as _audit_chain  # noqa: F401  (the chain listener)
