"""/api/v1 routes of the year's work: parse, one service call, answer."""

from __future__ import annotations

from datetime import date

from flask import Response, g, jsonify, request
from werkzeug.wsgi import FileWrapper

from wfapp.api.routes import bp, parse, token_required
from wfapp.api.schemas import plan_summary
from wfapp.api.year_schemas import (
    AssignmentIn,
    ChangeRequestIn,
    DecisionIn,
    ExternalIn,
    ProgressIn,
    ReopenIn,
    SelfAssessmentIn,
    SheetIn,
    SignIn,
    assignment_out,
    change_request_out,
    evidence_out,
    external_out,
    report_out,
    self_score_out,
    sheet_out,
    table_version_out,
    user_ref,
)
from wfapp.bounds import accepts_upload
from wfapp.database import db
from wfapp.models import Program, User
from wfapp.services import (
    change_requests,
    evaluation,
    evidence,
    external,
    plans,
    progress,
    self_assessment,
)
from wfapp.services.errors import BadRequest, Invalid, NotFound, Problem


def _upload() -> evidence.Upload:
    file = request.files.get("file")
    if file is None:
        raise BadRequest(
            "请以 multipart/form-data 上传，字段名为 file",
            [Problem("file", "请以 multipart/form-data 上传，字段名为 file")],
        )
    return evidence.Upload(file.filename or "", file.stream)


def download(evidence_id: int, user):
    """Shared with the pages: always an attachment, never sniffed, never inline. The bytes are
    streamed from the store through this app (never a redirect to the store), so these headers
    hold whichever backend keeps the file."""
    row, body = evidence.for_download(user, evidence_id)
    response = Response(
        FileWrapper(body, 64 * 1024), mimetype=row.content_type, direct_passthrough=True
    )
    response.content_length = row.size
    response.set_etag(row.sha256)
    response.make_conditional(request)
    response.headers["Content-Disposition"] = evidence.content_disposition(row)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- evidence ----------------------------------------------------------------------------


@bp.post("/plans/<int:plan_id>/evidence")
@accepts_upload("EVIDENCE_MAX_BYTES")
@token_required
def upload_evidence(plan_id: int):
    return jsonify(evidence_out(evidence.upload(g.api_user, plan_id, _upload()))), 201


@bp.get("/plans/<int:plan_id>/evidence")
@token_required
def list_evidence(plan_id: int):
    plan = plans.get_plan(g.api_user, plan_id)
    return jsonify({"items": [evidence_out(e) for e in evidence.plan_evidence(plan)]})


@bp.get("/evidence/<int:evidence_id>")
@token_required
def get_evidence(evidence_id: int):
    return download(evidence_id, g.api_user)


# --- progress ----------------------------------------------------------------------------


def _period_arg(program: Program) -> str:
    day = request.args.get("date")
    try:
        today = date.fromisoformat(day) if day else None
    except ValueError as exc:
        raise Invalid(
            "日期格式应为 YYYY-MM-DD", [Problem("date", "日期格式应为 YYYY-MM-DD")]
        ) from exc
    return request.args.get("period") or progress.current_period(program, today)


@bp.get("/plans/<int:plan_id>/progress")
@token_required
def get_progress(plan_id: int):
    plan = plans.get_plan(g.api_user, plan_id)
    period = _period_arg(plan.program)
    return jsonify(
        {
            "period": period,
            "items": [report_out(r) for r in progress.reports(plan, period)],
            "gaps": progress.gaps(plan, period),
        }
    )


@bp.post("/plans/<int:plan_id>/progress")
@token_required
def post_progress(plan_id: int):
    body = parse(ProgressIn)
    row = progress.report(
        g.api_user,
        plan_id,
        code=body.indicator,
        period=body.period,
        status=body.status,
        text=body.text,
        evidence_ids=body.evidence_ids,
    )
    return jsonify(report_out(row)), 201


@bp.get("/programs/<int:program_id>/progress-board")
@token_required
def progress_board(program_id: int):
    program = db.session.get(Program, program_id)
    if program is None:
        raise NotFound("未找到该考评项目")
    period = _period_arg(program)
    rows = progress.board(g.api_user, program_id, period)
    return jsonify(
        {
            "period": period,
            "items": [
                {
                    "plan": plan_summary(r.plan),
                    "leaves": r.leaves,
                    "reported": r.reported,
                    "share": str(r.share),
                }
                for r in rows
            ],
        }
    )


