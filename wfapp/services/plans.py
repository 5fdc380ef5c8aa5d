"""Plan use cases: read what a user may see, edit the table, fire workflow actions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased

from wfapp.database import db
from wfapp.models import (
    ChangeRequest,
    Delegation,
    Indicator,
    PeerSignoff,
    Plan,
    PlanRevision,
    RectificationItem,
    Role,
    RoleGrant,
    User,
)
from wfapp.permissions import (
    EDIT_INDICATORS,
    Decision,
    decide,
    peer_units_of,
    relations,
    visible_plans_clause,
)
from wfapp.services import audit
from wfapp.services.access import MAX_COMMENT, require
from wfapp.services.errors import Conflict, Forbidden, Invalid, NotFound, Problem
from wfapp.services.events import plan_changed
from wfapp.services.findings import has_findings
from wfapp.services.lists import plan_row_options
from wfapp.services.scores import missing_self_scores
from wfapp.services.targets import TableCheck, check_table
from wfapp.services.uow import lock_plan, transaction
from wfapp.timeutil import utcnow
from wfapp.workflows import GuardContext, GuardFailed, InvalidAction
from wfapp.workflows.engine import LazyFacts
from wfapp.workflows.plan import PLAN_WORKFLOW, S
from wfapp.workflows.rectification import R

# --- reading ------------------------------------------------------------------------------


def visible_plans_query(user: User, *, peers: bool = False) -> Select:
    """Plans the user may see, by program, then unit, each with what a row shows."""
    return (
        select(Plan)
        .where(visible_plans_clause(user))
        .options(*plan_row_options(peers=peers))
        .order_by(Plan.program_id, Plan.unit_id)
    )


def visible_plans(user: User, *, peers: bool = False) -> list[Plan]:
    return list(db.session.scalars(visible_plans_query(user, peers=peers)).unique())


def get_plan(user: User, plan_id: int) -> Plan:
    plan = db.session.get(Plan, plan_id)
    if plan is None or decide(user, "view", plan) is Decision.NOT_VISIBLE:
        raise NotFound("未找到该方案")
    return plan


def get_for_edit(user: User, plan_id: int) -> Plan:
    """A plan whose table the user may edit now: 404 / 403 / 409 otherwise."""
    plan = get_plan(user, plan_id)
    require(user, EDIT_INDICATORS, plan)
    return plan


def table_check(plan: Plan) -> TableCheck:
    return check_table([i.as_row() for i in plan.indicators], plan.program.total_points)


def available_actions(user: User, plan: Plan) -> list[str]:
    """The actions this user may fire on this plan now: what buttons and the API offer."""
    names = []
    for action in PLAN_WORKFLOW.actions_from(plan.state):
        if PLAN_WORKFLOW.is_batch(action):  # taken for a whole group, on its own page
            continue
        if decide(user, action, plan) is not Decision.ALLOWED:
            continue
        if _needs_peer_unit(action, plan) and _acting_peer_unit(user, plan) is None:
            continue
        if PLAN_WORKFLOW.is_offered(action, plan.state, _facts(user, plan)):
            names.append(action)
    return names


def eligible_delegates(user: User, plan: Plan) -> list[User]:
    """Others who hold the same role for the same unit (or program) at this review stage."""
    stage = plan.state
    if stage == S.PEER_REVIEW:
        unit_id = _acting_peer_unit(user, plan)
        if unit_id is None:
            return []
        scope = (RoleGrant.role.in_([Role.LIAISON, Role.UNIT_HEAD]), RoleGrant.unit_id == unit_id)
    elif stage == S.LEADER_REVIEW:
        scope = (RoleGrant.role == Role.LEADER, RoleGrant.unit_id == plan.unit_id)
    elif stage == S.OFFICE_REVIEW:
        scope = (RoleGrant.role == Role.OFFICE, RoleGrant.program_id == plan.program_id)
    else:
        return []
    return list(
        db.session.scalars(
            select(User)
            .join(RoleGrant)
            .where(*scope, User.active.is_(True), User.id != user.id)
            .distinct()
            .order_by(User.username)
        )
    )


def is_awaited(user: User, plan: Plan) -> bool:
    """Whether the plan waits for this user's action (not merely allows one, like withdraw),
    the slow way: per user, from the permissions and guards. The task rows must agree
    (`wfapp tasks verify`); readers use those."""
    if not relations(user, plan) & PLAN_WORKFLOW.actors_of(plan.state):
        return False
    return any(a != "withdraw" for a in available_actions(user, plan))


def signoffs(plan: Plan, round_: int | None = None) -> list[PeerSignoff]:
    return list(
        db.session.scalars(
            select(PeerSignoff)
            .where(PeerSignoff.plan_id == plan.id, PeerSignoff.round == (round_ or plan.round))
            .order_by(PeerSignoff.id)
        )
    )


def revisions(plan: Plan) -> list[PlanRevision]:
    return list(
        db.session.scalars(
            select(PlanRevision).where(PlanRevision.plan_id == plan.id).order_by(PlanRevision.round)
        )
    )


# --- changing -----------------------------------------------------------------------------


def replace_indicators(
    user: User,
    plan_id: int,
    rows: Iterable[Mapping[str, Any]],
    version: int | None = None,
    *,
    source: str | None = None,
) -> tuple[Plan, list[Problem]]:
    """Replace a draft's table. Any problem: Invalid with every problem, nothing saved.
    `source` ("form", "excel" …) is noted in the audit event."""
    with transaction():
        plan = lock_plan(plan_id)
        require(user, EDIT_INDICATORS, plan)
        if version is not None and version != plan.version:
            raise Conflict()
        check = check_table(rows, plan.program.total_points)
        if not check.ok:
            raise Invalid("考评表未通过校验", check.errors)
        write_table(plan, check)
        plan.updated_at = utcnow()
        data: dict[str, Any] = {"rows": len(check.rows)}
        if source:
            data["source"] = source
        audit.record_plan_event(plan, user, "edit_indicators", plan.state, plan.state, data=data)
    return plan, check.warnings


def fire_scheduled(plan_id: int, action: str, comment: str) -> Plan:
    """An action the program's calendar fires on its date, with the system as the actor: the
    same lock, guards, audit and signal as a person's action, without a person's role."""
    if not PLAN_WORKFLOW.is_scheduled(action):
        raise Forbidden("此操作不能由系统按日历执行")
    return fire(None, plan_id, action, comment=comment)


def fire(
    user: User | None,
    plan_id: int,
    action: str,
    *,
    comment: str = "",
    version: int | None = None,
    to_user_id: int | None = None,
    approval_number: str | None = None,
) -> Plan:
    """Fire a workflow action as `user` (None: the system, see fire_scheduled):
    404 / 403 / 409 / 422 as ServiceErrors. Group-wide actions (close_evaluation) are
    refused here: their service fires them per plan with `apply`."""
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise Invalid("意见过长", [Problem("comment", f"意见不能超过{MAX_COMMENT}字")])
    with transaction():
        plan = lock_plan(plan_id)
        if user is not None:
            require(user, action, plan)
        if PLAN_WORKFLOW.is_batch(action):
            raise Forbidden("此操作须由绩效办在考评结果页按考评组办理")
        if version is not None and version != plan.version:
            raise Conflict()
        apply(
            user,
            plan,
            action,
            comment=comment,
            to_user_id=to_user_id,
            approval_number=approval_number,
        )
    return plan


def fire_automatic(plan: Plan, action: str, comment: str) -> bool:
    """Inside the caller's transaction, with the plan locked: fire an automatic action as the
    system if its guards hold now (e.g. the last rectification item closed). Whether it fired."""
    if not PLAN_WORKFLOW.is_automatic(action):
        raise Forbidden("此操作不能由系统自动执行")
    if not PLAN_WORKFLOW.is_offered(action, plan.state, _facts(None, plan)):
        return False
    apply(None, plan, action, comment=comment)
    return True


def apply(
    user: User | None,
    plan: Plan,
    action: str,
    *,
    comment: str = "",
    to_user_id: int | None = None,
    approval_number: str | None = None,
    data: dict[str, Any] | None = None,
) -> Plan:
    """Fire an action on a plan the caller has locked, inside the caller's transaction:
    authorization, guards, audit event and `plan_changed`, no commit. `data` is added to
    the audit event."""
    if user is not None:
        require(user, action, plan)
    peer_unit = None
    if action == "peer_approve" or (
        action in ("return", "delegate") and plan.state == S.PEER_REVIEW
    ):
        peer_unit = _acting_peer_unit(user, plan)
        if peer_unit is None:
            raise Conflict("本单位本轮已签署意见")
    to_user = db.session.get(User, to_user_id) if to_user_id is not None else None
    facts = _facts(user, plan, comment=comment, to_user=to_user)
    from_state = plan.state
    try:
        to_state = PLAN_WORKFLOW.fire(from_state, action, facts)
    except InvalidAction as exc:
        raise Conflict() from exc
    except GuardFailed as exc:
        problems = [Problem(_guard_field(g.name), g.message) for g in exc.guards]
        if any(g.name == "table_is_valid" for g in exc.guards):
            problems += table_check(plan).errors
        if any(g.name == "self_assessment_complete" for g in exc.guards):
            problems += [
                Problem(code, "未填写自评得分或说明") for code in facts["self_assessment_missing"]
            ]
        raise Invalid(exc.guards[0].message, problems) from exc

    data = dict(data or {})
    if action == "submit":
        _save_revision(plan)
    elif action == "peer_approve":
        db.session.add(
            PeerSignoff(
                plan_id=plan.id,
                round=plan.round,
                reviewer_unit_id=peer_unit,
                user_id=user.id,
                comment=comment,
            )
        )
        data["reviewer_unit_id"] = peer_unit
    elif action == "delegate":
        assert to_user is not None
        db.session.add(
            Delegation(
                plan_id=plan.id,
                round=plan.round,
                stage=plan.state,
                reviewer_unit_id=peer_unit,
                from_user_id=user.id,
                to_user_id=to_user.id,
            )
        )
        data["to_user"] = to_user.username
    elif action == "office_approve":
        plan.approval_number = (approval_number or "").strip() or None
        plan.published_at = utcnow()
        data["approval_number"] = plan.approval_number

    audit.record_plan_event(plan, user, action, from_state, to_state, comment, data or None)
    if action == "return":
        plan.round += 1  # the old round's sign-offs stay, but no longer count
    plan.state = to_state
    # Every action bumps the version, so two clicks on the same page: one wins, one 409.
    plan.updated_at = utcnow()
    plan_changed.send(
        plan,
        actor=user,
        action=action,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
    )
    return plan


# --- helpers ------------------------------------------------------------------------------


def _needs_peer_unit(action: str, plan: Plan) -> bool:
    """Peer-review actions are taken for one reviewing unit that has not yet signed."""
    return plan.state == S.PEER_REVIEW and action in ("peer_approve", "return", "delegate")


def _acting_peer_unit(user: User, plan: Plan) -> int | None:
    """The first of the user's reviewing units that has not signed in this round."""
    signed = {s.reviewer_unit_id for s in signoffs(plan)}
    return next((u for u in peer_units_of(user, plan) if u not in signed), None)


