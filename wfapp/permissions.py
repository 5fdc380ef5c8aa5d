"""Central authorization: role + relation + state, for pages, API and templates alike.

`relations(user, plan)` names how a user stands to one plan (liaison of its unit, a peer
reviewer assigned to it, its leader, the program's office …). The workflow says which
relations may fire which action in which state; this module combines the two with
visibility and delegation. Every entry point asks `authorize(user, action, obj)`.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from wfapp.models import Delegation, Plan, Program, Role, User
from wfapp.workflows.plan import PLAN_WORKFLOW, PUBLIC_STATES, REVIEW_STAGES, S


class Decision(Enum):
    ALLOWED = "allowed"
    NOT_VISIBLE = "not_visible"  # answer 404: do not even confirm it exists
    FORBIDDEN = "forbidden"  # 403: the user has no standing for this action
    WRONG_STATE = "wrong_state"  # 409: the user could, but not in this state


# Plan actions that are not workflow transitions.
EDIT_INDICATORS = "edit_indicators"
VIEW = "view"
# Reading a plan on the public portal (公开): anyone, signed in or not, once it is published.
VIEW_PUBLIC = "view_public"
# Program actions: the office console (settings, groups, units, users, assignments, board).
MANAGE = "manage"
_MANAGER_ROLES = frozenset({Role.OFFICE, Role.ADMIN})
_EDIT_STATE = {EDIT_INDICATORS: S.DRAFT}
_EDIT_ROLES = frozenset({"liaison", "unit_head"})


def relations(user: User | None, plan: Plan) -> frozenset[str]:
    if user is None or not user.is_authenticated or not user.active:
        return frozenset()
    rels: set[str] = set()
    for grant in user.grants:
        if (
            grant.unit_id == plan.unit_id
            and grant.role
            in (
                Role.LIAISON,
                Role.UNIT_HEAD,
                Role.LEADER,
            )
        ) or (grant.program_id == plan.program_id and grant.unit_id is None):
            rels.add(grant.role)
    if peer_units_of(user, plan):
        rels.add("peer_reviewer")
    return frozenset(rels)


def peer_units_of(user: User, plan: Plan) -> list[int]:
    """The units assigned to review this plan in which the user is liaison or head."""
    mine = user.unit_ids(Role.LIAISON, Role.UNIT_HEAD)
    return [a.reviewer_unit_id for a in plan.peer_assignments if a.reviewer_unit_id in mine]


def can_view(user: User | None, plan: Plan) -> bool:
    rels = relations(user, plan)
    if rels & {"liaison", "unit_head", "office"}:
        return True
    submitted = plan.state != S.DRAFT or plan.round > 1
    if submitted and rels & {"peer_reviewer", "leader"}:
        return True
    # Published plans are public (公开): any signed-in user may read them.
    return plan.state in PUBLIC_STATES and user is not None and user.is_authenticated


def decide(user: User | None, action: str, plan: Plan) -> Decision:
    if action == VIEW_PUBLIC:
        return Decision.ALLOWED if plan.state in PUBLIC_STATES else Decision.NOT_VISIBLE
    if not can_view(user, plan):
        return Decision.NOT_VISIBLE
    if action == VIEW:
        return Decision.ALLOWED
    assert user is not None
    rels = relations(user, plan)
    if action in _EDIT_STATE:
        if not rels & _EDIT_ROLES:
            return Decision.FORBIDDEN
        return Decision.ALLOWED if plan.state == _EDIT_STATE[action] else Decision.WRONG_STATE
    if action not in PLAN_WORKFLOW.actions:
        return Decision.FORBIDDEN
    if rels & PLAN_WORKFLOW.roles_for(action, plan.state):
        if _delegated_away(user, plan):
            return Decision.FORBIDDEN
        return Decision.ALLOWED
    # Standing for this action in some other state: the plan has moved on (or not yet come).
    if any(rels & PLAN_WORKFLOW.roles_for(action, s) for s in PLAN_WORKFLOW.states):
        return Decision.WRONG_STATE
    return Decision.FORBIDDEN


def _delegated_away(user: User, plan: Plan) -> bool:
    """A review handed to someone else is theirs alone until they hand it on."""
    stage = plan.state
    if stage not in REVIEW_STAGES:
        return False
    current = [d for d in plan.delegations if d.round == plan.round and d.stage == stage]
    if not current:
        return False
    if stage == S.PEER_REVIEW:
        # Per reviewing unit: the user keeps any unit of theirs that was not handed on.
        for unit_id in peer_units_of(user, plan):
            latest = _latest(current, unit_id)
            if latest is None or latest.to_user_id == user.id:
                return False
        return True
    latest = _latest(current, None)
    return latest is not None and latest.to_user_id != user.id


def _latest(delegations: list[Delegation], unit_id: int | None) -> Delegation | None:
    scoped = [d for d in delegations if d.reviewer_unit_id == unit_id]
    return max(scoped, key=lambda d: d.id) if scoped else None


def decide_program(user: User | None, action: str, program: Program) -> Decision:
    """The office console: the program's office (绩效办) and administrators manage it."""
    if user is None or not user.is_authenticated or not user.active:
        return Decision.NOT_VISIBLE
    if action != MANAGE:
        return Decision.FORBIDDEN
    if program.id in user.program_ids(*_MANAGER_ROLES):
        return Decision.ALLOWED
    return Decision.FORBIDDEN


def authorize(user: User | None, action: str, obj: Any) -> bool:
    """The one question every page, API route and template asks."""
    if isinstance(obj, Plan):
        return decide(user, action, obj) is Decision.ALLOWED
    if isinstance(obj, Program):
        return decide_program(user, action, obj) is Decision.ALLOWED
    raise TypeError(f"no authorization rule for {type(obj).__name__}")
