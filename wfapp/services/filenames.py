"""Client file names as shown and sent back: NFC, without the invisible characters that
make a name read differently from what it is (U+202E turns "invoice‮fdp.exe" into
"invoiceexe.pdf" on screen; U+200B hides a difference between two names), and with an
ASCII fallback for Content-Disposition that keeps a real name and the extension."""

from __future__ import annotations

import os
import re
import unicodedata
from urllib.parse import quote

_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,10}")


def normalise(name: str) -> str:
    """The name as stored and shown: NFC, so that one name has one spelling."""
    return unicodedata.normalize("NFC", name or "").strip()


def problem(name: str) -> str | None:
    """Why a name is refused for its invisible characters: bidi controls (U+202A–U+202E,
    U+2066–U+2069, U+200E/F), zero-width ones (U+200B–U+200D, U+2060, U+FEFF), every format
    character (Unicode category Cf)."""
    for ch in name or "":
        if unicodedata.category(ch) == "Cf":
            return (
                f"文件名含有不可见的格式字符 U+{ord(ch):04X}（如从右到左覆盖、零宽空格），"
                "它会让文件名显示得与实际不同，请重命名后再上传"
            )
    return None


def ascii_fallback(name: str, default_stem: str) -> str:
    """An ASCII name for clients that cannot read filename*: the name's ASCII letters and
    digits, or `default_stem`, with the original extension ("报告.pdf" → "<default>.pdf",
    never ".pdf")."""
    stem, ext = os.path.splitext(normalise(name))
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    ascii_stem = "".join(ch for ch in ascii_stem if ch.isalnum() or ch in "-_. ").strip(" .")
    if not any(ch.isalnum() for ch in ascii_stem):
        ascii_stem = default_stem
    return ascii_stem + (ext.lower() if _EXTENSION.fullmatch(ext) else "")


def content_disposition(name: str, default_stem: str) -> str:
    """Always an attachment (RFC 6266): the ASCII fallback and the UTF-8 original name."""
    quoted = quote(normalise(name), safe="")
    return (
        f"attachment; filename=\"{ascii_fallback(name, default_stem)}\"; filename*=UTF-8''{quoted}"
    )
