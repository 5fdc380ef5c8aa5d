"""`make cluster` (python -m cluster): two app nodes on one PostgreSQL and a SeaweedFS object
store, behind nginx, with an SMTP sink that prints every mail; Ctrl-C stops everything.

    WFAPP_CLUSTER_DATABASE_URL  the shared database (default: the database wfapp_cluster on
                                127.0.0.1:5432, created when missing)
    WFAPP_CLUSTER_NODES         how many app nodes (default 2)
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from cluster.nodes import ROOT, SCHEDULER_HOLDER, Cluster, ClusterError
from cluster.ports import free_port, wait_for_port
from cluster.seaweed import Unavailable
from wfapp.scheduler import ADVISORY_KEY

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/wfapp_cluster"


def ensure_database(url: str) -> None:
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}
        ).first()
        if exists is None:
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def scheduler_node(url: str) -> str | None:
    engine = create_engine(url)
    with engine.connect() as conn:
        name = conn.execute(text(SCHEDULER_HOLDER), {"key": ADVISORY_KEY}).scalar()
    engine.dispose()
    return name


def main() -> int:
    url = os.environ.get("WFAPP_CLUSTER_DATABASE_URL", DEFAULT_URL)
    folder = ROOT / "instance" / "cluster"
    ensure_database(url)
    smtp_port = free_port()
    sink = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{smtp_port}"],
        stdout=open(folder.parent / "cluster-mail.log", "ab"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
    )
    wait_for_port(smtp_port, 10)
    cluster = Cluster(
        folder,
        url,
        nodes_count=int(os.environ.get("WFAPP_CLUSTER_NODES", "2")),
        smtp_port=smtp_port,
    )
    try:
        print("starting SeaweedFS, migrating, loading the demo, starting the nodes …", flush=True)
        cluster.start()
    except (ClusterError, Unavailable) as exc:
        print(f"cluster did not start: {exc}", file=sys.stderr)
        sink.terminate()
        return 1
    except BaseException:
        sink.terminate()
        raise
    print(f"\nwfapp behind nginx:   {cluster.url}   (log in as u1-liaison / wfapp-demo)")
    for node in cluster.nodes:
        print(f"  node {node.name}:          {node.url}   log {folder}/{node.name}.log")
    print(f"  object store (S3):   {cluster.seaweed.endpoint}  bucket {cluster.bucket}")
    print(f"  database:            {make_url(url).render_as_string(hide_password=True)}")
    print(
        f"  mail sink:           127.0.0.1:{smtp_port}, mails in {folder.parent}/cluster-mail.log"
    )
    print(
        "Kill a node to see the scheduler move:  kill -9 -<pid of its group> (below); Ctrl-C stops all."
    )
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    last = None
    try:
        while not stopping:
            holder = scheduler_node(url)
            alive = ", ".join(
                f"{n.name}({'up' if n.alive else 'down'}, group {n.web.pid})" for n in cluster.nodes
            )
            line = f"nodes: {alive}; scheduler lock held by: {holder or 'nobody'}"
            if line != last:
                print(time.strftime("%H:%M:%S"), line, flush=True)
                last = line
            time.sleep(2)
    finally:
        print("stopping …", flush=True)
        cluster.stop()
        sink.terminate()
        sink.wait(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