# --- change requests ---------------------------------------------------------------------


@bp.get("/plans/<int:plan_id>/change-requests")
@token_required
def list_change_requests(plan_id: int):
    plan = plans.get_plan(g.api_user, plan_id)
    items = change_requests.requests_of(g.api_user, plan)
    return jsonify({"items": [change_request_out(c) for c in items]})


@bp.post("/plans/<int:plan_id>/change-requests")
@token_required
def post_change_request(plan_id: int):
    body = parse(ChangeRequestIn)
    rows = [r.model_dump(exclude_unset=True) for r in body.rows]
    created = change_requests.propose(g.api_user, plan_id, reason=body.reason, rows=rows)
    return jsonify(change_request_out(created)), 201


@bp.get("/change-requests/<int:request_id>")
@token_required
def get_change_request(request_id: int):
    found = change_requests.get_request(g.api_user, request_id)
    actions = change_requests.available_actions(g.api_user, found)
    return jsonify(change_request_out(found, actions))


@bp.post("/change-requests/<int:request_id>/actions/<action>")
@token_required
def act_change_request(request_id: int, action: str):
    body = parse(DecisionIn)
    done = change_requests.act(
        g.api_user, request_id, action, comment=body.comment, version=body.version
    )
    return jsonify(change_request_out(done, change_requests.available_actions(g.api_user, done)))


@bp.get("/plans/<int:plan_id>/table-versions")
@token_required
def list_table_versions(plan_id: int):
    plan = plans.get_plan(g.api_user, plan_id)
    return jsonify({"items": [table_version_out(v) for v in change_requests.table_versions(plan)]})


# --- self-assessment ---------------------------------------------------------------------


def _self_assessment(plan) -> dict:
    entries = self_assessment.entries(g.api_user, plan)
    return {
        "plan": plan_summary(plan),
        "items": [
            {**self_score_out(leaf.code, entries.get(leaf.code)), "weight": str(leaf.weight)}
            for leaf in plan.leaves
        ],
        "missing": [
            leaf.code for leaf in plan.leaves if not (e := entries.get(leaf.code)) or not e.filled
        ],
    }


@bp.get("/plans/<int:plan_id>/self-assessment")
@token_required
def get_self_assessment(plan_id: int):
    return jsonify(_self_assessment(plans.get_plan(g.api_user, plan_id)))


@bp.put("/plans/<int:plan_id>/self-assessment")
@token_required
def put_self_assessment(plan_id: int):
    body = parse(SelfAssessmentIn)
    items = [i.model_dump() for i in body.items]
    self_assessment.save(g.api_user, plan_id, items, body.version)
    return jsonify(_self_assessment(plans.get_plan(g.api_user, plan_id)))


@bp.post("/programs/<int:program_id>/open-self-assessment")
@token_required
def open_self_assessment(program_id: int):
    result = self_assessment.open_for_program(g.api_user, program_id)
    return jsonify(
        {
            "opened": [p.id for p in result.opened],
            "refused": [{"plan_id": p.id, "message": m} for p, m in result.refused],
        }
    )


# --- centralized evaluation --------------------------------------------------------------


@bp.get("/programs/<int:program_id>/evaluator-assignments")
@token_required
def list_assignments(program_id: int):
    items = evaluation.assignments(g.api_user, program_id)
    return jsonify({"items": [assignment_out(a) for a in items]})


@bp.post("/programs/<int:program_id>/evaluator-assignments")
@token_required
def post_assignment(program_id: int):
    body = parse(AssignmentIn)
    ref = body.evaluator
    evaluator = (
        db.session.get(User, ref)
        if isinstance(ref, int)
        else db.session.query(User).filter_by(username=ref).first()
    )
    made = evaluation.assign(
        g.api_user,
        program_id,
        evaluator.id if evaluator else 0,
        group_id=body.group_id,
        plan_id=body.plan_id,
    )
    return jsonify(assignment_out(made)), 201


