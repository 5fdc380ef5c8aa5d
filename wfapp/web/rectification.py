"""整改 pages: a unit's own items, a plan's items (the office adds and collects findings),
one item (edit, evidence, actions, history), and the office's board with closing the program."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import Optional

from wfapp.bounds import accepts_upload
from wfapp.permissions import ADD_ITEM, EDIT_ITEM, EDIT_ITEM_TERMS, authorize
from wfapp.services import office, plans, rectification
from wfapp.services.errors import Invalid, NotFound
from wfapp.services.evidence import ALLOWED_TEXT, limit_text
from wfapp.web.year_common import errors_by_field, me, upload_of, version_of
from wfapp.web.year_forms import TokenForm
from wfapp.workflows.rectification import ACTION_LABELS, RECTIFICATION_WORKFLOW, STATE_LABELS

bp = Blueprint("rectification", __name__)


class ItemForm(FlaskForm):
    finding = TextAreaField("发现的问题")
    indicator_code = StringField("相关指标序号（可选）")
    responsible_department = StringField("责任科室")
    responsible_person = StringField("责任人")
    measures = TextAreaField("整改措施")
    due_date = DateField("整改期限（日期）", validators=[Optional()])
    due_working_days = IntegerField("或：自今日起工作日数", validators=[Optional()])


class UnitEditForm(FlaskForm):
    responsible_department = StringField("责任科室")
    responsible_person = StringField("责任人")
    measures = TextAreaField("整改措施")
    result_statement = TextAreaField("整改结果说明")
    version = HiddenField()


class TermsForm(FlaskForm):
    finding = TextAreaField("发现的问题")
    due_date = DateField("整改期限", validators=[Optional()])
    version = HiddenField()


class ItemEvidenceForm(FlaskForm):
    file = FileField("整改佐证材料")


class ItemActionForm(FlaskForm):
    comment = TextAreaField("意见")
    result_statement = TextAreaField("整改结果说明")
    version = HiddenField()


@bp.record_once
def _labels(state) -> None:
    # Globals, not a context processor: imported macros (the items table) see them too.
    state.app.jinja_env.globals.update(
        ITEM_STATE_LABELS=STATE_LABELS, ITEM_ACTION_LABELS=ACTION_LABELS
    )


# --- lists --------------------------------------------------------------------------------


@bp.get("/rectification")
@login_required
def mine():
    user = me()
    return render_template(
        "rectification/mine.html",
        items=rectification.my_items(user),
        programs=office.managed_programs(user),
        overdue=rectification.is_overdue,
    )


def _plan_page(plan_id: int, form: ItemForm | None = None, errors=None, status: int = 200):
    user = me()
    plan = plans.get_plan(user, plan_id)
    page = render_template(
        "rectification/plan.html",
        plan=plan,
        items=rectification.items_of(user, plan),
        can_add=authorize(user, ADD_ITEM, plan),
        form=form or ItemForm(formdata=None),
        token=TokenForm(),
        errors=errors or {},
        overdue=rectification.is_overdue,
    )
    return page, status


@bp.get("/plans/<int:plan_id>/rectification")
@login_required
def plan_items(plan_id: int):
    return _plan_page(plan_id)


@bp.post("/plans/<int:plan_id>/rectification")
@login_required
def add(plan_id: int):
    form = ItemForm()
    try:
        item = rectification.add_item(
            me(),
            plan_id,
            finding=form.finding.data or "",
            indicator_code=form.indicator_code.data or None,
            responsible_department=form.responsible_department.data or "",
            responsible_person=form.responsible_person.data or "",
            measures=form.measures.data or "",
            due_date=form.due_date.data,
            due_working_days=form.due_working_days.data,
        )
    except Invalid as exc:
        flash(exc.message, "error")
        errors = errors_by_field(exc)
        for name in ("due_date", "due_working_days"):  # what the browser could not parse
            if getattr(form, name).errors:
                errors.setdefault("due", []).append("请填写有效的日期或整数工作日数")
        return _plan_page(plan_id, form, errors, exc.status)
    flash(f"已登记整改事项 #{item.id}", "success")
    return redirect(url_for("rectification.detail", item_id=item.id))


@bp.post("/plans/<int:plan_id>/rectification/collect")
@login_required
def collect(plan_id: int):
    created = rectification.collect_findings(me(), plan_id)
    flash(
        f"新生成 {len(created)} 项整改事项" if created else "没有新的问题需要生成整改事项",
        "success",
    )
    return redirect(url_for("rectification.plan_items", plan_id=plan_id))


# --- one item -----------------------------------------------------------------------------


def _detail(item_id: int, *, errors=None, status: int = 200, **forms):
    user = me()
    item = rectification.get_item(user, item_id)
    version = str(item.version)
    page = render_template(
        "rectification/item.html",
        item=item,
        plan=item.plan,
        actions=rectification.available_actions(user, item),
        can_edit=authorize(user, EDIT_ITEM, item),
        can_edit_terms=authorize(user, EDIT_ITEM_TERMS, item),
        unit_form=forms.get("unit_form") or UnitEditForm(formdata=None, obj=item, version=version),
        terms_form=forms.get("terms_form") or TermsForm(formdata=None, obj=item, version=version),
        evidence_form=ItemEvidenceForm(formdata=None),
        action_form=forms.get("action_form")
        or ItemActionForm(formdata=None, version=version, result_statement=item.result_statement),
        errors=errors or {},
        history=rectification.history(user, item),
        overdue=rectification.is_overdue(item),
        allowed_text=ALLOWED_TEXT,
        limit=limit_text(),
    )
    return page, status


@bp.get("/rectification-items/<int:item_id>")
@login_required
def detail(item_id: int):
    return _detail(item_id)


@bp.post("/rectification-items/<int:item_id>/edit")
@login_required
def edit(item_id: int):
    user = me()
    item = rectification.get_item(user, item_id)
    terms = request.form.get("part") == "terms"
    form = TermsForm() if terms else UnitEditForm()
    changes: dict[str, Any]
    if terms:
        changes = {"finding": form.finding.data or "", "due_date": form.due_date.data}
        if form.due_date.data is None:
            changes.pop("due_date")
    else:
        changes = {name: getattr(form, name).data or "" for name in rectification.UNIT_FIELDS}
    try:
        rectification.update_item(user, item.id, changes, version_of(form))
    except Invalid as exc:
        flash(exc.message, "error")
        key = "terms_form" if terms else "unit_form"
        return _detail(item_id, errors=errors_by_field(exc), status=exc.status, **{key: form})
    flash("已保存", "success")
    return redirect(url_for("rectification.detail", item_id=item_id))


@bp.post("/rectification-items/<int:item_id>/evidence")
@accepts_upload("EVIDENCE_MAX_BYTES")
@login_required
def attach(item_id: int):
    form = ItemEvidenceForm()
    upload = upload_of(form.file)
    if upload is None:
        errors = {"file": ["请选择要上传的文件"]}
        return _detail(item_id, errors=errors, status=422)
    try:
        rectification.attach_evidence(me(), item_id, upload)
    except Invalid as exc:
        flash(exc.message, "error")
        return _detail(item_id, errors=errors_by_field(exc), status=exc.status)
    flash("佐证材料已上传", "success")
    return redirect(url_for("rectification.detail", item_id=item_id))


@bp.post("/rectification-items/<int:item_id>/<action>")
@login_required
def act(item_id: int, action: str):
    if action not in RECTIFICATION_WORKFLOW.actions:
        raise NotFound()
    form = ItemActionForm()
    try:
        rectification.act(
            me(),
            item_id,
            action,
            comment=form.comment.data or "",
            version=version_of(form),
            result_statement=form.result_statement.data if action == "submit" else None,
        )
    except Invalid as exc:
        flash(exc.message, "error")
        return _detail(item_id, errors=errors_by_field(exc), status=exc.status, action_form=form)
    flash(f"已{ACTION_LABELS[action]}", "success")
    return redirect(url_for("rectification.detail", item_id=item_id))


# --- the office's board -------------------------------------------------------------------


@bp.get("/office/programs/<int:program_id>/rectification")
@login_required
def board(program_id: int):
    user = me()
    program = office.get_program(user, program_id)
    return render_template(
        "rectification/board.html",
        program=program,
        board=rectification.board(user, program.id),
        record=rectification.record_by_unit(program),
        next_program=rectification.next_program(program),
        form=TokenForm(),
        tab="rectification",
    )


@bp.post("/office/programs/<int:program_id>/close")
@login_required
def close_program(program_id: int):
    result = rectification.close_program(me(), program_id)
    if result.target is None:
        flash("项目已归档。没有下一年度的考评项目，未销号的整改事项未能转入", "warning")
    else:
        flash(
            f"项目已归档：{len(result.carried)} 项未销号的整改事项已转入{result.target.title}",
            "success",
        )
    for item in result.not_carried:
        flash(f"{item.unit.name}在下一年度没有方案，整改事项 #{item.id} 未转入", "warning")
    return redirect(url_for("rectification.board", program_id=program_id))
