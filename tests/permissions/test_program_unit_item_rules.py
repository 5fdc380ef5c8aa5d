"""The rules of `authorize` beyond one plan, written out by hand: program-wide actions, a
unit's history across the years, and rectification items (整改) in each of their states,
including once their program is archived. As in test_plan_rules, the expectations restate
the product's rules rather than read them, so widening or narrowing one fails here."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.factories import forget, make_user
from tests.rectification.helpers import make_item, rect_world
from wfapp import permissions as P
from wfapp.database import db
from wfapp.models import Role
from wfapp.permissions import authorize

PEOPLE = [
    "a-liaison",
    "a-head",
    "b-liaison",
    "leader",
    "office",
    "evaluator",
    "inspector",
    "surveyor",
    "admin",
    "d-liaison",
    "other-office",  # the office of another program
]


@pytest.fixture
def world(app):
    world = rect_world()
    world.users["surveyor"] = make_user("surveyor", (Role.SURVEYOR, world.program))
    # A second program with its own office: that office is nobody in the first.
    from tests.factories import make_program

    other = make_program(year=2025, title="2025年度测试考评")
    world.users["other-office"] = make_user("other-office", (Role.OFFICE, other))
    db.session.commit()
    return world


def who(world, action, obj) -> set:
    forget()
    return {name for name in PEOPLE if authorize(world.users[name], action, obj)}


# --- the program ---------------------------------------------------------------------------

OFFICE_ONLY = [
    P.EDIT_CALENDAR,
    P.VIEW_BOARD,
    P.OPEN_SELF_ASSESSMENT,
    P.CLOSE_EVALUATION,
    P.VIEW_RESULTS,
    P.RESCORE,
    P.PUBLISH_RESULTS,
    P.UPLOAD_SCHEME,
    P.CLOSE_PROGRAM,
    P.ASSIGN_EVALUATORS,
]
PROGRAM_RULES = {
    P.VIEW_CALENDAR: set(PEOPLE),  # everyone signed in
    P.VIEW_OUTBOX: {"admin"},
    P.MANAGE: {"office", "admin"},
    **{action: {"office"} for action in OFFICE_ONLY},
}


@pytest.mark.parametrize("action", sorted(PROGRAM_RULES))
def test_program_actions(world, action):
    """The calendar is everyone's, the outgoing mail the admins', the console the office's
    and the admins', everything else the program's own office alone."""
    assert who(world, action, world.program) == PROGRAM_RULES[action]
    assert not authorize(None, action, world.program)


# --- a unit's history ----------------------------------------------------------------------


def test_a_units_history_is_read_by_offices_inspectors_admins_and_its_own(world):
    """Any program's office, 效能办 and admins read every unit's; the unit's own people and
    its leader read their own; a peer unit, an evaluator, 统计局 do not."""
    unit_a, unit_b = world.units["A"], world.units["B"]
    readers = {"office", "other-office", "inspector", "admin"}
    assert who(world, P.VIEW_UNIT_HISTORY, unit_a) == readers | {"a-liaison", "a-head", "leader"}
    assert who(world, P.VIEW_UNIT_HISTORY, unit_b) == readers | {"b-liaison", "leader"}
    assert who(world, P.ENTER_PAST_GRADE, unit_a) == {"office", "other-office"}
    assert not authorize(None, P.VIEW_UNIT_HISTORY, unit_a)


# --- rectification items -------------------------------------------------------------------

ITEM_STATES = ["open", "in_progress", "submitted", "verified", "closed"]
UNIT = {"a-liaison", "a-head"}
ITEM_RULES = {
    P.VIEW: {s: UNIT | {"leader", "office"} for s in ITEM_STATES},
    P.EDIT_ITEM: {"open": UNIT, "in_progress": UNIT},
    P.EDIT_ITEM_TERMS: {s: {"office"} for s in ("open", "in_progress", "submitted", "verified")},
    "start": {"open": UNIT},
    "submit": {"in_progress": UNIT},
    "reject": {"submitted": {"office"}},
    "verify": {"submitted": {"office"}},
    "close": {"verified": {"office"}},
}


@pytest.mark.parametrize("action", sorted(ITEM_RULES))
def test_item_actions_in_each_state(world, action):
    """The unit works on an open item, the office judges a submitted one and sets the terms
    while it is open; the unit's leader and the office read it; nobody else even sees it."""
    item = make_item(world.plan, world.office)
    for state in ITEM_STATES:
        item.state = state
        db.session.commit()
        assert who(world, action, item) == ITEM_RULES[action].get(state, set()), state


def test_nothing_changes_on_an_item_once_its_program_is_archived(world):
    """归档: the item is still read, but no one may act on it any more."""
    item = make_item(world.plan, world.office)
    world.program.closed_at = datetime(2025, 6, 1, tzinfo=UTC)
    db.session.commit()
    for action in ITEM_RULES:
        expected = ITEM_RULES[P.VIEW]["open"] if action == P.VIEW else set()
        assert who(world, action, item) == expected, action
