"""The program's calendar: everyone signed in reads it; the office edits due dates (a date
or N working days after an event), declared days, reminder rules, and grants a plan an
extension with a reason."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Flask, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.routing import BaseConverter, ValidationError
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from wfapp.permissions import EDIT_CALENDAR, GRANT_EXTENSION, authorize
from wfapp.services import calendar, plans
from wfapp.services.deadlines import due_date
from wfapp.services.errors import Invalid, ServiceError
from wfapp.web.forms_util import apply_problems
from wfapp.workflows.plan import STATE_LABELS

bp = Blueprint("calendar", __name__)


class IsoDateConverter(BaseConverter):
    """<isodate:day> in URLs: YYYY-MM-DD, anything else is a 404."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> date:
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise ValidationError() from exc

    def to_url(self, value: date) -> str:
        return value.isoformat()


def init_app(app: Flask) -> None:
    app.url_map.converters["isodate"] = IsoDateConverter
    app.register_blueprint(bp)


class StageForm(FlaskForm):
    due_date = DateField("截止日期", validators=[Optional()])
    after_event = SelectField("或：起算事件", choices=[], validate_choice=False)
    working_days = IntegerField("后第几个工作日", validators=[Optional(), NumberRange(1, 250)])
    opens_on = DateField("开启日期", validators=[Optional()])


class PolicyForm(FlaskForm):
    enabled = BooleanField("启用提醒")
    days_before = StringField("截止前提醒（天，逗号分隔）", validators=[Length(max=100)])
    overdue_repeat = BooleanField("逾期后每个工作日提醒")
    notify_head = BooleanField("逾期时提醒单位负责人")
    escalate_after = IntegerField(
        "逾期第几个工作日起提醒分管领导和绩效办", validators=[Optional(), NumberRange(1, 60)]
    )


class DayForm(FlaskForm):
    day = DateField("日期", validators=[InputRequired("请填写日期")])
    working = SelectField(
        "类型",
        choices=[
            SelectChoice("0", "停办（不计工作日）"),
            SelectChoice("1", "调休上班（计工作日）"),
        ],
    )
    note = StringField("说明", validators=[Length(max=200)])


class DeleteForm(FlaskForm):
    pass


class ExtensionForm(FlaskForm):
    due_date = DateField("延期至", validators=[InputRequired("请填写新的截止日期")])
    reason = TextAreaField(
        "延期理由", validators=[DataRequired("延期必须填写理由"), Length(max=500)]
    )


def _event_choices() -> list[SelectChoice]:
    return [
        SelectChoice("", "（固定日期）"),
        *(SelectChoice(k, v) for k, v in calendar.EVENT_LABELS.items()),
    ]


def _forms(cal: calendar.ProgramCalendar) -> tuple[dict, dict]:
    stage_forms, policy_forms = {}, {}
    for row in cal.stages:
        form = StageForm(
            prefix=f"s-{row.stage}",
            formdata=None,
            data={
                "due_date": row.due_date,
                "after_event": row.after_event or "",
                "working_days": row.working_days,
                "opens_on": row.opens_on,
            },
        )
        form.after_event.choices = _event_choices()
        stage_forms[row.stage] = form
        policy_forms[row.stage] = PolicyForm(
            prefix=f"p-{row.stage}",
            formdata=None,
            data={
                "enabled": row.policy.enabled,
                "days_before": ",".join(str(d) for d in row.policy.days_before),
                "overdue_repeat": row.policy.overdue_repeat,
                "notify_head": row.policy.notify_head,
                "escalate_after": row.policy.escalate_after,
            },
        )
    return stage_forms, policy_forms


def _page(program_id: int, *, stage_form=None, policy_form=None, day_form=None, stage=None):
    cal = calendar.program_calendar(current_user, program_id)
    stage_forms, policy_forms = _forms(cal)
    if stage_form is not None:
        stage_forms[stage] = stage_form
    if policy_form is not None:
        policy_forms[stage] = policy_form
    status = 422 if any(f is not None for f in (stage_form, policy_form, day_form)) else 200
    return (
        render_template(
            "calendar/program.html",
            cal=cal,
            can_edit=authorize(current_user, EDIT_CALENDAR, cal.program),
            stage_forms=stage_forms,
            policy_forms=policy_forms,
            day_form=day_form or DayForm(formdata=None),
            delete_form=DeleteForm(),
        ),
        status,
    )


