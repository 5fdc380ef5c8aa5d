"""Forms of the year's pages (Flask-WTF: every form carries a CSRF token). Values are
checked by the services; the forms only carry them and the token."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional

from wfapp.models.external import BONUS_LEVELS
from wfapp.models.progress import PERIOD_LABELS, STATUS_LABELS
from wfapp.web.forms import options


class TokenForm(FlaskForm):
    """Only the CSRF token: for buttons and for tables whose fields are one per row."""


class ActionForm(FlaskForm):
    comment = TextAreaField("意见")
    version = HiddenField()


class EvidenceForm(FlaskForm):
    file = FileField("选择文件")


class ProgressForm(FlaskForm):
    indicator = SelectField("指标", choices=[])
    period = SelectField(
        "报告期", choices=options((p.value, lb) for p, lb in PERIOD_LABELS.items())
    )
    status = SelectField(
        "推进情况", choices=options((s.value, label) for s, label in STATUS_LABELS.items())
    )
    text = TextAreaField("进展情况")
    file = FileField("佐证材料（可选）")


class ChangeDecisionForm(FlaskForm):
    comment = TextAreaField("审批意见（驳回时必填）")
    version = HiddenField()


class ReopenForm(FlaskForm):
    reason = TextAreaField("退回理由")
    version = HiddenField()


class AssignForm(FlaskForm):
    evaluator = SelectField("考评组成员", choices=[])
    target = SelectField("考评对象", choices=[])


class PublicScoreForm(FlaskForm):
    points = StringField("公众评议得分（0–100）")
    reason = TextAreaField("说明（更正时必填）")
    cancels = SelectField("录入方式", choices=[], validators=[Optional()])


class BonusForm(FlaskForm):
    points = StringField("加分")
    level = SelectField("激励级别", choices=options(BONUS_LEVELS.items()))
    reason = TextAreaField("事由")
    file = FileField("佐证材料（可选）")
    cancels = SelectField("录入方式", choices=[], validators=[Optional()])


class DeductionForm(FlaskForm):
    points = StringField("扣分")
    occurred_on = DateField("察访日期", validators=[Optional()])
    reason = TextAreaField("事由")
    file = FileField("佐证材料（可选）")
    cancels = SelectField("录入方式", choices=[], validators=[Optional()])


class CancelForm(FlaskForm):
    entry = HiddenField()
    reason = TextAreaField("撤销理由")
