"""绩效办工作台: program settings, groups and units, users and grants, leader and peer
assignments (with a suggestion to confirm), and the board of every unit's plan."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from wfapp.database import db
from wfapp.models import UNIT_ROLES
from wfapp.models.org import ROLE_LABELS, Role
from wfapp.services import audit, office, office_lists
from wfapp.services.errors import ServiceError
from wfapp.web.cache import per_request
from wfapp.web.forms import (
    GrantForm,
    GroupForm,
    PostForm,
    SuggestForm,
    UnitForm,
    UserForm,
    options,
    peer_matrix,
    settings_form,
)
from wfapp.web.paging import requested_page
from wfapp.workflows.plan import STATE_LABELS

bp = Blueprint("office", __name__, url_prefix="/office")


def nav_programs() -> list:
    """Programs the signed-in user manages (for the navigation), once per request."""
    if not current_user.is_authenticated:
        return []
    return per_request("nav_programs", lambda: office.managed_programs(current_user))


def _problems_by_field(exc: ServiceError) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in exc.problems:
        out.setdefault(p.code, []).append(p.message)
    return out


@bp.get("")
@login_required
def index():
    programs = office.managed_programs(current_user)
    if len(programs) == 1:
        return redirect(url_for("office.board", program_id=programs[0].id))
    return render_template("office/index.html", programs=programs)


@bp.get("/programs/<int:program_id>")
@login_required
def board(program_id: int):
    result = office.board(current_user, program_id)
    program = office.get_program(current_user, program_id)
    return render_template("office/board.html", program=program, board=result, tab="board")


# --- settings -----------------------------------------------------------------------------


@bp.route("/programs/<int:program_id>/settings", methods=["GET", "POST"])
@login_required
def settings(program_id: int):
    program = office.get_program(current_user, program_id)
    initial = {
        "title": program.title,
        "total_points": program.total_points,
        "countersign_policy": program.countersign_policy,
        "countersign_min": program.countersign_min,
        **{f"deadline_{d.stage}": d.due_date for d in program.deadlines},
    }
    form = settings_form(office.CALENDAR_STAGES, data=initial)
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        if form.validate():
            values = office.Settings(
                title=form.title.data or "",
                total_points=form.total_points.data,
                countersign_policy=form.countersign_policy.data,
                countersign_min=form.countersign_min.data,
                deadlines={s: form[f"deadline_{s}"].data for s in office.CALENDAR_STAGES},
            )
            try:
                office.update_settings(current_user, program_id, values)
            except ServiceError as exc:
                errors, status = _problems_by_field(exc), exc.status
            else:
                flash("项目设置已保存", "success")
                return redirect(url_for("office.settings", program_id=program_id))
        else:
            status = 422
    return (
        render_template(
            "office/settings.html",
            program=program,
            form=form,
            stages=office.CALENDAR_STAGES,
            errors=errors,
            history=audit.object_events("program", program.id, limit=20),
            tab="settings",
        ),
        status,
    )


# --- groups and units ---------------------------------------------------------------------


def plan_filter() -> office_lists.PlanFilter:
    """The filter bar's values from the query string; anything unknown is ignored."""
    args = request.args
    state = args.get("state") or None
    return office_lists.PlanFilter(
        q=(args.get("q") or "").strip()[: office_lists.MAX_QUERY],
        group_id=args.get("group", type=int) or None,
        state=state if state in STATE_LABELS else None,
        overdue=args.get("overdue") == "1",
    )


def _other_program(program_id: int):
    """The filter bar's 考评项目: another program's same page, with the same filters."""
    wanted = request.args.get("program", type=int)
    if wanted and wanted != program_id:
        args = {k: v for k, v in request.args.items() if k not in ("program", "page", "group")}
        return redirect(url_for(request.endpoint or "office.index", program_id=wanted, **args))
    return None


def _groups_page(program_id: int, status: int = 200, **forms):
    program = office.get_program(current_user, program_id)
    group_form = forms.get("group_form") or GroupForm(formdata=None)
    unit_form = forms.get("unit_form") or UnitForm(formdata=None)
    unit_form.group_id.choices = options((gr.id, gr.name) for gr in program.groups)
    f = plan_filter()
    return (
        render_template(
            "office/groups.html",
            program=program,
            programs=nav_programs(),
            filters=f,
            page=office_lists.plan_page(program, f, requested_page()),
            sizes=office_lists.group_sizes(program),
            group_form=group_form,
            unit_form=unit_form,
            errors=forms.get("errors", {}),
            tab="groups",
        ),
        status,
    )


@bp.get("/programs/<int:program_id>/groups")
@login_required
def groups(program_id: int):
    return _other_program(program_id) or _groups_page(program_id)


