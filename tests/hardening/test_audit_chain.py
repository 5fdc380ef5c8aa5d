"""What no one can do to the audit trail unseen: every row is chained by hash, and
`wfapp audit verify` names the row that an owner of the database edited, deleted, inserted
or moved; the app's own connection cannot switch the append-only guarantees off (SQLite),
and on PostgreSQL the app's role may only SELECT and INSERT audit rows."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import SERVER_DIALECT, SERVER_URL
from wfapp.database import db, schema_owner
from wfapp.models import AuditEvent
from wfapp.models.audit_chain import link
from wfapp.services import audit


def _events(n: int, actor=None) -> list[int]:
    ids = []
    for i in range(n):
        ev = audit.record_event("program", 1, actor, "edit_settings", f"第 {i} 次", {"n": i})
        db.session.commit()
        ids.append(ev.id)
    return ids


def _verify(app) -> tuple[int, str]:
    db.session.remove()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    return result.exit_code, result.output


def _as_owner(*statements: tuple[str, dict]) -> None:
    """Run SQL as the database's owner would, past the append-only triggers."""
    db.session.remove()
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            for sql, params in statements:
                conn.execute(text(sql), params)
            return
    with schema_owner(), db.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER IF EXISTS audit_event_no_update"))
        conn.execute(text("DROP TRIGGER IF EXISTS audit_event_no_delete"))
        for sql, params in statements:
            conn.execute(text(sql), params)


@pytest.fixture
def trail(app, world):
    db.session.commit()
    return _events(6, world.office)


def test_an_untouched_trail_verifies(app, trail):
    code, output = _verify(app)
    assert code == 0, output
    assert f"共 {len(trail)} 条" in output


def test_an_edited_row_is_named(app, trail):
    _as_owner(("UPDATE audit_event SET comment = '改过' WHERE id = :id", {"id": trail[2]}))
    code, output = _verify(app)
    assert code == 1
    assert f"id={trail[2]}）的内容与其哈希不符" in output


def test_an_edit_that_recomputes_the_rows_own_hash_breaks_the_next_link(app, trail):
    ev = db.session.get(AuditEvent, trail[2])
    ev_comment = "改过"
    fake = link(ev.prev_hash, _with(ev, comment=ev_comment))
    _as_owner(
        (
            "UPDATE audit_event SET comment = :c, hash = :h WHERE id = :id",
            {"c": ev_comment, "h": fake, "id": trail[2]},
        )
    )
    code, output = _verify(app)
    assert code == 1
    assert f"id={trail[3]}）与前一条的链接断开" in output


def _with(ev: AuditEvent, **changes):
    from types import SimpleNamespace

    fields = {c.key: getattr(ev, c.key) for c in AuditEvent.__table__.columns}
    return SimpleNamespace(**{**fields, **changes})


def test_a_deleted_row_is_named_by_the_row_after_it(app, trail):
    _as_owner(("DELETE FROM audit_event WHERE id = :id", {"id": trail[1]}))
    code, output = _verify(app)
    assert code == 1
    assert f"id={trail[2]}）与前一条的链接断开" in output


def test_rows_cut_off_the_end_are_noticed(app, trail):
    _as_owner(("DELETE FROM audit_event WHERE id >= :id", {"id": trail[-2]}))
    code, output = _verify(app)
    assert code == 1
    assert "链尾与记录不符" in output


def test_reordered_rows_are_noticed(app, trail):
    """Two rows swap places (content and hashes together): their links no longer hold."""
    a, b = (db.session.get(AuditEvent, i) for i in (trail[1], trail[3]))
    swap = (
        "UPDATE audit_event SET comment = :c, data = :d, prev_hash = :p, hash = :h WHERE id = :id"
    )
    import json

    _as_owner(
        (
            swap,
            {"c": b.comment, "d": json.dumps(b.data), "p": b.prev_hash, "h": b.hash, "id": a.id},
        ),
        (
            swap,
            {"c": a.comment, "d": json.dumps(a.data), "p": a.prev_hash, "h": a.hash, "id": b.id},
        ),
    )
    code, output = _verify(app)
    assert code == 1
    assert "链接断开" in output


