"""Flask-WTF forms: every form carries a CSRF token; field-level checks that need the
database live in the services, which name the field in their problems."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from wfapp.models.org import ROLE_LABELS, CountersignPolicy
from wfapp.models.plan import CATEGORY_LABELS
from wfapp.services.access import MAX_COMMENT
from wfapp.workflows.plan import STATE_LABELS


def options(pairs: Iterable[tuple[Any, str]]) -> list[SelectChoice]:
    """Choices for a SelectField, as (value, label) pairs."""
    return [SelectChoice(value=value, label=label) for value, label in pairs]


CATEGORY_OPTIONS = [(k.value, v) for k, v in CATEGORY_LABELS.items()]


class LoginForm(FlaskForm):
    username = StringField(
        "用户名",
        validators=[DataRequired("请输入用户名"), Length(max=80)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        "密码",
        validators=[DataRequired("请输入密码"), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )


class PasswordChangeForm(FlaskForm):
    current = PasswordField(
        "当前密码",
        validators=[DataRequired("请输入当前密码"), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    new = PasswordField(
        "新密码",
        validators=[DataRequired("请输入新密码"), Length(max=200)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "再次输入新密码",
        validators=[DataRequired("请再次输入新密码"), Length(max=200)],
        render_kw={"autocomplete": "new-password"},
    )


class PostForm(FlaskForm):
    """A button that changes something: logout, remove a grant … (CSRF only)."""


class ActionForm(FlaskForm):
    comment = TextAreaField("意见", validators=[Length(max=MAX_COMMENT)])
    version = IntegerField(validators=[InputRequired()])
    to_user = SelectField("转办给", coerce=int, validate_choice=False, validators=[Optional()])
    approval_number = StringField("批复文号", validators=[Optional(), Length(max=100)])


class IndicatorRowForm(Form):
    # Plain text on purpose: what was typed comes back as typed, and the target-table
    # rules (wfapp.services.targets) judge it and name the row.
    code = StringField("序号")
    parent = StringField("上级序号")
    category = SelectField("类别", choices=options(CATEGORY_OPTIONS), validate_choice=False)
    content = TextAreaField("目标内容与责任分解")
    weight = StringField("权重")
    responsible_leaders = StringField("责任领导")
    responsible_departments = StringField("责任科室")
    responsible_persons = StringField("责任人")
    note = StringField("备注")
    delete = BooleanField("删除")

    def is_blank(self) -> bool:
        return not any(
            (f.data or "").strip() for f in (self.code, self.content, self.weight, self.parent)
        )


class TableForm(FlaskForm):
    rows = FieldList(FormField(IndicatorRowForm), min_entries=0)
    version = IntegerField(validators=[InputRequired()])

    def kept_rows(self) -> list[tuple[int, dict[str, Any]]]:
        """(index in the form, row) for rows neither deleted nor left blank, in form order."""
        out = []
        for index, entry in enumerate(self.rows.entries):
            sub: IndicatorRowForm = entry.form
            if sub.delete.data or sub.is_blank():
                continue
            out.append(
                (
                    index,
                    {
                        "code": sub.code.data or "",
                        "parent": (sub.parent.data or "").strip() or None,
                        "category": sub.category.data or "",
                        "content": sub.content.data or "",
                        "weight": (sub.weight.data or "").strip(),
                        "responsible_leaders": sub.responsible_leaders.data or "",
                        "responsible_departments": sub.responsible_departments.data or "",
                        "responsible_persons": sub.responsible_persons.data or "",
                        "note": sub.note.data or "",
                    },
                )
            )
        return out


class ImportForm(FlaskForm):
    file = FileField("Excel 文件（.xlsx）", validators=[FileRequired("请选择要上传的 Excel 文件")])
    version = IntegerField(validators=[InputRequired()])


def settings_form(stages: Iterable[str], **kwargs: Any) -> FlaskForm:
    """Program settings with one date per calendar stage."""

    class SettingsForm(FlaskForm):
        title = StringField(
            "项目名称", validators=[DataRequired("请填写项目名称"), Length(max=200)]
        )
        total_points = DecimalField(
            "考评表总分", places=2, validators=[InputRequired("请填写总分"), NumberRange(min=1)]
        )
        countersign_policy = SelectField(
            "同组互审会签规则",
            choices=options(
                [
                    (CountersignPolicy.ALL.value, "全部互审单位通过"),
                    (CountersignPolicy.ANY.value, "任一互审单位通过"),
                    (CountersignPolicy.AT_LEAST.value, "至少 N 家互审单位通过"),
                ]
            ),
        )
        countersign_min = IntegerField("N", validators=[Optional(), NumberRange(min=1, max=20)])

    for stage in stages:
        setattr(
            SettingsForm,
            f"deadline_{stage}",
            DateField(f"{STATE_LABELS[stage]}截止日期", validators=[Optional()]),
        )
    return SettingsForm(**kwargs)


class GroupForm(FlaskForm):
    name = StringField("组名", validators=[DataRequired("请填写组名"), Length(max=200)])


class UnitForm(FlaskForm):
    group_id = SelectField("考评组", coerce=int, validate_choice=False)
    name = StringField("单位全称", validators=[DataRequired("请填写单位名称"), Length(max=200)])
    short_name = StringField("简称", validators=[Optional(), Length(max=50)])


class UserForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请填写用户名"), Length(max=80)])
    display_name = StringField("姓名", validators=[DataRequired("请填写姓名"), Length(max=100)])
    email = StringField("电子邮箱", validators=[DataRequired("请填写电子邮箱"), Length(max=200)])
    password = PasswordField("初始密码", validators=[DataRequired("请填写初始密码")])


class GrantForm(FlaskForm):
    user_id = SelectField("用户", coerce=int, validate_choice=False)
    role = SelectField(
        "角色", choices=options((r.value, label) for r, label in ROLE_LABELS.items())
    )
    unit_id = SelectField("单位", coerce=int, validate_choice=False, validators=[Optional()])


class SuggestForm(FlaskForm):
    k = IntegerField(
        "每份方案的互审单位数", default=2, validators=[InputRequired(), NumberRange(min=1, max=10)]
    )


def peer_matrix(formdata, plan_ids: Iterable[int]) -> dict[int, list[int]]:
    """The assignment grid: checkboxes named peers-<plan id> with reviewer unit ids."""
    out: dict[int, list[int]] = {}
    for plan_id in plan_ids:
        values = formdata.getlist(f"peers-{plan_id}")
        out[plan_id] = [int(v) for v in values if str(v).isdigit()]
    return out