@bp.post("/programs/<int:program_id>/groups")
@login_required
def add_group(program_id: int):
    form = GroupForm()
    if not form.validate():
        return _groups_page(program_id, 422, group_form=form)
    try:
        office.add_group(current_user, program_id, form.name.data)
    except ServiceError as exc:
        return _groups_page(program_id, exc.status, group_form=form, errors=_problems_by_field(exc))
    flash(f"已添加考评组：{form.name.data}", "success")
    return redirect(url_for("office.groups", program_id=program_id))


@bp.post("/programs/<int:program_id>/groups/<int:group_id>/name")
@login_required
def rename_group(program_id: int, group_id: int):
    form = GroupForm()
    if form.validate():
        try:
            office.rename_group(current_user, group_id, form.name.data)
        except ServiceError as exc:
            return _groups_page(program_id, exc.status, errors=_problems_by_field(exc))
        flash("组名已修改", "success")
    return redirect(url_for("office.groups", program_id=program_id))


@bp.post("/programs/<int:program_id>/units")
@login_required
def add_unit(program_id: int):
    form = UnitForm()
    form.group_id.choices = []
    if not form.validate():
        return _groups_page(program_id, 422, unit_form=form)
    try:
        office.add_unit(
            current_user, form.group_id.data, form.name.data, form.short_name.data or ""
        )
    except ServiceError as exc:
        return _groups_page(program_id, exc.status, unit_form=form, errors=_problems_by_field(exc))
    flash(f"已添加参评单位：{form.name.data}（方案为空白初稿）", "success")
    return redirect(url_for("office.groups", program_id=program_id))


# --- users and grants ---------------------------------------------------------------------


def _users_page(program_id: int, status: int = 200, **forms):
    program = office.get_program(current_user, program_id)
    role = request.args.get("role") or None
    f = office_lists.UserFilter(
        q=(request.args.get("q") or "").strip()[: office_lists.MAX_QUERY],
        role=role if role in ROLE_LABELS else None,
    )
    page = office_lists.user_page(program, f, requested_page())
    units = office_lists.units_of(program)
    user_form = forms.get("user_form") or UserForm(formdata=None)
    grant_form = forms.get("grant_form") or GrantForm(formdata=None)
    _grant_choices(grant_form, page.items, units.values())
    return (
        render_template(
            "office/users.html",
            program=program,
            programs=nav_programs(),
            filters=f,
            page=page,
            users=page.items,
            units=units,
            user_form=user_form,
            grant_form=grant_form,
            post_form=PostForm(formdata=None),
            role_labels=ROLE_LABELS,
            unit_roles=UNIT_ROLES,
            errors=forms.get("errors", {}),
            tab="users",
        ),
        status,
    )


def _grant_choices(form: GrantForm, users, units) -> None:
    """Users to choose from: those listed on the page; units: the program's."""
    form.user_id.choices = options((u.id, f"{u.display_name}（{u.username}）") for u in users)
    form.unit_id.choices = options(
        [(0, "（项目级角色不选单位）")] + [(u.id, u.name) for u in units]
    )


@bp.get("/programs/<int:program_id>/users")
@login_required
def users(program_id: int):
    return _other_program(program_id) or _users_page(program_id)


@bp.post("/programs/<int:program_id>/users")
@login_required
def create_user(program_id: int):
    form = UserForm()
    if not form.validate():
        return _users_page(program_id, 422, user_form=form)
    try:
        created = office.create_user(
            current_user,
            program_id,
            form.username.data,
            form.display_name.data,
            form.email.data,
            form.password.data,
        )
    except ServiceError as exc:
        return _users_page(program_id, exc.status, user_form=form, errors=_problems_by_field(exc))
    flash(f"已创建用户 {created.username}，请为其授予角色", "success")
    return redirect(url_for("office.users", program_id=program_id))


def _back(program_id: int):
    target = "office.assignments" if request.form.get("back") == "assignments" else "office.users"
    return redirect(url_for(target, program_id=program_id))


@bp.post("/programs/<int:program_id>/grants")
@login_required
def add_grant(program_id: int):
    form = GrantForm()
    form.user_id.choices, form.unit_id.choices = [], []
    if form.validate():
        try:
            office.add_grant(
                current_user,
                program_id,
                form.user_id.data,
                form.role.data,
                form.unit_id.data or None,
            )
        except ServiceError as exc:
            for p in exc.problems:
                flash(p.message, "error")
        else:
            flash(f"已授予角色：{ROLE_LABELS[Role(form.role.data)]}", "success")
    else:
        flash("角色未授予：请选择用户和角色", "error")
    return _back(program_id)


