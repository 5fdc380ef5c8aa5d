"""What a refusal must leave alone: every committed row of the database, before and after.

`unchanged()` reads all tables (or the ones named) in a connection of its own, so it sees
only what was committed, runs the block, reads them again and fails naming each table
whose rows differ."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select

from wfapp.database import db

# table → its rows, each as text (JSON columns hold lists and dicts, which do not hash).
Snapshot = dict[str, list[str]]


def snapshot(*tables: str, ignore: tuple[str, ...] = ()) -> Snapshot:
    """Every row of `tables` (all tables when none is named) as committed now, less `ignore`."""
    chosen = [
        t
        for t in db.metadata.sorted_tables
        if (not tables or t.name in tables) and t.name not in ignore
    ]
    assert chosen, f"no such tables: {tables}"
    with db.engine.connect() as conn:
        return {
            t.name: [
                repr(tuple(r)) for r in conn.execute(select(t).order_by(*t.primary_key.columns))
            ]
            for t in chosen
        }


def differences(before: Snapshot, after: Snapshot) -> dict[str, dict[str, list[str]]]:
    out = {}
    for name, rows in before.items():
        old, new = set(rows), set(after[name])
        if old != new:
            out[name] = {"gone": sorted(old - new), "new": sorted(new - old)}
    return out


@contextmanager
def unchanged(*tables: str, ignore: tuple[str, ...] = ()) -> Iterator[None]:
    """Assert that the block commits no change to `tables` (all by default, less `ignore`)."""
    before = snapshot(*tables, ignore=ignore)
    yield
    changed = differences(before, snapshot(*tables, ignore=ignore))
    assert not changed, f"a refusal changed the database: {changed}"
