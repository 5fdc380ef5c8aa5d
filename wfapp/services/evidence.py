"""Evidence files: checked by content (magic bytes), stored under generated names with a
SHA-256, downloaded only as attachments by those who may see what they prove.

An upload is spooled and checked before anything is stored; its bytes then go to the
configured store (wfapp/storage: a local folder or an S3 bucket) inside the caller's
transaction, and `files_removed_on_error()` deletes them when the transaction fails, so a
refused action leaves neither a row nor an object. A process killed between the two leaves an
object without a row: the scheduler's sweep removes it (wfapp/storage/maintenance.py).
"""

from __future__ import annotations

import logging
import os
import unicodedata
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

from flask import current_app
from sqlalchemy import select

from wfapp.database import db
from wfapp.models import EvidenceFile, EvidenceScope, Plan, User
from wfapp.permissions import UPLOAD_EVIDENCE, VIEW, Decision, decide
from wfapp.services import audit, filenames
from wfapp.services.access import require
from wfapp.services.errors import Invalid, NotFound, Problem
from wfapp.services.uow import lock_plan, transaction
from wfapp.storage import Missing
from wfapp.storage import store as file_store
from wfapp.storage.spool import Spooled, TooLarge, spool

log = logging.getLogger(__name__)

FIELD = "file"
MAX_NAME = 200