def test_an_inserted_row_is_noticed(app, trail):
    """A forged row, even with a correct hash onto the last row, does not match the head."""
    last = db.session.get(AuditEvent, trail[-1])
    forged = _with(last, id=trail[-1] + 1, comment="伪造")
    _as_owner(
        (
            "INSERT INTO audit_event (id, object_type, object_id, action, comment, data, at, "
            "prev_hash, hash) VALUES (:id, 'program', 1, :a, '伪造', :d, :at, :p, :h)",
            {
                "id": trail[-1] + 1,
                "a": last.action,
                "d": '{"n": 5}',
                "at": last.at,
                "p": last.hash,
                "h": link(last.hash, forged),
            },
        )
    )
    code, output = _verify(app)
    assert code == 1
    assert "链尾与记录不符" in output


def test_concurrent_writers_keep_one_linear_chain(app, world):
    """Four threads each write audit rows at once; the chain still verifies."""
    db.session.commit()
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            with app.app_context():
                for i in range(5):
                    audit.record_event("program", 1, None, "edit_settings", f"{n}-{i}")
                    db.session.commit()
                db.session.remove()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    code, output = _verify(app)
    assert code == 0, output
    assert "共 20 条" in output


@pytest.mark.skipif(bool(SERVER_URL), reason="SQLite's own guards")
@pytest.mark.parametrize(
    "attack",
    [
        "REPLACE INTO audit_event (id, object_type, object_id, action, comment, at) "
        "VALUES (:id, 'plan', 1, 'x', '改写', CURRENT_TIMESTAMP)",
        "DROP TRIGGER audit_event_no_update",
        "DROP TABLE audit_event",
        "ALTER TABLE audit_event RENAME TO gone",
        "PRAGMA recursive_triggers = OFF",
    ],
)
def test_the_apps_sqlite_connection_cannot_rewrite_the_trail(app, trail, attack):
    """On SQLite REPLACE INTO rewrote audit rows past the triggers and DROP TRIGGER was
    allowed to the app."""
    before = [(e.id, e.comment) for e in db.session.query(AuditEvent).order_by(AuditEvent.id)]
    with pytest.raises(Exception, match=r"append-only|not authorized"):
        db.session.execute(text(attack), {"id": trail[0]})
    db.session.rollback()
    after = [(e.id, e.comment) for e in db.session.query(AuditEvent).order_by(AuditEvent.id)]
    assert after == before
    assert _verify(app)[0] == 0


@pytest.mark.skipif(SERVER_DIALECT != "postgresql", reason="needs PostgreSQL roles")
def test_the_apps_postgresql_role_may_only_select_and_insert_audit_rows(app, trail):
    """On PostgreSQL the app's user owned the table: TRUNCATE, DISABLE TRIGGER and
    session_replication_role all worked. The restricted role `wfapp grant-app-role` sets up
    can read and append, and nothing else."""
    from wfapp.cli_security import grant_statements

    role = f"wfapp_app_{uuid.uuid4().hex[:8]}"
    db.session.remove()
    with db.engine.begin() as conn:
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
        for statement in grant_statements(role):
            conn.execute(text(statement))
    restricted = create_engine(make_url(SERVER_URL).set(username=role, password=None))
    attacks = [
        "TRUNCATE audit_event",
        "UPDATE audit_event SET comment = 'x'",
        "DELETE FROM audit_event",
        "ALTER TABLE audit_event DISABLE TRIGGER ALL",
        "SET session_replication_role = replica",
        "DROP TABLE audit_event",
    ]
    try:
        with restricted.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM audit_event")).scalar() == len(trail)
            for attack in attacks:
                with pytest.raises(Exception, match=r"permission denied|must be owner"):
                    conn.execute(text(attack))
                conn.rollback()
            conn.execute(
                text(
                    "INSERT INTO audit_event (object_type, object_id, action, comment, at) "
                    "VALUES ('plan', 1, 'x', '', now())"
                )
            )
            conn.rollback()
    finally:
        restricted.dispose()
        with db.engine.begin() as conn:
            conn.execute(text(f'DROP OWNED BY "{role}"'))
            conn.execute(text(f'DROP ROLE "{role}"'))
    assert _verify(app)[0] == 0
