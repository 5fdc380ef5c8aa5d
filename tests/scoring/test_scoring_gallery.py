"""The gallery (config/schemes/): every scheme, on its example input, gives what a clerk computes.

Each method is computed a second time here by a naive implementation written from the method's
own words (the header of its file), not from the engine or the YAML; the two must agree on every
total, rank, grade and pay band. A few units are also worked by hand in the docstrings.
"""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.scoring.helpers import ROOT
from wfapp.scoring import evaluate, load_inputs, load_scheme

D = Decimal
SCHEMES = ROOT / "config" / "schemes"
Expected = dict[str, tuple[Decimal, str | None, str | None]]  # unit → (total, grade, pay band)


def _example(name: str) -> dict[str, Any]:
    text = (SCHEMES / f"{name}.example.json").read_text(encoding="utf-8")
    return json.loads(text, parse_float=Decimal)


def _units(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [u for g in doc["groups"] for u in g["units"]]


def _mean(values: list[Any]) -> Decimal:
    return sum((D(v) for v in values), D(0)) / len(values)


def _r2(value: Decimal) -> Decimal:
    return value.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def _indicator(ind: dict[str, Any], rounded: bool = True) -> Decimal:
    value = _mean(ind["sheets"]) if "sheets" in ind else D(ind["score"])
    return _r2(value) if rounded else value


def _ranks(totals: dict[str, Decimal]) -> dict[str, int]:
    """1 + the number of units with a strictly higher total."""
    return {u: 1 + sum(1 for t in totals.values() if t > mine) for u, mine in totals.items()}


def _engine(name: str) -> Expected:
    scheme = load_scheme(SCHEMES / f"{name}.yaml")
    results = evaluate(scheme, load_inputs(SCHEMES / f"{name}.example.json", scheme))
    return {u.unit: (u.total, u.grade_label, u.pay_label) for u in results.units}


# -- 1000 分: 450 + 100 + 100 + 350 ---------------------------------------------------------------

HONOURS = {"national": 100, "provincial": 60, "city": 30}
REFORM = {"reform_province": 50, "reform_city": 25}


def naive_township_1000() -> Expected:
    """T01 城关镇 by hand: 重点工作 (190+186+188)/3 = 188 + 140 + 95 = 423; 党的建设 100 − (6 + 1 × 10)
    = 84; 群众满意度 92; 争先创优 省级 60 + 市级 30 (上级表彰 90 ≤ 150) + 省级推广 50 + 项目 20 = 160;
    总分 423 + 84 + 92 + 160 = 759, 第 3 名 → 一等.

    T03 西溪乡: 党的建设扣 95 + 2 × 10 = 115, 100 分扣完为止, 超出的 15 分在总分中扣除:
    370 + 0 + 80 + 0 − 15 = 435 < 600 → 末位.
    """
    totals: dict[str, Decimal] = {}
    for u in _units(_example("township-1000")):
        key_work = sum((_indicator(i) for i in u["indicators"]), D(0))
        taken = sum(
            (
                D(d["points"]) if "points" in d else 10 * d["occurrences"]
                for d in u.get("deductions", [])
            ),
            D(0),
        )
        party = max(D(100) - taken, D(0))
        overflow = max(taken - 100, D(0))
        best: dict[str, tuple[str, int]] = {}  # the same work once, at its highest
        for b in u.get("bonuses", []):
            level = b["level"]
            points = HONOURS.get(level) or REFORM.get(level) or 20
            if b["work"] not in best or points > best[b["work"]][1]:
                best[b["work"]] = (level, points)
        honours = sum(p for lv, p in best.values() if lv in HONOURS)
        reform = sum(p for lv, p in best.values() if lv in REFORM)
        projects = sum(p for lv, p in best.values() if lv == "project")
        bonus = min(min(honours, 150) + min(reform, 100) + min(projects, 100), 350)
        sat = D(u["inputs"]["satisfaction"])
        totals[u["unit"]] = key_work + party + sat + bonus - overflow
    ranks = _ranks(totals)
    n = len(totals)
    out: Expected = {}
    for code, total in totals.items():
        r = ranks[code]
        grade = (
            "末位"
            if total < 600
            else "一等"
            if r <= 3
            else "二等"
            if r <= 6
            else "末位"
            if r > n - 1
            else "三等"
        )
        out[code] = (total, grade, None)
    return out


# -- 百分制扣分 ----------------------------------------------------------------------------------

PER = {
    "late": D("0.5"), "absent": D(2), "missed_meeting": D(1), "late_meeting": D("0.5"),
    "report_late": D("0.2"), "report_returned": D("0.2"), "report_missing": D(1),
    "criticised": D(2), "notified": D(5), "integrity": D(5),
}  # fmt: skip


def naive_sections_deduction_100() -> Expected:
    """S01 办公室 by hand: 考勤 20 − 3 × 0.5 = 18.5; 会议 10 − 2 × 0.5 = 9; 信息报送 逾期 4 × 0.2 = 0.8
    与退回 2 × 0.2 = 0.4 共用 1 分, 扣 1 → 9; 工作任务 50; 廉政 10; 总分 96.5, 第 2 名, 7 个股室
    × 30% = 2.1 → 2 个名额, 且 ≥ 90 → 优秀.

    S02 财务股: 无故缺勤 3 次, 达到 3 次此项不得分 → 考勤 0; 总分 80 → 合格 (80 分以下才是基本合格).
    S04 执法股: 同一事项“执法案卷不规范”批评 2 与通报 5 就高扣 5, 另一次批评 2 → 工作任务 43;
    廉政 1 次 5 → 5; 总分 20 + 10 + 10 + 43 + 5 = 88 → 合格.
    """
    totals: dict[str, Decimal] = {}
    for u in _units(_example("sections-deduction-100")):
        entries = u.get("deductions", [])
        count = {k: sum(d.get("occurrences", 0) for d in entries if d["item"] == k) for k in PER}

        def amount(d: dict[str, Any]) -> Decimal:
            return D(d["points"]) if "points" in d else PER[d["item"]] * d["occurrences"]

        attendance = (
            20 if count["absent"] >= 3 else count["late"] * PER["late"] + 2 * count["absent"]
        )
        meetings = count["missed_meeting"] + count["late_meeting"] * PER["late_meeting"]
        shared = min((count["report_late"] + count["report_returned"]) * D("0.2"), D(1))
        reports = shared + count["report_missing"]
        matters: dict[str, Decimal] = {}
        tasks = D(0)
        for d in entries:
            if d["item"] in ("task_missed", "criticised", "notified"):
                if "matter" in d:
                    matters[d["matter"]] = max(matters.get(d["matter"], D(0)), amount(d))
                else:
                    tasks += amount(d)
        tasks += sum(matters.values(), D(0))
        integrity = 10 if count["integrity"] >= 2 else 5 * count["integrity"]
        parts = [(20, attendance), (10, meetings), (10, reports), (50, tasks), (10, integrity)]
        totals[u["unit"]] = sum((max(D(p) - D(t), D(0)) for p, t in parts), D(0))
    ranks = _ranks(totals)
    places = len(totals) * 3 // 10
    out: Expected = {}
    for code, total in totals.items():
        if total < 70:
            grade = "不合格"
        elif total < 80:
            grade = "基本合格"
        elif ranks[code] <= places and total >= 90:
            grade = "优秀"
        else:
            grade = "合格"
        out[code] = (total, grade, None)
    return out


# -- 分类评先, 全乡末位 -----------------------------------------------------------------------------


def naive_township_villages() -> Expected:
    """全乡 12 个村（社区）按总分排序, 倒数第一 坑口村 69、倒数第二 龙山社区 70 为末位 (龙山社区在
    社区类中是第 3 名, 坑口村在二类村中是第 4 名); 先进: 一类村前 2 名 溪边村 89、湖头村
    (70 + 69 + 71) / 3 = 70 + 18 = 88; 二类村前 1 名 林边村 89; 社区前 1 名 新华社区 92."""
    doc = _example("township-villages")
    totals = {
        u["unit"]: _indicator(u["indicators"][0]) + D(u["inputs"]["satisfaction"])
        for u in _units(doc)
    }
    township = _ranks(totals)
    n = len(totals)
    out: Expected = {}
    for g in doc["groups"]:
        own = _ranks({u["unit"]: totals[u["unit"]] for u in g["units"]})
        advanced = 2 if g["group"] == "一类村" else 1
        for u in g["units"]:
            code = u["unit"]
            if township[code] > n - 2:
                grade = "末位"
            elif own[code] <= advanced:
                grade = "先进"
            else:
                grade = "达标"
            out[code] = (totals[code], grade, None)
    return out


# -- 只按分数段发放 -------------------------------------------------------------------------------


def naive_staff_pay_bands() -> Expected:
    """P02 李华 by hand: (60 + 61 + 61) / 3 = 60.666… + 24 + 志愿服务 1 × 0.5 = 85.1666…, 只在总分
    保留一位小数 → 85.2 ≥ 85 → 全额发放. P05 陈静: 53 + 26 + 1 = 80.0 → 80 分至 85 分, 扣发5%.
    P07 周婷: 50 人次 × 0.5 = 25, 不设上限: 62.333… + 22 + 25 = 109.3."""
    out: Expected = {}
    for u in _units(_example("staff-pay-bands")):
        work = _indicator(u["indicators"][0], rounded=False)
        times = sum(b["occurrences"] for b in u.get("bonuses", []))
        total = (work + D(u["inputs"]["review"]) + D("0.5") * times).quantize(
            D("0.1"), rounding=ROUND_HALF_UP
        )
        band = "全额发放" if total >= 85 else "扣发5%" if total >= 80 else "扣发10%"
        out[u["unit"]] = (total, None, band)
    return out


# -- 一票否决, 名次递补 -----------------------------------------------------------------------------


def naive_county_veto() -> Expected:
    """K02 丰泽区 96 × 60% + 92 × 20% + 90 × 20% + 国家级推广 3 = 97.0, 第 1 名, 但一票否决: 取消
    评先评优资格, 名次由下一名递补 → 优秀是 鲤城区 94.6、洛江区 91.8、晋江市 90.8 (没有否决时
    晋江市第 4 名, 只是良好); 良好递补到 石狮市、泉港区、惠安县 (泉港区与惠安县同为 88.5, 按目标
    考评 55.2 > 54.0 排序); 丰泽区最高只能评为一般, 考核奖仍按 97.0 分全额发放.
    安溪县 察访扣 4, 最多扣 3: 82.6 − 3 = 79.6."""
    rows = []
    for u in _units(_example("county-veto")):
        target = _r2(_indicator(u["indicators"][0]) * D("0.6"))
        total = (
            target
            + _r2(D(u["inputs"]["leader_score"]) * D("0.2"))
            + _r2(D(u["public_score"]) * D("0.2"))
            + min(
                sum((D(3) if b["level"] == "nation" else D(2) for b in u.get("bonuses", [])), D(0)),
                D(3),
            )
            - min(sum((D(d["points"]) for d in u.get("deductions", [])), D(0)), D(3))
        )
        rows.append((u["unit"], total, target, "veto" in u.get("flags", {})))
    eligible = sorted((r for r in rows if not r[3]), key=lambda r: (-r[1], -r[2]))
    place = {code: i + 1 for i, (code, *_rest) in enumerate(eligible)}
    out: Expected = {}
    for code, total, _target, vetoed in rows:
        if total < 70:
            grade = "较差"
        elif vetoed:
            grade = "一般"
        elif place[code] <= 3:
            grade = "优秀"
        elif place[code] <= 6:
            grade = "良好"
        else:
            grade = "一般"
        band = "全额" if total >= 90 else "按95%发放" if total >= 80 else "按90%发放"
        out[code] = (total, grade, band)
    return out


NAIVE = {
    "township-1000": naive_township_1000,
    "sections-deduction-100": naive_sections_deduction_100,
    "township-villages": naive_township_villages,
    "staff-pay-bands": naive_staff_pay_bands,
    "county-veto": naive_county_veto,
}


@pytest.mark.parametrize("name", sorted(NAIVE))
def test_engine_agrees_with_a_naive_computation(name: str) -> None:
    """Every unit of the example: the engine's total, grade and pay band are the clerk's."""
    assert _engine(name) == NAIVE[name]()


def test_hand_computed_units() -> None:
    """The docstrings' hand computations, as numbers."""
    t = _engine("township-1000")
    assert t["T01"] == (D(759), "一等", None) and t["T03"] == (D(435), "末位", None)
    s = _engine("sections-deduction-100")
    assert s["S01"][:2] == (D("96.5"), "优秀") and s["S02"][:2] == (D(80), "合格")
    assert s["S04"][:2] == (D(88), "合格")
    v = _engine("township-villages")
    assert {u for u, (_, grade, _) in v.items() if grade == "末位"} == {"V22", "C32"}
    assert {u for u, (_, grade, _) in v.items() if grade == "先进"} == {"V12", "V11", "V24", "C31"}
    p = _engine("staff-pay-bands")
    assert p["P02"] == (D("85.2"), None, "全额发放") and p["P05"] == (D("80.0"), None, "扣发5%")
    assert p["P07"][0] == D("109.3")
    c = _engine("county-veto")
    assert c["K02"] == (D("97.00"), "一般", "全额")
    assert {u for u, (_, grade, _) in c.items() if grade == "优秀"} == {"K01", "K03", "K06"}
    assert c["K09"][0] == D("79.6")


def test_the_veto_explains_whose_places_pass_on() -> None:
    """The vetoed unit's explanation names what it loses; the units that moved up say that the
    ranking of their rule left the vetoed unit out."""
    scheme = load_scheme(SCHEMES / "county-veto.yaml")
    results = evaluate(scheme, load_inputs(SCHEMES / "county-veto.example.json", scheme))
    k02, k06 = results.unit("K02"), results.unit("K06")
    assert k02.grade_before_flags_label == "优秀"
    assert any("取消优秀、良好资格（名次由下一名递补）" in line for line in k02.explanation)
    assert any("最高只能评为一般" in line for line in k02.explanation)
    assert (
        "排名 4/11，组内（县（市、区））排名 3/10（一票否决单位不参与此项排名），前 3 名 → 优秀"
        in (k06.explanation)
    )


def test_the_township_bottom_names_its_ranking() -> None:
    """末位 is decided over the whole township, and the explanation says so."""
    scheme = load_scheme(SCHEMES / "township-villages.yaml")
    results = evaluate(scheme, load_inputs(SCHEMES / "township-villages.example.json", scheme))
    c32 = results.unit("C32")
    assert "排名 3/3，全部考评组排名 11/12，后 2 名 → 末位" in c32.explanation


def test_every_shipped_scheme_loads_and_evaluates_its_example() -> None:
    """Every YAML file of config/schemes/ is valid and has an example that evaluates."""
    files = sorted(SCHEMES.glob("*.yaml"))
    assert len(files) >= 6
    for path in files:
        scheme = load_scheme(path)
        example = path.with_suffix(".example.json")
        assert example.is_file(), f"{path.name} has no example input"
        results = evaluate(scheme, load_inputs(example, scheme))
        assert results.units
        assert set(NAIVE) | {"quanzhou-2021"} >= {path.stem}, f"{path.stem} has no naive check"


def test_example_inputs_name_their_scheme() -> None:
    for path in sorted(Path(SCHEMES).glob("*.example.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert doc["scheme"] == path.name.removesuffix(".example.json")
