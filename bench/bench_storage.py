"""Evidence through the app on each storage backend: upload (spool, content check, store,
row, audit, commit) and download (stream to the client), for files of 100 KB, 1 MB and 10 MB.

    .venv/bin/python bench/bench_storage.py [--sizes 100,1000,10000] [--repeat 5]

The local folder is the baseline; the S3 backend runs against SeaweedFS (`weed mini`, from the
dev extra) started by this script on loopback, so the figures show what the S3 protocol and
the store cost over a disk on the same machine, not a network. Each line prints the median
time of `--repeat` uploads and downloads and its ratio to the local backend at the same size,
measured in the same run; SQLite holds the rows.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cluster.seaweed import SeaweedFS  # noqa: E402
from tests.factories import ApiClient, build_world  # noqa: E402
from wfapp import create_app  # noqa: E402
from wfapp.database import db  # noqa: E402

PDF = b"%PDF-1.4\n"


def run(folder: Path, backend: str, seaweed: SeaweedFS | None, sizes, repeat: int) -> dict:
    config = {
        "DATABASE_URL": f"sqlite:///{folder / f'{backend}.db'}",
        "SECRET_KEY": "bench",
        "TESTING": True,
        "DEMO": True,
        "EVIDENCE_DIR": str(folder / f"{backend}-evidence"),
        "EVIDENCE_MAX_BYTES": 64 * 1024 * 1024,
        "MAX_CONTENT_LENGTH": 70 * 1024 * 1024,
    }
    if seaweed is not None:
        os.environ.update({k: v for k, v in seaweed.env().items() if k.startswith("AWS_")})
        config.update(STORAGE="s3", S3_ENDPOINT_URL=seaweed.endpoint, S3_BUCKET="bench")
    app = create_app(config)
    results = {}
    with app.app_context():
        db.create_all()
        world = build_world(state="published")
        db.session.commit()
        client = app.test_client()
        liaison = ApiClient(client, world.a_liaison)
        peer = ApiClient(client, world.b_liaison)
        for kb in sizes:
            data = PDF + os.urandom(kb * 1024 - len(PDF))
            ups, downs = [], []
            for i in range(repeat):
                t = time.perf_counter()
                r = client.post(
                    f"/api/v1/plans/{world.plan.id}/evidence",
                    data={"file": (io.BytesIO(data), f"台账{i}.pdf")},
                    headers=liaison.headers,
                )
                ups.append(time.perf_counter() - t)
                assert r.status_code == 201, r.get_json()
                t = time.perf_counter()
                got = client.get(f"/api/v1/evidence/{r.get_json()['id']}", headers=peer.headers)
                body = got.data
                downs.append(time.perf_counter() - t)
                assert body == data
            results[kb] = (statistics.median(ups), statistics.median(downs))
        db.session.remove()
        db.engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100,1000,10000", help="file sizes in KB")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        local = run(folder, "local", None, sizes, args.repeat)
        seaweed = SeaweedFS(folder / "seaweed").start()
        try:
            s3 = run(folder, "s3", seaweed, sizes, args.repeat)
        finally:
            seaweed.stop()
    print(f"evidence upload / download, median of {args.repeat}, ratio = S3 / local")
    print(
        f"{'size':>8} {'local up':>9} {'S3 up':>8} {'ratio':>6} {'local down':>11} {'S3 down':>8} {'ratio':>6}"
    )
    for kb in sizes:
        (lu, ld), (su, sd) = local[kb], s3[kb]
        print(
            f"{kb:>6}KB {lu * 1000:>7.0f}ms {su * 1000:>6.0f}ms {su / lu:>6.2f} "
            f"{ld * 1000:>9.0f}ms {sd * 1000:>6.0f}ms {sd / ld:>6.2f}"
        )


if __name__ == "__main__":
    main()
