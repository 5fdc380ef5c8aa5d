"""Centralized-evaluation pages: the office assigns evaluators and follows completeness;
an evaluator fills, saves and signs a sheet; the office reads sheets and reopens one."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from wfapp.database import db
from wfapp.models import Plan, Program
from wfapp.permissions import VIEW_SELF_ASSESSMENT, authorize
from wfapp.services import evaluation, plans, self_assessment
from wfapp.services.errors import Invalid, NotFound
from wfapp.services.lists import plan_row_options
from wfapp.services.scores import fmt_points
from wfapp.web.forms import options
from wfapp.web.year_common import errors_by_field, me, version_of
from wfapp.web.year_forms import AssignForm, ReopenForm, TokenForm
from wfapp.workflows.evaluation_sheet import SHEET_WORKFLOW

bp = Blueprint("evaluation", __name__)


# --- assignments (office) -----------------------------------------------------------------


def _assign_form(program: Program, form: AssignForm | None = None) -> AssignForm:
    form = form or AssignForm()
    form.evaluator.choices = options(
        (str(u.id), u.display_name) for u in evaluation.program_evaluators(program)
    )
    plans_ = db.session.scalars(
        select(Plan)
        .where(Plan.program_id == program.id)
        .options(*plan_row_options())
        .order_by(Plan.group_id, Plan.unit_id)
    ).unique()
    form.target.choices = options(
        [(f"group:{g.id}", f"考评组：{g.name}") for g in program.groups]
        + [(f"plan:{p.id}", f"单位：{p.unit.name}") for p in plans_]
    )
    return form


def _assignments_page(program_id: int, form=None, errors=None, status: int = 200):
    user = me()
    program = db.session.get(Program, program_id)
    if program is None:
        raise NotFound("未找到该考评项目")
    page = render_template(
        "year/assignments.html",
        program=program,
        items=evaluation.assignments(user, program.id),
        form=_assign_form(program, form),
        token=TokenForm(),
        errors=errors or {},
        tab="evaluation",
    )
    return page, status


@bp.get("/programs/<int:program_id>/evaluation/assignments")
@login_required
def assignments(program_id: int):
    return _assignments_page(program_id)


@bp.post("/programs/<int:program_id>/evaluation/assignments")
@login_required
def assign(program_id: int):
    form = AssignForm()
    kind, _, target_id = (form.target.data or "").partition(":")
    evaluator_id = int(form.evaluator.data) if (form.evaluator.data or "").isdigit() else 0
    target = int(target_id) if target_id.isdigit() else None
    try:
        evaluation.assign(
            me(),
            program_id,
            evaluator_id,
            group_id=target if kind == "group" else None,
            plan_id=target if kind == "plan" else None,
        )
    except Invalid as exc:
        flash(exc.message, "error")
        return _assignments_page(program_id, form, errors_by_field(exc), exc.status)
    flash("已安排考评组成员", "success")
    return redirect(url_for("evaluation.assignments", program_id=program_id))


@bp.post("/evaluator-assignments/<int:assignment_id>/delete")
@login_required
def unassign(assignment_id: int):
    program_id = evaluation.unassign(me(), assignment_id)
    flash("已取消安排", "success")
    return redirect(url_for("evaluation.assignments", program_id=program_id))


# --- the evaluator's sheet ----------------------------------------------------------------


def items_from_form(plan: Plan, form: MultiDict) -> list[dict[str, Any]]:
    return [
        {
            "code": leaf.code,
            "score": form.get(f"score-{leaf.code}", ""),
            "comment": form.get(f"comment-{leaf.code}", ""),
            "finding": form.get(f"finding-{leaf.code}") == "1",
        }
        for leaf in plan.leaves
    ]


def _sheet_page(plan_id: int, errors=None, status: int = 200):
    user = me()
    plan = plans.get_plan(user, plan_id)
    sheet = evaluation.my_sheet(user, plan)
    can_see_self = authorize(user, VIEW_SELF_ASSESSMENT, plan)
    page = render_template(
        "year/sheet.html",
        plan=plan,
        sheet=sheet,
        actions=evaluation.sheet_actions(user, sheet, plan),
        self_scores=self_assessment.entries(user, plan) if can_see_self else {},
        submitted=request.form if request.method == "POST" else None,
        form=TokenForm(),
        labels=SHEET_WORKFLOW.state_labels,
        fmt=fmt_points,
        errors=errors or {},
    )
    return page, status


@bp.get("/plans/<int:plan_id>/sheet")
@login_required
def my_sheet(plan_id: int):
    return _sheet_page(plan_id)


@bp.post("/plans/<int:plan_id>/sheet")
@login_required
def save_sheet(plan_id: int):
    user = me()
    plan = plans.get_plan(user, plan_id)
    try:
        evaluation.save_sheet(
            user, plan_id, items_from_form(plan, request.form), _int(request.form.get("version"))
        )
    except Invalid as exc:
        flash(exc.message, "error")
        return _sheet_page(plan_id, errors_by_field(exc), exc.status)
    flash("评分已保存（草稿）", "success")
    return redirect(url_for("evaluation.my_sheet", plan_id=plan_id))


@bp.post("/plans/<int:plan_id>/sheet/sign")
@login_required
def sign_sheet(plan_id: int):
    try:
        evaluation.sign_sheet(me(), plan_id, _int(request.form.get("version")))
    except Invalid as exc:
        flash(exc.message, "error")
        return _sheet_page(plan_id, errors_by_field(exc), exc.status)
    flash("评分表已签名提交", "success")
    return redirect(url_for("evaluation.my_sheet", plan_id=plan_id))


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


# --- the office's view of sheets ----------------------------------------------------------


@bp.get("/plans/<int:plan_id>/sheets")
@login_required
def plan_sheets(plan_id: int):
    user = me()
    plan = plans.get_plan(user, plan_id)
    return render_template(
        "year/plan_sheets.html",
        plan=plan,
        status=evaluation.sheets_of_plan(user, plan),
        labels=SHEET_WORKFLOW.state_labels,
    )


def _sheet_detail(sheet_id: int, form: ReopenForm | None = None, errors=None, status=200):
    user = me()
    sheet = evaluation.get_sheet(user, sheet_id)
    page = render_template(
        "year/sheet_detail.html",
        sheet=sheet,
        plan=sheet.plan,
        actions=evaluation.sheet_actions(user, sheet, sheet.plan),
        form=form or ReopenForm(version=str(sheet.version)),
        labels=SHEET_WORKFLOW.state_labels,
        fmt=fmt_points,
        errors=errors or {},
    )
    return page, status


@bp.get("/sheets/<int:sheet_id>")
@login_required
def sheet_detail(sheet_id: int):
    return _sheet_detail(sheet_id)


@bp.post("/sheets/<int:sheet_id>/reopen")
@login_required
def reopen(sheet_id: int):
    form = ReopenForm()
    try:
        evaluation.reopen_sheet(me(), sheet_id, form.reason.data or "", version_of(form))
    except Invalid as exc:
        flash(exc.message, "error")
        return _sheet_detail(sheet_id, form, errors_by_field(exc), exc.status)
    flash("评分表已退回考评组成员重评", "success")
    return redirect(url_for("evaluation.sheet_detail", sheet_id=sheet_id))
