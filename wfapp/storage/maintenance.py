"""Keeping the store and the database in step: the sweep of objects without a row, and the
move of local files to the object store (`wfapp storage migrate`)."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from wfapp.database import db
from wfapp.models import EvidenceFile
from wfapp.storage import CHUNK, Store, store
from wfapp.storage.local import LocalStore
from wfapp.timeutil import utcnow

log = logging.getLogger(__name__)
BATCH = 500


@dataclass
class SweepReport:
    seen: int = 0
    removed: list[str] = field(default_factory=list)
    aborted_uploads: int = 0


def sweep(now: datetime | None = None, older_than: int | None = None) -> SweepReport:
    """Remove evidence objects that no row names and that are older than the grace period.

    The grace period (STORAGE_SWEEP_AFTER_SECONDS) is far longer than any request, so an
    object whose transaction is still open is never taken for an orphan."""
    now = now or utcnow()
    grace = older_than
    if grace is None:
        grace = int(current_app.config["STORAGE_SWEEP_AFTER_SECONDS"])
    before = now - timedelta(seconds=grace)
    target = store("evidence")
    report = SweepReport()
    page: list[str] = []

    def flush() -> None:
        known = set(
            db.session.scalars(
                select(EvidenceFile.stored_name).where(EvidenceFile.stored_name.in_(page))
            )
        )
        for key in page:
            if key not in known:
                target.delete(key)
                report.removed.append(key)
        page.clear()

    for item in target.listing():
        report.seen += 1
        if item.modified < before:
            page.append(item.key)
            if len(page) >= BATCH:
                flush()
    if page:
        flush()
    abort = getattr(target, "abort_stale_uploads", None)
    if abort is not None:
        report.aborted_uploads = abort(before)
    db.session.rollback()  # read only; end the read transaction
    if report.removed:
        log.warning("swept %s stored file(s) without a database row", len(report.removed))
    return report


@dataclass
class MigrateReport:
    copied: int = 0
    present: int = 0
    missing: list[str] = field(default_factory=list)  # rows whose local file is absent
    corrupt: list[str] = field(default_factory=list)  # local bytes that differ from the row
    removed_local: int = 0


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def migrate(source: LocalStore, target: Store, *, remove_local: bool = False) -> MigrateReport:
    """Copy every evidence row's file from the local folder to `target`; run again, it copies
    only what is still missing there. Each copy is checked against the row's SHA-256 first;
    a local file is deleted only with `remove_local` and once the target holds it whole."""
    report = MigrateReport()
    last_id = 0
    while True:
        rows = db.session.execute(
            select(
                EvidenceFile.id,
                EvidenceFile.stored_name,
                EvidenceFile.size,
                EvidenceFile.sha256,
                EvidenceFile.content_type,
            )
            .where(EvidenceFile.id > last_id)
            .order_by(EvidenceFile.id)
            .limit(BATCH)
        ).all()
        db.session.rollback()
        if not rows:
            return report
        for row in rows:
            last_id = row.id
            path = source.folder / row.stored_name
            there = target.stat(row.stored_name)
            if there is not None and there.size == row.size:
                report.present += 1
            elif not path.is_file():
                report.missing.append(row.stored_name)
                continue
            elif _sha256(path) != row.sha256:
                report.corrupt.append(row.stored_name)
                continue
            else:
                with open(path, "rb") as fh:
                    target.put(row.stored_name, fh, row.size, row.content_type)
                report.copied += 1
            if remove_local and path.is_file():
                path.unlink()
                report.removed_local += 1


@dataclass
class CheckReport:
    rows: int = 0
    objects: int = 0
    missing: list[str] = field(default_factory=list)  # rows without their object
    wrong_size: list[str] = field(default_factory=list)
    unreferenced: int = 0  # objects without a row (the sweep's work)


def check() -> CheckReport:
    """Compare the rows with one listing of the store (after a restore, before going live)."""
    objects = {item.key: item.size for item in store("evidence").listing()}
    report = CheckReport(objects=len(objects))
    referenced: set[str] = set()
    rows = db.session.execute(select(EvidenceFile.stored_name, EvidenceFile.size))
    for name, size in rows:
        report.rows += 1
        referenced.add(name)
        if name not in objects:
            report.missing.append(name)
        elif objects[name] != size:
            report.wrong_size.append(name)
    db.session.rollback()
    report.unreferenced = len(set(objects) - referenced)
    return report
