"""Scheduled stage openings: on a program's `opens_on` date for a stage, every plan waiting
for it is moved on by the service function registered for that stage.

The registered function does what a person's action does (lock, workflow, audit with the
system as actor, plan_changed); this module only decides when and for which plans, and runs
each plan in its own transaction so one refusal does not hold up the others. Registering is
left to the feature that owns the transition, e.g. self-assessment:

    register_opening("self_assessment", from_state="published", open_plan=open_self_assessment)
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from wfapp.database import db
from wfapp.models import Plan, StageDeadline
from wfapp.services.errors import ServiceError
from wfapp.timeutil import local, utcnow

log = logging.getLogger(__name__)

# open_plan(plan_id, now): fire the opening for one plan; commits itself (a service call).
Opener = Callable[[int, datetime], object]


@dataclass(frozen=True)
class Opening:
    stage: str
    from_state: str
    open_plan: Opener


_REGISTRY: dict[str, Opening] = {}


def register_opening(stage: str, *, from_state: str, open_plan: Opener) -> None:
    _REGISTRY[stage] = Opening(stage, from_state, open_plan)


def unregister_opening(stage: str) -> None:
    _REGISTRY.pop(stage, None)


def registered() -> dict[str, Opening]:
    return dict(_REGISTRY)


@dataclass
class OpeningReport:
    opened: int = 0
    refused: int = 0


def run_due(now: datetime | None = None) -> OpeningReport:
    """Open every registered stage whose date has come, for each plan still waiting."""
    now = now or utcnow()
    today = local(now).date()
    report = OpeningReport()
    for opening in registered().values():
        due_programs = select(StageDeadline.program_id).where(
            StageDeadline.stage == opening.stage,
            StageDeadline.opens_on.is_not(None),
            StageDeadline.opens_on <= today,
        )
        plan_ids = list(
            db.session.scalars(
                select(Plan.id)
                .where(Plan.program_id.in_(due_programs), Plan.state == opening.from_state)
                .order_by(Plan.id)
            )
        )
        for plan_id in plan_ids:
            try:
                opening.open_plan(plan_id, now)
            except ServiceError as exc:  # moved on meanwhile, or a guard refused: say so
                report.refused += 1
                log.warning("opening %s for plan %s refused: %s", opening.stage, plan_id, exc)
                db.session.rollback()
            else:
                report.opened += 1
    return report