def _facts(
    user: User | None, plan: Plan, *, comment: str = "", to_user: User | None = None
) -> GuardContext:
    """The facts the guards read, each computed only when a guard of the action being fired
    (or offered) reads it: an approval does not count sign-offs or validate the table."""

    def signoff_count() -> int:
        return (
            db.session.scalar(
                select(func.count(PeerSignoff.id)).where(
                    PeerSignoff.plan_id == plan.id, PeerSignoff.round == plan.round
                )
            )
            or 0
        )

    def pending_changes() -> int:
        if plan.state != S.PUBLISHED:
            return 0
        return (
            db.session.scalar(
                select(func.count(ChangeRequest.id)).where(
                    ChangeRequest.plan_id == plan.id, ChangeRequest.state == "pending"
                )
            )
            or 0
        )

    return GuardContext(
        LazyFacts(
            {
                "table_errors": lambda: table_check(plan).errors if plan.state == S.DRAFT else [],
                "peer_units": lambda: len(plan.peer_assignments),
                "signoffs": signoff_count,
                "countersign_policy": lambda: plan.program.countersign_policy,
                "countersign_min": lambda: plan.program.countersign_min,
                "comment": lambda: comment,
                "delegate_eligible": lambda: (
                    user is not None
                    and to_user is not None
                    and to_user in eligible_delegates(user, plan)
                ),
                "pending_change_requests": pending_changes,
                "self_assessment_missing": lambda: (
                    missing_self_scores(plan) if plan.state == S.SELF_ASSESSMENT else []
                ),
                "has_findings": lambda: plan.state == S.CENTRAL_EVALUATION and has_findings(plan),
                "open_rectification_items": lambda: (
                    _open_items(plan) if plan.state == S.RECTIFICATION else 0
                ),
            }
        )
    )


