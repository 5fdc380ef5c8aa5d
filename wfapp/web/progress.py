"""Progress pages: a plan's reports for a period (with its gaps) and the report form."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from wfapp.bounds import accepts_upload
from wfapp.models.progress import PERIOD_LABELS, STATUS_LABELS, Period
from wfapp.permissions import REPORT_PROGRESS, authorize
from wfapp.services import evidence, plans, progress
from wfapp.services.errors import Invalid
from wfapp.web.forms import options
from wfapp.web.year_common import errors_by_field, me, upload_of
from wfapp.web.year_forms import ProgressForm

bp = Blueprint("progress", __name__)


def _page(plan_id: int, form: ProgressForm | None = None, errors=None, status: int = 200):
    user = me()
    plan = plans.get_plan(user, plan_id)
    period = request.args.get("period") or (form.period.data if form else None)
    if period not in {p.value for p in Period}:
        period = progress.current_period(plan.program)
    form = form or ProgressForm(period=period)
    form.indicator.choices = options(
        (leaf.code, f"{leaf.code} {leaf.content[:40]}") for leaf in plan.leaves
    )
    by_code = {r.indicator_code: r for r in progress.reports(plan, period)}
    page = render_template(
        "year/progress.html",
        plan=plan,
        period=period,
        periods=PERIOD_LABELS,
        status_labels=STATUS_LABELS,
        reports=by_code,
        gaps=progress.gaps(plan, period),
        form=form,
        errors=errors or {},
        can_report=authorize(user, REPORT_PROGRESS, plan),
        files=evidence.plan_evidence(plan),
    )
    return page, status


@bp.get("/plans/<int:plan_id>/progress")
@login_required
def plan_progress(plan_id: int):
    return _page(plan_id)


@bp.post("/plans/<int:plan_id>/progress")
@accepts_upload("EVIDENCE_MAX_BYTES")
@login_required
def report(plan_id: int):
    form = ProgressForm()
    upload = upload_of(form.file)
    try:
        progress.report(
            me(),
            plan_id,
            code=form.indicator.data or "",
            period=form.period.data or "",
            status=form.status.data or "",
            text=form.text.data or "",
            evidence_ids=[int(i) for i in request.form.getlist("keep_evidence") if i.isdigit()],
            uploads=[upload] if upload else [],
        )
    except Invalid as exc:
        flash(exc.message, "error")
        return _page(plan_id, form, errors_by_field(exc), exc.status)
    flash("进度已报告", "success")
    return redirect(url_for("progress.plan_progress", plan_id=plan_id, period=form.period.data))
