"""Who may download an evidence file: whoever may see what it proves, and nobody else.

A file attached to the plan's progress or self-assessment follows the plan (public once
published); one attached to a bonus or deduction record follows the external records
(the unit, its leader, the office, 效能办, 统计局); one proving a rectification follows the
plan's rectification items (the unit, its leader, the office). The plan here is in 整改, so
it is public: an outsider sees the plan, and must still not get the other two kinds. Pages
and API alike; a refusal is a 404 that changes nothing."""

from __future__ import annotations

import io

import pytest

from tests.factories import ApiClient, forget
from tests.pages import login
from tests.snapshot import unchanged
from tests.year.helpers import PDF, year_world
from wfapp.database import db
from wfapp.models import EvidenceScope
from wfapp.services.evidence import Upload, store

# scope → who may download (everyone else signed in: 404).
READERS = {
    EvidenceScope.PLAN: {
        "a-liaison",
        "leader",
        "office",
        "inspector",
        "surveyor",
        "evaluator",
        "d-liaison",
    },
    EvidenceScope.EXTERNAL: {"a-liaison", "leader", "office", "inspector", "surveyor"},
    EvidenceScope.RECTIFICATION: {"a-liaison", "leader", "office"},
}
PEOPLE = ["a-liaison", "leader", "office", "inspector", "surveyor", "evaluator", "d-liaison"]
CASES = [(scope, who) for scope in READERS for who in PEOPLE]


@pytest.fixture
def files(app):
    """Unit A's plan in 整改 with one file of each scope, committed."""
    world = year_world("rectification")
    ids = {}
    for scope in READERS:
        written: list = []
        upload = Upload(f"{scope}.pdf", io.BytesIO(PDF))
        ids[scope] = store(world.plan, world.office, upload, written, scope=scope).id
    db.session.commit()
    forget()
    return world, ids


def _expect(scope, who) -> int:
    return 200 if who in READERS[scope] else 404


@pytest.mark.parametrize(("scope", "who"), CASES)
def test_api_download(files, client, scope, who):
    world, ids = files
    user = world.users[who]
    status = _expect(scope, who)
    with unchanged():
        r = ApiClient(client, user).get(f"/api/v1/evidence/{ids[scope]}")
    assert r.status_code == status
    if status == 200:
        assert r.data == PDF
        assert r.headers["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize(("scope", "who"), CASES)
def test_page_download(files, client, scope, who):
    world, ids = files
    login(client, world.users[who])
    status = _expect(scope, who)
    with unchanged():
        r = client.get(f"/evidence/{ids[scope]}/download")
    assert r.status_code == status
    if status == 200:
        assert r.data == PDF


def test_nobody_signed_in_gets_no_file(files, client):
    _, ids = files
    for scope, evidence_id in ids.items():
        r = client.get(f"/api/v1/evidence/{evidence_id}")
        assert r.status_code == 401, scope
        r = client.get(f"/evidence/{evidence_id}/download")
        assert r.status_code in (302, 401), scope
        assert PDF not in r.data
