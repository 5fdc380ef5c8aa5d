"""Rectification (整改): findings become items, the unit rectifies them with evidence, the
office verifies and closes them (销号); a plan in 整改 closes by itself with its last item;
closing a program carries its open items into the next program.

Findings (`create_items_from_findings`, run when a plan enters 整改, in that transaction):
  sheet_finding – an indicator some signed evaluation sheet marked as a finding;
  low_score     – an indicator whose mean signed score is below the program's
                  `low_score_threshold` × its weight;
  inspection    – a 察访核验 deduction entry in force;
the office adds others by hand. The same origin (plan, kind, reference) never makes two items.

`record(program)` is each unit's rectification record for the scheme of `program`: the
items of the program before it, how many were closed on time, how many are still open
(following the carry-over: an item is open while its copy in the next program is).

    items     reading items, their due dates, the bounds of their texts
    creation  findings → items (when a plan enters 整改) and items the office adds
    changes   the unit's and the office's changes to one item, and the item workflow's actions
    board     the office's board: tallies per group and unit
    carry     closing a program (open items carried into the next) and the record

Callers use this package's names, not its modules."""

from __future__ import annotations

from wfapp.services.rectification.board import Board, BoardGroup, Tally, board, tallies
from wfapp.services.rectification.carry import (
    RECORD_KEYS,
    CloseResult,
    close_program,
    next_program,
    previous_program,
    record,
    record_by_unit,
)
from wfapp.services.rectification.changes import (
    GUARD_FIELDS,
    OFFICE_FIELDS,
    UNIT_FIELDS,
    act,
    attach_evidence,
    history,
    update_item,
)
from wfapp.services.rectification.creation import (
    Finding,
    add_item,
    collect_findings,
    create_items_from_findings,
    findings,
    init_app,
)
from wfapp.services.rectification.items import (
    MAX_NAME,
    MAX_TEXT,
    MAX_WORKING_DAYS,
    available_actions,
    closed_on_time,
    default_due,
    due_from,
    get_item,
    is_overdue,
    items_of,
    my_items,
)

__all__ = [
    "GUARD_FIELDS",
    "MAX_NAME",
    "MAX_TEXT",
    "MAX_WORKING_DAYS",
    "OFFICE_FIELDS",
    "RECORD_KEYS",
    "UNIT_FIELDS",
    "Board",
    "BoardGroup",
    "CloseResult",
    "Finding",
    "Tally",
    "act",
    "add_item",
    "attach_evidence",
    "available_actions",
    "board",
    "close_program",
    "closed_on_time",
    "collect_findings",
    "create_items_from_findings",
    "default_due",
    "due_from",
    "findings",
    "get_item",
    "history",
    "init_app",
    "is_overdue",
    "items_of",
    "my_items",
    "next_program",
    "previous_program",
    "record",
    "record_by_unit",
    "tallies",
    "update_item",
]
