"""The self-assessment page: every leaf's score, explanation and evidence; save a draft;
submit (the plan action `submit_self_assessment`, on the plan's year page)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.datastructures import MultiDict

from wfapp.models import Plan
from wfapp.permissions import SAVE_SELF_ASSESSMENT, authorize
from wfapp.services import evidence, plans, self_assessment
from wfapp.services.errors import Invalid
from wfapp.services.scores import fmt_points
from wfapp.web.year_common import errors_by_field, me
from wfapp.web.year_forms import ActionForm, TokenForm
from wfapp.workflows.plan import PLAN_WORKFLOW

bp = Blueprint("self_assessment", __name__)


def items_from_form(plan: Plan, form: MultiDict) -> list[dict[str, Any]]:
    return [
        {
            "code": leaf.code,
            "score": form.get(f"score-{leaf.code}", ""),
            "explanation": form.get(f"explanation-{leaf.code}", ""),
            "evidence_ids": [int(i) for i in form.getlist(f"evidence-{leaf.code}") if i.isdigit()],
        }
        for leaf in plan.leaves
    ]


def _page(plan_id: int, errors=None, status: int = 200):
    user = me()
    plan = plans.get_plan(user, plan_id)
    entries = self_assessment.entries(user, plan)
    submitted = request.form if request.method == "POST" else None
    page = render_template(
        "year/self_assessment.html",
        plan=plan,
        entries=entries,
        submitted=submitted,
        files=evidence.plan_evidence(plan),
        can_edit=authorize(user, SAVE_SELF_ASSESSMENT, plan),
        can_submit="submit_self_assessment" in plans.available_actions(user, plan),
        missing=[
            leaf.code for leaf in plan.leaves if not (e := entries.get(leaf.code)) or not e.filled
        ],
        form=TokenForm(),
        submit_form=ActionForm(version=str(plan.version)),
        label=PLAN_WORKFLOW.action_labels["submit_self_assessment"],
        fmt=fmt_points,
        errors=errors or {},
    )
    return page, status


@bp.get("/plans/<int:plan_id>/self-assessment")
@login_required
def page(plan_id: int):
    return _page(plan_id)


@bp.post("/plans/<int:plan_id>/self-assessment")
@login_required
def save(plan_id: int):
    user = me()
    plan = plans.get_plan(user, plan_id)
    try:
        self_assessment.save(user, plan_id, items_from_form(plan, request.form))
    except Invalid as exc:
        flash(exc.message, "error")
        return _page(plan_id, errors_by_field(exc), exc.status)
    flash("自评已保存（草稿）", "success")
    return redirect(url_for("self_assessment.page", plan_id=plan_id))
