"""Change-request pages: a plan's requests with the form to make one, one request with its
before / after and the office's decision."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.datastructures import MultiDict

from wfapp.models import Plan
from wfapp.permissions import REQUEST_CHANGE, authorize
from wfapp.services import change_requests, plans
from wfapp.services.errors import Invalid, NotFound
from wfapp.services.targets import format_points, split_names
from wfapp.web.year_common import errors_by_field, me, version_of
from wfapp.web.year_forms import ChangeDecisionForm, TokenForm
from wfapp.workflows.change_request import CHANGE_REQUEST_WORKFLOW

bp = Blueprint("change_requests", __name__)

NEW_SLOTS = 3
OWNER_FIELDS = {
    "leaders": "responsible_leaders",
    "departments": "responsible_departments",
    "persons": "responsible_persons",
}


def rows_from_form(plan: Plan, form: MultiDict) -> list[dict[str, Any]]:
    """The rows the form changes: an existing row's fields that differ, and new rows."""
    rows: list[dict[str, Any]] = []
    for ind in plan.indicators:
        changed: dict[str, Any] = {}
        content = form.get(f"content-{ind.code}")
        if content is not None and content.strip() != ind.content:
            changed["content"] = content.strip()
        weight = form.get(f"weight-{ind.code}")
        if weight is not None and weight.strip() != format_points(ind.weight):
            changed["weight"] = weight.strip()
        for short, name in OWNER_FIELDS.items():
            value = form.get(f"{short}-{ind.code}")
            if value is not None and split_names(value) != list(getattr(ind, name) or []):
                changed[name] = split_names(value)
        if changed:
            rows.append({"code": ind.code, **changed})
    for i in range(NEW_SLOTS):
        code = (form.get(f"new-{i}-code") or "").strip()
        if not code:
            continue
        rows.append(
            {
                "code": code,
                "parent": (form.get(f"new-{i}-parent") or "").strip() or None,
                "category": "dynamic",
                "content": (form.get(f"new-{i}-content") or "").strip(),
                "weight": (form.get(f"new-{i}-weight") or "").strip(),
                **{
                    name: split_names(form.get(f"new-{i}-{short}") or "")
                    for short, name in OWNER_FIELDS.items()
                },
            }
        )
    return rows


def _list(plan_id: int, errors=None, status: int = 200):
    user = me()
    plan = plans.get_plan(user, plan_id)
    page = render_template(
        "year/change_requests.html",
        plan=plan,
        requests=change_requests.requests_of(user, plan),
        versions=change_requests.table_versions(plan),
        labels=CHANGE_REQUEST_WORKFLOW.state_labels,
        can_request=authorize(user, REQUEST_CHANGE, plan),
        form=TokenForm(),
        values=request.form if request.method == "POST" else {},
        errors=errors or {},
        slots=range(NEW_SLOTS),
        fmt=format_points,
        dynamic_parents=[i for i in plan.indicators if i.category == "dynamic"],
    )
    return page, status


@bp.get("/plans/<int:plan_id>/change-requests")
@login_required
def plan_requests(plan_id: int):
    return _list(plan_id)


@bp.post("/plans/<int:plan_id>/change-requests")
@login_required
def propose(plan_id: int):
    user = me()
    plan = plans.get_plan(user, plan_id)
    try:
        made = change_requests.propose(
            user,
            plan_id,
            reason=request.form.get("reason", ""),
            rows=rows_from_form(plan, request.form),
        )
    except Invalid as exc:
        flash(exc.message, "error")
        return _list(plan_id, errors_by_field(exc), exc.status)
    flash("变更申请已提交，等待绩效办审批", "success")
    return redirect(url_for("change_requests.detail", request_id=made.id))


def _detail(request_id: int, form: ChangeDecisionForm | None = None, errors=None, status=200):
    user = me()
    found = change_requests.get_request(user, request_id)
    before = {r["code"]: r for r in found.before}
    page = render_template(
        "year/change_request.html",
        req=found,
        plan=found.plan,
        before=before,
        shown_after=found.after if found.after is not None else found.rows,
        labels=CHANGE_REQUEST_WORKFLOW.state_labels,
        action_labels=CHANGE_REQUEST_WORKFLOW.action_labels,
        actions=change_requests.available_actions(user, found),
        form=form or ChangeDecisionForm(version=str(found.version)),
        errors=errors or {},
    )
    return page, status


@bp.get("/change-requests/<int:request_id>")
@login_required
def detail(request_id: int):
    return _detail(request_id)


@bp.post("/change-requests/<int:request_id>/<action>")
@login_required
def act(request_id: int, action: str):
    if action not in CHANGE_REQUEST_WORKFLOW.actions:
        raise NotFound()
    form = ChangeDecisionForm()
    try:
        change_requests.act(
            me(), request_id, action, comment=form.comment.data or "", version=version_of(form)
        )
    except Invalid as exc:
        flash(exc.message, "error")
        return _detail(request_id, form, errors_by_field(exc), exc.status)
    flash(f"已{CHANGE_REQUEST_WORKFLOW.action_labels[action]}", "success")
    return redirect(url_for("change_requests.detail", request_id=request_id))
