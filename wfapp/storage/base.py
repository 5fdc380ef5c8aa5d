"""What a store is: the interface every backend (local.py, s3.py) implements."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Protocol

CHUNK = 1024 * 1024


class Missing(LookupError):
    """The store has no object under this key."""


@dataclass(frozen=True)
class Stored:
    key: str
    size: int
    modified: datetime  # aware, UTC


class Store(Protocol):
    """One area's objects. `put` is atomic: a reader sees the whole object or none."""

    def put(self, key: str, source: IO[bytes], size: int, content_type: str) -> None: ...

    def open(self, key: str) -> IO[bytes]:
        """A readable stream of the object (the caller closes it); Missing if absent."""
        ...

    def stat(self, key: str) -> Stored | None: ...

    def delete(self, key: str) -> None:
        """Remove the object; nothing happens when it is absent."""
        ...

    def listing(self) -> Iterator[Stored]:
        """Every object of the area, in pages; unfinished writes included (for the sweep)."""
        ...
