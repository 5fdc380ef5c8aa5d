"""The office's dashboard (图表概览): per group its four charts, drawn as SVG on the server
(wfapp.web.charts), each with its numbers in a table under it."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask_login import login_required
from markupsafe import Markup

from wfapp.services import dashboard as service
from wfapp.web.charts import bar_chart, day_label, line_chart
from wfapp.web.year_common import me

bp = Blueprint("dashboard", __name__)


@bp.get("/office/programs/<int:program_id>/dashboard")
@login_required
def program(program_id: int):
    board = service.dashboard(me(), program_id)
    return render_template(
        "dashboard/program.html", program=board.program, board=board, tab="dashboard"
    )


@bp.app_template_global()
def group_charts(g: service.GroupDashboard) -> dict[str, Markup]:
    """The group's four charts (the template lays them out with their tables)."""
    name = g.group.name
    units = g.units
    closure = g.closure.points
    with_year = bool(closure) and closure[0].day.year != closure[-1].day.year
    return {
        "stages": bar_chart(
            [s.label for s in g.stages],
            [s.plans for s in g.stages],
            title=f"{name}：各环节方案数",
            unit="个",
        ),
        "overdue": bar_chart(
            [u.plan.unit.name for u in units],
            [u.overdue for u in units],
            title=f"{name}：各单位逾期整改事项",
            highlight=[i for i, u in enumerate(units) if u.overdue],
            links=[url_for("rectification.plan_items", plan_id=u.plan.id) for u in units],
            unit="项",
        ),
        "grades": bar_chart(
            [lv.label for lv in g.grades.levels],
            [lv.units for lv in g.grades.levels],
            title=f"{name}：等次分布",
            unit="个",
        ),
        "closure": line_chart(
            [(p.day, p.rate) for p in closure],
            title=f"{name}：整改销号率",
            point_titles=[
                f"{day_label(p.day, with_year)}：已销号 {p.closed}/{p.items} 项，{p.rate}%"
                for p in closure
            ],
        ),
    }
