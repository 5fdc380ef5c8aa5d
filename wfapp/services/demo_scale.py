"""`wfapp demo --plans N`: N more plans in the demo program, at a province's size, fast.

Run after `wfapp demo`. Each new plan has its own unit, liaison and head; every group of
GROUP_SIZE units has its 分管领导, peer assignments (each unit reviewed by the next two of its
group) and one of the demo's tables. Groups stand at different points of the year, so every
page has something to show: drafts (some returned, round 2), peer review half signed, 审定,
批复, published plans with half-year progress, self-assessments saved or submitted, evaluation
sheets draft or signed, published results with grades, and 整改 items open, in progress,
submitted, verified, closed, overdue or not (plans whose items are all closed are archived).

The rows are written with SQLAlchemy Core, many per statement, with ids allocated here (the
PostgreSQL sequences are moved past them at the end) and the demo password hashed once; the
plans do not go through the services one action at a time. What other subsystems derive
from a plan's path is written by `derived_rows`, one call at the end (see there).
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Table, func, select, text

from wfapp.database import db
from wfapp.models import (
    AuditEvent,
    EvaluationSheet,
    EvaluatorAssignment,
    ExternalEntry,
    Group,
    Indicator,
    PeerAssignment,
    PeerSignoff,
    Plan,
    PlanRevision,
    Program,
    ProgressReport,
    RectificationItem,
    ResultVersion,
    Role,
    RoleGrant,
    SelfScore,
    SheetItem,
    TableVersion,
    Unit,
    UnitResult,
    User,
)
from wfapp.services.auth import DEMO_PASSWORD, hash_password, new_nonce
from wfapp.services.demo import PROGRAM_TITLE, YEAR, generic_rows, jinjiang_rows
from wfapp.services.targets import check_table
from wfapp.timeutil import local_today, utcnow
from wfapp.workflows.plan import S
from wfapp.workflows.rectification import R

GROUP_SIZE = 25
BATCH = 500  # plans per round of inserts: bounds memory for large N
CENT = Decimal("0.01")

DISTRICTS = ["鲤城区", "丰泽区", "洛江区", "泉港区", "石狮市", "晋江市", "南安市", "惠安县",
             "安溪县", "永春县", "德化县", "泉州开发区", "泉州台商投资区"]  # fmt: skip
BUREAUS = ["教育局", "财政局", "民政局", "司法局", "人力资源和社会保障局", "交通运输局",
           "农业农村局", "水利局", "商务局", "文化和旅游局", "卫生健康局", "应急管理局",
           "市场监督管理局", "统计局", "医疗保障局", "城市管理局", "林业局", "体育局",
           "审计局", "退役军人事务局", "工业和信息化局", "科学技术局"]  # fmt: skip
SURNAMES = "陈林黄张吴王李郑刘蔡许洪苏庄杨周施曾谢叶"
GIVEN = ["志明", "丽华", "建国", "晓燕", "文杰", "海峰", "秀英", "雅婷", "国平", "伟强", "佳怡",
         "振华", "美玲", "少杰", "春生", "静", "磊", "芳", "婷", "斌"]  # fmt: skip
GROUP_SERIES = ["综合与管理类", "经济发展类", "社会事业类", "执法监管类"]

# Where a group stands in the year, by group index; each a list of (state, weight).
PROFILES: list[list[tuple[str, int]]] = [
    [(S.DRAFT, 25), (S.PEER_REVIEW, 25), (S.LEADER_REVIEW, 15), (S.OFFICE_REVIEW, 10),
     (S.PUBLISHED, 25)],
    [(S.PUBLISHED, 30), (S.SELF_ASSESSMENT, 50), (S.CENTRAL_EVALUATION, 20)],
    [(S.CENTRAL_EVALUATION, 100)],
    [(S.RECTIFICATION, 100)],  # results published; archived when no item is left open
]  # fmt: skip
ORDER = [S.DRAFT, S.PEER_REVIEW, S.LEADER_REVIEW, S.OFFICE_REVIEW, S.PUBLISHED,
         S.SELF_ASSESSMENT, S.CENTRAL_EVALUATION, S.RECTIFICATION, S.CLOSED]  # fmt: skip
ITEM_STATES = [R.OPEN, R.IN_PROGRESS, R.IN_PROGRESS, R.SUBMITTED, R.VERIFIED, R.CLOSED, R.CLOSED]
RETURN_REASONS = [
    "动态工作目标需细化，请补充量化指标",
    "部分指标责任科室未明确",
    "权重分配与上年度差异较大，请说明",
]


class DemoMissing(RuntimeError):
    pass


@dataclass
class Template:
    """One demo table, prepared once: rows with their levels, and the revision JSON."""

    rows: list[dict[str, Any]]
    levels: dict[str, int]
    leaves: list[dict[str, Any]]
    revision: list[dict[str, Any]]

    @staticmethod
    def of(rows: list[dict[str, Any]], total: Decimal) -> Template:
        check = check_table(rows, total)
        if not check.ok:
            raise RuntimeError(f"demo table invalid: {check.errors}")
        parents = {r["parent"] for r in rows if r["parent"]}
        revision = [{**r, "weight": str(Decimal(r["weight"]).quantize(CENT))} for r in rows]
        leaves = [r for r in rows if r["code"] not in parents]
        return Template(rows, dict(check.levels), leaves, revision)


@dataclass
class _Rows:
    """Rows per table, ids allocated from the table's current maximum."""

    next_id: dict[str, int]
    rows: dict[Table, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))

    def add(self, model: Any, **values: Any) -> int:
        table = model.__table__
        if "id" not in values:
            values["id"] = self.next_id[table.name]
            self.next_id[table.name] += 1
        self.rows[table].append(values)
        return values["id"]


