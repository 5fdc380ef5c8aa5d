"""Closing a program carries its open items into the next program; the unit's record is an
input next year's scheme deducts from."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.factories import make_plan, make_program
from tests.scoring.helpers import group, make_scheme, unit
from wfapp.database import db
from wfapp.models import AuditEvent, Group, Plan, RectificationItem, Role, RoleGrant
from wfapp.scoring import evaluate
from wfapp.services import rectification
from wfapp.services.errors import Conflict, Forbidden

from .helpers import make_item, pdf, rect_world


def _close(world, item) -> None:
    rectification.act(world.a_liaison, item.id, "start")
    rectification.attach_evidence(world.a_liaison, item.id, pdf())
    rectification.act(world.a_liaison, item.id, "submit", result_statement="已整改")
    rectification.act(world.office, item.id, "verify")
    rectification.act(world.office, item.id, "close")


@pytest.fixture
def two_years(app):
    """2024 (unit A's plan in 整改, three items) and 2025 with a plan for units A and B."""
    world = rect_world()
    nxt = make_program(year=2025, title="2025年度测试考评")
    g = Group(program=nxt, name="第一组")
    db.session.add(g)
    world.extra["next_plan"] = make_plan(nxt, g, world.units["A"], state="published")
    make_plan(nxt, g, world.units["B"], state="published")
    world.extra["next"] = nxt
    world.office.grants.append(RoleGrant(role=Role.OFFICE, program_id=nxt.id))
    db.session.commit()
    done = make_item(world.plan, finding="已整改的问题", due_date=date(2099, 1, 1))
    world.extra["open"] = [
        make_item(
            world.plan,
            finding="台账不全",
            measures="补齐台账",
            responsible_person="张三",
            due_date=date(2024, 12, 31),
        ),
        make_item(world.plan, finding="制度未更新", due_date=date(2099, 6, 30)),
    ]
    _close(world, done)  # after the others exist, or the plan would close with it
    return world


def test_closing_a_program_copies_open_items_into_the_next_one(two_years):
    """The office closes 2024: both open items reappear in unit A's 2025 plan, open, linked
    to their origin, with the same finding, owners and measures; the closed one does not."""
    world = two_years
    result = rectification.close_program(world.office, world.program.id, today=date(2025, 3, 3))
    assert len(result.carried) == 2 and result.not_carried == []
    copies = RectificationItem.query.filter_by(program_id=world.extra["next"].id).all()
    origins = {o.id: o for o in world.extra["open"]}
    assert {c.carried_from_id for c in copies} == set(origins)
    for copy in copies:
        origin = origins[copy.carried_from_id]
        assert copy.plan_id == world.extra["next_plan"].id
        assert copy.state == "open"
        assert (copy.finding, copy.measures, copy.responsible_person) == (
            origin.finding,
            origin.measures,
            origin.responsible_person,
        )
    # A copy keeps a due date still ahead; a passed one gets a new period (the calendar's
    # 整改 date of 2025 is not set, so 30 working days from Mon 3 March, 清明 4 April off).
    by_origin = {c.carried_from_id: c for c in copies}
    assert by_origin[world.extra["open"][1].id].due_date == date(2099, 6, 30)
    assert by_origin[world.extra["open"][0].id].due_date == date(2025, 4, 15)
    assert world.program.closed_at is not None
    event = AuditEvent.query.filter_by(object_type="program", action="close_program").one()
    assert event.data["carried"] == 2


def test_a_plan_whose_open_items_were_all_carried_closes_with_the_program(two_years):
    """Unit A's plan had two items open: both now live in 2025, so the 2024 plan is
    archived; the origins stay as they were, linked from their copies."""
    world = two_years
    result = rectification.close_program(world.office, world.program.id, today=date(2025, 3, 3))
    db.session.refresh(world.plan)
    assert world.plan.state == "closed"
    assert [p.id for p in result.finished] == [world.plan.id]
    assert {o.state for o in world.extra["open"]} == {"open"}


def test_a_closed_program_is_read_only_and_is_closed_once(two_years):
    """Can the unit still work on an item of an archived program? No (409); and a second
    closing is refused."""
    world = two_years
    rectification.close_program(world.office, world.program.id, today=date(2025, 3, 3))
    with pytest.raises(Conflict):
        rectification.act(world.a_liaison, world.extra["open"][0].id, "start")
    with pytest.raises(Conflict):
        rectification.close_program(world.office, world.program.id)


def test_only_the_office_closes_a_program(two_years):
    world = two_years
    for user in (world.a_liaison, world.leader, world.evaluator):
        with pytest.raises(Forbidden):
            rectification.close_program(user, world.program.id)
    assert world.program.closed_at is None


def test_the_record_counts_items_closed_on_time_and_still_open(two_years):
    """2025's record of unit A: three items in 2024, one closed on time, two still open;
    closing a carried copy in 2025 takes it off the open count."""
    world = two_years
    result = rectification.close_program(world.office, world.program.id, today=date(2025, 3, 3))
    a = world.units["A"].id
    record = rectification.record(world.extra["next"])
    assert record == {
        a: {
            "rectification_items": 3,
            "rectification_closed_on_time": 1,
            "rectification_open_items": 2,
        }
    }
    _close(world, result.carried[0])
    assert rectification.record(world.extra["next"])[a]["rectification_open_items"] == 1


def test_next_years_scheme_deducts_for_carried_over_open_items(two_years):
    """A scheme with a per_count deduction on rectification_open_items (0.5 each, at most 2)
    takes 1.00 from unit A for its two unclosed items and nothing from unit B."""
    world = two_years
    rectification.close_program(world.office, world.program.id, today=date(2025, 3, 3))
    record = rectification.record(world.extra["next"])
    units = [unit(code, 80, 80, inputs=record.get(world.units[code].id, {})) for code in ("A", "B")]
    results = evaluate(make_scheme(), group(*units))
    assert results.unit("A").component("deduction").raw == Decimal("1.00")
    assert results.unit("A").total == Decimal("79.00")
    assert results.unit("B").total == Decimal("80.00")
    assert any("上年度整改事项未销号" in line for line in results.unit("A").explanation)


def test_items_of_a_unit_without_a_plan_next_year_are_not_carried(app):
    """No 2025 plan for unit A: the item stays with its origin and the result says so."""
    world = rect_world()
    nxt = make_program(year=2025, title="2025年度测试考评")
    db.session.commit()
    item = make_item(world.plan)
    result = rectification.close_program(world.office, world.program.id, today=date(2025, 3, 3))
    assert result.target is not None and result.target.id == nxt.id
    assert result.carried == [] and [i.id for i in result.not_carried] == [item.id]
    db.session.refresh(world.plan)
    assert world.plan.state == "rectification" and result.finished == []


def test_a_plan_in_rectification_with_everything_closed_closes_with_the_program(app):
    """A plan that entered 整改 without findings has nothing to wait for: closing the
    program closes it too."""
    world = rect_world()
    result = rectification.close_program(world.office, world.program.id, today=date(2025, 3, 3))
    db.session.refresh(world.plan)
    assert world.plan.state == "closed"
    assert [p.id for p in result.finished] == [world.plan.id]


def test_next_years_scoring_input_carries_the_record(two_years):
    """Scoring 2025 reads unit A's 2024 record as named inputs of unit A (two items still
    open), and nothing for unit B, which had no items."""
    from wfapp.services.results import assemble

    world = two_years
    rectification.close_program(world.office, world.program.id, today=date(2025, 3, 3))
    nxt_plan = world.extra["next_plan"]
    plans_ = Plan.query.filter_by(group_id=nxt_plan.group_id).all()
    document, _ = assemble(make_scheme(), nxt_plan.group, [(p.id, p.unit.name) for p in plans_])
    by_plan = {u["unit"]: u for u in document["groups"][0]["units"]}
    assert by_plan[str(nxt_plan.id)]["inputs"] == {
        "rectification_items": "3",
        "rectification_closed_on_time": "1",
        "rectification_open_items": "2",
    }
    others = [u for code, u in by_plan.items() if code != str(nxt_plan.id)]
    assert others and all("inputs" not in u for u in others)


def test_a_carried_item_is_no_longer_overdue_and_links_to_its_copy(two_years, client):
    """The origin stays as it was, but it is rectified next year: the closed program's board
    does not count it overdue, and its page links the copy."""
    from tests.pages import Browser, text

    world = two_years
    late = world.extra["open"][0]  # due 2024-12-31
    assert rectification.is_overdue(late, date(2025, 3, 3))
    result = rectification.close_program(world.office, world.program.id, today=date(2025, 3, 3))
    db.session.refresh(late)
    assert not rectification.is_overdue(late, date(2025, 3, 3))
    copy = next(c for c in result.carried if c.carried_from_id == late.id)
    page = text(Browser(client).login(world.a_liaison).get(f"/rectification-items/{late.id}"))
    assert "已转入下年度" in page and f"整改事项 #{copy.id}" in page