def _open_items(plan: Plan) -> int:
    """Items of the plan not closed and not carried into the next program (a carried item
    is rectified there, so it no longer holds this plan open)."""
    copy = aliased(RectificationItem)
    carried = select(copy.id).where(copy.carried_from_id == RectificationItem.id).exists()
    return (
        db.session.scalar(
            select(func.count(RectificationItem.id)).where(
                RectificationItem.plan_id == plan.id,
                RectificationItem.state != R.CLOSED,
                ~carried,
            )
        )
        or 0
    )


def _guard_field(name: str) -> str:
    return {"has_reason": "comment", "delegate_is_eligible": "to_user"}.get(name, name)


def write_table(plan: Plan, check: TableCheck) -> None:
    for old in list(plan.indicators):
        plan.indicators.remove(old)
    db.session.flush()  # old codes must be gone before the new rows reuse them
    by_code: dict[str, Indicator] = {}
    for position, row in enumerate(check.rows):
        ind = Indicator(
            code=row.code,
            category=row.category,
            level=check.levels[row.code],
            content=row.content,
            weight=Decimal(row.weight or 0),
            responsible_leaders=row.responsible_leaders,
            responsible_departments=row.responsible_departments,
            responsible_persons=row.responsible_persons,
            note=row.note,
            position=position,
        )
        by_code[row.code] = ind
        plan.indicators.append(ind)
    for row in check.rows:
        if row.parent:
            by_code[row.code].parent = by_code[row.parent]


def _save_revision(plan: Plan) -> None:
    rows = [{**i.as_row(), "weight": str(i.weight)} for i in plan.indicators]
    existing = db.session.scalars(
        select(PlanRevision).where(
            PlanRevision.plan_id == plan.id, PlanRevision.round == plan.round
        )
    ).first()
    if existing:  # resubmitted after a withdrawal in the same round
        existing.rows = rows
        existing.created_at = utcnow()
    else:
        db.session.add(PlanRevision(plan_id=plan.id, round=plan.round, rows=rows))
