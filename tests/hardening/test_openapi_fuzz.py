"""What any caller may send the API, generated from its own OpenAPI document (schemathesis):
anonymous and signed in, no request gets a 5xx and no answer breaks the documented schema.
Bounded so the run is the same every time: a fixed number of examples per operation,
derandomized (Hypothesis's fixed seed), no shrinking, no example database."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.transport.wsgi import WSGI_TRANSPORT

from tests.factories import build_world
from wfapp.api import openapi
from wfapp.database import db
from wfapp.services import auth

# Per operation and caller; WFAPP_FUZZ_EXAMPLES=200 for a deeper run by hand.
EXAMPLES = int(os.environ.get("WFAPP_FUZZ_EXAMPLES", "6"))
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]
BOUNDED = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@schemathesis.serializer(openapi.XLSX)
def _xlsx(_context, value) -> bytes:
    """The table upload's body as raw bytes (any bytes: the app must refuse non-workbooks)."""
    return value if isinstance(value, bytes) else str(value).encode()


# The document the app serves at /api/v1/openapi.json (built without a request).
SCHEMA = schemathesis.openapi.from_dict(openapi.document())


def _call(app, case, headers: dict[str, str] | None = None) -> None:
    """Send the case to this test's app in-process (WSGI) and check the answer."""
    response = WSGI_TRANSPORT.send(case, app=app, base_url="http://localhost", headers=headers)
    case.validate_response(response, checks=CHECKS)


@pytest.fixture
def office_token(app) -> str:
    world = build_world()
    db.session.commit()
    return auth.issue_token(world.office)


@SCHEMA.parametrize()
@BOUNDED
def test_an_anonymous_caller_gets_no_5xx_and_documented_answers(app, case):
    _call(app, case)


@SCHEMA.parametrize()
@BOUNDED
def test_a_signed_in_caller_gets_no_5xx_and_documented_answers(app, case, office_token):
    _call(app, case, {"Authorization": f"Bearer {office_token}"})
