"""Workflows as data: states, transitions, who may fire what, and guard functions."""

from wfapp.workflows.engine import GuardContext, GuardFailed, InvalidAction, Workflow
from wfapp.workflows.plan import PLAN_WORKFLOW

__all__ = ["PLAN_WORKFLOW", "GuardContext", "GuardFailed", "InvalidAction", "Workflow"]
