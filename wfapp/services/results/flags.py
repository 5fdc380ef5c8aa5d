"""降档 and 一票否决 flags on a unit's result, with reason and evidence, until the group is published."""

from __future__ import annotations

from wfapp.database import db
from wfapp.models import EvidenceScope, FlagKind, Group, Plan, ResultFlag, User
from wfapp.models.results import FLAG_LABELS
from wfapp.permissions import ENTER_FLAGS
from wfapp.services import audit, evidence
from wfapp.services.access import MAX_COMMENT, require
from wfapp.services.errors import Conflict, Invalid, NotFound, Problem
from wfapp.services.results.compute import flags_in_force
from wfapp.services.results.groups import is_published
from wfapp.services.results.scheme import scheme_in_force
from wfapp.services.uow import lock_plan, transaction


def add_flag(
    user: User,
    plan_id: int,
    kind: str,
    reason: str,
    *,
    evidence_id: int | None = None,
    upload: evidence.Upload | None = None,
) -> ResultFlag:
    """降档 or 一票否决 for a unit (office), with a reason and evidence, before publication.
    It counts from the next scoring (close or rerun)."""
    reason = (reason or "").strip()
    problems = []
    if kind not in {k.value for k in FlagKind}:
        problems.append(Problem("kind", "请选择降档或一票否决"))
    if not reason:
        problems.append(Problem("reason", "请填写事由"))
    elif len(reason) > MAX_COMMENT:
        problems.append(Problem("reason", f"事由不能超过{MAX_COMMENT}字"))
    if evidence_id is None and upload is None:
        problems.append(Problem("file", "请附佐证材料"))
    with evidence.files_removed_on_error() as written, transaction():
        plan = lock_plan(plan_id)
        require(user, ENTER_FLAGS, plan)
        if problems:
            raise Invalid("未录入：请修正标出的字段", problems)
        if is_published(plan.group_id):
            raise Conflict("该考评组的结果已公布，不能再录入降档或一票否决")
        if kind in flags_in_force(Plan.id == plan.id).get(plan.id, {}):
            raise Conflict(f"已有{FLAG_LABELS[FlagKind(kind)]}记录；如需修改请先撤销")
        if kind == FlagKind.VETO:
            grading = scheme_in_force(plan.program).scheme.grading
            if grading is None or grading.veto is None:
                message = "本项目的计分方案没有规定一票否决的等次"
                raise Invalid(message, [Problem("kind", message)])
        proof = None
        if evidence_id is not None:
            proof = next(
                (
                    e
                    for scope in (EvidenceScope.EXTERNAL, EvidenceScope.PLAN)
                    for e in evidence.plan_evidence(plan, scope)
                    if e.id == evidence_id
                ),
                None,
            )
            if proof is None:
                raise Invalid("佐证材料不存在", [Problem("evidence_id", "佐证材料不属于本单位")])
        if upload is not None:
            proof = evidence.store(plan, user, upload, written, EvidenceScope.EXTERNAL)
        assert proof is not None
        flag = ResultFlag(
            plan_id=plan.id, kind=kind, reason=reason, evidence_id=proof.id, created_by_id=user.id
        )
        db.session.add(flag)
        db.session.flush()
        audit.record_event(
            "result_flag",
            flag.id,
            user,
            f"flag_{kind}",
            comment=reason,
            data={"evidence": proof.original_name},
            plan=plan,
        )
    return flag


def cancel_flag(user: User, flag_id: int, reason: str) -> ResultFlag:
    """Cancel a flag (office, before publication): a new row that names it."""
    reason = (reason or "").strip()
    with transaction():
        old = db.session.get(ResultFlag, flag_id)
        if old is None or old.is_cancellation:
            raise NotFound("未找到该记录")
        plan = lock_plan(old.plan_id)
        require(user, ENTER_FLAGS, plan)
        if not reason or len(reason) > MAX_COMMENT:
            message = "请填写撤销理由" if not reason else f"理由不能超过{MAX_COMMENT}字"
            raise Invalid(message, [Problem("reason", message)])
        if is_published(plan.group_id):
            raise Conflict("该考评组的结果已公布，不能再撤销降档或一票否决")
        if old.id not in {
            f.id for f in flags_in_force(Plan.id == plan.id).get(plan.id, {}).values()
        }:
            raise Conflict("该记录已撤销，请刷新后查看")
        flag = ResultFlag(
            plan_id=plan.id, kind=old.kind, reason=reason, cancels_id=old.id, created_by_id=user.id
        )
        db.session.add(flag)
        db.session.flush()
        audit.record_event(
            "result_flag",
            flag.id,
            user,
            f"cancel_{old.kind}",
            comment=reason,
            data={"cancels": old.id},
            plan=plan,
        )
    return flag


def flags_of_group(group: Group) -> dict[int, dict[str, ResultFlag]]:
    return flags_in_force(Plan.group_id == group.id)
