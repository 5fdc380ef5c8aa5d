"""The plan pages: list, the plan itself (table, history, diagram, actions), the table
editor, Excel download and upload, and the difference between rounds."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from wfapp.models import Plan
from wfapp.permissions import EDIT_INDICATORS, authorize
from wfapp.services import audit, deadlines, diff, excel, plans
from wfapp.services.errors import Conflict, Invalid, Problem, ServiceError
from wfapp.services.layout import build_layout, editor_facts
from wfapp.services.lists import paginate
from wfapp.services.targets import TOTAL_CODE
from wfapp.timeutil import local_today
from wfapp.web.forms import (
    CATEGORY_OPTIONS,
    ActionForm,
    ImportForm,
    IndicatorRowForm,
    TableForm,
    options,
)
from wfapp.web.paging import requested_page
from wfapp.workflows.diagram import render_svg
from wfapp.workflows.plan import ACTION_LABELS, PLAN_WORKFLOW, REASON_REQUIRED

bp = Blueprint("plans", __name__, url_prefix="/plans")
SPARE_ROWS = 3  # blank rows at the end of the editor: adding rows works without script


@bp.get("")
@login_required
def index():
    today = local_today()
    page = paginate(plans.visible_plans_query(current_user), requested_page())
    due = deadlines.due_dates(page.items)
    rows = [(p, due[p.id], deadlines.days_left(due[p.id], today)) for p in page.items]
    return render_template("plans/index.html", rows=rows, page=page)


# --- the plan page ------------------------------------------------------------------------


def _render_plan(
    plan: Plan,
    *,
    status: int = 200,
    failed: str | None = None,
    form: ActionForm | None = None,
    error: ServiceError | None = None,
):
    """The plan page; after a failed action, that action's form keeps what was typed."""
    user = current_user
    actions = plans.available_actions(user, plan)
    forms: dict[str, ActionForm] = {}
    delegates: list[tuple[int, str]] = []
    for action in actions:
        f = form if action == failed and form is not None else ActionForm(formdata=None)
        if action == "delegate":
            delegates = [(u.id, u.display_name) for u in plans.eligible_delegates(user, plan)]
            f.to_user.choices = options(delegates)
        forms[action] = f
    field_errors: dict[str, list[str]] = {}
    other_problems: list[Problem] = []
    if error is not None:
        for p in error.problems:
            if p.code in ("comment", "to_user", "approval_number"):
                field_errors.setdefault(p.code, []).append(p.message)
            else:
                other_problems.append(p)
    kept_comment = form.comment.data if form is not None and failed not in forms else None
    due = deadlines.due_date(plan)
    signed = {s.reviewer_unit_id: s for s in plans.signoffs(plan)}
    can_edit = authorize(user, EDIT_INDICATORS, plan)
    events = audit.plan_events(plan.id)
    return (
        render_template(
            "plans/detail.html",
            plan=plan,
            layout=build_layout(i.as_row() for i in plan.indicators),
            events=events,
            returned=_open_return(plan, events),
            # The SVG is built from escaped parts (wfapp.workflows.diagram).
            diagram=Markup(render_svg(PLAN_WORKFLOW.describe(), plan.state)),
            actions=actions,
            forms=forms,
            delegates=delegates,
            reason_required=REASON_REQUIRED,
            due=due,
            days_left=deadlines.days_left(due, local_today()),
            signed=signed,
            can_edit=can_edit,
            warnings=plans.table_check(plan).warnings if can_edit else [],
            compare=len(diff.choices(plan)) >= 2,
            failed=failed,
            error=error,
            field_errors=field_errors,
            other_problems=other_problems,
            kept_comment=kept_comment,
        ),
        status,
    )


def _open_return(plan: Plan, events: list) -> Any:
    """The return that sent the plan back to the draft it is in now (None otherwise): the
    banner on top says who, when and why."""
    if plan.state != "draft":
        return None
    for event in reversed(events):
        if event.from_state and event.to_state and event.from_state != event.to_state:
            return event if event.action == "return" else None
    return None


