"""公开: published plans for everyone, no login. Printable (A4 landscape)."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from wfapp.services import portal
from wfapp.services.layout import build_layout

bp = Blueprint("portal", __name__, url_prefix="/public")


@bp.get("")
def index():
    return render_template(
        "portal/index.html", listings=portal.listing(request.args.get("program", type=int))
    )


@bp.get("/plans/<int:plan_id>")
def plan(plan_id: int):
    found, rows = portal.get_public_plan(plan_id)
    return render_template("portal/plan.html", plan=found, layout=build_layout(rows))
