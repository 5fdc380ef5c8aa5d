"""External inputs page: 公众评议 (surveyor), 正向激励 (inspector, office), 察访核验
(inspector); entries in force, the whole history, corrections and cancellations."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import login_required

from wfapp.bounds import accepts_upload
from wfapp.models import ExternalKind
from wfapp.models.external import BONUS_LEVELS, KIND_LABELS
from wfapp.permissions import RECORD_EXTERNAL, authorize
from wfapp.services import external, plans
from wfapp.services.errors import Invalid, NotFound
from wfapp.services.scores import fmt_points
from wfapp.web.forms import options
from wfapp.web.year_common import errors_by_field, me, upload_of
from wfapp.web.year_forms import BonusForm, CancelForm, DeductionForm, PublicScoreForm

bp = Blueprint("external", __name__)

FORMS = {
    ExternalKind.PUBLIC_SCORE: PublicScoreForm,
    ExternalKind.BONUS: BonusForm,
    ExternalKind.DEDUCTION: DeductionForm,
}


def _page(plan_id: int, posted: tuple[str, object] | None = None, errors=None, status=200):
    user = me()
    plan = plans.get_plan(user, plan_id)
    history = external.history(user, plan)
    live = external.effective(plan)
    forms = {}
    for kind, form_class in FORMS.items():
        if not authorize(user, RECORD_EXTERNAL[kind], plan):
            continue
        form = posted[1] if posted and posted[0] == kind else form_class(formdata=None)
        form.cancels.choices = options(
            [("", "新录入")]
            + [
                (str(e.id), f"更正第 {e.id} 条（{fmt_points(e.points)} 分）")
                for e in live
                if e.kind == kind
            ]
        )
        forms[kind] = form
    page = render_template(
        "year/external.html",
        plan=plan,
        history=history,
        live=live,
        live_ids={e.id for e in live},
        forms=forms,
        cancel_form=posted[1] if posted and posted[0] == "cancel" else CancelForm(formdata=None),
        kind_labels=KIND_LABELS,
        levels=BONUS_LEVELS,
        fmt=fmt_points,
        errors=errors or {},
        posted_kind=posted[0] if posted else None,
    )
    return page, status


@bp.get("/plans/<int:plan_id>/external")
@login_required
def page(plan_id: int):
    return _page(plan_id)


@bp.post("/plans/<int:plan_id>/external/<kind>")
@accepts_upload("EVIDENCE_MAX_BYTES")
@login_required
def record(plan_id: int, kind: str):
    if kind not in FORMS:
        raise NotFound()
    form = FORMS[ExternalKind(kind)]()
    cancels = form.cancels.data
    try:
        external.record(
            me(),
            plan_id,
            kind=kind,
            points=form.points.data,
            reason=form.reason.data or "",
            level=getattr(form, "level", None) and form.level.data,
            occurred_on=getattr(form, "occurred_on", None) and form.occurred_on.data,
            upload=upload_of(form.file) if hasattr(form, "file") else None,
            cancels_id=int(cancels) if cancels and cancels.isdigit() else None,
        )
    except Invalid as exc:
        flash(exc.message, "error")
        return _page(plan_id, (kind, form), errors_by_field(exc), exc.status)
    flash(f"已录入{KIND_LABELS[ExternalKind(kind)]}", "success")
    return redirect(url_for("external.page", plan_id=plan_id))


@bp.post("/plans/<int:plan_id>/external-cancel")
@login_required
def cancel(plan_id: int):
    form = CancelForm()
    user = me()
    plan = plans.get_plan(user, plan_id)
    entry = next((e for e in external.history(user, plan) if str(e.id) == form.entry.data), None)
    if entry is None:
        raise NotFound("未找到该记录")
    try:
        external.record(
            user,
            plan_id,
            kind=entry.kind,
            reason=form.reason.data or "",
            cancels_id=entry.id,
            cancel_only=True,
        )
    except Invalid as exc:
        flash(exc.message, "error")
        return _page(plan_id, ("cancel", form), errors_by_field(exc), exc.status)
    flash(f"已撤销第 {entry.id} 条记录", "success")
    return redirect(url_for("external.page", plan_id=plan_id))
