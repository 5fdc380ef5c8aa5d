"""Demo data: the 2024 program of the sources, one group of four units, their plans and the
demo users (password `wfapp-demo`). Idempotent: what exists is left as it is."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from importlib import resources
from typing import Any

from sqlalchemy import select

from wfapp.database import db
from wfapp.models import (
    Department,
    Group,
    PastGrade,
    PeerAssignment,
    Plan,
    Program,
    Role,
    RoleGrant,
    StageDeadline,
    Unit,
    User,
)
from wfapp.services.auth import DEMO_PASSWORD, hash_password, new_nonce
from wfapp.services.targets import check_table

YEAR = 2024
GROUP_NAME = "第三系列（综合与管理类）"


def program_title(year: int) -> str:
    return f"{year}年度泉州市直政府系列单位绩效目标考评"


PROGRAM_TITLE = program_title(YEAR)

# The calendar of the 2024 SASAC plan: 7月10日 → 7月19日 → 7月26日 → 8月15日 → 12月31日 → 次年2月底,
# and 整改 by the end of the following June.
CALENDAR = {
    "draft": date(2024, 7, 10),
    "peer_review": date(2024, 7, 19),
    "leader_review": date(2024, 7, 26),
    "office_review": date(2024, 8, 15),
    "self_assessment": date(2024, 12, 31),
    "central_evaluation": date(2025, 2, 28),
    "rectification": date(2025, 6, 30),
}

UNITS = [
    ("泉州市晋江生态环境局", "晋江生态环境局"),
    ("泉州市自然资源和规划局", "市自然资源和规划局"),
    ("泉州市人民政府国有资产监督管理委员会", "市国资委"),
    ("泉州市住房和城乡建设局", "市住建局"),
]
# Each unit's plan is reviewed by the next two units of the group (unit 1 by units 2 and 3).
PEERS = {0: (1, 2), 1: (2, 3), 2: (3, 0), 3: (0, 1)}

USERS: list[tuple[str, str, list[tuple[str, int | None]]]] = [
    ("admin", "系统管理员", [(Role.ADMIN, None)]),
    ("office", "市直政府绩效办（王敏）", [(Role.OFFICE, None)]),
    ("leader1", "分管副市长（林志强）", [(Role.LEADER, i) for i in range(4)]),
    ("u1-liaison", "晋江生态环境局 绩效联络员（范华悦）", [(Role.LIAISON, 0)]),
    ("u1-head", "晋江生态环境局 局长（倪向群）", [(Role.UNIT_HEAD, 0)]),
    ("u2-liaison", "市自然资源和规划局 绩效联络员（吴芬芳）", [(Role.LIAISON, 1)]),
    ("u2-head", "市自然资源和规划局 局长（刘文发）", [(Role.UNIT_HEAD, 1)]),
    ("u3-liaison", "市国资委 绩效联络员（陈丽）", [(Role.LIAISON, 2)]),
    ("u3-head", "市国资委 主任（黄金顺）", [(Role.UNIT_HEAD, 2)]),
    ("u4-liaison", "市住建局 绩效联络员（张颖）", [(Role.LIAISON, 3)]),
    ("u4-head", "市住建局 局长（郑国华）", [(Role.UNIT_HEAD, 3)]),
    ("evaluator1", "考评专家 李明", [(Role.EVALUATOR, None)]),
    ("evaluator2", "考评专家 周洁", [(Role.EVALUATOR, None)]),
    ("evaluator3", "考评专家 许强", [(Role.EVALUATOR, None)]),
    ("inspector", "市效能办 察访核验组", [(Role.INSPECTOR, None)]),
    ("surveyor", "市统计局 公众评议组", [(Role.SURVEYOR, None)]),
]

FIRST_LEVEL = {  # 二级指标 of the sources' tables: code prefix → (name, category)
    "重点工作目标": "key",
    "常规工作目标": "regular",
    "动态工作目标": "dynamic",
}


def jinjiang_rows() -> list[dict[str, Any]]:
    """The full 2021 Jinjiang ecology table (54 leaves, 65 + 35 = 100) as a tree."""
    text = (
        resources.files("wfapp.demo_data")
        .joinpath("jinjiang-ecology-2021-target-table.csv")
        .read_text(encoding="utf-8")
    )
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for rec in csv.DictReader(text.splitlines()):
        category = FIRST_LEVEL.get(rec["二级指标"], "capacity")
        top = rec["序号"].split("-")[0]
        group_code, leaf_code = rec["序号"], rec["末级编号"]
        if top not in seen:
            seen.add(top)
            rows.append(_row(top, None, category, rec["二级指标"], rec["二级分值"]))
        if leaf_code != group_code and group_code not in seen:
            seen.add(group_code)
            rows.append(_row(group_code, top, category, rec["项目"], "0"))
        parent = group_code if leaf_code != group_code else top
        rows.append(
            _row(
                leaf_code,
                parent,
                category,
                rec["目标内容与责任分解"],
                rec["权重"],
                leaders=rec["责任领导"],
                departments=rec["责任科室"],
                persons=rec["责任人"],
            )
        )
    # A 序号 group's weight is the sum of its leaves, as in the source.
    for row in rows:
        kids = [r for r in rows if r["parent"] == row["code"]]
        if kids and row["parent"] is not None:
            row["weight"] = str(sum(Decimal(k["weight"]) for k in kids))
    return rows


def _row(code, parent, category, content, weight, *, leaders="", departments="", persons=""):
    split = lambda s: [x for x in s.split("、") if x]  # noqa: E731
    return {
        "code": code,
        "parent": parent,
        "category": category,
        "content": content,
        "weight": str(weight),
        "responsible_leaders": split(leaders),
        "responsible_departments": split(departments),
        "responsible_persons": split(persons),
        "note": "",
    }


# Smaller, realistic tables for the other units: (二级指标, category, weight, [(content, weight,
# department, person)]).
_GENERIC: dict[str, list[tuple[str, str, int, list[tuple[str, int, str, str]]]]] = {
    "市自然资源和规划局": [
        (
            "重点工作目标",
            "key",
            40,
            [
                ("完成国土空间总体规划报批，推进详细规划全覆盖", 10, "规划科", "孙星琳"),
                ("保障百大项目用地需求，供地率不低于85%", 10, "用地科", "蔡翔子"),
                ("推进历史遗留矿山生态修复，完成治理面积120公顷", 10, "矿管科", "张智海"),
                ("完成批而未供和闲置土地处置任务", 10, "利用科", "李扬"),
            ],
        ),
        (
            "常规工作目标",
            "regular",
            20,
            [
                ("不动产登记一般业务3个工作日内办结", 10, "不动产登记中心", "刘少杰"),
                ("开展卫片执法检查，违法用地整改到位", 10, "监察支队", "黄任"),
            ],
        ),
        ("动态工作目标", "dynamic", 5, [("完成市委、市政府交办的专项任务", 5, "办公室", "吴芬芳")]),
        (
            "行政能力目标",
            "capacity",
            35,
            [
                ("落实全面从严治党主体责任和意识形态工作责任制", 7, "机关党委", "张晓波"),
                ("规范行政执法，权责清单动态调整", 7, "法规科", "叶春容"),
                ("按时办理人大代表建议、政协委员提案", 7, "办公室", "吴芬芳"),
                ("落实中央八项规定精神，三公经费同比下降", 7, "计财科", "张子璇"),
                ("按时报送绩效管理材料，绩效管理措施有创新", 7, "办公室", ""),
            ],
        ),
    ],
    "市国资委": [
        (
            "重点工作目标",
            "key",
            40,
            [
                ("市属国有企业营业收入同比增长8%以上", 15, "财务监督科", "林静"),
                ("推进国企改革深化提升行动，完成年度任务70%以上", 15, "改革发展科", "郭峰"),
                ("完成市属国企重点项目年度投资计划", 10, "规划投资科", "洪涛"),
            ],
        ),
        (
            "常规工作目标",
            "regular",
            20,
            [
                ("开展国有资产统计和产权登记工作", 10, "产权管理科", "王蓉"),
                ("落实企业负责人经营业绩考核", 10, "考核分配科", "陈斌"),
            ],
        ),
        ("动态工作目标", "dynamic", 5, [("完成安全生产专项整治任务", 5, "企业安全监管科", "")]),
        (
            "行政能力目标",
            "capacity",
            35,
            [
                ("落实全面从严治党主体责任", 7, "党建工作科", "苏婷"),
                ("推进依法行政，规范性文件合法性审核率100%", 7, "政策法规科", "庄伟"),
                ("提高政务服务效率，督办件按时办结", 7, "办公室", "陈丽"),
                ("加强廉政风险防控", 7, "纪检组", "李娜"),
                ("创新国资监管方式，建设国资国企在线监管系统", 7, "办公室", "陈丽"),
            ],
        ),
    ],
    "市住建局": [
        (
            "重点工作目标",
            "key",
            40,
            [
                ("新开工改造城镇老旧小区60个", 10, "城市更新科", "蔡明"),
                ("筹集保障性租赁住房3000套", 10, "住房保障科", "黄蕾"),
                ("推进城市排水防涝设施建设", 10, "城建科", "吴俊"),
                ("开展建筑施工安全生产治本攻坚三年行动", 10, "质安科", "施涛"),
            ],
        ),
        (
            "常规工作目标",
            "regular",
            20,
            [
                ("规范房地产市场秩序，开展专项整治", 10, "房地产市场科", "许婷"),
                ("推广装配式建筑，新开工比例达到30%", 10, "建筑业科", "林辉"),
            ],
        ),
        ("动态工作目标", "dynamic", 5, [("完成防汛防台应急处置任务", 5, "办公室", "张颖")]),
        (
            "行政能力目标",
            "capacity",
            35,
            [
                ("落实全面从严治党主体责任和意识形态工作责任制", 7, "机关党委", "王琳"),
                ("推进行政审批制度改革，压缩办理时限", 7, "审批科", "刘强"),
                ("及时办理12345便民服务平台诉求", 7, "办公室", "张颖"),
                ("加强干部队伍作风建设", 7, "人事科", "郑爽"),
                ("开展绩效管理创新，内部考核机制有效运行", 7, "办公室", ""),
            ],
        ),
    ],
}


def generic_rows(short_name: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for top_index, (name, category, weight, leaves) in enumerate(_GENERIC[short_name], start=1):
        if category == "capacity":
            # 行政能力目标 splits into its five parts, each a first-level row of 7.
            for part, (content, w, dept, person) in enumerate(leaves):
                code = str(top_index + part)
                rows.append(_row(code, None, category, CAPACITY_PARTS[part], w))
                rows.append(
                    _row(f"{code}-1", code, category, content, w, departments=dept, persons=person)
                )
            continue
        rows.append(_row(str(top_index), None, category, name, weight))
        for i, (content, w, dept, person) in enumerate(leaves, start=1):
            rows.append(
                _row(
                    f"{top_index}-{i}",
                    str(top_index),
                    category,
                    content,
                    w,
                    departments=dept,
                    persons=person,
                )
            )
    return rows


CAPACITY_PARTS = ["科学民主行政", "依法行政", "高效行政", "廉洁行政", "管理创新"]


def load_demo(year: int = YEAR) -> dict[str, int]:
    """Create whatever of the demo is missing; return how many rows of each kind were added.
    Another `year` adds that year's program (the same group, units and tables, the calendar
    moved by the years between) and gives the program-wide demo users their roles in it."""
    added = {"programs": 0, "units": 0, "users": 0, "plans": 0}
    title = program_title(year)
    program = db.session.scalars(select(Program).where(Program.title == title)).first()
    if program is None:
        program = Program(
            year=year,
            title=title,
            total_points=Decimal(100),
            scheme="quanzhou-2021",
            countersign_policy="all",
        )
        program.deadlines = [
            StageDeadline(stage=s, due_date=d.replace(year=d.year + year - YEAR))
            for s, d in CALENDAR.items()
        ]
        db.session.add(program)
        added["programs"] += 1
    group = db.session.scalars(
        select(Group).where(Group.program == program, Group.name == GROUP_NAME)
    ).first() or Group(program=program, name=GROUP_NAME)
    db.session.add(group)

    units = []
    for name, short in UNITS:
        unit = db.session.scalars(select(Unit).where(Unit.name == name)).first()
        if unit is None:
            unit = Unit(name=name, short_name=short)
            db.session.add(unit)
            added["units"] += 1
        units.append(unit)
    db.session.flush()

    tables = [jinjiang_rows()] + [generic_rows(short) for _, short in UNITS[1:]]
    for unit, rows in zip(units, tables, strict=True):
        known = {d.name for d in unit.departments}
        for dept in sorted({d for r in rows for d in r["responsible_departments"]} - known):
            db.session.add(Department(unit=unit, name=dept))

    db.session.flush()
    for username, display, grants in USERS:
        user = db.session.scalars(select(User).where(User.username == username)).first()
        if user is None:
            user = User(
                username=username,
                display_name=display,
                email=f"{username}@example.com",
                password_hash=hash_password(DEMO_PASSWORD),
                is_demo=True,
                token_nonce=new_nonce(),
            )
            for role, unit_index in grants:
                if unit_index is not None:
                    user.grants.append(RoleGrant(role=role, unit_id=units[unit_index].id))
            db.session.add(user)
            added["users"] += 1
        have = {(g.role, g.program_id) for g in user.grants}
        for role, unit_index in grants:
            if unit_index is None and (role, program.id) not in have:
                user.grants.append(RoleGrant(role=role, program_id=program.id))

    plans = []
    for unit, rows in zip(units, tables, strict=True):
        plan = db.session.scalars(
            select(Plan).where(Plan.program == program, Plan.unit == unit)
        ).first()
        if plan is None:
            plan = Plan(program=program, unit=unit, group=group, state="draft")
            db.session.add(plan)
            _fill_table(plan, rows, program.total_points)
            added["plans"] += 1
        plans.append(plan)
    db.session.flush()
    for index, peer_indexes in PEERS.items():
        plan = plans[index]
        have = {a.reviewer_unit_id for a in plan.peer_assignments}
        for p in peer_indexes:
            if units[p].id not in have:
                plan.peer_assignments.append(PeerAssignment(reviewer_unit_id=units[p].id))
    db.session.commit()
    if year == YEAR:
        _past_grades(units)
    return added


# The grades of 2022 and 2023, from before the units' programs ran here (unit 4 was 一般 in
# both: a third 一般 in 2024 raises the accountability flag).
PAST_GRADES = [("excellent", "good"), ("good", "excellent"), ("good", "fair"), ("fair", "fair")]


def _past_grades(units: list[Unit]) -> None:
    from wfapp.services.history import record_past_grade

    office = db.session.scalars(select(User).where(User.username == "office")).one()
    known = {(g.unit_id, g.year) for g in db.session.scalars(select(PastGrade))}
    for unit, grades in zip(units, PAST_GRADES, strict=True):
        for past_year, grade in zip((YEAR - 2, YEAR - 1), grades, strict=True):
            if (unit.id, past_year) not in known:
                note = f"泉州市{past_year}年度市直单位绩效考评结果通报"
                record_past_grade(office, unit.id, past_year, grade, note)


def _fill_table(plan: Plan, rows: list[dict[str, Any]], total: Decimal) -> None:
    from wfapp.services.plans import write_table

    check = check_table(rows, total)
    if not check.ok:  # the demo must start valid; a broken one is a bug here
        raise RuntimeError(f"demo table invalid: {check.errors}")
    write_table(plan, check)


def has_demo_users() -> bool:
    return db.session.scalars(select(User.id).where(User.is_demo.is_(True))).first() is not None


def is_empty() -> bool:
    return db.session.scalars(select(Program.id)).first() is None