@bp.get("/<int:plan_id>")
@login_required
def detail(plan_id: int):
    return _render_plan(plans.get_plan(current_user, plan_id))


@bp.post("/<int:plan_id>/actions/<action>")
@login_required
def act(plan_id: int, action: str):
    form = ActionForm()
    if not form.validate():
        problems = [Problem(name, e) for name, errs in form.errors.items() for e in errs]
        error = Invalid("提交的内容有误", problems)
        return _render_plan(
            plans.get_plan(current_user, plan_id), status=422, failed=action, form=form, error=error
        )
    try:
        plans.fire(
            current_user,
            plan_id,
            action,
            comment=form.comment.data or "",
            version=form.version.data,
            to_user_id=form.to_user.data if action == "delegate" else None,
            approval_number=form.approval_number.data if action == "office_approve" else None,
        )
    except Invalid as exc:
        error = exc
        if action == "delegate" and form.to_user.data is None:
            error = Invalid("转办必须指定接收人", [Problem("to_user", "请选择接收人")])
        plan = plans.get_plan(current_user, plan_id)
        return _render_plan(plan, status=422, failed=action, form=form, error=error)
    except Conflict as exc:
        plan = plans.get_plan(current_user, plan_id)
        return _render_plan(plan, status=409, failed=action, form=form, error=exc)
    flash(f"已{ACTION_LABELS.get(action, action)}", "success")
    return redirect(url_for("plans.detail", plan_id=plan_id))


# --- the editor ---------------------------------------------------------------------------


def _row_data(plan: Plan) -> list[dict[str, Any]]:
    out = []
    for ind in plan.indicators:
        row = ind.as_row()
        out.append(
            {
                **row,
                "parent": row["parent"] or "",
                "weight": _plain(ind.weight),
                "responsible_leaders": "、".join(row["responsible_leaders"]),
                "responsible_departments": "、".join(row["responsible_departments"]),
                "responsible_persons": "、".join(row["responsible_persons"]),
            }
        )
    return out


def _plain(value) -> str:
    from wfapp.services.layout import fmt_points

    return fmt_points(value)


def _render_editor(
    plan: Plan,
    form: TableForm,
    *,
    status: int = 200,
    row_errors: dict[int, list[Problem]] | None = None,
    table_errors: list[str] | None = None,
    import_form: ImportForm | None = None,
    import_errors: list[Problem] | None = None,
    conflict: str | None = None,
):
    facts = editor_facts(
        [
            {"code": e.form.code.data, "parent": e.form.parent.data, "weight": e.form.weight.data}
            for e in form.rows.entries
        ]
    )
    return (
        render_template(
            "plans/edit.html",
            plan=plan,
            form=form,
            facts=facts,
            row_errors=row_errors or {},
            table_errors=table_errors or [],
            import_form=import_form or ImportForm(formdata=None, version=plan.version),
            import_errors=import_errors or [],
            warnings=plans.table_check(plan).warnings,
            conflict=conflict,
            blank_row=IndicatorRowForm(data={"category": "key"}),
            categories=CATEGORY_OPTIONS,
        ),
        status,
    )


def _fresh_table_form(plan: Plan) -> TableForm:
    blank = {"category": "key"}
    form = TableForm(
        formdata=None,
        data={"rows": [*_row_data(plan), *([blank] * SPARE_ROWS)], "version": plan.version},
    )
    return form


@bp.get("/<int:plan_id>/edit")
@login_required
def edit(plan_id: int):
    plan = plans.get_for_edit(current_user, plan_id)
    return _render_editor(plan, _fresh_table_form(plan))


