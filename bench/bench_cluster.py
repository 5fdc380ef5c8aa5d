"""Requests per second through one app node and through nginx over two (`make cluster`'s
setup: gunicorn with 2 workers per node, one PostgreSQL, SeaweedFS).

    .venv/bin/python bench/bench_cluster.py [--clients 8] [--seconds 15]

A scratch database (WFAPP_BENCH_DATABASE_URL, default wfapp_bench_cluster on
127.0.0.1:5432) is recreated with the demo. `--clients` threads then repeat, for `--seconds`
each: the plan as JSON (a read: token check, plan, actions) and a 200 KB evidence download
(object store → node → client). The ratio compares two nodes behind nginx with node A alone,
measured in the same run; on one machine both nodes share its cores, so the ratio shows what
the balancer costs and what a second node adds only when it has cores of its own.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from cluster.nodes import Cluster  # noqa: E402
from tests.cluster.http import Client, bearer, token  # noqa: E402

PDF = b"%PDF-1.4\n"
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/wfapp_bench_cluster"


def recreate(url: str) -> None:
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def load(base: str, path: str, headers: dict, clients: int, seconds: float) -> float:
    done = [0] * clients
    stop = time.monotonic() + seconds

    def work(i: int) -> None:
        client = Client()
        while time.monotonic() < stop:
            r = client.get(f"{base}{path}", headers=headers)
            assert r.status == 200, r.status
            done[i] += 1

    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / (time.monotonic() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=15)
    args = parser.parse_args()
    url = os.environ.get("WFAPP_BENCH_DATABASE_URL", DEFAULT_URL)
    try:
        recreate(url)
    except Exception as exc:  # no PostgreSQL here: nothing to measure
        print(f"bench_cluster: skipped, PostgreSQL does not answer ({type(exc).__name__})")
        return
    cluster = Cluster(Path(tempfile.mkdtemp(prefix="wfapp-bench-")), url, scheduler_interval=60)
    cluster.start()
    try:
        a = cluster.nodes[0].url
        liaison = bearer(token(a, "u1-liaison"))
        # Evidence needs a published plan: the demo walks there through the services.
        cluster.run("demo", "--through", "published")
        up = Client().post(
            f"{a}/api/v1/plans/1/evidence",
            headers=liaison,
            file=("file", "台账.pdf", PDF + os.urandom(200 * 1024), "application/pdf"),
        )
        assert up.status == 201, up.text
        paths = {
            "plan JSON": "/api/v1/plans/1",
            "200 KB download": f"/api/v1/evidence/{up.json()['id']}",
        }
        print(f"{args.clients} clients, {args.seconds:g} s each; ratio = nginx+2 nodes / node A")
        print(f"{'request':<16} {'node A req/s':>13} {'nginx+2 req/s':>14} {'ratio':>6}")
        for label, path in paths.items():
            one = load(a, path, liaison, args.clients, args.seconds)
            two = load(cluster.url, path, liaison, args.clients, args.seconds)
            print(f"{label:<16} {one:>13.1f} {two:>14.1f} {two / one:>6.2f}")
    finally:
        cluster.stop()
        engine = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
        engine.dispose()


if __name__ == "__main__":
    main()