@bp.post("/programs/<int:program_id>/grants/<int:grant_id>/delete")
@login_required
def remove_grant(program_id: int, grant_id: int):
    if PostForm().validate():
        try:
            office.remove_grant(current_user, program_id, grant_id)
        except ServiceError as exc:
            if exc.status == 404:
                raise
            for p in exc.problems or [exc]:
                flash(getattr(p, "message", str(p)), "error")
        else:
            flash("已撤销该角色", "success")
    return _back(program_id)


@bp.post("/programs/<int:program_id>/users/<int:user_id>/active")
@login_required
def set_active(program_id: int, user_id: int):
    if PostForm().validate():
        active = request.form.get("active") == "1"
        try:
            target = office.set_user_active(current_user, program_id, user_id, active)
        except ServiceError as exc:
            if exc.status == 404:
                raise
            flash(exc.problems[0].message if exc.problems else exc.message, "error")
        else:
            flash(f"已{'启用' if active else '停用'}用户 {target.username}", "success")
    return _back(program_id)


# --- assignments --------------------------------------------------------------------------


def _shown_group(program, wanted: int | None):
    """The group whose grid is shown: the one asked for, else the first."""
    return next((g for g in program.groups if g.id == wanted), None) or (
        program.groups[0] if program.groups else None
    )


def _assignments_page(
    program_id: int,
    status: int = 200,
    proposal=None,
    k: int | None = None,
    group_id: int | None = None,
):
    """One group's peer grid at a time (a grid of a province is unreadable), and a page of
    the units' 分管领导 with the same filters as the unit list."""
    program = office.get_program(current_user, program_id)
    group = _shown_group(program, group_id or request.args.get("group", type=int))
    members = office_lists.plans_query(
        program, office_lists.PlanFilter(group_id=group.id if group else -1), peers=True
    )
    plans = list(db.session.scalars(members).unique())
    current = {p.id: [a.reviewer_unit_id for a in p.peer_assignments] for p in plans}
    grid = proposal if proposal is not None else current
    form = SuggestForm(formdata=None, k=k or office.DEFAULT_PEERS)
    f = plan_filter()
    page = office_lists.plan_page(program, f, requested_page())
    leaders = office_lists.leaders_by_unit([r.plan.unit_id for r in page.items])
    grant_form = GrantForm(formdata=None, role=Role.LEADER.value)
    _grant_choices(grant_form, office_lists.leader_candidates(), [r.plan.unit for r in page.items])
    return (
        render_template(
            "office/assignments.html",
            program=program,
            programs=nav_programs(),
            group=group,
            plans=plans,
            grid=grid,
            current=current,
            proposal=proposal,
            suggest_form=form,
            grant_form=grant_form,
            post_form=PostForm(formdata=None),
            filters=f,
            page=page,
            leaders=leaders,
            tab="assignments",
        ),
        status,
    )


@bp.get("/programs/<int:program_id>/assignments")
@login_required
def assignments(program_id: int):
    return _other_program(program_id) or _assignments_page(program_id)


@bp.post("/programs/<int:program_id>/assignments/suggest")
@login_required
def suggest(program_id: int):
    """Fill the grid with the suggestion; nothing is saved until the office confirms."""
    form = SuggestForm()
    if not form.validate():
        flash("每份方案的互审单位数应在 1 到 10 之间", "error")
        return _assignments_page(program_id, 422)
    program = office.get_program(current_user, program_id)
    group = _shown_group(program, request.form.get("group", type=int))
    proposal: dict[int, list[int]] = {}
    if group is not None:
        _, proposal = office.suggestion_for_group(current_user, group.id, form.k.data)
    flash("以下为系统建议的互审安排（尚未保存），请核对后点击“保存互审安排”。", "info")
    return _assignments_page(
        program_id, proposal=proposal, k=form.k.data, group_id=group.id if group else None
    )


@bp.post("/programs/<int:program_id>/assignments")
@login_required
def save_assignments(program_id: int):
    if not PostForm().validate():
        return _assignments_page(program_id, 400)
    program = office.get_program(current_user, program_id)
    group = _shown_group(program, request.form.get("group", type=int))
    # Only the grid on the page was posted: the shown group's plans.
    plan_ids = [p.id for p in office.program_plans(program) if group and p.group_id == group.id]
    wanted = peer_matrix(request.form, plan_ids)
    try:
        changed = office.set_peers(current_user, wanted)
    except ServiceError as exc:
        for p in exc.problems or []:
            flash(p.message, "error")
        if not exc.problems:
            flash(exc.message, "error")
        return _assignments_page(
            program_id, exc.status, proposal=wanted, group_id=group.id if group else None
        )
    flash(f"互审安排已保存（调整了 {len(changed)} 份方案）", "success")
    return redirect(
        url_for("office.assignments", program_id=program_id, group=group.id if group else None)
    )
