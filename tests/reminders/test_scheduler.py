"""One scheduler acts at a time; its jobs only call services; scheduled stage openings go
through the registered service function for each waiting plan."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from tests.factories import make_plan, make_unit
from wfapp.database import db
from wfapp.models import OutboxMessage, SchedulerLease
from wfapp.scheduler import SingletonLock, Worker, build_scheduler, run_once
from wfapp.services import openings
from wfapp.services.errors import Conflict

from .conftest import at


def test_the_scheduler_is_blocking_in_shanghai_coalesced_one_instance(app):
    """`wfapp scheduler` builds a BlockingScheduler (Asia/Shanghai, coalesce, max 1)."""
    scheduler, _ = build_scheduler(app)
    assert isinstance(scheduler, BlockingScheduler)
    assert str(scheduler.timezone) == "Asia/Shanghai"
    # The in-process variant of `wfapp serve` is built alike; started paused, its job shows
    # the defaults it was given.
    background, _ = build_scheduler(app, background=True)
    assert isinstance(background, BackgroundScheduler)
    background.start(paused=True)
    try:
        (job,) = background.get_jobs()
        assert job.coalesce is True and job.max_instances == 1
    finally:
        background.shutdown(wait=False)


def test_creating_the_app_starts_no_scheduler(app):
    """Web workers (gunicorn) build the app and must not start a scheduler."""
    import threading

    assert not any("APScheduler" in t.name for t in threading.enumerate())


@pytest.mark.server_only
def test_two_schedulers_against_a_database_server_only_one_acts(app, world, smtp):
    """Two schedulers (two sessions): the one with the server's lock (an advisory lock on
    PostgreSQL, GET_LOCK on MariaDB) sends, the other idles; when the first lets go, the
    second takes over."""
    first, second = Worker(app), Worker(app)
    assert first.lock.acquire()
    assert second.tick() is None  # idle: the lock is taken
    assert run_once(at("2024-07-08 09:00")) is None  # so is `reminders run-once`
    assert OutboxMessage.query.count() == 0
    first.stop()
    assert second.lock.acquire()
    assert second.lock.fresh
    second.stop()
    assert run_once(at("2024-07-08 09:00")) is not None
    assert len(smtp.inbox.messages) == 1


@pytest.mark.sqlite_only  # the SQLite lease row
def test_on_sqlite_the_lease_row_keeps_a_second_scheduler_idle(app, world):
    """The lease is held until it expires; a live holder keeps it; an expired one is taken."""
    first, second = SingletonLock(), SingletonLock()
    assert first.acquire() and first.fresh
    assert not second.acquire()
    assert first.acquire() and not first.fresh  # a renewal
    lease = db.session.get(SchedulerLease, "scheduler")
    lease.expires_at = datetime(2000, 1, 1).astimezone()
    db.session.commit()
    assert second.acquire() and second.fresh
    assert not first.acquire()
    second.release()
    assert first.acquire()


@pytest.mark.sqlite_only  # the SQLite lease row
def test_a_lease_left_by_a_dead_process_of_this_host_is_taken_over(app, world):
    """A scheduler killed on this host need not wait for its lease to expire."""
    import socket
    import subprocess
    import sys

    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead_pid = int(finished.stdout)
    db.session.add(
        SchedulerLease(
            name="scheduler",
            owner=f"{socket.gethostname()}:{dead_pid}:deadbeef",
            expires_at=datetime(2999, 1, 1).astimezone(),
        )
    )
    db.session.commit()
    assert SingletonLock().acquire()


# --- scheduled stage openings --------------------------------------------------------------


@pytest.fixture
def opener_calls():
    calls: list[tuple[int, datetime]] = []

    def open_plan(plan_id: int, now: datetime) -> None:
        if plan_id == refused_id[0]:
            raise Conflict("方案已不在可执行此操作的环节")
        calls.append((plan_id, now))

    refused_id = [0]
    real = openings.registered().get("self_assessment")
    openings.register_opening("self_assessment", from_state="published", open_plan=open_plan)
    yield calls, refused_id
    openings.unregister_opening("self_assessment")
    if real is not None:  # put the feature's own opener back for the tests that follow
        openings.register_opening(real.stage, from_state=real.from_state, open_plan=real.open_plan)


def test_a_stage_opens_on_its_date_for_every_waiting_plan(world, opener_calls):
    """On the program's opening date the registered service is called once for each plan
    in the state before the stage; not before the date, not for plans elsewhere."""
    calls, refused = opener_calls
    from wfapp.models import StageDeadline

    world.program.deadlines.append(
        StageDeadline(
            stage="self_assessment", due_date=date(2024, 12, 31), opens_on=date(2024, 11, 1)
        )
    )
    b, e = world.units["B"], make_unit("单位E")
    published = make_plan(world.program, world.group, b, state="published")
    refusing = make_plan(world.program, world.group, e, state="published")
    refused[0] = refusing.id
    db.session.commit()

    assert openings.run_due(at("2024-10-31 23:59")).opened == 0
    report = openings.run_due(at("2024-11-01 00:05"))
    assert (report.opened, report.refused) == (1, 1)
    assert [plan_id for plan_id, _ in calls] == [published.id]  # world.plan is in draft


def test_the_scheduler_cycle_runs_the_openings(world, opener_calls, app):
    """The cycle `wfapp reminders run-once` runs includes the openings."""
    calls, _ = opener_calls
    from wfapp.models import StageDeadline

    world.program.deadlines.append(
        StageDeadline(stage="self_assessment", opens_on=date(2024, 11, 1))
    )
    make_plan(world.program, world.group, world.units["B"], state="published")
    report = run_once(at("2024-11-02 09:00"))
    assert report is not None and report.opened == 1 and len(calls) == 1
