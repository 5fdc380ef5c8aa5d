"""The one scheduler: a tick every minute opens scheduled stages, scans reminders and
delivers the outbox. Jobs only call services.

Every STORAGE_SWEEP_INTERVAL_SECONDS the active one also sweeps stored files that no row
names (left by a request killed before its commit).

`wfapp scheduler` runs it in the foreground (BlockingScheduler); `wfapp serve` runs it in
a background thread for the embedded default. create_app never starts one, so gunicorn
workers never do. However many are started, one acts: on PostgreSQL the holder of an
advisory lock, on MariaDB/MySQL of a named lock (GET_LOCK), each kept on a dedicated
connection and freed by the server when the process dies; on SQLite the holder of a lease
row renewed each tick and between messages.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask, current_app
from sqlalchemy import Connection, or_, text, update

from wfapp.database import db, is_mysql
from wfapp.models import SchedulerLease
from wfapp.services import mail, openings, reminders
from wfapp.services.errors import Conflict
from wfapp.services.uow import transaction
from wfapp.storage import maintenance
from wfapp.timeutil import utcnow

log = logging.getLogger(__name__)

TIMEZONE = "Asia/Shanghai"
LOCK_NAME = "scheduler"
# pg_try_advisory_lock takes a bigint; this one is wfapp's.
ADVISORY_KEY = zlib.crc32(b"wfapp-scheduler")
# MariaDB/MySQL named locks are server-wide: the name carries the database's, so two
# wfapp databases on one server each get their scheduler.
SERVER_LOCK_SQL = {
    "postgresql": (
        "SELECT pg_try_advisory_lock(:k)",
        "SELECT pg_advisory_unlock(:k)",
    ),
    "mysql": (
        "SELECT GET_LOCK(CONCAT('wfapp-scheduler:', DATABASE()), 0)",
        "SELECT RELEASE_LOCK(CONCAT('wfapp-scheduler:', DATABASE()))",
    ),
}


@dataclass
class CycleReport:
    opened: int
    scan: reminders.ScanReport
    delivery: mail.DeliveryReport


def run_cycle(
    now: datetime | None = None, keep_going: Callable[[], bool] | None = None
) -> CycleReport:
    """One pass, as if it were `now`: stage openings, the reminder scan, delivery."""
    opened = openings.run_due(now).opened
    scan = reminders.scan(now)
    delivery = mail.deliver(now, keep_going=keep_going)
    return CycleReport(opened, scan, delivery)


class SingletonLock:
    """Held by at most one process at a time. acquire() is also the renewal."""

    def __init__(self, name: str = LOCK_NAME) -> None:
        self.name = name
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.held = False
        self.fresh = False  # acquired by the last acquire() rather than renewed
        self._conn: Connection | None = None

    @property
    def _server_lock(self) -> tuple[str, str] | None:
        """The (take, free) statements of the server's own lock; None on SQLite."""
        name = db.engine.dialect.name
        return SERVER_LOCK_SQL.get("mysql" if is_mysql(name) else name)

    def acquire(self) -> bool:
        was_held = self.held
        self.held = self._server_acquire() if self._server_lock else self._lease()
        self.fresh = self.held and not was_held
        return self.held

    def keep_going(self) -> bool:
        """Between messages: still ours? (renews the SQLite lease)."""
        return self.acquire()

    def release(self) -> None:
        if self._server_lock:
            if self._conn is not None:
                try:
                    self._conn.execute(text(self._server_lock[1]), {"k": ADVISORY_KEY})
                    self._conn.commit()
                finally:
                    self._conn.close()
                    self._conn = None
        elif self.held:
            with transaction():
                db.session.execute(
                    update(SchedulerLease)
                    .where(SchedulerLease.name == self.name, SchedulerLease.owner == self.owner)
                    .values(expires_at=utcnow())
                )
        self.held = False

    def _server_acquire(self) -> bool:
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT 1"))
                self._conn.commit()
                return True
            except Exception:  # the connection died, and the lock with it
                log.warning("scheduler lock connection lost; trying again")
                self._conn.invalidate()
                self._conn = None
        conn = db.engine.connect()
        take = self._server_lock[0]  # type: ignore[index]  # not None here
        got = conn.execute(text(take), {"k": ADVISORY_KEY}).scalar()
        conn.commit()
        if got:
            self._conn = conn
            return True
        conn.close()
        return False

    def _lease(self) -> bool:
        now = utcnow()
        until = now + timedelta(seconds=int(current_app.config["SCHEDULER_LEASE_SECONDS"]))
        try:
            with transaction():
                row = db.session.get(SchedulerLease, self.name, populate_existing=True)
                if row is None:
                    db.session.add(
                        SchedulerLease(name=self.name, owner=self.owner, expires_at=until)
                    )
                    return True
                takeable = [self.owner]
                if _dead_here(row.owner):
                    takeable.append(row.owner)
                won = db.session.execute(
                    update(SchedulerLease)
                    .where(
                        SchedulerLease.name == self.name,
                        or_(SchedulerLease.owner.in_(takeable), SchedulerLease.expires_at < now),
                    )
                    .values(owner=self.owner, expires_at=until)
                    .execution_options(synchronize_session=False)
                ).rowcount
                return won == 1
        except Conflict:  # another process inserted the row first
            return False


def _dead_here(owner: str) -> bool:
    """A lease left by a process of this host that no longer runs (killed, crashed)."""
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def run_once(now: datetime | None = None) -> CycleReport | None:
    """One cycle under the lock (`wfapp reminders run-once`); None when another holds it."""
    lock = SingletonLock()
    if not lock.acquire():
        return None
    try:
        if lock.fresh:
            mail.release_orphans()
        return run_cycle(now, keep_going=lock.keep_going)
    finally:
        lock.release()


class Worker:
    """What each tick does, in an app context; idle while another process holds the lock."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.lock = SingletonLock()
        self.swept_at: float | None = None  # monotonic time of the last sweep

    def tick(self) -> CycleReport | None:
        with self.app.app_context():
            try:
                if not self.lock.acquire():
                    log.debug("another scheduler holds the lock; idle")
                    return None
                if self.lock.fresh:
                    released = mail.release_orphans()
                    if released:
                        log.warning(
                            "released %s message(s) claimed by a stopped deliverer", released
                        )
                report = run_cycle(keep_going=self.lock.keep_going)
                self._sweep_when_due()
                return report
            except Exception:
                log.exception("scheduler tick failed")
                db.session.rollback()
                return None
            finally:
                db.session.remove()

    def _sweep_when_due(self) -> None:
        every = int(self.app.config["STORAGE_SWEEP_INTERVAL_SECONDS"])
        if self.swept_at is not None and time.monotonic() - self.swept_at < every:
            return
        self.swept_at = time.monotonic()
        try:
            maintenance.sweep()
        except Exception:  # the store is unreachable: mail and reminders must go on
            log.exception("storage sweep failed")
            db.session.rollback()

    def stop(self) -> None:
        with self.app.app_context():
            try:
                self.lock.release()
            finally:
                db.session.remove()


def build_scheduler(
    app: Flask, *, background: bool = False
) -> tuple[BlockingScheduler | BackgroundScheduler, Worker]:
    interval = int(app.config["SCHEDULER_INTERVAL_SECONDS"])
    cls = BackgroundScheduler if background else BlockingScheduler
    scheduler = cls(
        timezone=TIMEZONE,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": interval},
    )
    worker = Worker(app)
    scheduler.add_job(
        worker.tick,
        "interval",
        seconds=interval,
        id="wfapp-cycle",
        next_run_time=datetime.now().astimezone(),
    )
    return scheduler, worker
