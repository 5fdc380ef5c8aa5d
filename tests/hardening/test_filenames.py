"""What an uploader may call a file: names are stored in NFC, names with bidi controls or
zero-width characters are refused in Chinese, and every download carries a real ASCII
fallback name with its extension."""

from __future__ import annotations

import io
import unicodedata

import pytest

from tests.year.helpers import PDF, year_world
from wfapp.database import db
from wfapp.models import EvidenceFile
from wfapp.services import filenames


def post(client, api, user, plan_id, name, data=PDF):
    return client.post(
        f"/api/v1/plans/{plan_id}/evidence",
        data={"file": (io.BytesIO(data), name)},
        headers=api(user).headers,
    )


@pytest.mark.parametrize(
    ("name", "char"),
    [
        ("invoice\u202efdp.exe.pdf", "U+202E"),  # shown as "invoiceexe.pdf…"
        ("报\u200b告.pdf", "U+200B"),
        ("a\u2066b.pdf", "U+2066"),
        ("\ufeff台账.pdf", "U+FEFF"),
    ],
)
def test_names_with_invisible_characters_are_refused(app, client, api, name, char):
    world = year_world()
    db.session.commit()
    r = post(client, api, world.a_liaison, world.plan.id, name)
    assert r.status_code == 422
    problem = r.get_json()["errors"][0]
    assert problem["code"] == "file" and char in problem["message"]
    db.session.expire_all()
    assert db.session.query(EvidenceFile).count() == 0


def test_a_decomposed_name_is_stored_composed(app, client, api):
    world = year_world()
    db.session.commit()
    decomposed = unicodedata.normalize("NFD", "Résumé.pdf")
    assert decomposed != "Résumé.pdf"
    r = post(client, api, world.a_liaison, world.plan.id, decomposed)
    assert r.status_code == 201, r.get_json()
    db.session.expire_all()
    assert db.session.get(EvidenceFile, r.get_json()["id"]).original_name == "Résumé.pdf"


def test_a_chinese_name_downloads_with_a_real_ascii_fallback(app, client, api):
    """The fallback of a Chinese name was ".pdf"."""
    world = year_world()
    db.session.commit()
    file_id = post(client, api, world.a_liaison, world.plan.id, "第三季度台账.pdf").get_json()["id"]
    r = api(world.a_liaison).get(f"/api/v1/evidence/{file_id}")
    assert f'filename="evidence-{file_id}.pdf"' in r.headers["Content-Disposition"]


@pytest.mark.parametrize(
    ("name", "fallback"),
    [
        ("报告.pdf", "evidence-7.pdf"),
        ("2024年度report.PDF", "2024report.pdf"),
        ("Résumé.docx", "Resume.docx"),
        ("台账", "evidence-7"),
        ('a"b.pdf', "ab.pdf"),
    ],
)
def test_ascii_fallbacks(name, fallback):
    assert filenames.ascii_fallback(name, "evidence-7") == fallback
