"""Small builders for the year's work: a published world, files."""

from __future__ import annotations

import io
import zipfile

from tests.factories import build_world, make_user
from wfapp.database import db
from wfapp.models import Role

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
MP3_ID3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\x00" * 32
MP3_FRAME = b"\xff\xfb\x90\x64" + b"\x00" * 32
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 32
EXE = b"MZ\x90\x00" + b"\x00" * 32


def office_zip(*names: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buf.getvalue()


DOCX = office_zip("[Content_Types].xml", "word/document.xml")
XLSX = office_zip("[Content_Types].xml", "xl/workbook.xml")
ZIP = office_zip("readme.txt")


def year_world(state: str = "published"):
    """The conftest world with unit A's plan in `state`, plus inspector and surveyor."""
    world = build_world(state=state)
    world.users["inspector"] = make_user("inspector", (Role.INSPECTOR, world.program))
    world.users["surveyor"] = make_user("surveyor", (Role.SURVEYOR, world.program))
    world.users["evaluator2"] = make_user("evaluator2", (Role.EVALUATOR, world.program))
    # An evaluator of the program who is also liaison of unit A: never evaluates A.
    world.users["a-evaluator"] = make_user(
        "a-evaluator", (Role.EVALUATOR, world.program), (Role.LIAISON, world.units["A"])
    )
    db.session.commit()
    return world
