"""/api/v1 routes of results: close a group's evaluation, read and rerun its results, flags,
publish, Excel; a unit's own result. Parse, one service call, answer."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO
from typing import Any

from flask import g, jsonify, request, send_file

from wfapp.api.results_schemas import CancelFlagIn, CloseEvaluationIn, FlagIn, PublishIn, RescoreIn
from wfapp.api.routes import bp, parse, token_required
from wfapp.api.schemas import iso
from wfapp.api.year_schemas import user_ref
from wfapp.models import ResultFlag, ResultVersion, UnitResult
from wfapp.services import evidence, results
from wfapp.services.errors import Invalid, Problem


def _num(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def row_out(r: UnitResult, *, explanation: bool = True) -> dict[str, Any]:
    out = {
        "plan_id": r.plan_id,
        "unit": r.unit.name,
        "rank": r.rank,
        "group_size": r.group_size,
        "total": str(r.total),
        "components": r.components,
        "grade_before_flags": r.grade_before_flags,
        "grade_before_flags_label": r.grade_before_flags_label,
        "grade": r.grade,
        "grade_label": r.grade_label,
        "flags": r.flags,
        "reward_factor": _num(r.reward_factor),
        "reward_factor_before_flags": _num(r.reward_factor_before_flags),
        "pay": None
        if r.pay_label is None
        else {"label": r.pay_label, "factor": _num(r.pay_factor)},
    }
    if explanation:
        out["explanation"] = r.explanation
    return out


def version_out(v: ResultVersion) -> dict[str, Any]:
    return {
        "version": v.version,
        "group_id": v.group_id,
        "scheme": v.scheme_name,
        "reason": v.reason,
        "forced_reason": v.forced_reason,
        "created_by": user_ref(v.created_by),
        "created_at": iso(v.created_at),
        "published_at": iso(v.published_at),
        "published_by": user_ref(v.published_by),
    }


def flag_out(f: ResultFlag) -> dict[str, Any]:
    return {
        "id": f.id,
        "plan_id": f.plan_id,
        "kind": f.kind,
        "reason": f.reason,
        "evidence_id": f.evidence_id,
        "cancels": f.cancels_id,
        "created_by": user_ref(f.created_by),
        "created_at": iso(f.created_at),
    }


def _group_out(view: results.GroupResults) -> dict[str, Any]:
    return {
        "group": {"id": view.group.id, "name": view.group.name},
        "version": version_out(view.version) if view.version else None,
        "versions": [version_out(v) for v in view.versions],
        "published": view.published,
        "items": [
            {
                **row_out(c.row),
                "previous": (
                    {"total": str(c.before.total), "rank": c.before.rank, "grade": c.before.grade}
                    if c.before
                    else None
                ),
                "changed": c.changed if view.previous else False,
            }
            for c in view.changes
        ],
        "flags": [flag_out(f) for kinds in view.flags.values() for f in kinds.values()],
    }


@bp.post("/programs/<int:program_id>/groups/<int:group_id>/close-evaluation")
@token_required
def close_evaluation(program_id: int, group_id: int):
    body = parse(CloseEvaluationIn)
    v = results.close_evaluation(g.api_user, program_id, group_id, body.force_reason)
    return jsonify(_group_out(results.group_results(g.api_user, program_id, group_id, v.version)))


@bp.get("/programs/<int:program_id>/groups/<int:group_id>/results")
@token_required
def group_results(program_id: int, group_id: int):
    version = request.args.get("version", type=int)
    return jsonify(_group_out(results.group_results(g.api_user, program_id, group_id, version)))


@bp.post("/programs/<int:program_id>/groups/<int:group_id>/results/rescore")
@token_required
def rescore(program_id: int, group_id: int):
    body = parse(RescoreIn)
    v = results.rescore(g.api_user, program_id, group_id, body.reason)
    return jsonify(_group_out(results.group_results(g.api_user, program_id, group_id, v.version)))


@bp.post("/programs/<int:program_id>/groups/<int:group_id>/results/publish")
@token_required
def publish(program_id: int, group_id: int):
    body = parse(PublishIn)
    v = results.publish(g.api_user, program_id, group_id, body.version)
    return jsonify(_group_out(results.group_results(g.api_user, program_id, group_id, v.version)))


@bp.get("/programs/<int:program_id>/groups/<int:group_id>/results.xlsx")
@token_required
def results_excel(program_id: int, group_id: int):
    version = request.args.get("version", type=int)
    name, data = results.export_excel(g.api_user, program_id, group_id, version)
    return send_file(
        BytesIO(data), mimetype=results.XLSX_MIME, as_attachment=True, download_name=name
    )


@bp.post("/plans/<int:plan_id>/result-flags")
@token_required
def add_flag(plan_id: int):
    """JSON naming an evidence file of the plan, or multipart with the file itself."""
    if request.mimetype == "multipart/form-data":
        file = request.files.get("file")
        kind, reason = request.form.get("kind", ""), request.form.get("reason", "")
        upload = evidence.Upload(file.filename or "", file.stream) if file else None
        if upload is None:
            raise Invalid("请附佐证材料", [Problem("file", "请附佐证材料")])
        flag = results.add_flag(g.api_user, plan_id, kind, reason, upload=upload)
    else:
        body = parse(FlagIn)
        flag = results.add_flag(
            g.api_user, plan_id, body.kind, body.reason, evidence_id=body.evidence_id
        )
    return jsonify(flag_out(flag)), 201


@bp.post("/result-flags/<int:flag_id>/cancel")
@token_required
def cancel_flag(flag_id: int):
    body = parse(CancelFlagIn)
    return jsonify(flag_out(results.cancel_flag(g.api_user, flag_id, body.reason))), 201


@bp.get("/plans/<int:plan_id>/result")
@token_required
def own_result(plan_id: int):
    """The unit's own result once published (the office: the latest version)."""
    found = results.unit_result(g.api_user, plan_id)
    if found is None:
        return jsonify({"published": False, "result": None, "version": None})
    return jsonify(
        {
            "published": found.version.published_at is not None,
            "version": found.version.version,
            "result": row_out(found.row),
        }
    )
