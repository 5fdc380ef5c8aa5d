"""Evidence pages: a plan's files, the upload form, and downloads (always attachments)."""

from __future__ import annotations

import io

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import login_required

from wfapp.api.year import download
from wfapp.bounds import accepts_upload
from wfapp.permissions import UPLOAD_EVIDENCE, authorize
from wfapp.services import evidence, plans
from wfapp.services.errors import Invalid
from wfapp.services.evidence import Upload
from wfapp.web.year_common import errors_by_field, me
from wfapp.web.year_forms import EvidenceForm

bp = Blueprint("evidence", __name__)


def _page(plan_id: int, form: EvidenceForm | None = None, errors=None, status: int = 200):
    user = me()
    plan = plans.get_plan(user, plan_id)
    page = render_template(
        "year/evidence.html",
        plan=plan,
        files=evidence.plan_evidence(plan),
        form=form or EvidenceForm(),
        errors=errors or {},
        can_upload=authorize(user, UPLOAD_EVIDENCE, plan),
        allowed=evidence.ALLOWED_TEXT,
        limit=evidence.limit_text(),
    )
    return page, status


@bp.get("/plans/<int:plan_id>/evidence")
@login_required
def plan_evidence(plan_id: int):
    return _page(plan_id)


@bp.post("/plans/<int:plan_id>/evidence")
@accepts_upload("EVIDENCE_MAX_BYTES")
@login_required
def upload(plan_id: int):
    form = EvidenceForm()
    data = form.file.data
    received = Upload(getattr(data, "filename", "") or "", data.stream if data else _empty())
    try:
        stored = evidence.upload(me(), plan_id, received)
    except Invalid as exc:
        flash(exc.message, "error")
        return _page(plan_id, form, errors_by_field(exc), exc.status)
    flash(f"已上传：{stored.original_name}", "success")
    return redirect(url_for("evidence.plan_evidence", plan_id=plan_id))


def _empty() -> io.BytesIO:
    return io.BytesIO(b"")


@bp.get("/evidence/<int:evidence_id>/download")
@login_required
def download_file(evidence_id: int):
    return download(evidence_id, me())
