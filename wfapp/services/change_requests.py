"""Change requests after publication (方案调整): change an indicator's content, weight or
owners, or add a dynamic target (动态工作目标), with a reason; the office approves or rejects.

The would-be table is checked with the target-table rules when the request is made (refused
up front, naming row codes) and again on approval. Adding a dynamic target must respect the
dynamic budget: the weight the published table reserved for dynamic targets. So a new
dynamic target takes its weight from other dynamic rows, and the request names every row
whose weight changes. An approval writes the table as a new TableVersion (number 1 is the
table as published) and records before and after in the request and the audit trail.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from wfapp.database import db
from wfapp.models import Category, ChangeRequest, Plan, TableVersion, User
from wfapp.permissions import REQUEST_CHANGE, VIEW_CHANGE_REQUESTS
from wfapp.services import audit
from wfapp.services.access import MAX_COMMENT, require
from wfapp.services.errors import Conflict, Invalid, NotFound, Problem
from wfapp.services.plans import table_check, write_table
from wfapp.services.targets import TOTAL_CODE, check_table, to_row
from wfapp.services.targets import format_points as _fmt
from wfapp.services.uow import lock_plan, lock_with_plan, transaction
from wfapp.timeutil import utcnow
from wfapp.workflows import GuardContext, GuardFailed, InvalidAction
from wfapp.workflows.change_request import CHANGE_REQUEST_WORKFLOW, CR

# What a request may change on an existing row; code, parent and category stay.
CHANGEABLE = (
    "content",
    "weight",
    "responsible_leaders",
    "responsible_departments",
    "responsible_persons",
    "note",
)


def _plain(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row as stored in JSON: the weight as a decimal string."""
    out = dict(row)
    weight = out.get("weight")
    out["weight"] = _fmt(weight) if isinstance(weight, Decimal) else str(weight)
    return out


def current_rows(plan: Plan) -> list[dict[str, Any]]:
    return [_plain(i.as_row()) for i in plan.indicators]


