"""Counting the SQL statements a piece of code sends: `with count_statements() as n: …`,
then `n.total`. Statements sent inside `n.paused()` are not counted."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from wfapp.database import db


class StatementCount:
    def __init__(self) -> None:
        self.total = 0
        self.statements: list[str] = []
        self._paused = 0

    def _seen(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if not self._paused:
            self.total += 1
            self.statements.append(statement)

    @contextmanager
    def paused(self) -> Iterator[None]:
        self._paused += 1
        try:
            yield
        finally:
            self._paused -= 1


@contextmanager
def count_statements() -> Iterator[StatementCount]:
    counter = StatementCount()
    engine = db.engine
    event.listen(engine, "before_cursor_execute", counter._seen)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", counter._seen)
