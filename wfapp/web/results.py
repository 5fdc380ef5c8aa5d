"""Results pages (考评结果): the office closes a group's evaluation, reads the ranking and what
changed between versions, enters 降档 / 一票否决, reruns, publishes and exports to Excel,
uploads the program's scheme; a unit reads its own result and explanation once published."""

from __future__ import annotations

from io import BytesIO

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField, TextAreaField

from wfapp.bounds import accepts_upload
from wfapp.models.results import FLAG_LABELS
from wfapp.services import plans, results
from wfapp.services.errors import Invalid
from wfapp.web.forms import options
from wfapp.web.year_common import errors_by_field, me, upload_of

bp = Blueprint("results", __name__)


class CloseForm(FlaskForm):
    force_reason = TextAreaField("强制结束的理由")


class RescoreForm(FlaskForm):
    reason = TextAreaField("重新计分的理由")


class PublishForm(FlaskForm):
    version = HiddenField()


class FlagForm(FlaskForm):
    plan = SelectField("单位", choices=[])
    kind = SelectField("类别", choices=options((k.value, v) for k, v in FLAG_LABELS.items()))
    reason = TextAreaField("事由")
    file = FileField("佐证材料")


class CancelFlagForm(FlaskForm):
    reason = TextAreaField("撤销理由")


class SchemeForm(FlaskForm):
    file = FileField("方案文件（YAML）")


# --- the program's results overview and its scheme ----------------------------------------


def _overview(program_id: int, form: SchemeForm | None = None, errors=None, status: int = 200):
    user = me()
    program, groups = results.overview(user, program_id)
    try:
        in_force, scheme_problems = results.scheme_in_force(program), []
    except Invalid as exc:
        in_force, scheme_problems = None, [p.message for p in exc.problems]
    page = render_template(
        "results/overview.html",
        program=program,
        tab="results",
        groups=groups,
        in_force=in_force,
        scheme_problems=scheme_problems,
        uploads=results.uploads(program),
        form=form or SchemeForm(),
        errors=errors or {},
    )
    return page, status


@bp.get("/programs/<int:program_id>/results")
@login_required
def overview(program_id: int):
    return _overview(program_id)


@bp.post("/programs/<int:program_id>/scheme")
@accepts_upload("MAX_UPLOAD_BYTES")
@login_required
def upload_scheme(program_id: int):
    form = SchemeForm()
    upload = upload_of(form.file)
    try:
        raw = upload.stream.read() if upload else b""
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Invalid("方案文件须为 UTF-8 编码的 YAML", []) from exc
        row = results.upload_scheme(me(), program_id, text)
    except Invalid as exc:
        flash(exc.message, "error")
        return _overview(program_id, form, errors_by_field(exc), exc.status)
    flash(f"已启用计分方案 {row.name}（第 {row.version} 版）", "success")
    return redirect(url_for("results.overview", program_id=program_id))


# --- closing a group ----------------------------------------------------------------------


def _close_page(program_id: int, group_id: int, form=None, errors=None, status: int = 200):
    status_ = results.readiness(me(), program_id, group_id)
    page = render_template(
        "results/close.html",
        program=status_.group.program,
        tab="results",
        status=status_,
        form=form or CloseForm(),
        errors=errors or {},
    )
    return page, status


@bp.get("/programs/<int:program_id>/groups/<int:group_id>/close")
@login_required
def close_page(program_id: int, group_id: int):
    return _close_page(program_id, group_id)


@bp.post("/programs/<int:program_id>/groups/<int:group_id>/close")
@login_required
def close(program_id: int, group_id: int):
    form = CloseForm()
    try:
        version = results.close_evaluation(me(), program_id, group_id, form.force_reason.data)
    except Invalid as exc:
        flash(exc.message, "error")
        return _close_page(program_id, group_id, form, errors_by_field(exc), exc.status)
    flash(f"已结束考评，生成第 {version.version} 版考评结果（未公布）", "success")
    return redirect(url_for("results.group", program_id=program_id, group_id=group_id))


# --- a group's results --------------------------------------------------------------------


