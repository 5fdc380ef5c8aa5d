"""公开: published plans for everyone, no login. Printable (A4 landscape)."""

from __future__ import annotations

from io import BytesIO

from flask import Blueprint, render_template, request, send_file

from wfapp.services import excel, portal
from wfapp.services.layout import build_layout
from wfapp.web.paging import requested_page

bp = Blueprint("portal", __name__, url_prefix="/public")


@bp.get("")
def index():
    listings, page = portal.listing(request.args.get("program", type=int), requested_page())
    return render_template("portal/index.html", listings=listings, page=page)


@bp.get("/plans/<int:plan_id>")
def plan(plan_id: int):
    found, rows = portal.get_public_plan(plan_id)
    return render_template("portal/plan.html", plan=found, layout=build_layout(rows))


@bp.get("/plans/<int:plan_id>/indicators.xlsx")
def download(plan_id: int):
    found, rows = portal.get_public_plan(plan_id)
    data = excel.plan_workbook(found, rows)
    return send_file(
        BytesIO(data),
        mimetype=excel.XLSX_MIME,
        as_attachment=True,
        download_name=excel.filename(found),
    )
