"""Bodies and answers of the year's work: progress, evidence, change requests,
self-assessment, evaluation sheets and external inputs."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import Field, StrictBool, StrictFloat, StrictInt, StrictStr

from wfapp.api.schemas import Body, IndicatorIn, iso
from wfapp.models import (
    ChangeRequest,
    EvaluationSheet,
    EvaluatorAssignment,
    EvidenceFile,
    ExternalEntry,
    ProgressReport,
    SelfScore,
    TableVersion,
    User,
)
from wfapp.services.scores import fmt_points

Points = StrictStr | StrictInt | StrictFloat
Periods = Literal["Q1", "Q2", "Q3", "Q4", "H1", "year"]


class ProgressIn(Body):
    indicator: StrictStr
    period: Periods
    status: Literal["on_track", "at_risk", "done", "behind"]
    text: StrictStr = Field(max_length=2000)
    evidence_ids: list[StrictInt] = []


class ChangeRow(IndicatorIn):
    """A proposed row: for an existing code only the fields sent change."""

    category: Literal["key", "regular", "dynamic", "capacity"] | None = None  # type: ignore[assignment]
    weight: Points | None = None  # type: ignore[assignment]


class ChangeRequestIn(Body):
    reason: StrictStr = Field(max_length=2000)
    rows: list[ChangeRow]


class DecisionIn(Body):
    comment: StrictStr = Field(default="", max_length=2000)
    version: StrictInt | None = None


class SelfScoreIn(Body):
    code: StrictStr
    score: Points | None = None
    explanation: StrictStr = ""
    evidence_ids: list[StrictInt] = []


class SelfAssessmentIn(Body):
    items: list[SelfScoreIn]
    version: StrictInt | None = None


class AssignmentIn(Body):
    evaluator: StrictStr | StrictInt
    group_id: StrictInt | None = None
    plan_id: StrictInt | None = None


class SheetItemIn(Body):
    code: StrictStr
    score: Points | None = None
    comment: StrictStr = ""
    finding: StrictBool = False


class SheetIn(Body):
    items: list[SheetItemIn]
    version: StrictInt | None = None


class SignIn(Body):
    version: StrictInt | None = None


class ReopenIn(Body):
    reason: StrictStr = Field(max_length=2000)
    version: StrictInt | None = None


class ExternalIn(Body):
    kind: Literal["public_score", "bonus", "deduction"]
    points: Points | None = None
    reason: StrictStr = Field(default="", max_length=2000)
    level: Literal["county", "city", "province", "national"] | None = None
    occurred_on: Annotated[date | None, Field(strict=False)] = None  # "2024-09-12"
    evidence_id: StrictInt | None = None
    cancels: StrictInt | None = None
    cancel_only: StrictBool = False


# --- answers -------------------------------------------------------------------------------


def user_ref(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.id, "username": user.username, "name": user.display_name}


def evidence_out(e: EvidenceFile) -> dict[str, Any]:
    return {
        "id": e.id,
        "name": e.original_name,
        "kind": e.kind,
        "size": e.size,
        "sha256": e.sha256,
        "uploaded_by": user_ref(e.uploaded_by),
        "uploaded_at": iso(e.uploaded_at),
        "download": f"/api/v1/evidence/{e.id}",
    }


def report_out(r: ProgressReport) -> dict[str, Any]:
    return {
        "id": r.id,
        "indicator": r.indicator_code,
        "period": r.period,
        "status": r.status,
        "text": r.text,
        "evidence": [evidence_out(e) for e in r.evidence],
        "reported_by": user_ref(r.reported_by),
        "reported_at": iso(r.reported_at),
    }


def change_request_out(c: ChangeRequest, actions: list[str] | None = None) -> dict[str, Any]:
    out = {
        "id": c.id,
        "plan_id": c.plan_id,
        "state": c.state,
        "version": c.version,
        "reason": c.reason,
        "rows": c.rows,
        "added": c.added_codes,
        "before": c.before,
        "after": c.after,
        "requested_by": user_ref(c.requested_by),
        "requested_at": iso(c.requested_at),
        "decided_by": user_ref(c.decided_by),
        "decided_at": iso(c.decided_at),
        "decision_comment": c.decision_comment,
        "table_version": c.table_version,
    }
    if actions is not None:
        out["actions"] = actions
    return out


def table_version_out(v: TableVersion) -> dict[str, Any]:
    return {
        "number": v.number,
        "change_request_id": v.change_request_id,
        "created_at": iso(v.created_at),
        "rows": v.rows,
    }


def self_score_out(code: str, s: SelfScore | None) -> dict[str, Any]:
    return {
        "code": code,
        "score": fmt_points(s.score) if s else None,
        "explanation": s.explanation if s else "",
        "evidence": [evidence_out(e) for e in s.evidence] if s else [],
        "filled": bool(s and s.filled),
    }


def assignment_out(a: EvaluatorAssignment) -> dict[str, Any]:
    return {
        "id": a.id,
        "evaluator": user_ref(a.evaluator),
        "group_id": a.group_id,
        "plan_id": a.plan_id,
        "assigned_at": iso(a.assigned_at),
    }


def sheet_out(s: EvaluationSheet, actions: list[str] | None = None) -> dict[str, Any]:
    out = {
        "id": s.id,
        "plan_id": s.plan_id,
        "evaluator": user_ref(s.evaluator),
        "state": s.state,
        "version": s.version,
        "signed_at": iso(s.signed_at),
        "items": [
            {
                "code": i.indicator_code,
                "score": fmt_points(i.score) or None,
                "comment": i.comment,
                "finding": i.finding,
            }
            for i in s.items
        ],
    }
    if actions is not None:
        out["actions"] = actions
    return out


def external_out(e: ExternalEntry) -> dict[str, Any]:
    return {
        "id": e.id,
        "kind": e.kind,
        "points": fmt_points(e.points) or None,
        "reason": e.reason,
        "level": e.level,
        "occurred_on": e.occurred_on.isoformat() if e.occurred_on else None,
        "evidence": evidence_out(e.evidence) if e.evidence else None,
        "cancels": e.cancels_id,
        "is_cancellation": e.is_cancellation,
        "created_by": user_ref(e.created_by),
        "created_at": iso(e.created_at),
    }