@bp.get("/programs/<int:program_id>/calendar")
@login_required
def program(program_id: int):
    return _page(program_id)


@bp.post("/programs/<int:program_id>/calendar/stages/<stage>")
@login_required
def save_stage(program_id: int, stage: str):
    calendar.get_program(current_user, program_id, EDIT_CALENDAR)
    form = StageForm(prefix=f"s-{stage}")
    form.after_event.choices = _event_choices()
    if form.validate_on_submit():
        relative = bool(form.after_event.data) or form.working_days.data is not None
        try:
            calendar.set_stage(
                current_user,
                program_id,
                stage,
                due=form.due_date.data,
                after_event=(form.after_event.data or None) if relative else None,
                working_days=form.working_days.data if relative else None,
                opens_on=form.opens_on.data,
            )
        except Invalid as exc:
            apply_problems(form, exc)
        else:
            flash(f"已保存“{STATE_LABELS.get(stage, stage)}”的截止日期")
            return redirect(url_for("calendar.program", program_id=program_id))
    return _page(program_id, stage_form=form, stage=stage)


@bp.post("/programs/<int:program_id>/calendar/rules/<stage>")
@login_required
def save_policy(program_id: int, stage: str):
    calendar.get_program(current_user, program_id, EDIT_CALENDAR)
    form = PolicyForm(prefix=f"p-{stage}")
    if form.validate_on_submit():
        try:
            days = _int_list(form.days_before.data or "")
            calendar.set_policy(
                current_user,
                program_id,
                stage,
                enabled=form.enabled.data,
                days_before=days,
                overdue_repeat=form.overdue_repeat.data,
                notify_head=form.notify_head.data,
                escalate_after=form.escalate_after.data,
            )
        except ValueError:
            form.days_before.errors = ["请填写以逗号分隔的天数，如 7,3,1,0"]
        except Invalid as exc:
            apply_problems(form, exc)
        else:
            flash(f"已保存“{STATE_LABELS.get(stage, stage)}”的提醒规则")
            return redirect(url_for("calendar.program", program_id=program_id))
    return _page(program_id, policy_form=form, stage=stage)


def _int_list(text: str) -> list[int]:
    parts = [p.strip() for p in text.replace("，", ",").split(",") if p.strip()]
    return [int(p) for p in parts]


@bp.post("/programs/<int:program_id>/calendar/days")
@login_required
def save_day(program_id: int):
    calendar.get_program(current_user, program_id, EDIT_CALENDAR)
    form = DayForm()
    if form.validate_on_submit():
        try:
            calendar.set_day(
                current_user,
                program_id,
                form.day.data,
                working=form.working.data == "1",
                note=form.note.data or "",
            )
        except Invalid as exc:
            apply_problems(form, exc)
        else:
            flash("已登记")
            return redirect(url_for("calendar.program", program_id=program_id))
    return _page(program_id, day_form=form)


@bp.post("/programs/<int:program_id>/calendar/days/<isodate:day>/delete")
@login_required
def delete_day(program_id: int, day: date):
    if DeleteForm().validate_on_submit():
        calendar.remove_day(current_user, program_id, day)
        flash("已删除")
    return redirect(url_for("calendar.program", program_id=program_id))


@bp.route("/plans/<int:plan_id>/extension", methods=["GET", "POST"])
@login_required
def extension(plan_id: int):
    plan = plans.get_plan(current_user, plan_id)
    form = ExtensionForm()
    status = 200
    if form.validate_on_submit():
        try:
            calendar.grant_extension(current_user, plan_id, form.due_date.data, form.reason.data)
        except Invalid as exc:
            apply_problems(form, exc)
        else:
            flash("已批准延期")
            return redirect(url_for("calendar.extension", plan_id=plan_id))
    if form.errors or form.form_errors:
        status = 422
    return (
        render_template(
            "calendar/extension.html",
            plan=plan,
            form=form,
            due=_current_due(plan),
            stage_label=STATE_LABELS.get(plan.state, plan.state),
            history=calendar.extensions(plan),
            can_grant=authorize(current_user, GRANT_EXTENSION, plan),
            labels=STATE_LABELS,
        ),
        status,
    )


def _current_due(plan):
    try:
        return due_date(plan)
    except ServiceError:
        return None
