"""Receiving an upload: copied in chunks into a spooled temporary file (memory up to 1 MB,
then disk), hashed on the way, and cut off one byte past the limit, so no upload is ever
held whole in memory and none is stored before its content has been checked."""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from typing import IO

from wfapp.storage.base import CHUNK

HEAD = 16


class TooLarge(ValueError):
    pass


@dataclass
class Spooled:
    file: IO[bytes]  # positioned at 0
    size: int
    sha256: str
    head: bytes  # the first bytes, for the content check

    def close(self) -> None:
        self.file.close()


def spool(stream: IO[bytes], limit: int) -> Spooled:
    """The stream's bytes in a temporary file; TooLarge past `limit` bytes."""
    out = tempfile.SpooledTemporaryFile(max_size=CHUNK)  # noqa: SIM115 (returned open)
    digest = hashlib.sha256()
    size = 0
    head = b""
    try:
        while True:
            chunk = stream.read(min(CHUNK, limit + 1 - size))
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                raise TooLarge(limit)
            if len(head) < HEAD:
                head += chunk[: HEAD - len(head)]
            digest.update(chunk)
            out.write(chunk)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return Spooled(out, size, digest.hexdigest(), head)