def _group_page(
    program_id: int,
    group_id: int,
    *,
    flag_form: FlagForm | None = None,
    rescore_form: RescoreForm | None = None,
    errors=None,
    status: int = 200,
):
    user = me()
    view = results.group_results(user, program_id, group_id, request.args.get("version", type=int))
    flag_form = flag_form or FlagForm()
    flag_form.plan.choices = options((str(c.row.plan_id), c.row.unit.name) for c in view.changes)
    page = render_template(
        "results/group.html",
        program=view.program,
        tab="results",
        view=view,
        latest=view.versions[0] if view.versions else None,
        flag_form=flag_form,
        rescore_form=rescore_form or RescoreForm(),
        publish_form=PublishForm(version=str(view.version.version) if view.version else ""),
        cancel_form=CancelFlagForm(),
        labels=FLAG_LABELS,
        errors=errors or {},
    )
    return page, status


@bp.get("/programs/<int:program_id>/groups/<int:group_id>/results")
@login_required
def group(program_id: int, group_id: int):
    return _group_page(program_id, group_id)


@bp.post("/programs/<int:program_id>/groups/<int:group_id>/results/rescore")
@login_required
def rescore(program_id: int, group_id: int):
    form = RescoreForm()
    try:
        version = results.rescore(me(), program_id, group_id, form.reason.data or "")
    except Invalid as exc:
        flash(exc.message, "error")
        return _group_page(
            program_id, group_id, rescore_form=form, errors=errors_by_field(exc), status=exc.status
        )
    flash(f"已重新计分，生成第 {version.version} 版结果", "success")
    return redirect(url_for("results.group", program_id=program_id, group_id=group_id))


@bp.post("/programs/<int:program_id>/groups/<int:group_id>/results/publish")
@login_required
def publish(program_id: int, group_id: int):
    form = PublishForm()
    raw = (form.version.data or "").strip()
    version = results.publish(me(), program_id, group_id, int(raw) if raw.isdigit() else None)
    flash(f"已公布第 {version.version} 版考评结果", "success")
    return redirect(url_for("results.group", program_id=program_id, group_id=group_id))


@bp.get("/programs/<int:program_id>/groups/<int:group_id>/results.xlsx")
@login_required
def excel(program_id: int, group_id: int):
    version = request.args.get("version", type=int)
    name, data = results.export_excel(me(), program_id, group_id, version)
    return send_file(
        BytesIO(data), mimetype=results.XLSX_MIME, as_attachment=True, download_name=name
    )


@bp.post("/programs/<int:program_id>/groups/<int:group_id>/flags")
@accepts_upload("EVIDENCE_MAX_BYTES")
@login_required
def add_flag(program_id: int, group_id: int):
    form = FlagForm()
    raw = form.plan.data or ""
    try:
        results.add_flag(
            me(),
            int(raw) if raw.isdigit() else 0,
            form.kind.data or "",
            form.reason.data or "",
            upload=upload_of(form.file),
        )
    except Invalid as exc:
        flash(exc.message, "error")
        return _group_page(
            program_id, group_id, flag_form=form, errors=errors_by_field(exc), status=exc.status
        )
    flash("已录入；重新计分后计入结果", "success")
    return redirect(url_for("results.group", program_id=program_id, group_id=group_id))


@bp.post("/programs/<int:program_id>/groups/<int:group_id>/flags/<int:flag_id>/cancel")
@login_required
def cancel_flag(program_id: int, group_id: int, flag_id: int):
    form = CancelFlagForm()
    try:
        results.cancel_flag(me(), flag_id, form.reason.data or "")
    except Invalid as exc:
        flash(exc.message, "error")
        return _group_page(program_id, group_id, errors=errors_by_field(exc), status=exc.status)
    flash("已撤销；重新计分后计入结果", "success")
    return redirect(url_for("results.group", program_id=program_id, group_id=group_id))


# --- a unit's own result ------------------------------------------------------------------


@bp.get("/plans/<int:plan_id>/result")
@login_required
def unit(plan_id: int):
    user = me()
    found = results.unit_result(user, plan_id)
    plan = plans.get_plan(user, plan_id)
    return render_template("results/unit.html", plan=plan, found=found)
