"""The year's hub pages: my plans, one plan's year (actions and history), the office's
program console (progress board, opening self-assessment, evaluation completeness)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from wfapp.database import db
from wfapp.models import AuditEvent, Program
from wfapp.models.progress import PERIOD_LABELS
from wfapp.permissions import (
    ASSIGN_EVALUATORS,
    REPORT_PROGRESS,
    VIEW_CHANGE_REQUESTS,
    VIEW_EXTERNAL,
    VIEW_ITEMS,
    VIEW_RESULT,
    VIEW_SELF_ASSESSMENT,
    VIEW_SHEETS,
    authorize,
    relations,
)
from wfapp.services import audit, evaluation, plans, progress, self_assessment
from wfapp.services.errors import Invalid, NotFound
from wfapp.services.targets import format_points
from wfapp.timeutil import fmt_local
from wfapp.web.year_common import errors_by_field, me, version_of
from wfapp.web.year_forms import ActionForm, TokenForm
from wfapp.workflows.change_request import CHANGE_REQUEST_WORKFLOW
from wfapp.workflows.evaluation_sheet import SHEET_WORKFLOW
from wfapp.workflows.plan import PLAN_WORKFLOW, STATE_LABELS
from wfapp.workflows.rectification import EVENT_LABELS as RECTIFICATION_EVENT_LABELS
from wfapp.workflows.rectification import RECTIFICATION_WORKFLOW

bp = Blueprint("year", __name__)

YEAR_ACTIONS = ("open_self_assessment", "submit_self_assessment")

# How the history names each event (plan workflow actions and the year's own).
EVENT_LABELS = {
    **PLAN_WORKFLOW.action_labels,
    "edit_indicators": "编辑考评表",
    "upload_evidence": "上传佐证材料",
    "report_progress": "报告进度",
    "update_progress": "更新进度",
    "request_change": "申请方案调整",
    "approve": "批准方案调整",
    "reject": "驳回方案调整",
    "save_self_assessment": "保存自评",
    "assign_evaluator": "安排考评组成员",
    "unassign_evaluator": "取消考评安排",
    "save_sheet": "保存评分",
    "sign_sheet": "评分表签名",
    "reopen_sheet": "退回评分表",
    "record_public_score": "录入公众评议得分",
    "record_bonus": "录入正向激励加分",
    "record_deduction": "录入察访核验扣分",
    "correct_external": "更正外部评价记录",
    "cancel_external": "撤销外部评价记录",
    "close_evaluation": "结束考评",
    "rescore": "重新计分",
    "publish_results": "公布考评结果",
    "flag_downgrade": "录入降档",
    "flag_veto": "录入一票否决",
    "cancel_downgrade": "撤销降档",
    "cancel_veto": "撤销一票否决",
    **RECTIFICATION_EVENT_LABELS,
}


@bp.app_template_filter("local_time")
def _local_time(value) -> str:
    return fmt_local(value)


# Each object's own state names: a sheet's "draft" is not a plan's 初稿.
_OBJECT_STATE_LABELS = {
    "evaluation_sheet": SHEET_WORKFLOW.state_labels,
    "change_request": CHANGE_REQUEST_WORKFLOW.state_labels,
    "rectification_item": RECTIFICATION_WORKFLOW.state_labels,
}


def event_states(event: AuditEvent) -> str:
    """ "公开 → 自评" for a change of state, "" otherwise."""
    if not event.to_state or event.from_state == event.to_state:
        return ""
    labels = _OBJECT_STATE_LABELS.get(event.object_type, STATE_LABELS)
    before = labels.get(event.from_state, event.from_state) if event.from_state else ""
    return f"{before} → {labels.get(event.to_state, event.to_state)}".strip()


def event_details(event: AuditEvent) -> str:
    """A few words from the event's data: whom, which row, how many points."""
    data = event.data or {}
    parts = []
    if data.get("evaluator"):
        parts.append(f"考评组成员 {data['evaluator']}")
    if data.get("indicator"):
        parts.append(f"指标 {data['indicator']}（{data.get('period', '')}）")
    if data.get("points"):
        parts.append(f"{data['points']} 分")
    if data.get("name"):
        parts.append(str(data["name"]))
    if data.get("table_version"):
        parts.append(f"考评表第 {data['table_version']} 版")
    return "；".join(parts)


