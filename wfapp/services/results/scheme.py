"""The program's scoring scheme (考评办法): the uploads, each checked by the engine, and the one in
force (the latest upload, else the shipped default)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from wfapp.database import db
from wfapp.models import Program, ProgramScheme, User
from wfapp.permissions import UPLOAD_SCHEME
from wfapp.scoring import Scheme, SchemeError, load_scheme
from wfapp.services import audit
from wfapp.services.errors import Invalid, Problem
from wfapp.services.results.groups import program_for
from wfapp.services.uow import transaction

MAX_SCHEME_CHARS = 200_000


@dataclass(frozen=True)
class SchemeInForce:
    scheme: Scheme
    text: str
    source: str  # where it comes from, as people read it


def scheme_in_force(program: Program) -> SchemeInForce:
    """The newest scheme the office uploaded, else the file the program names."""
    uploaded = latest_upload(program)
    if uploaded is not None:
        text, source = uploaded.text, f"绩效办上传的第 {uploaded.version} 版"
    else:
        if not program.scheme:
            raise Invalid("本项目尚未指定计分方案", [Problem("scheme", "本项目尚未指定计分方案")])
        path = Path(current_app.config["SCHEMES_DIR"]) / f"{program.scheme}.yaml"
        if not path.is_file():
            message = f"找不到计分方案文件 {program.scheme}.yaml"
            raise Invalid(message, [Problem("scheme", message)])
        text, source = path.read_text(encoding="utf-8"), f"方案文件 {program.scheme}.yaml"
    try:
        scheme = load_scheme(text, name=program.scheme or "scheme")
    except SchemeError as exc:
        raise Invalid(
            "计分方案有误，请修正后重新上传", [Problem(f"line {n}", m) for n, m in exc.problems]
        ) from exc
    return SchemeInForce(scheme, text, source)


def latest_upload(program: Program) -> ProgramScheme | None:
    return db.session.scalars(
        select(ProgramScheme)
        .where(ProgramScheme.program_id == program.id)
        .order_by(ProgramScheme.version.desc())
    ).first()


def uploads(program: Program) -> list[ProgramScheme]:
    return list(
        db.session.scalars(
            select(ProgramScheme)
            .where(ProgramScheme.program_id == program.id)
            .order_by(ProgramScheme.version.desc())
        )
    )


def upload_scheme(user: User, program_id: int, text: str) -> ProgramScheme:
    """The office's own scheme for the program: checked first, every problem with its line."""
    program = program_for(user, UPLOAD_SCHEME, program_id)
    if not text.strip():
        raise Invalid("请选择方案文件", [Problem("file", "请选择方案文件（YAML）")])
    if len(text) > MAX_SCHEME_CHARS:
        raise Invalid("方案文件过大", [Problem("file", "方案文件过大")])
    try:
        scheme = load_scheme(text, name="上传的方案")
    except SchemeError as exc:
        problems = [Problem("file", f"第 {n} 行：{m}") for n, m in exc.problems]
        raise Invalid("方案未通过检查，未保存", problems) from exc
    with transaction():
        latest = latest_upload(program)
        row = ProgramScheme(
            program_id=program.id,
            version=(latest.version if latest else 0) + 1,
            name=scheme.id,
            text=text,
            uploaded_by_id=user.id,
        )
        db.session.add(row)
        db.session.flush()
        audit.record_event(
            "program_scheme",
            row.id,
            user,
            "upload_scheme",
            data={"program": program.id, "scheme": scheme.id, "version": row.version},
        )
    return row
