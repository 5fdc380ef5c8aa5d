"""A unit's grades across the years (历年考评结果) and, for the office, entering the grades
of years before wfapp."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import Optional

from wfapp.models import GRADE_LABELS
from wfapp.permissions import ENTER_PAST_GRADE, authorize
from wfapp.services import history
from wfapp.services.errors import Invalid
from wfapp.web.forms import options
from wfapp.web.forms_util import apply_problems
from wfapp.web.year_common import me

bp = Blueprint("history", __name__)


class PastGradeForm(FlaskForm):
    year = IntegerField("年度", validators=[Optional()])
    grade = SelectField("等次", choices=options([("", "请选择"), *GRADE_LABELS.items()]))
    note = StringField("备注（如通报文号）")


def _page(unit_id: int, form: PastGradeForm | None = None, status: int = 200):
    user = me()
    found = history.unit_history(user, unit_id)
    if form is None and authorize(user, ENTER_PAST_GRADE, found.unit):
        form = PastGradeForm(formdata=None)
    return render_template("history/unit.html", history=found, form=form), status


@bp.get("/units/<int:unit_id>/history")
@login_required
def unit(unit_id: int):
    return _page(unit_id)


@bp.post("/units/<int:unit_id>/past-grades")
@login_required
def record(unit_id: int):
    form = PastGradeForm()
    if form.year.errors or form.year.data is None:
        form.year.errors = ["请填写年度（四位数字）"]
        return _page(unit_id, form, 422)
    try:
        row = history.record_past_grade(
            me(), unit_id, form.year.data, form.grade.data or "", form.note.data or ""
        )
    except Invalid as exc:
        apply_problems(form, exc)
        return _page(unit_id, form, exc.status)
    flash(f"已录入 {row.year} 年度等次：{row.grade_label}", "success")
    return redirect(url_for("history.unit", unit_id=unit_id))
