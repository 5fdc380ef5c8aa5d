"""All models, imported here so that metadata (and Alembic) sees every table."""

from wfapp.models.audit import AuditEvent
from wfapp.models.auth import LoginAttempt
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
from wfapp.models.plan import Category, Indicator, Plan, PlanRevision
from wfapp.models.review import Delegation, PeerAssignment, PeerSignoff

__all__ = [
    "PROGRAM_ROLES",
    "UNIT_ROLES",
    "AuditEvent",
    "Category",
    "CountersignPolicy",
    "Delegation",
    "Department",
    "Group",
    "Indicator",
    "LoginAttempt",
    "PeerAssignment",
    "PeerSignoff",
    "Plan",
    "PlanRevision",
    "Program",
    "Role",
    "RoleGrant",
    "StageDeadline",
    "Unit",
    "User",
]