# kind → (file-name extensions, MIME type sent with downloads, label)
KINDS: dict[str, tuple[tuple[str, ...], str]] = {
    "pdf": ((".pdf",), "application/pdf"),
    "docx": (
        (".docx",),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "xlsx": ((".xlsx",), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "jpg": ((".jpg", ".jpeg"), "image/jpeg"),
    "png": ((".png",), "image/png"),
    "mp3": ((".mp3",), "audio/mpeg"),
    "mp4": ((".mp4",), "video/mp4"),
}
ALLOWED_TEXT = "PDF、Word（docx）、Excel（xlsx）、JPG、PNG、MP3、MP4"


def detect_kind(head: bytes, data: IO[bytes]) -> str | None:
    """The file's kind judged by its content alone, or None.

    docx and xlsx are zip containers: a renamed .zip is told apart by the entries Office
    writes ([Content_Types].xml plus word/document.xml or xl/workbook.xml)."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "mp4"
    if head.startswith(b"ID3") or _mpeg_frame(head):
        return "mp3"
    if head.startswith(b"PK\x03\x04"):
        return _office_kind(data)
    return None


def _mpeg_frame(head: bytes) -> bool:
    """An MPEG audio frame header: 11 sync bits, a valid version and layer, a bitrate."""
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version, layer = (head[1] >> 3) & 0b11, (head[1] >> 1) & 0b11
    bitrate = head[2] >> 4
    return version != 0b01 and layer != 0b00 and bitrate not in (0b0000, 0b1111)


def _office_kind(data: IO[bytes]) -> str | None:
    data.seek(0)
    try:
        with zipfile.ZipFile(data) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        data.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return None


def name_problem(name: str) -> str | None:
    """Why a client's file name is refused: it must be a plain name, never a path."""
    if not name or not name.strip():
        return "请选择要上传的文件（文件名不能为空）"
    invisible = filenames.problem(name)
    if invisible:
        return invisible
    if len(name) > MAX_NAME:
        return f"文件名不能超过{MAX_NAME}个字符"
    if "/" in name or "\\" in name or "\x00" in name or ".." in name:
        return "文件名不能包含路径（/ \\ ..）"
    if any(unicodedata.category(ch) == "Cc" for ch in name) or (len(name) > 1 and name[1] == ":"):
        return "文件名不能包含控制字符或盘符"
    if name.startswith("."):
        return "文件名不能以“.”开头"
    return None


@dataclass
class Upload:
    """What a page or the API received: the client's file name and a readable stream."""

    filename: str
    stream: IO[bytes]


def _read_checked(upload: Upload) -> tuple[Spooled, str]:
    """The spooled bytes and kind of an acceptable upload, or Invalid naming the `file` field."""

    def refuse(message: str) -> Invalid:
        return Invalid(message, [Problem(FIELD, message)])

    name = upload.filename or ""
    problem = name_problem(name)
    if problem:
        raise refuse(problem)
    ext = os.path.splitext(name)[1].lower()
    claimed = next((k for k, (exts, _) in KINDS.items() if ext in exts), None)
    if claimed is None:
        raise refuse(f"不支持的文件类型，仅限 {ALLOWED_TEXT}")
    try:
        data = spool(upload.stream, int(current_app.config["EVIDENCE_MAX_BYTES"]))
    except TooLarge:
        raise refuse(f"文件超过大小上限（{limit_text()}）") from None
    if not data.size:
        data.close()
        raise refuse("文件为空，请选择有内容的文件")
    kind = detect_kind(data.head, data.file)
    if kind != claimed:
        data.close()
        raise refuse(f"文件内容与扩展名“{ext}”不符，请上传真实的 {claimed.upper()} 文件")
    data.file.seek(0)
    return data, kind


def limit_text() -> str:
    """The size limit as people read it: 20 MB, 512 KB."""
    limit = int(current_app.config["EVIDENCE_MAX_BYTES"])
    if limit >= 1_048_576:
        return f"{limit / 1_048_576:g} MB"
    return f"{max(1, limit // 1024)} KB"


@contextmanager
def files_removed_on_error() -> Iterator[list[str]]:
    """Collects the keys stored during a service call; removes them if the call fails."""
    written: list[str] = []
    try:
        yield written
    except BaseException:
        for key in written:
            try:
                file_store("evidence").delete(key)
            except Exception:  # the store is down: the sweep removes it later
                log.warning("could not remove %s after a failed transaction", key, exc_info=True)
        raise


def store(
    plan: Plan, user: User, upload: Upload, written: list[str], scope: str = EvidenceScope.PLAN
) -> EvidenceFile:
    """Check and store one file for the plan, inside the caller's transaction."""
    data, kind = _read_checked(upload)
    stored_name = f"{uuid.uuid4().hex}.{kind}"
    written.append(stored_name)
    try:
        file_store("evidence").put(stored_name, data.file, data.size, KINDS[kind][1])
    finally:
        data.close()
    evidence = EvidenceFile(
        plan_id=plan.id,
        scope=scope,
        original_name=filenames.normalise(upload.filename),
        stored_name=stored_name,
        sha256=data.sha256,
        size=data.size,
        kind=kind,
        content_type=KINDS[kind][1],
        uploaded_by_id=user.id,
    )
    db.session.add(evidence)
    db.session.flush()
    audit.record_event(
        "evidence",
        evidence.id,
        user,
        "upload_evidence",
        data={"name": evidence.original_name, "sha256": evidence.sha256, "size": evidence.size},
        plan=plan,
    )
    return evidence


def upload(user: User, plan_id: int, upload_: Upload) -> EvidenceFile:
    """Upload one evidence file for a plan (unit, office, inspector)."""
    with files_removed_on_error() as written, transaction():
        plan = lock_plan(plan_id)
        require(user, UPLOAD_EVIDENCE, plan)
        evidence = store(plan, user, upload_, written)
    return evidence


def plan_evidence(plan: Plan, scope: str = EvidenceScope.PLAN) -> list[EvidenceFile]:
    return list(
        db.session.scalars(
            select(EvidenceFile)
            .where(EvidenceFile.plan_id == plan.id, EvidenceFile.scope == scope)
            .order_by(EvidenceFile.id)
        )
    )


def resolve(plan: Plan, ids: list[int], field: str) -> list[EvidenceFile]:
    """Evidence named by id: each must be one of this plan's (plan-scope) files."""
    ids = list(dict.fromkeys(ids))
    if not ids:
        return []
    found = {e.id: e for e in plan_evidence(plan) if e.id in ids}
    missing = [i for i in ids if i not in found]
    if missing:
        raise Invalid(
            "佐证材料不存在", [Problem(field, f"佐证材料 {i} 不属于本方案") for i in missing]
        )
    return [found[i] for i in ids]


def for_download(user: User | None, evidence_id: int) -> tuple[EvidenceFile, IO[bytes]]:
    """The row and an open stream of its bytes (the caller closes it), for those who may see it."""
    evidence = db.session.get(EvidenceFile, evidence_id)
    if evidence is None or decide(user, VIEW, evidence) is not Decision.ALLOWED:
        raise NotFound("未找到该文件")
    try:
        return evidence, file_store("evidence").open(evidence.stored_name)
    except Missing:
        raise NotFound("文件已丢失，请联系管理员") from None


def content_disposition(evidence: EvidenceFile) -> str:
    """Always an attachment (RFC 6266): an ASCII fallback and the UTF-8 original name."""
    return filenames.content_disposition(evidence.original_name, f"evidence-{evidence.id}")
