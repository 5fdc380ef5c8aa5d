"""In-app notices: every reminder, and every action that concerns a user (your plan was
returned, a review awaits you), in the user's notice list with an unread count."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from sqlalchemy import func, select, update

from wfapp.database import db
from wfapp.models import Delegation, Notice, Plan, RectificationItem, Role, RoleGrant, User
from wfapp.services.errors import NotFound
from wfapp.services.events import item_changed, plan_changed
from wfapp.services.plans import pending_actors
from wfapp.services.uow import transaction
from wfapp.timeutil import utcnow
from wfapp.workflows.plan import STATE_LABELS, S

PAGE_SIZE = 100


def init_app(app: Flask) -> None:
    plan_changed.connect(_on_plan_changed)
    item_changed.connect(_on_item_changed)


def plan_path(plan_id: int) -> str:
    """Where a notice or a message about a plan links to (the plan page)."""
    return f"/plans/{plan_id}"


def item_path(item_id: int) -> str:
    """Where a notice or a message about a rectification item links to."""
    return f"/rectification-items/{item_id}"


def notify(
    user: User,
    plan: Plan | None,
    kind: str,
    title: str,
    body: str = "",
    *,
    dedupe_key: str | None = None,
    link: str | None = None,
) -> Notice | None:
    """Add a notice in the caller's transaction; None when one with this key exists.
    It links to `link`, or to the plan."""
    if dedupe_key is not None and db.session.scalar(
        select(Notice.id).where(Notice.dedupe_key == dedupe_key)
    ):
        return None
    notice = Notice(
        user_id=user.id,
        plan_id=plan.id if plan else None,
        kind=kind,
        title=title[:300],
        body=body,
        link=link or (plan_path(plan.id) if plan else None),
        dedupe_key=dedupe_key,
    )
    db.session.add(notice)
    return notice


# --- what actions tell people ------------------------------------------------------------


def _on_plan_changed(
    plan: Plan, *, actor: User | None, action: str, from_state: str, to_state: str, **kw
) -> None:
    """Inside the action's transaction: tell the unit what happened to its plan, and tell
    whoever the plan now waits for."""
    told: set[int] = {actor.id} if actor else set()
    unit = unit_people(plan)
    comment = (kw.get("comment") or "").strip()
    if action == "return":
        reason = f"退回理由：{comment}" if comment else ""
        _tell(unit, told, plan, "returned", f"方案被退回修改：{plan.title}", reason)
    elif to_state == S.PUBLISHED and from_state != to_state:
        _tell(unit, told, plan, "published", f"方案已批复公开：{plan.title}")
    label = STATE_LABELS.get(to_state, to_state)
    waiting = []
    if action == "delegate":  # only the one it was handed to; the others were told before
        latest = db.session.scalars(
            select(Delegation).where(Delegation.plan_id == plan.id).order_by(Delegation.id.desc())
        ).first()
        waiting = [latest.to_user] if latest else []
    elif from_state != to_state:
        waiting = pending_actors(plan)
    _tell(waiting, told, plan, "awaits", f"待您办理（{label}）：{plan.title}")


def _on_item_changed(
    item: RectificationItem, *, actor: User | None, action: str, to_state: str | None, **kw
) -> None:
    """A new item and a rejection are news for the unit; a submission for the office."""
    told: set[int] = {actor.id} if actor else set()
    link = item_path(item.id)
    title = f"整改事项 #{item.id}（{item.unit.short_name}）"
    if action in ("create_from_finding", "create_item", "carry_item"):
        verb = "转入本年度" if action == "carry_item" else "待整改"
        _tell(
            unit_people(item.plan), told, item.plan, "awaits", f"{title}{verb}", item.finding, link
        )
    elif action == "reject":
        reason = (kw.get("comment") or "").strip()
        body = f"退回理由：{reason}" if reason else ""
        _tell(
            unit_people(item.plan),
            told,
            item.plan,
            "returned",
            f"{title}被退回重新整改",
            body,
            link,
        )
    elif action == "submit":
        office = list(
            db.session.scalars(
                select(User)
                .join(RoleGrant)
                .where(
                    RoleGrant.role == Role.OFFICE,
                    RoleGrant.program_id == item.program_id,
                    User.active.is_(True),
                )
                .distinct()
                .order_by(User.username)
            )
        )
        _tell(office, told, item.plan, "awaits", f"待您核验：{title}", item.result_statement, link)


def _tell(
    users: list[User],
    told: set[int],
    plan: Plan,
    kind: str,
    title: str,
    body: str = "",
    link: str | None = None,
) -> None:
    for user in users:
        if user.id not in told:
            told.add(user.id)
            notify(user, plan, kind, title, body, link=link)


def unit_people(plan: Plan) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(RoleGrant)
            .where(
                RoleGrant.unit_id == plan.unit_id,
                RoleGrant.role.in_([Role.LIAISON, Role.UNIT_HEAD]),
                User.active.is_(True),
            )
            .distinct()
            .order_by(User.username)
        )
    )


# --- the user's list ---------------------------------------------------------------------


def list_notices(
    user: User, *, unread_only: bool = False, kind: str | None = None, limit: int = PAGE_SIZE
) -> list[Notice]:
    query = select(Notice).where(Notice.user_id == user.id)
    if unread_only:
        query = query.where(Notice.read_at.is_(None))
    if kind:
        query = query.where(Notice.kind == kind)
    return list(db.session.scalars(query.order_by(Notice.id.desc()).limit(limit)))


def unread_by_kind(user: User) -> dict[str, int]:
    """Unread notices per kind, for the list's filters."""
    rows = db.session.execute(
        select(Notice.kind, func.count(Notice.id))
        .where(Notice.user_id == user.id, Notice.read_at.is_(None))
        .group_by(Notice.kind)
    )
    return {kind: count for kind, count in rows}


def unread_count(user: User | None) -> int:
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    return (
        db.session.scalar(
            select(func.count(Notice.id)).where(Notice.user_id == user.id, Notice.read_at.is_(None))
        )
        or 0
    )


def mark_read(user: User, notice_id: int, now: datetime | None = None) -> Notice:
    """Mark one of the user's notices read; another user's notice does not exist for them."""
    with transaction():
        notice = db.session.get(Notice, notice_id)
        if notice is None or notice.user_id != user.id:
            raise NotFound("未找到该消息")
        if notice.read_at is None:
            notice.read_at = now or utcnow()
    return notice


def mark_all_read(user: User, now: datetime | None = None) -> int:
    with transaction():
        result = db.session.execute(
            update(Notice)
            .where(Notice.user_id == user.id, Notice.read_at.is_(None))
            .values(read_at=now or utcnow())
        )
    return result.rowcount or 0