def _merge(
    plan: Plan, proposed: list[Mapping[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[Problem]]:
    """The proposed rows made whole (existing rows keep what is not sent), the rows they
    replace, and what is wrong with them as a change after publication."""
    current = {r["code"]: r for r in current_rows(plan)}
    merged: list[dict[str, Any]] = []
    before: list[dict[str, Any]] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for raw in proposed:
        code = str(raw.get("code") or "").strip()
        if not code:
            problems.append(Problem("rows", "每一行都必须填写序号"))
            continue
        if code in seen:
            problems.append(Problem(code, "同一序号在申请中出现多次"))
            continue
        seen.add(code)
        old = current.get(code)
        if old is not None:
            for key in ("parent", "category"):
                if key in raw and (raw[key] or None) != old[key]:
                    problems.append(Problem(code, "不能调整指标的上级或类别"))
                    break
            row = {**old, **{k: raw[k] for k in CHANGEABLE if k in raw}}
            row = _plain(to_row(row).as_dict() | {"weight": to_row(row).raw_weight})
            if _same(row, old):
                problems.append(Problem(code, "本行未作任何修改"))
            before.append(old)
        else:
            row = _plain(to_row({"category": Category.DYNAMIC, **raw}).as_dict())
            row["weight"] = str(raw.get("weight"))
            if row["category"] != Category.DYNAMIC:
                problems.append(Problem(code, "公开后只能新增动态工作目标"))
            parent = current.get(row["parent"] or "")
            if row["parent"] is not None and parent is None:
                problems.append(Problem(code, f"上级指标“{row['parent']}”不存在"))
            elif parent is not None and parent["category"] != Category.DYNAMIC:
                problems.append(Problem(code, "动态工作目标只能加在动态工作目标之下"))
            overlaps = [
                r["code"]
                for r in current.values()
                if r["category"] in (Category.KEY, Category.REGULAR)
                and r["content"].strip() == row["content"].strip()
            ]
            if overlaps:
                problems.append(
                    Problem(code, f"动态工作目标不得与重点、常规工作目标重复（{overlaps[0]}）")
                )
        merged.append(row)
    if not proposed:
        problems.append(Problem("rows", "请至少调整或新增一行"))
    return merged, before, problems


def _same(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    def norm(r: Mapping[str, Any]) -> tuple:
        weight = to_row(r).weight
        return (weight, *(r[k] for k in CHANGEABLE if k != "weight"))

    return norm(a) == norm(b)


def would_be(plan: Plan, merged: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The table with the changed rows replaced and new rows placed after their parent's
    last descendant."""
    rows = current_rows(plan)
    by_code = {r["code"]: r for r in merged}
    rows = [by_code.get(r["code"], r) for r in rows]
    known = {r["code"] for r in rows}
    for new in (r for r in merged if r["code"] not in known):
        index = len(rows)
        if new["parent"] is not None:
            family = {new["parent"]}
            last = None
            for i, r in enumerate(rows):
                if r["code"] in family or r["parent"] in family:
                    family.add(r["code"])
                    last = i
            index = len(rows) if last is None else last + 1
        rows.insert(index, new)
        known.add(new["code"])
    return rows


def dynamic_budget(plan: Plan) -> Decimal:
    """The weight the table as published reserved for dynamic targets."""
    first = db.session.scalars(
        select(TableVersion).where(TableVersion.plan_id == plan.id, TableVersion.number == 1)
    ).first()
    rows = first.rows if first else current_rows(plan)
    return _dynamic_total(rows)


def _dynamic_total(rows: list[dict[str, Any]]) -> Decimal:
    return sum(
        (
            to_row(r).weight or Decimal(0)
            for r in rows
            if r["parent"] is None and r["category"] == Category.DYNAMIC
        ),
        Decimal(0),
    )


def _problems_of(plan: Plan, merged: list[dict[str, Any]]) -> list[Problem]:
    rows = would_be(plan, merged)
    problems = list(check_table(rows, plan.program.total_points).errors)
    budget, total = dynamic_budget(plan), _dynamic_total(rows)
    if total > budget:
        problems.append(
            Problem(
                TOTAL_CODE,
                f"动态工作目标合计 {_fmt(total)} 分，超过公开时预留的 {_fmt(budget)} 分；"
                "新增动态目标须从其他动态目标中调出分值",
            )
        )
    return problems


# --- reading ------------------------------------------------------------------------------


def requests_of(user: User, plan: Plan) -> list[ChangeRequest]:
    require(user, VIEW_CHANGE_REQUESTS, plan)
    return list(
        db.session.scalars(
            select(ChangeRequest)
            .where(ChangeRequest.plan_id == plan.id)
            .order_by(ChangeRequest.id.desc())
        )
    )


def get_request(user: User, request_id: int) -> ChangeRequest:
    request = db.session.get(ChangeRequest, request_id)
    if request is None:
        raise NotFound("未找到该变更申请")
    require(user, "view", request)
    return request


def available_actions(user: User, request: ChangeRequest) -> list[str]:
    from wfapp.permissions import Decision, decide

    return [
        a
        for a in CHANGE_REQUEST_WORKFLOW.actions_from(request.state)
        if decide(user, a, request) is Decision.ALLOWED
    ]


def table_versions(plan: Plan) -> list[TableVersion]:
    return list(
        db.session.scalars(
            select(TableVersion)
            .where(TableVersion.plan_id == plan.id)
            .order_by(TableVersion.number)
        )
    )


# --- changing -----------------------------------------------------------------------------


def propose(
    user: User, plan_id: int, *, reason: str, rows: list[Mapping[str, Any]]
) -> ChangeRequest:
    """Request a change; refused up front (422, naming row codes) if the table would break."""
    reason = (reason or "").strip()
    with transaction():
        plan = lock_plan(plan_id)
        require(user, REQUEST_CHANGE, plan)
        merged, before, problems = _merge(plan, list(rows))
        if not reason:
            problems.insert(0, Problem("reason", "请填写调整理由"))
        elif len(reason) > MAX_COMMENT:
            problems.insert(0, Problem("reason", f"调整理由不能超过{MAX_COMMENT}字"))
        if not problems:
            problems = _problems_of(plan, merged)
        if problems:
            raise Invalid("变更申请未通过校验：调整后的考评表必须仍然平衡", problems)
        request = ChangeRequest(
            plan_id=plan.id,
            reason=reason,
            rows=merged,
            before=before,
            requested_by_id=user.id,
        )
        db.session.add(request)
        db.session.flush()
        audit.record_event(
            "change_request",
            request.id,
            user,
            "request_change",
            comment=reason,
            data={"request": request.id, "before": before, "after": merged},
            plan=plan,
            from_state=None,
            to_state=CR.PENDING,
        )
    return request


def act(
    user: User, request_id: int, action: str, *, comment: str = "", version: int | None = None
) -> ChangeRequest:
    """approve / reject (office) or withdraw (unit) a pending request."""
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise Invalid("意见过长", [Problem("comment", f"意见不能超过{MAX_COMMENT}字")])
    with transaction():
        plan, request = lock_with_plan(ChangeRequest, request_id, "未找到该变更申请")
        require(user, action, request)
        if version is not None and version != request.version:
            raise Conflict()
        errors = _problems_of(plan, request.rows) if action == "approve" else []
        ctx = GuardContext({"comment": comment, "table_errors": errors})
        from_state = request.state
        try:
            to_state = CHANGE_REQUEST_WORKFLOW.fire(from_state, action, ctx)
        except InvalidAction as exc:
            raise Conflict() from exc
        except GuardFailed as exc:
            field = "comment" if exc.guards[0].name == "has_reason" else "rows"
            message = exc.guards[0].message
            raise Invalid(message, [Problem(field, message), *errors]) from exc
        data: dict[str, Any] = {"request": request.id}
        if action == "approve":
            data |= _apply(plan, request)
        request.state = to_state
        request.decided_by_id = user.id
        request.decided_at = utcnow()
        request.decision_comment = comment
        audit.record_event(
            "change_request",
            request.id,
            user,
            action,
            comment=comment,
            data=data,
            plan=plan,
            from_state=from_state,
            to_state=to_state,
        )
    return request


def _apply(plan: Plan, request: ChangeRequest) -> dict[str, Any]:
    """Write the new table and its version; before and after for the history."""
    number = db.session.scalar(
        select(func.max(TableVersion.number)).where(TableVersion.plan_id == plan.id)
    )
    if number is None:  # the first change: keep the table as published as version 1
        db.session.add(TableVersion(plan_id=plan.id, number=1, rows=current_rows(plan)))
        number = 1
    current = {r["code"]: r for r in current_rows(plan)}
    before = [current[r["code"]] for r in request.rows if r["code"] in current]
    check = check_table(would_be(plan, request.rows), plan.program.total_points)
    write_table(plan, check)
    db.session.flush()
    after_rows = current_rows(plan)
    touched = {r["code"] for r in request.rows}
    after = [r for r in after_rows if r["code"] in touched]
    db.session.add(
        TableVersion(
            plan_id=plan.id, number=number + 1, rows=after_rows, change_request_id=request.id
        )
    )
    request.before, request.after, request.table_version = before, after, number + 1
    assert table_check(plan).ok
    return {"table_version": number + 1, "before": before, "after": after}