@dataclass
class _PlanPath:
    """What the derived rows need to know of one generated plan."""

    plan_id: int
    unit_id: int
    state: str
    round: int
    liaison_id: int
    head_id: int
    leader_id: int
    peers: list[tuple[int, int]]  # (reviewer unit, its head)
    signed_peers: int
    return_reason: str = ""
    approval_number: str = ""


@dataclass
class Generated:
    plans: int = 0
    units: int = 0
    users: int = 0
    groups: int = 0
    items: int = 0
    by_state: dict[str, int] = field(default_factory=lambda: defaultdict(int))


# Tables written here, in foreign-key order.
MODELS = [Unit, Group, User, RoleGrant, Plan, Indicator, PlanRevision, TableVersion,
          PeerAssignment, PeerSignoff, ProgressReport, SelfScore, EvaluatorAssignment,
          EvaluationSheet, SheetItem, ExternalEntry, ResultVersion, UnitResult,
          RectificationItem, AuditEvent]  # fmt: skip


def add_plans(n: int, seed: int = 2024) -> Generated:
    """Add `n` plans (rounded up to whole groups' worth of users, never more plans)."""
    program = db.session.scalars(select(Program).where(Program.title == PROGRAM_TITLE)).first()
    if program is None:
        raise DemoMissing("请先运行 wfapp demo 加载演示项目")
    office = db.session.scalars(select(User).where(User.username == "office")).one()
    evaluators = list(
        db.session.scalars(
            select(User.id).where(User.username.in_(["evaluator1", "evaluator2", "evaluator3"]))
        )
    )
    surveyor = db.session.scalars(select(User.id).where(User.username == "surveyor")).one()
    from wfapp.services.results import scheme_in_force

    scheme = scheme_in_force(program)
    templates = [Template.of(generic_rows(s), program.total_points) for s in _GENERIC_UNITS]
    big = Template.of(jinjiang_rows(), program.total_points)
    ctx = _Context(
        program=program,
        office_id=office.id,
        evaluator_ids=evaluators,
        surveyor_id=surveyor,
        scheme_name=scheme.scheme.id,
        scheme_text=scheme.text,
        templates=templates,
        big=big,
        password_hash=hash_password(DEMO_PASSWORD),  # once: argon2 is slow on purpose
        rng=random.Random(seed + _count(Plan)),
        today=local_today(),
        now=utcnow(),
    )
    out = Generated()
    start = _count(Plan, Plan.program_id == program.id)
    group_index = _count(Group, Group.program_id == program.id)
    # A few plans still make a group of each stage of the year: smaller groups.
    group_size = max(5, min(GROUP_SIZE, n // len(PROFILES)))
    done = 0
    while done < n:
        size = min(BATCH, n - done)
        rows = _Rows({m.__table__.name: _max_id(m) + 1 for m in MODELS})
        paths: list[_PlanPath] = []
        offset = 0
        while offset < size:
            members = min(group_size, size - offset)
            _group(ctx, rows, paths, out, group_index, start + done + offset, members)
            group_index += 1
            offset += members
        derived_rows(ctx, rows, paths)
        _insert(rows)
        done += size
    _move_sequences()
    db.session.commit()
    return out


_GENERIC_UNITS = ["市自然资源和规划局", "市国资委", "市住建局"]


@dataclass
class _Context:
    program: Program
    office_id: int
    evaluator_ids: list[int]
    surveyor_id: int
    scheme_name: str
    scheme_text: str
    templates: list[Template]
    big: Template
    password_hash: str
    rng: random.Random
    today: date
    now: datetime

    def at(self, days_ago: float) -> datetime:
        return self.now - timedelta(days=days_ago)


def _count(model: Any, *where: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _max_id(model: Any) -> int:
    return db.session.scalar(select(func.max(model.id))) or 0


def _name(k: int) -> tuple[str, str]:
    """The k-th generated unit's name and short name (distinct for every k)."""
    district = DISTRICTS[k % len(DISTRICTS)]
    bureau = BUREAUS[(k // len(DISTRICTS)) % len(BUREAUS)]
    batch = k // (len(DISTRICTS) * len(BUREAUS))
    suffix = f"（{batch + 1}）" if batch else ""
    return f"泉州市{district}{bureau}{suffix}", f"{district}{bureau[:-1]}{suffix}"


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _user(ctx: _Context, rows: _Rows, username: str, display: str) -> int:
    return rows.add(
        User,
        username=username,
        display_name=display,
        email=f"{username}@example.com",
        password_hash=ctx.password_hash,
        active=True,
        is_demo=True,
        token_nonce=new_nonce(),
        created_at=ctx.now,
    )


def _group(
    ctx: _Context,
    rows: _Rows,
    paths: list[_PlanPath],
    out: Generated,
    group_index: int,
    first: int,
    members: int,
) -> None:
    """One group: its units, users, plans and everything their states imply."""
    rng = ctx.rng
    profile = PROFILES[group_index % len(PROFILES)]
    series = GROUP_SERIES[group_index % len(GROUP_SERIES)]
    group_id = rows.add(
        Group, program_id=ctx.program.id, name=f"第{group_index + 1}考评组（{series}）"
    )
    out.groups += 1
    leader_id = _user(ctx, rows, f"g{group_index + 1}-leader", f"分管领导（{_person(rng)}）")
    out.users += 1
    units, plans = [], []
    for j in range(members):
        k = first + j
        name, short = _name(k)
        unit_id = rows.add(Unit, name=name, short_name=short)
        liaison = _user(ctx, rows, f"p{k}-liaison", f"{short} 绩效联络员（{_person(rng)}）")
        head = _user(ctx, rows, f"p{k}-head", f"{short} 局长（{_person(rng)}）")
        for role, user_id in ((Role.LIAISON, liaison), (Role.UNIT_HEAD, head)):
            rows.add(RoleGrant, user_id=user_id, role=role, unit_id=unit_id, program_id=None)
        rows.add(RoleGrant, user_id=leader_id, role=Role.LEADER, unit_id=unit_id, program_id=None)
        units.append((unit_id, liaison, head))
        out.units += 1
        out.users += 2
    states = [s for s, w in profile for _ in range(w)]
    if any(ORDER.index(s) >= ORDER.index(S.CENTRAL_EVALUATION) for s, _ in profile):
        for evaluator in ctx.evaluator_ids:
            rows.add(
                EvaluatorAssignment,
                program_id=ctx.program.id,
                evaluator_id=evaluator,
                group_id=group_id,
                plan_id=None,
                assigned_by_id=ctx.office_id,
                assigned_at=ctx.at(300),
            )
    for j, (unit_id, liaison, head) in enumerate(units):
        state = rng.choice(states)
        template = ctx.big if (first + j) % 8 == 0 else ctx.templates[(first + j) % 3]
        peers = [units[(j + d) % members] for d in (1, 2)] if members > 2 else []
        plan = _plan(ctx, rows, group_id, unit_id, liaison, head, leader_id, state, template)
        plan.peers = [(u, h) for u, _, h in peers]
        for reviewer, _, _ in peers:
            rows.add(PeerAssignment, plan_id=plan.plan_id, reviewer_unit_id=reviewer)
        _peer_signoffs(ctx, rows, plan)
        plans.append((plan, template))
        paths.append(plan)
        out.plans += 1
    if profile[0][0] == S.RECTIFICATION:
        _results(ctx, rows, group_id, plans, out)
    for plan, _ in plans:
        out.by_state[plan.state] += 1


def _plan(
    ctx: _Context,
    rows: _Rows,
    group_id: int,
    unit_id: int,
    liaison: int,
    head: int,
    leader_id: int,
    state: str,
    template: Template,
) -> _PlanPath:
    rng = ctx.rng
    returned = state in (S.DRAFT, S.PEER_REVIEW) and rng.random() < 0.3
    round_ = 2 if returned else 1
    after = ORDER.index(state)
    published = after >= ORDER.index(S.PUBLISHED)
    plan_id = rows.next_id["plan"]
    approval = f"泉绩效办〔{YEAR}〕{plan_id}号" if published else ""
    rows.add(
        Plan,
        id=plan_id,
        program_id=ctx.program.id,
        unit_id=unit_id,
        group_id=group_id,
        state=state,
        version=after + 2,
        round=round_,
        approval_number=approval or None,
        published_at=ctx.at(110) if published else None,
        created_at=ctx.at(160),
        updated_at=ctx.at(rng.randint(1, 30)),
    )
    rows.next_id["plan"] += 1
    path = _PlanPath(plan_id, unit_id, state, round_, liaison, head, leader_id, [], 0)
    path.return_reason = rng.choice(RETURN_REASONS) if returned else ""
    path.approval_number = approval
    ids = {r["code"]: rows.next_id["indicator"] + i for i, r in enumerate(template.rows)}
    for position, r in enumerate(template.rows):
        rows.add(
            Indicator,
            id=ids[r["code"]],
            plan_id=plan_id,
            parent_id=ids[r["parent"]] if r["parent"] else None,
            code=r["code"],
            category=r["category"],
            level=template.levels[r["code"]],
            content=r["content"],
            weight=Decimal(r["weight"]),
            responsible_leaders=r["responsible_leaders"],
            responsible_departments=r["responsible_departments"],
            responsible_persons=r["responsible_persons"],
            note="",
            position=position,
        )
    rows.next_id["indicator"] += len(template.rows)
    submitted_rounds = range(1, round_ + (0 if state == S.DRAFT else 1))
    for n in submitted_rounds:
        rows.add(
            PlanRevision, plan_id=plan_id, round=n, rows=template.revision, created_at=ctx.at(150)
        )
    if published:
        rows.add(
            TableVersion,
            plan_id=plan_id,
            number=1,
            rows=template.revision,
            change_request_id=None,
            created_at=ctx.at(110),
        )
        _year_work(ctx, rows, path, template)
    return path


def _peer_signoffs(ctx: _Context, rows: _Rows, plan: _PlanPath) -> None:
    """Peer review half done for plans in it, complete for every plan past it."""
    if plan.state == S.DRAFT:
        return
    signed = plan.peers if plan.state != S.PEER_REVIEW else plan.peers[: ctx.rng.randint(0, 1)]
    for reviewer, head in signed:
        rows.add(
            PeerSignoff,
            plan_id=plan.plan_id,
            round=plan.round,
            reviewer_unit_id=reviewer,
            user_id=head,
            comment="同意",
            at=ctx.at(140),
        )
    plan.signed_peers = len(signed)


def _year_work(ctx: _Context, rows: _Rows, plan: _PlanPath, template: Template) -> None:
    """Half-year progress; self-assessment; evaluators' sheets, as far as the state goes."""
    rng = ctx.rng
    after = ORDER.index(plan.state)
    for leaf, status in zip(template.leaves, ("on_track", "done", "at_risk"), strict=False):
        rows.add(
            ProgressReport,
            plan_id=plan.plan_id,
            indicator_code=leaf["code"],
            period="H1",
            status=status,
            text="上半年已完成年度任务的六成，台账已同步更新"
            if status != "at_risk"
            else "受项目审批进度影响，进度略滞后，已制定赶进度措施",
            reported_by_id=plan.liaison_id,
            reported_at=ctx.at(100),
        )
    if after < ORDER.index(S.SELF_ASSESSMENT):
        return
    share = Decimal(rng.randint(80, 97)) / 100
    # In 自评 some units have not started; the others saved (and later submitted) theirs.
    if plan.state != S.SELF_ASSESSMENT or rng.random() < 0.7:
        for leaf in template.leaves:
            rows.add(
                SelfScore,
                plan_id=plan.plan_id,
                indicator_code=leaf["code"],
                score=(Decimal(leaf["weight"]) * share).quantize(CENT),
                explanation="已按计划完成，详见工作台账",
                updated_by_id=plan.liaison_id,
                updated_at=ctx.at(40),
            )
    if after < ORDER.index(S.CENTRAL_EVALUATION):
        return
    signed_all = after > ORDER.index(S.CENTRAL_EVALUATION)
    for k, evaluator in enumerate(ctx.evaluator_ids):
        signed = signed_all or rng.random() < 0.6
        sheet_id = rows.add(
            EvaluationSheet,
            plan_id=plan.plan_id,
            evaluator_id=evaluator,
            state="signed" if signed else "draft",
            version=2 if signed else 1,
            created_at=ctx.at(30),
            updated_at=ctx.at(25),
            signed_at=ctx.at(25) if signed else None,
        )
        for leaf in template.leaves:
            mark = share - Decimal(k - 1) / 100
            rows.add(
                SheetItem,
                sheet_id=sheet_id,
                indicator_code=leaf["code"],
                score=(Decimal(leaf["weight"]) * mark).quantize(CENT),
                comment="",
                finding=False,
            )


def _results(
    ctx: _Context,
    rows: _Rows,
    group_id: int,
    plans: list[tuple[_PlanPath, Template]],
    out: Generated,
) -> None:
    """A published result version for the group, and 整改 items for the plans with findings."""
    rng = ctx.rng
    scored = []
    for plan, template in plans:
        target = Decimal(rng.randint(8200, 9800)) / 100
        public = Decimal(rng.randint(8000, 9500)) / 100
        rows.add(
            ExternalEntry,
            plan_id=plan.plan_id,
            kind="public_score",
            points=public,
            reason="",
            level=None,
            occurred_on=None,
            evidence_id=None,
            cancels_id=None,
            is_cancellation=False,
            created_by_id=ctx.surveyor_id,
            created_at=ctx.at(28),
        )
        total = (target * Decimal("0.7") + public * Decimal("0.3")).quantize(CENT)
        scored.append((total, plan, template, target, public))
    scored.sort(key=lambda s: (-s[0], s[1].plan_id))
    version_id = rows.add(
        ResultVersion,
        program_id=ctx.program.id,
        group_id=group_id,
        version=1,
        scheme_name=ctx.scheme_name,
        scheme_text=ctx.scheme_text,
        inputs={
            "scheme": ctx.scheme_name,
            "groups": [{"units": [{"unit": str(p.plan_id)} for _, p, *_ in scored]}],
        },
        reason="",
        forced_reason="",
        created_by_id=ctx.office_id,
        created_at=ctx.at(20),
        published_at=ctx.at(18),
        published_by_id=ctx.office_id,
    )
    size = len(scored)
    excellent = int(size * Decimal("0.3"))
    for rank, (total, plan, template, target, public) in enumerate(scored, start=1):
        if total < 70:
            grade, label, factor = "poor", "差", Decimal(0)
        elif rank <= excellent:
            grade, label, factor = "excellent", "优秀", Decimal(1)
        elif rank > size - 3:
            grade, label, factor = "fair", "一般", Decimal("0.8")
        else:
            grade, label, factor = "good", "良好", Decimal("0.9")
        rows.add(
            UnitResult,
            result_version_id=version_id,
            plan_id=plan.plan_id,
            unit_id=plan.unit_id,
            total=total,
            rank=rank,
            group_size=size,
            grade_before_flags=grade,
            grade_before_flags_label=label,
            grade=grade,
            grade_label=label,
            reward_factor=factor,
            reward_factor_before_flags=factor,
            components=_components(target, public),
            flags={"downgrade": None, "veto": None},
            explanation=[
                f"目标考评 {target} × 70% = {(target * Decimal('0.7')).quantize(CENT)}",
                f"公众评议 {public} × 30% = {(public * Decimal('0.3')).quantize(CENT)}",
                f"综合得分 {total}，排名 {rank}/{size} → {label}",
            ],
        )
        _items(ctx, rows, plan, template, out)


def _components(target: Decimal, public: Decimal) -> list[dict[str, str]]:
    def part(name: str, label: str, raw: Decimal, share: Decimal) -> dict[str, str]:
        return {
            "name": name,
            "label": label,
            "raw": str(raw),
            "score": str(raw),
            "contribution": str((raw * share).quantize(CENT)),
            "carried": "0.00",
        }

    return [
        part("target", "目标考评", target, Decimal("0.7")),
        part("public", "公众评议", public, Decimal("0.3")),
        part("bonus", "正向激励", Decimal("0.00"), Decimal(1)),
        part("deduction", "察访核验", Decimal("0.00"), Decimal(1)),
    ]


def _items(ctx: _Context, rows: _Rows, plan: _PlanPath, template: Template, out: Generated):
    """0–3 items from findings; a plan with none left open is archived (归档)."""
    rng = ctx.rng
    count = rng.choice([0, 1, 1, 2, 2, 3])
    leaves = rng.sample(template.leaves, min(count, len(template.leaves)))
    open_left = False
    for leaf in leaves:
        state = rng.choice(ITEM_STATES)
        overdue = rng.random() < 0.4
        due = ctx.today + timedelta(days=-rng.randint(3, 40) if overdue else rng.randint(5, 90))
        closed = state == R.CLOSED
        open_left = open_left or not closed
        rows.add(
            RectificationItem,
            plan_id=plan.plan_id,
            program_id=ctx.program.id,
            unit_id=plan.unit_id,
            source_kind="sheet_finding",
            source_ref=leaf["code"],
            indicator_code=leaf["code"],
            finding=f"{leaf['code']} {leaf['content'][:40]}：台账资料不完整，部分佐证材料缺失",
            responsible_department=(leaf["responsible_departments"] or [""])[0],
            responsible_person=(leaf["responsible_persons"] or [""])[0],
            measures=""
            if state == R.OPEN
            else "制定整改方案，明确责任科室和完成时限，逐项对账销号",
            due_date=due,
            due_working_days=None,
            state=state,
            result_statement="已完成整改，相关制度和台账已完善"
            if state in (R.SUBMITTED, R.VERIFIED, R.CLOSED)
            else "",
            carried_from_id=None,
            version=1 + [R.OPEN, R.IN_PROGRESS, R.SUBMITTED, R.VERIFIED, R.CLOSED].index(state),
            created_by_id=None,
            created_at=ctx.at(18),
            updated_at=ctx.at(rng.randint(1, 10)),
            submitted_at=ctx.at(8) if state in (R.SUBMITTED, R.VERIFIED, R.CLOSED) else None,
            closed_at=ctx.at(5) if closed else None,
        )
        out.items += 1
    if not open_left:
        plan.state = S.CLOSED
        for row in rows.rows[Plan.__table__][::-1]:
            if row["id"] == plan.plan_id:
                row["state"] = S.CLOSED
                break


# --- rows other subsystems derive from a plan's path ----------------------------------------

STEPS = [
    (S.DRAFT, "submit", S.PEER_REVIEW),
    (S.PEER_REVIEW, "peer_approve", S.LEADER_REVIEW),
    (S.LEADER_REVIEW, "leader_approve", S.OFFICE_REVIEW),
    (S.OFFICE_REVIEW, "office_approve", S.PUBLISHED),
    (S.PUBLISHED, "open_self_assessment", S.SELF_ASSESSMENT),
    (S.SELF_ASSESSMENT, "submit_self_assessment", S.CENTRAL_EVALUATION),
    (S.CENTRAL_EVALUATION, "close_evaluation", S.RECTIFICATION),
    (S.RECTIFICATION, "finish_rectification", S.CLOSED),
]


def derived_rows(ctx: _Context, rows: _Rows, paths: list[_PlanPath]) -> None:
    """Rows that follow from each plan's path through the workflow, written with the plans
    in the same statements: the plan's history (audit events, as the services would have
    written them). Other subsystems that store what a state implies (e.g. stored tasks)
    add their rows here, from the same `paths`."""
    for path in paths:
        _history(ctx, rows, path)


def _history(ctx: _Context, rows: _Rows, path: _PlanPath) -> None:
    def event(action, from_state, to_state, actor, round_, days_ago, comment="", data=None):
        rows.add(
            AuditEvent,
            object_type="plan",
            object_id=path.plan_id,
            plan_id=path.plan_id,
            actor_id=actor,
            action=action,
            from_state=from_state,
            to_state=to_state,
            round=round_,
            comment=comment,
            data=data,
            at=ctx.at(days_ago),
        )

    if path.round == 2:  # returned once by the first peer unit, then resubmitted
        event("submit", S.DRAFT, S.PEER_REVIEW, path.head_id, 1, 150)
        reviewer, head = path.peers[0] if path.peers else (None, path.leader_id)
        data = {"reviewer_unit_id": reviewer} if reviewer else None
        event("return", S.PEER_REVIEW, S.DRAFT, head, 1, 148, path.return_reason, data)
    target = ORDER.index(path.state)
    for from_state, action, to_state in STEPS:
        if ORDER.index(from_state) >= target:
            break
        days = 140 - ORDER.index(from_state) * 15
        if action == "peer_approve":
            for k, (reviewer, head) in enumerate(path.peers):
                last = k == len(path.peers) - 1
                event(
                    action,
                    S.PEER_REVIEW,
                    to_state if last else S.PEER_REVIEW,
                    head,
                    path.round,
                    days,
                    "同意",
                    {"reviewer_unit_id": reviewer},
                )
            continue
        actor = {
            "submit": path.head_id,
            "leader_approve": path.leader_id,
            "submit_self_assessment": path.liaison_id,
            "finish_rectification": None,
        }.get(action, ctx.office_id)
        data = {"approval_number": path.approval_number} if action == "office_approve" else None
        event(action, from_state, to_state, actor, path.round, days, "", data)
    if path.state == S.PEER_REVIEW:
        for reviewer, head in path.peers[: path.signed_peers]:
            data = {"reviewer_unit_id": reviewer}
            event("peer_approve", S.PEER_REVIEW, S.PEER_REVIEW, head, path.round, 138, "同意", data)


# --- writing --------------------------------------------------------------------------------


def _insert(rows: _Rows) -> None:
    """Each table's rows in one executemany at the driver, values converted by the columns'
    own bind processors; a JSON value shared by many rows (a template's list) is encoded once."""
    conn = db.session.connection()
    dialect = conn.dialect
    quote = dialect.identifier_preparer.quote
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    cursor = conn.connection.cursor()  # the driver's own: rows go as they are
    for model in MODELS:
        table = model.__table__
        batch = rows.rows.get(table)
        if not batch:
            continue
        names = list(batch[0])
        sql = (
            f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
            f"VALUES ({', '.join(mark for _ in names)})"
        )
        values = [list(row.values()) for row in batch]  # every row of a table has one shape
        for i, name in enumerate(names):
            convert = _processor(table.c[name].type, dialect)
            if convert is None:
                continue
            for value in values:
                if value[i] is not None:
                    value[i] = convert(value[i])
        cursor.executemany(sql, values)


def _processor(type_: Any, dialect: Any):
    process = type_.bind_processor(dialect)
    if process is None or not isinstance(type_, JSON):
        return process
    cache: dict[int, Any] = {}

    def once(value: Any) -> Any:
        key = id(value)
        if key not in cache:
            cache[key] = (value, process(value))  # keep the value: its id stays unique
        return cache[key][1]

    return once


def _move_sequences() -> None:
    """PostgreSQL: the ids were given here, so move each table's sequence past them."""
    conn = db.session.connection()
    if conn.dialect.name != "postgresql":
        return
    for model in MODELS:
        name = model.__table__.name
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {name}), 1))"
            )
        )
