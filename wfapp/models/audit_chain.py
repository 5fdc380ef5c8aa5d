"""The audit trail's hash chain: each row carries the previous row's hash and
sha256(previous hash + its canonical content); the chain head (one row) holds the last hash
and the length. An edited row no longer matches its hash; a deleted, inserted or reordered
row breaks the link of the row after it; rows cut off the end no longer match the head.

Chain writes are serialized: before a flush inserts audit rows, it updates the head row
(waiting for any other transaction that is writing audit rows), reads the last hash, chains
the new rows in their insert order and moves the head on. The lock is held to commit, so
the next writer chains onto committed rows only, and ids (assigned at INSERT, after the
lock) follow chain order. Without a secret the chain can be recomputed by someone who may
rewrite the whole table: on PostgreSQL the application's role cannot (INSERT and SELECT
only); anyone else is caught by comparing the head hash with one kept elsewhere
(`wfapp audit verify` prints it)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC

from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session

from wfapp.database import insert_unless_present
from wfapp.models.audit import AuditChainHead, AuditEvent
from wfapp.timeutil import utcnow

GENESIS = "0" * 64
HEAD_ID = 1


def canonical(ev: AuditEvent) -> str:
    """The row's content as one string: the same before it is stored and after it is read
    back on either database (JSON keys sorted, data round-tripped, times in UTC)."""
    data = json.loads(json.dumps(ev.data, default=str)) if ev.data is not None else None
    at = ev.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") if ev.at else None
    fields = [
        ev.object_type,
        ev.object_id,
        ev.plan_id,
        ev.actor_id,
        ev.action,
        ev.from_state,
        ev.to_state,
        ev.round,
        ev.comment or "",
        data,
        at,
    ]
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def link(prev_hash: str, ev: AuditEvent) -> str:
    return hashlib.sha256(f"{prev_hash}\n{canonical(ev)}".encode()).hexdigest()


def _lock_head(session: Session) -> AuditChainHead:
    """The head row, locked for this transaction (created on first use)."""
    claim = update(AuditChainHead).where(AuditChainHead.id == HEAD_ID)
    claim = claim.values(length=AuditChainHead.length).execution_options(synchronize_session=False)
    if session.execute(claim).rowcount == 0:
        insert_unless_present(session, AuditChainHead, id=HEAD_ID, last_hash=GENESIS, length=0)
        session.execute(claim)
    head = session.scalars(
        select(AuditChainHead)
        .where(AuditChainHead.id == HEAD_ID)
        .execution_options(populate_existing=True)
    ).one()
    return head


@event.listens_for(Session, "before_flush")
def _chain_new_events(session: Session, _context, _instances) -> None:
    new = [obj for obj in session.new if isinstance(obj, AuditEvent)]
    if not new:
        return
    new.sort(key=lambda obj: inspect(obj).insert_order)
    with session.no_autoflush:
        head = _lock_head(session)
        last = head.last_hash
        for ev in new:
            if ev.at is None:
                ev.at = utcnow()
            ev.prev_hash = last
            ev.hash = last = link(last, ev)
        head.last_hash = last
        head.length = head.length + len(new)


@dataclass
class Finding:
    event_id: int | None
    message: str


def verify(session: Session, batch: int = 1000) -> tuple[int, str, list[Finding]]:
    """(rows checked, last hash, what is wrong): every row against its hash and its link
    to the row before it in id order, and the end of the chain against the head."""
    findings: list[Finding] = []
    last, count = GENESIS, 0
    rows: Iterator[AuditEvent] = session.scalars(
        select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=batch)
    )
    for ev in rows:
        count += 1
        if ev.prev_hash != last:
            findings.append(
                Finding(
                    ev.id,
                    f"第 {count} 条（id={ev.id}）与前一条的链接断开：其前有记录被删除、插入或调换了顺序",
                )
            )
        expected = link(ev.prev_hash or "", ev)
        if ev.hash != expected:
            findings.append(
                Finding(ev.id, f"第 {count} 条（id={ev.id}）的内容与其哈希不符：记录被修改")
            )
        last = ev.hash or expected
    head = session.get(AuditChainHead, HEAD_ID)
    head_hash, head_length = (head.last_hash, head.length) if head else (GENESIS, 0)
    if head_length != count or head_hash != last:
        findings.append(
            Finding(
                None,
                f"链尾与记录不符：链头记有 {head_length} 条、末条哈希 {head_hash[:12]}…，"
                f"表中有 {count} 条、末条哈希 {last[:12]}…（末尾的记录被删除或追加）",
            )
        )
    return count, last, findings