@bp.app_context_processor
def _year_helpers():
    return {
        "authorize": authorize,
        "state_labels": STATE_LABELS,
        "event_labels": EVENT_LABELS,
        "event_states": event_states,
        "event_details": event_details,
        "points": format_points,
    }


@bp.get("/year")
@login_required
def mine():
    user = me()
    return render_template(
        "year/mine.html",
        plans=plans.visible_plans(user),
        to_evaluate=evaluation.plans_to_evaluate(user),
        programs=[db.session.get(Program, pid) for pid in sorted(user.program_ids("office"))],
    )


def _hub(plan_id: int, *, form: ActionForm | None = None, errors=None, status: int = 200):
    user = me()
    plan = plans.get_plan(user, plan_id)
    actions = [a for a in plans.available_actions(user, plan) if a in YEAR_ACTIONS]
    links = {
        "progress": authorize(user, "view", plan),
        "report": authorize(user, REPORT_PROGRESS, plan),
        "change_requests": authorize(user, VIEW_CHANGE_REQUESTS, plan),
        "self_assessment": authorize(user, VIEW_SELF_ASSESSMENT, plan),
        "my_sheet": "evaluator" in relations(user, plan),
        "sheets": authorize(user, VIEW_SHEETS, plan),
        "external": authorize(user, VIEW_EXTERNAL, plan),
        "result": authorize(user, VIEW_RESULT, plan),
        "rectification": authorize(user, VIEW_ITEMS, plan),
    }
    page = render_template(
        "year/plan.html",
        plan=plan,
        actions=actions,
        action_labels=PLAN_WORKFLOW.action_labels,
        form=form or ActionForm(version=str(plan.version)),
        errors=errors or {},
        links=links,
        events=audit.plan_events(plan.id),
    )
    return page, status


@bp.get("/plans/<int:plan_id>/year")
@login_required
def plan_year(plan_id: int):
    return _hub(plan_id)


@bp.post("/plans/<int:plan_id>/year/<action>")
@login_required
def plan_action(plan_id: int, action: str):
    # CSRFProtect has checked the token before the view runs.
    form = ActionForm()
    if action not in YEAR_ACTIONS:
        raise NotFound()
    try:
        plans.fire(me(), plan_id, action, comment=form.comment.data or "", version=version_of(form))
    except Invalid as exc:
        flash(exc.message, "error")
        return _hub(plan_id, form=form, errors=errors_by_field(exc), status=exc.status)
    flash(f"已{PLAN_WORKFLOW.action_labels[action]}", "success")
    return redirect(url_for("year.plan_year", plan_id=plan_id))


# --- the office's program console ---------------------------------------------------------


def _program(program_id: int) -> Program:
    program = db.session.get(Program, program_id)
    if program is None:
        raise NotFound("未找到该考评项目")
    return program


@bp.get("/programs/<int:program_id>/year")
@login_required
def program_console(program_id: int):
    user = me()
    program = _program(program_id)
    day = request.args.get("date")
    try:
        today = date.fromisoformat(day) if day else None
    except ValueError:
        today = None
    period = request.args.get("period") or progress.current_period(program, today)
    return render_template(
        "year/program.html",
        program=program,
        period=period,
        periods=PERIOD_LABELS,
        board=progress.board(user, program.id, period),
        groups=evaluation.completeness(user, program.id),
        form=TokenForm(),
        can_assign=authorize(user, ASSIGN_EVALUATORS, program),
    )


@bp.post("/programs/<int:program_id>/open-self-assessment")
@login_required
def open_all(program_id: int):
    result = self_assessment.open_for_program(me(), program_id)
    flash(f"已为 {len(result.opened)} 个方案启动自评", "success")
    for plan, message in result.refused:
        flash(f"{plan.unit.name}：{message}", "error")
    return redirect(url_for("year.program_console", program_id=program_id))
