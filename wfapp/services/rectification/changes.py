"""Changing one item: the unit's fields (measures, result), the office's terms (finding, due
date), evidence, and the item workflow's actions (submit, verify, return, close)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from wfapp.database import db
from wfapp.models import EvidenceScope, Plan, RectificationItem, User
from wfapp.permissions import EDIT_ITEM, EDIT_ITEM_TERMS
from wfapp.services import audit, evidence, plans
from wfapp.services.access import MAX_COMMENT, require
from wfapp.services.errors import Conflict, Invalid, NotFound, Problem
from wfapp.services.events import item_changed
from wfapp.services.rectification.items import MAX_TEXT, audit_item, due_from, text_problems
from wfapp.services.uow import lock_with_plan, transaction
from wfapp.timeutil import local_today, utcnow
from wfapp.workflows import GuardContext, GuardFailed, InvalidAction
from wfapp.workflows.plan import S
from wfapp.workflows.rectification import RECTIFICATION_WORKFLOW, R

GUARD_FIELDS = {
    "has_reason": "comment",
    "has_result_statement": "result_statement",
    "has_evidence": "evidence",
}


UNIT_FIELDS = ("responsible_department", "responsible_person", "measures", "result_statement")
OFFICE_FIELDS = ("finding", "due_date", "due_working_days")


def _lock(item_id: int) -> tuple[Plan, RectificationItem]:
    return lock_with_plan(RectificationItem, item_id, "未找到该整改事项")


def update_item(
    user: User,
    item_id: int,
    changes: Mapping[str, Any],
    version: int | None = None,
    today: date | None = None,
) -> RectificationItem:
    """The unit fills in owners, measures and the result; the office corrects the finding
    and the due date. Only the fields sent change; each side only its own."""
    with transaction():
        plan, item = _lock(item_id)
        require(user, "view", item)
        unit_part = {k: v for k, v in changes.items() if k in UNIT_FIELDS}
        office_part = {k: v for k, v in changes.items() if k in OFFICE_FIELDS}
        unknown = [k for k in changes if k not in UNIT_FIELDS + OFFICE_FIELDS]
        if unknown:
            raise Invalid("不能修改的字段", [Problem(k, "不能修改此字段") for k in unknown])
        if unit_part:
            require(user, EDIT_ITEM, item)
        if office_part:
            require(user, EDIT_ITEM_TERMS, item)
        if not unit_part and not office_part:
            raise Invalid("没有要保存的内容", [Problem("body", "没有要保存的内容")])
        if version is not None and version != item.version:
            raise Conflict()
        texts = {
            k: str(v or "") for k, v in changes.items() if k not in ("due_date", "due_working_days")
        }
        problems = text_problems(**texts)
        if "finding" in texts and not texts["finding"].strip():
            problems.append(Problem("finding", "请填写发现的问题"))
        due = None
        if "due_date" in office_part or "due_working_days" in office_part:
            try:
                due = due_from(
                    item.program,
                    office_part.get("due_date"),
                    office_part.get("due_working_days"),
                    today or local_today(),
                )
            except Invalid as exc:
                problems += exc.problems
        if problems:
            raise Invalid("整改事项未保存：请修正标出的字段", problems)
        before = {k: _plain(getattr(item, k)) for k in (*texts, *(("due_date",) if due else ()))}
        for key, value in texts.items():
            setattr(item, key, value.strip())
        if due is not None:
            item.due_date, item.due_working_days = due
        after = {k: _plain(getattr(item, k)) for k in before}
        changed = {
            k: {"before": before[k], "after": after[k]} for k in before if before[k] != after[k]
        }
        if changed:
            item.updated_at = utcnow()
            audit_item(
                item, plan, user, "edit_item", item.state, item.state, "", {"changed": changed}
            )
            item_changed.send(
                item, actor=user, action="edit", from_state=item.state, to_state=item.state
            )
    return item


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def attach_evidence(user: User, item_id: int, upload: evidence.Upload) -> RectificationItem:
    """The unit adds a file that proves the rectification (checked by content)."""
    with evidence.files_removed_on_error() as written, transaction():
        plan, item = _lock(item_id)
        require(user, EDIT_ITEM, item)
        proof = evidence.store(plan, user, upload, written, EvidenceScope.RECTIFICATION)
        item.evidence.append(proof)
        item.updated_at = utcnow()  # bumps the version: a page showing fewer files is stale
        audit_item(
            item,
            plan,
            user,
            "attach_item_evidence",
            item.state,
            item.state,
            "",
            {"name": proof.original_name},
        )
    return item


def act(
    user: User,
    item_id: int,
    action: str,
    *,
    comment: str = "",
    version: int | None = None,
    result_statement: str | None = None,
) -> RectificationItem:
    """start / submit (unit), reject / verify / close (office). Submitting may carry the
    result statement with it. Closing the plan's last open item closes the plan."""
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise Invalid("意见过长", [Problem("comment", f"意见不能超过{MAX_COMMENT}字")])
    if action not in RECTIFICATION_WORKFLOW.actions:
        raise NotFound("没有此操作")
    with transaction():
        plan, item = _lock(item_id)
        require(user, action, item)
        if version is not None and version != item.version:
            raise Conflict()
        if action == "submit" and result_statement is not None:
            if len(result_statement) > MAX_TEXT:
                raise Invalid(
                    "整改结果说明过长",
                    [Problem("result_statement", f"不能超过{MAX_TEXT}字")],
                )
            item.result_statement = result_statement.strip()
        ctx = GuardContext(
            {
                "comment": comment,
                "result_statement": item.result_statement,
                "evidence": len(item.evidence),
            }
        )
        from_state = item.state
        try:
            to_state = RECTIFICATION_WORKFLOW.fire(from_state, action, ctx)
        except InvalidAction as exc:
            raise Conflict() from exc
        except GuardFailed as exc:
            # Name every unmet condition at once, not only the first the engine met.
            unmet = [
                g
                for t in RECTIFICATION_WORKFLOW.transitions
                if t.action == action and t.source == from_state
                for g in t.conditions
                if not g.check(ctx)
            ] or exc.guards
            problems = [Problem(GUARD_FIELDS.get(g.name, g.name), g.message) for g in unmet]
            raise Invalid(unmet[0].message, problems) from exc
        item.state = to_state
        item.updated_at = utcnow()
        if action == "submit":
            item.submitted_at = utcnow()
        if to_state == R.CLOSED:
            item.closed_at = utcnow()
        data = {"item": item.id}
        audit_item(item, plan, user, f"{action}_item", from_state, to_state, comment, data)
        item_changed.send(
            item,
            actor=user,
            action=action,
            from_state=from_state,
            to_state=to_state,
            comment=comment,
        )
        if to_state == R.CLOSED and plan.state == S.RECTIFICATION:
            db.session.flush()  # the guard counts the items in the database
            plans.fire_automatic(plan, "finish_rectification", "整改事项已全部销号")
    return item


def history(user: User, item: RectificationItem) -> list:
    require(user, "view", item)
    return list(reversed(audit.object_events("rectification_item", item.id, limit=200)))