@bp.delete("/evaluator-assignments/<int:assignment_id>")
@token_required
def delete_assignment(assignment_id: int):
    evaluation.unassign(g.api_user, assignment_id)
    return "", 204


@bp.get("/programs/<int:program_id>/evaluation-status")
@token_required
def evaluation_status(program_id: int):
    groups = evaluation.completeness(g.api_user, program_id)
    return jsonify(
        {
            "groups": [
                {
                    "id": group.id,
                    "name": group.name,
                    "all_signed": done,
                    "plans": [
                        {
                            "plan": plan_summary(ps.plan),
                            "evaluators": [user_ref(u) for u in ps.evaluators],
                            "signed": ps.signed,
                            "complete": ps.complete,
                        }
                        for ps in rows
                    ],
                }
                for group, rows, done in groups
            ]
        }
    )


@bp.get("/evaluation/plans")
@token_required
def my_evaluation_plans():
    return jsonify({"items": [plan_summary(p) for p in evaluation.plans_to_evaluate(g.api_user)]})


def _my_sheet(plan_id: int) -> dict:
    plan = plans.get_plan(g.api_user, plan_id)
    sheet = evaluation.my_sheet(g.api_user, plan)
    actions = evaluation.sheet_actions(g.api_user, sheet, plan)
    if sheet is None:
        return {"id": None, "plan_id": plan.id, "state": "draft", "items": [], "actions": actions}
    return sheet_out(sheet, actions)


@bp.get("/plans/<int:plan_id>/sheet")
@token_required
def get_my_sheet(plan_id: int):
    return jsonify(_my_sheet(plan_id))


@bp.put("/plans/<int:plan_id>/sheet")
@token_required
def put_my_sheet(plan_id: int):
    body = parse(SheetIn)
    evaluation.save_sheet(g.api_user, plan_id, [i.model_dump() for i in body.items], body.version)
    return jsonify(_my_sheet(plan_id))


@bp.post("/plans/<int:plan_id>/sheet/sign")
@token_required
def sign_my_sheet(plan_id: int):
    body = parse(SignIn)
    evaluation.sign_sheet(g.api_user, plan_id, body.version)
    return jsonify(_my_sheet(plan_id))


@bp.get("/plans/<int:plan_id>/sheets")
@token_required
def list_plan_sheets(plan_id: int):
    plan = plans.get_plan(g.api_user, plan_id)
    status = evaluation.sheets_of_plan(g.api_user, plan)
    return jsonify(
        {
            "evaluators": [user_ref(u) for u in status.evaluators],
            "complete": status.complete,
            "items": [sheet_out(s) for s in status.sheets.values()],
        }
    )


@bp.get("/sheets/<int:sheet_id>")
@token_required
def get_sheet(sheet_id: int):
    sheet = evaluation.get_sheet(g.api_user, sheet_id)
    return jsonify(sheet_out(sheet, evaluation.sheet_actions(g.api_user, sheet, sheet.plan)))


@bp.post("/sheets/<int:sheet_id>/reopen")
@token_required
def reopen_sheet(sheet_id: int):
    body = parse(ReopenIn)
    sheet = evaluation.reopen_sheet(g.api_user, sheet_id, body.reason, body.version)
    return jsonify(sheet_out(sheet, evaluation.sheet_actions(g.api_user, sheet, sheet.plan)))


# --- external inputs ---------------------------------------------------------------------


@bp.get("/plans/<int:plan_id>/external")
@token_required
def list_external(plan_id: int):
    plan = plans.get_plan(g.api_user, plan_id)
    entries = external.history(g.api_user, plan)
    return jsonify(
        {
            "effective": [external_out(e) for e in external.effective(plan)],
            "history": [external_out(e) for e in entries],
        }
    )


@bp.post("/plans/<int:plan_id>/external")
@token_required
def post_external(plan_id: int):
    body = parse(ExternalIn)
    entry = external.record(
        g.api_user,
        plan_id,
        kind=body.kind,
        points=body.points,
        reason=body.reason,
        level=body.level,
        occurred_on=body.occurred_on,
        evidence_id=body.evidence_id,
        cancels_id=body.cancels,
        cancel_only=body.cancel_only,
    )
    return jsonify(external_out(entry)), 201
