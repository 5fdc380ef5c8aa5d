"""The demo's year, walked through the services as the demo users would, so that a newcomer
sees every page filled: `wfapp demo --through STAGE`.

  published           every demo plan through peer review, 审定 and 批复; progress reports
                      for the first half-year with evidence
  self_assessment     self-assessment opened; units 1–3 have saved theirs (not submitted)
  central_evaluation  every self-assessment submitted; three evaluators' signed sheets (some
                      indicators marked as findings), public scores, a bonus, a deduction
  rectification       the office closed evaluation (scored, graded) and published; plans with
                      findings are in 整改 with their items: some closed, some waiting for the
                      unit or the office, one extended, some overdue
  closed              the next year's program exists; more items closed; the program closed,
                      its open items carried into next year, every demo plan archived

Each stage includes those before it. Every step looks at where the data is and only does what
is still missing, so running it again, or a later stage after an earlier one, is safe.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

from sqlalchemy import select

from wfapp.database import db
from wfapp.models import Plan, Program, RectificationItem, User
from wfapp.models.progress import Period, ProgressStatus
from wfapp.services import (
    evaluation,
    external,
    plans,
    progress,
    rectification,
    results,
    self_assessment,
)
from wfapp.services.demo import PROGRAM_TITLE, YEAR, load_demo
from wfapp.services.evidence import Upload
from wfapp.timeutil import local_today
from wfapp.workflows.plan import S
from wfapp.workflows.rectification import R

STAGES = ("published", "self_assessment", "central_evaluation", "rectification", "closed")
STAGE_LABELS = {
    "published": "公开（含上半年进度报告）",
    "self_assessment": "自评",
    "central_evaluation": "集中考评",
    "rectification": "整改",
    "closed": "归档（未销号事项转入下一年度）",
}

# Each unit's evaluators score this share of every leaf's weight (three evaluators).
SHARES = [
    ("0.96", "0.94", "0.95"),
    ("0.90", "0.92", "0.88"),
    ("0.86", "0.84", "0.85"),
    ("0.80", "0.82", "0.78"),
]
PUBLIC = ["91.5", "88", "86.5", "84"]
CENT = Decimal("0.01")
# Leaves (by position in the table) the first evaluator marks as findings, per unit index;
# unit 2 has none and is archived when evaluation closes.
FINDINGS = {
    0: {1: "台账资料不完整，部分佐证材料缺失", 5: "信息公开不及时"},
    2: {0: "营业收入增长未达到年度目标", 2: "重点项目投资计划完成率偏低", 6: "督办件办结超期"},
    3: {3: "施工安全隐患排查整改不彻底"},
}
# Where each unit's items (in the order they were made) stand after `rectification`, and
# after `closed`. "extended": in progress, the office gave it a later due date. Items left
# open at `closed` are carried into next year.
ITEM_TARGETS = {
    "rectification": {0: ["closed", "open"], 2: ["closed", "submitted", "extended"],
                      3: ["verified", "open"]},
    "closed": {0: ["closed", "closed"], 2: ["closed", "closed", "extended"],
               3: ["closed", "open"]},
}  # fmt: skip
PATH = [R.OPEN, R.IN_PROGRESS, R.SUBMITTED, R.VERIFIED, R.CLOSED]
STEP = {R.OPEN: "start", R.IN_PROGRESS: "submit", R.SUBMITTED: "verify", R.VERIFIED: "close"}


def pdf(title: str) -> bytes:
    """A small, valid one-page PDF (the evidence checks read files by their content)."""
    text = title.encode("ascii", "replace")
    stream = b"BT /F1 14 Tf 72 760 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def _upload(name: str, title: str) -> Upload:
    return Upload(name, BytesIO(pdf(title)))


@dataclass
class _Demo:
    program: Program
    plans: list[Plan]
    office: User

    @staticmethod
    def load() -> _Demo:
        program = db.session.scalars(select(Program).where(Program.title == PROGRAM_TITLE)).one()
        demo_plans = list(
            db.session.scalars(select(Plan).where(Plan.program_id == program.id).order_by(Plan.id))
        )
        return _Demo(program, demo_plans, user("office"))

    def fresh(self, plan: Plan) -> Plan:
        db.session.refresh(plan)
        return plan


def user(username: str) -> User:
    return db.session.scalars(select(User).where(User.username == username)).one()


def liaison(index: int) -> User:
    return user(f"u{index + 1}-liaison")


def through(stage: str) -> Counter[str]:
    """Walk the demo program up to `stage` (see the module's docstring); what was done."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}; one of {', '.join(STAGES)}")
    upto = STAGES.index(stage)
    demo = _Demo.load()
    done: Counter[str] = Counter()
    _publish(demo, done)
    _report_progress(demo, done)
    if upto >= STAGES.index("self_assessment"):
        _self_assess(demo, done, submit=upto >= STAGES.index("central_evaluation"))
    if upto >= STAGES.index("central_evaluation"):
        _evaluate(demo, done)
    if upto >= STAGES.index("rectification"):
        _close_evaluation(demo, done)
        _work_items(demo, done, ITEM_TARGETS["rectification"])
    if upto >= STAGES.index("closed"):
        _work_items(demo, done, ITEM_TARGETS["closed"])
        _close_program(demo, done)
    return done


def to_evaluation() -> int:
    """Up to centralized evaluation; how many plans left their draft on the way."""
    return through("central_evaluation")["published"]


def _publish(demo: _Demo, done: Counter[str]) -> None:
    heads = {p.unit_id: user(f"u{i + 1}-head") for i, p in enumerate(demo.plans)}
    for index, plan in enumerate(demo.plans):
        if plan.state != S.DRAFT:
            continue
        n = index + 1
        plans.fire(heads[plan.unit_id], plan.id, "submit")
        for peer in plan.peer_assignments:
            plans.fire(heads[peer.reviewer_unit_id], plan.id, "peer_approve", comment="同意")
        plans.fire(user("leader1"), plan.id, "leader_approve", comment="同意")
        plans.fire(
            demo.office, plan.id, "office_approve", approval_number=f"泉绩效办〔{YEAR}〕{n}号"
        )
        done["published"] += 1


def _report_progress(demo: _Demo, done: Counter[str]) -> None:
    """Half-year reports on the first three leaves of each plan, the first with a file."""
    statuses = [ProgressStatus.ON_TRACK, ProgressStatus.DONE, ProgressStatus.AT_RISK]
    for index, plan in enumerate(demo.plans):
        if plan.state not in (S.PUBLISHED, S.SELF_ASSESSMENT) or progress.reports(plan):
            continue
        for k, (leaf, status) in enumerate(zip(plan.leaves, statuses, strict=False)):
            progress.report(
                liaison(index),
                plan.id,
                code=leaf.code,
                period=Period.H1,
                status=status,
                text="上半年已完成年度任务的六成，台账已同步更新"
                if status != ProgressStatus.AT_RISK
                else "受项目审批进度影响，进度略滞后，已制定赶进度措施",
                uploads=[_upload(f"{leaf.code}上半年工作台账.pdf", f"H1 ledger {leaf.code}")]
                if k == 0
                else [],
            )
            done["progress_reports"] += 1


def _self_assess(demo: _Demo, done: Counter[str], *, submit: bool) -> None:
    self_assessment.open_for_program(demo.office, demo.program.id)
    for index, plan in enumerate(demo.plans):
        demo.fresh(plan)
        if plan.state != S.SELF_ASSESSMENT:
            continue
        clerk = liaison(index)
        # Unit 4 has not started its self-assessment until it must be submitted.
        if not self_assessment.entries(clerk, plan) and (submit or index < 3):
            mean = sum(Decimal(s) for s in SHARES[index % 4]) / 3
            items = [
                {
                    "code": leaf.code,
                    "score": str((leaf.weight * mean).quantize(CENT)),
                    "explanation": "已按计划完成，详见工作台账",
                }
                for leaf in plan.leaves
            ]
            self_assessment.save(clerk, plan.id, items)
            done["self_assessments_saved"] += 1
        if submit:
            plans.fire(clerk, plan.id, "submit_self_assessment")
            done["self_assessments_submitted"] += 1


def _evaluate(demo: _Demo, done: Counter[str]) -> None:
    evaluators = [user(f"evaluator{k}") for k in (1, 2, 3)]
    group = demo.plans[0].group
    assigned = {a.evaluator_id for a in evaluation.assignments(demo.office, demo.program.id)}
    for ev in evaluators:
        if ev.id not in assigned:
            evaluation.assign(demo.office, demo.program.id, ev.id, group_id=group.id)
    for index, plan in enumerate(demo.plans):
        if demo.fresh(plan).state != S.CENTRAL_EVALUATION:
            continue
        for k, (ev, share) in enumerate(zip(evaluators, SHARES[index % 4], strict=True)):
            sheet = evaluation.sheet_of(plan, ev)
            if sheet is not None and sheet.state == "signed":
                continue
            marked = FINDINGS.get(index, {}) if k == 0 else {}
            items = [
                {
                    "code": leaf.code,
                    "score": str((leaf.weight * Decimal(share)).quantize(CENT)),
                    "comment": marked.get(position, ""),
                    "finding": position in marked,
                }
                for position, leaf in enumerate(plan.leaves)
            ]
            evaluation.save_sheet(ev, plan.id, items)
            evaluation.sign_sheet(ev, plan.id)
            done["sheets_signed"] += 1
        _external(demo, index, plan, done)


def _external(demo: _Demo, index: int, plan: Plan, done: Counter[str]) -> None:
    if not external.effective(plan, "public_score"):
        external.record(user("surveyor"), plan.id, kind="public_score", points=PUBLIC[index % 4])
        done["external_inputs"] += 1
    if index == 1 and not external.effective(plan, "bonus"):
        external.record(
            demo.office,
            plan.id,
            kind="bonus",
            points="1",
            level="province",
            reason="经验做法获省政府通报表扬",
        )
        done["external_inputs"] += 1
    if index == 3 and not external.effective(plan, "deduction"):
        external.record(
            user("inspector"),
            plan.id,
            kind="deduction",
            points="1",
            reason="暗访发现窗口工作人员脱岗",
            occurred_on=date(YEAR + 1, 1, 8),
        )
        done["external_inputs"] += 1


def _close_evaluation(demo: _Demo, done: Counter[str]) -> None:
    """Close the group's evaluation (scoring it) and publish its results."""
    group = demo.plans[0].group
    if any(demo.fresh(p).state == S.CENTRAL_EVALUATION for p in demo.plans):
        results.close_evaluation(demo.office, demo.program.id, group.id)
        done["groups_scored"] += 1
    latest = results.latest_version(group)
    if latest is not None and latest.published_at is None:
        results.publish(demo.office, demo.program.id, group.id)
        done["results_published"] += 1


def _work_items(demo: _Demo, done: Counter[str], targets: dict[int, list[str]]) -> None:
    if demo.program.closed_at is not None:
        return
    for index, plan in enumerate(demo.plans):
        items = db.session.scalars(
            select(RectificationItem)
            .where(RectificationItem.plan_id == plan.id)
            .order_by(RectificationItem.id)
        ).all()
        for item, target in zip(items, targets.get(index, []), strict=False):
            _advance(demo, index, item, target, done)


def _advance(demo: _Demo, index: int, item: RectificationItem, target: str, done) -> None:
    """Move the item along open → … → closed until it reaches `target`, as the unit and the
    office would: start, result and evidence, submit, verify, close."""
    clerk = liaison(index)
    if target == "extended":
        target = R.IN_PROGRESS
        if item.due_date < local_today():
            later = local_today() + timedelta(days=60)
            rectification.update_item(demo.office, item.id, {"due_date": later})
            done["items_extended"] += 1
    if item.state == R.OPEN and not item.measures:
        rectification.update_item(
            clerk,
            item.id,
            {"measures": "制定整改方案，明确责任科室和完成时限，逐项对账销号"},
        )
    while PATH.index(R(item.state)) < PATH.index(R(target)):
        action = STEP[R(item.state)]
        actor = clerk if action in ("start", "submit") else demo.office
        if action == "submit":
            if not item.evidence:
                rectification.attach_evidence(
                    clerk, item.id, _upload("整改佐证材料.pdf", f"Rectification {item.id}")
                )
            rectification.act(
                clerk, item.id, "submit", result_statement="已完成整改，相关制度和台账已完善"
            )
        else:
            comment = {"verify": "核验属实", "close": "同意销号"}.get(action, "")
            rectification.act(actor, item.id, action, comment=comment)
        db.session.refresh(item)
        done[f"items_{item.state}"] += 1


def _close_program(demo: _Demo, done: Counter[str]) -> None:
    """Next year's program, then the office archives this one (carrying what is open)."""
    added = load_demo(YEAR + 1)
    done["next_programs"] += added["programs"]
    if demo.program.closed_at is None:
        result = rectification.close_program(demo.office, demo.program.id)
        done["items_carried"] += len(result.carried)
        done["plans_archived"] += len(result.finished)