@bp.post("/<int:plan_id>/edit")
@login_required
def save(plan_id: int):
    plan = plans.get_for_edit(current_user, plan_id)
    form = TableForm()
    if not form.validate():
        return _render_editor(
            plan, form, status=422, table_errors=["提交的内容不完整，请刷新后重试"]
        )
    kept = form.kept_rows()
    try:
        _, warnings = plans.replace_indicators(
            current_user, plan_id, [row for _, row in kept], form.version.data, source="form"
        )
    except Invalid as exc:
        row_errors, table_errors = _place_problems(exc.problems, kept)
        return _render_editor(
            plans.get_plan(current_user, plan_id),
            form,
            status=422,
            row_errors=row_errors,
            table_errors=table_errors,
        )
    except Conflict as exc:
        return _render_editor(
            plans.get_plan(current_user, plan_id), form, status=409, conflict=exc.message
        )
    message = "考评表已保存"
    if warnings:
        message += f"（另有 {len(warnings)} 条提示，见方案页）"
    flash(message, "success")
    return redirect(url_for("plans.detail", plan_id=plan_id))


def _place_problems(
    problems: list[Problem], kept: list[tuple[int, dict[str, Any]]]
) -> tuple[dict[int, list[Problem]], list[str]]:
    """Each problem next to its row (and there at its column): by 序号, or "第N行" for the
    N-th row sent."""
    by_code: dict[str, list[int]] = {}
    for index, row in kept:
        by_code.setdefault(str(row["code"]).strip(), []).append(index)
    row_errors: dict[int, list[Problem]] = {}
    table_errors: list[str] = []
    for p in problems:
        indexes = by_code.get(p.code, [])
        if not indexes and p.code.startswith("第") and p.code.endswith("行"):
            n = p.code[1:-1]
            if n.isdigit() and 0 < int(n) <= len(kept):
                indexes = [kept[int(n) - 1][0]]
        if not indexes or p.code == TOTAL_CODE:
            table_errors.append(p.message if p.code == TOTAL_CODE else f"{p.code}：{p.message}")
        for index in indexes:
            row_errors.setdefault(index, []).append(p)
    return row_errors, table_errors


# --- Excel --------------------------------------------------------------------------------


@bp.get("/<int:plan_id>/indicators.xlsx")
@login_required
def download(plan_id: int):
    name, data = excel.export_plan(current_user, plan_id)
    return send_file(
        BytesIO(data), mimetype=excel.XLSX_MIME, as_attachment=True, download_name=name
    )


@bp.post("/<int:plan_id>/import")
@login_required
def upload(plan_id: int):
    plan = plans.get_for_edit(current_user, plan_id)
    form = ImportForm()
    if not form.validate():
        problems = [Problem("file", e) for errs in form.errors.values() for e in errs]
        return _render_editor(
            plan, _fresh_table_form(plan), status=422, import_form=form, import_errors=problems
        )
    try:
        plan, warnings = excel.import_plan(
            current_user, plan_id, form.file.data.read(), form.version.data
        )
    except Invalid as exc:
        plan = plans.get_plan(current_user, plan_id)
        return _render_editor(
            plan, _fresh_table_form(plan), status=422, import_form=form, import_errors=exc.problems
        )
    except Conflict as exc:
        plan = plans.get_plan(current_user, plan_id)
        return _render_editor(plan, _fresh_table_form(plan), status=409, conflict=exc.message)
    message = f"已从 Excel 导入考评表（{len(plan.indicators)} 行）"
    if warnings:
        message += f"，另有 {len(warnings)} 条提示"
    flash(message, "success")
    return redirect(url_for("plans.detail", plan_id=plan_id))


# --- revisions ----------------------------------------------------------------------------


@bp.get("/<int:plan_id>/diff")
@login_required
def compare(plan_id: int):
    before = request.args.get("before", type=int)
    after = request.args.get("after", type=int)
    plan, result = diff.compare(current_user, plan_id, before, after)
    return render_template(
        "plans/diff.html",
        plan=plan,
        diff=result,
        choices=diff.choices(plan),
        before=before,
        after=after,
    )
