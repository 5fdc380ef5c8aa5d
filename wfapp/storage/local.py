"""The local folder backend: one file per key, written beside its final name and renamed
into place, so a reader never sees half a file and a crash leaves only a `.part-` file."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from wfapp.storage.base import CHUNK, Missing, Stored

PARTIAL = ".part-"


class LocalStore:
    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = Path(folder)

    def _path(self, key: str) -> Path:
        # Keys are generated names (uuid.kind); a separator would escape the folder.
        if not key or "/" in key or "\\" in key or key in {".", ".."}:
            raise ValueError(f"not a storage key: {key!r}")
        return self.folder / key

    def put(self, key: str, source: IO[bytes], size: int, content_type: str) -> None:
        final = self._path(key)
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.folder / f"{PARTIAL}{uuid.uuid4().hex}"
        try:
            with open(partial, "xb") as fh:
                shutil.copyfileobj(source, fh, CHUNK)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(partial, final)
        finally:
            partial.unlink(missing_ok=True)

    def open(self, key: str) -> IO[bytes]:
        try:
            return open(self._path(key), "rb")
        except FileNotFoundError as exc:
            raise Missing(key) from exc

    def stat(self, key: str) -> Stored | None:
        try:
            st = self._path(key).stat()
        except FileNotFoundError:
            return None
        return Stored(key, st.st_size, datetime.fromtimestamp(st.st_mtime, UTC))

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def listing(self) -> Iterator[Stored]:
        try:
            entries = os.scandir(self.folder)
        except FileNotFoundError:
            return
        with entries:
            for entry in entries:
                if entry.is_file(follow_symlinks=False):
                    st = entry.stat(follow_symlinks=False)
                    modified = datetime.fromtimestamp(st.st_mtime, UTC)
                    yield Stored(entry.name, st.st_size, modified)
