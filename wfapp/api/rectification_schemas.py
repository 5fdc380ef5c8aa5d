"""Bodies and answers of rectification (整改): items, their actions, the board, the record."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import Field, StrictInt, StrictStr

from wfapp.api.schemas import Body, event_out, iso
from wfapp.api.year_schemas import evidence_out, user_ref
from wfapp.models import AuditEvent, RectificationItem
from wfapp.services import rectification
from wfapp.workflows.rectification import STATE_LABELS

Text = Annotated[StrictStr, Field(max_length=2000)]
Name = Annotated[StrictStr, Field(max_length=200)]
Day = Annotated[date | None, Field(strict=False)]  # "2025-04-30"


class ItemIn(Body):
    """A finding the office records by hand: a due date, or N working days from today."""

    finding: Text
    responsible_department: Name = ""
    responsible_person: Name = ""
    measures: Text = ""
    due_date: Day = None
    due_working_days: StrictInt | None = None
    indicator_code: StrictStr | None = None


class ItemUpdateIn(Body):
    """Only the fields sent change: the unit's (owners, measures, result) or the office's
    (finding, due date)."""

    responsible_department: Name | None = None
    responsible_person: Name | None = None
    measures: Text | None = None
    result_statement: Text | None = None
    finding: Text | None = None
    due_date: Day = None
    due_working_days: StrictInt | None = None
    version: StrictInt | None = None


class ItemActionIn(Body):
    comment: Text = ""
    version: StrictInt | None = None
    result_statement: Text | None = None  # submit: may carry the statement with it


def item_out(
    item: RectificationItem,
    actions: list[str] | None = None,
    history: list[AuditEvent] | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": item.id,
        "plan_id": item.plan_id,
        "program_id": item.program_id,
        "unit": {"id": item.unit.id, "name": item.unit.name},
        "source": {"kind": item.source_kind, "label": item.source_label, "ref": item.source_ref},
        "indicator_code": item.indicator_code,
        "finding": item.finding,
        "responsible_department": item.responsible_department,
        "responsible_person": item.responsible_person,
        "measures": item.measures,
        "due_date": item.due_date.isoformat(),
        "due_working_days": item.due_working_days,
        "overdue": rectification.is_overdue(item),
        "state": item.state,
        "state_label": STATE_LABELS.get(item.state, item.state),
        "result_statement": item.result_statement,
        "evidence": [evidence_out(e) for e in item.evidence],
        "carried_from_id": item.carried_from_id,
        "version": item.version,
        "created_by": user_ref(item.created_by),
        "created_at": iso(item.created_at),
        "submitted_at": iso(item.submitted_at),
        "closed_at": iso(item.closed_at),
    }
    if actions is not None:
        out["actions"] = actions
    if history is not None:
        out["history"] = [event_out(e) for e in history]
    return out


def tally_out(t: rectification.Tally) -> dict[str, Any]:
    return {
        "items": t.items,
        "closed": t.closed,
        "closed_on_time": t.on_time,
        "open": t.open,
        "overdue": t.overdue,
        "closure_rate": None if t.rate is None else str(t.rate),
    }


def board_out(board: rectification.Board) -> dict[str, Any]:
    return {
        "program_id": board.program.id,
        "closed_at": iso(board.program.closed_at),
        "total": tally_out(board.total),
        "groups": [
            {
                "group": {"id": g.group.id, "name": g.group.name},
                "total": tally_out(g.total),
                "units": [
                    {
                        "plan_id": plan.id,
                        "unit": {"id": plan.unit.id, "name": plan.unit.name},
                        "plan_state": plan.state,
                        **tally_out(t),
                    }
                    for plan, t in g.units
                ],
            }
            for g in board.groups
        ],
    }
