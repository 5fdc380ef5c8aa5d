"""In-app notices: every reminder, every task opened for a user (your plan was returned, a
review awaits you; written by wfapp.services.tasks), and news such as a publication, in the
user's notice list with an unread count."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from sqlalchemy import func, select, update

from wfapp.database import db
from wfapp.models import Notice, Plan, Role, RoleGrant, User
from wfapp.services.errors import NotFound
from wfapp.services.events import plan_changed
from wfapp.services.uow import transaction
from wfapp.timeutil import utcnow
from wfapp.workflows.plan import S

PAGE_SIZE = 100


def init_app(app: Flask) -> None:
    plan_changed.connect(_on_plan_changed)


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
    """Inside the action's transaction: news that is no one's work. What now waits for whom
    (a review, a returned plan with its reason, a rectification item) is announced by
    wfapp.services.tasks when it opens the task, and marked done when the task closes."""
    if to_state == S.PUBLISHED and from_state != to_state:
        told: set[int] = {actor.id} if actor else set()
        _tell(unit_people(plan), told, plan, "published", f"方案已批复公开：{plan.title}")


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
