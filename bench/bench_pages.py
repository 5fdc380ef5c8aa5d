"""Server time and SQL statements of each list page at 20 and at 2,000 plans.

    .venv/bin/python bench/bench_pages.py [--sizes 20,2000] [--repeat 5]
                                         [--database-url postgresql+psycopg://…/name]

For each size a scratch database gets the demo (`wfapp demo`) and that many more plans
(`wfapp demo --plans N`: units, users, groups, peers, tables, states across the year). Each
page is then requested in-process through Flask's test client as the role named, once to warm
up and `--repeat` times on the clock; the median is the server time (no network, no browser).
The statements are those of one request. Ratios compare each size with the smallest size of
the same run. Without --database-url the scratch database is a SQLite file; with it, the
PostgreSQL database "<name>_pages" beside the one named, created and dropped by this script.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, event, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from wfapp import create_app  # noqa: E402
from wfapp.database import db  # noqa: E402
from wfapp.models import ResultVersion, User  # noqa: E402
from wfapp.services import auth  # noqa: E402
from wfapp.services.demo import load_demo  # noqa: E402
from wfapp.services.demo_scale import add_plans  # noqa: E402

P = 1  # the demo program
USERS = {
    "office": "office",
    "liaison": "u1-liaison",
    "peer": "u2-liaison",
    "evaluator": "evaluator1",
}
# (role, url); "{results}": the newest group with results.
PAGES = [
    ("office", "/plans"),
    ("office", f"/office/programs/{P}/groups"),
    ("office", f"/office/programs/{P}/groups?overdue=1"),
    ("office", f"/office/programs/{P}/users"),
    ("office", f"/office/programs/{P}/assignments"),
    ("office", f"/programs/{P}/calendar"),
    ("office", f"/programs/{P}/year"),
    ("office", f"/programs/{P}/evaluation/assignments"),
    ("office", f"/programs/{P}/results"),
    ("office", f"/programs/{P}/groups/{{results}}/results"),
    ("office", f"/office/programs/{P}/rectification"),
    ("office", f"/office/programs/{P}"),
    ("office", f"/office/programs/{P}/dashboard"),
    ("office", "/inbox"),
    ("office", "/api/v1/plans"),
    ("office", "/api/v1/rectification-items"),
    ("office", f"/api/v1/programs/{P}/rectification-board"),
    ("office", f"/api/v1/programs/{P}/progress-board"),
    ("office", f"/api/v1/programs/{P}/evaluation-status"),
    ("liaison", "/plans"),
    ("liaison", "/inbox"),
    ("liaison", "/rectification"),
    ("peer", "/plans"),
    ("peer", "/inbox"),
    ("evaluator", "/api/v1/evaluation/plans"),
    ("anonymous", "/public"),
]


def _scratch(url: str | None, size: int) -> tuple[str, str | None]:
    """(the database URL for this size, the PostgreSQL admin URL to drop it with)."""
    if url is None:
        folder = Path(tempfile.mkdtemp(prefix="wfapp-bench-pages-"))
        return f"sqlite:///{folder / f'pages-{size}.db'}", None
    parsed = make_url(url)
    name = f"{parsed.database}_pages"
    admin = create_engine(parsed, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False), url


def _drop(admin_url: str | None, url: str) -> None:
    if admin_url is None:
        return
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}"'))
    admin.dispose()


def measure(size: int, url: str | None, repeat: int) -> tuple[dict, float]:
    """{(role, url): (median ms, statements)} at this size, and the generator's plans/s."""
    db_url, admin = _scratch(url, size)
    app = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "bench", "TESTING": True, "DEMO": True})
    out: dict[tuple[str, str], tuple[float, int]] = {}
    with app.app_context():
        db.create_all()
        load_demo()
        started = time.perf_counter()
        add_plans(size)
        rate = size / (time.perf_counter() - started)
        users = {
            role: db.session.scalars(select(User).where(User.username == name)).one()
            for role, name in USERS.items()
        }
        sessions = {role: u.get_id() for role, u in users.items()}
        tokens = {role: auth.issue_token(u) for role, u in users.items()}
        group = db.session.scalars(
            select(ResultVersion.group_id).order_by(ResultVersion.group_id.desc())
        ).first()
        engine = db.engine
        db.session.remove()
    seen = [0]

    def count(*_args) -> None:
        seen[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        for role, page in PAGES:
            target = page.format(results=group)
            client = app.test_client()
            headers = {}
            if target.startswith("/api/"):
                headers = {"Authorization": f"Bearer {tokens[role]}"}
            elif role != "anonymous":
                with client.session_transaction() as session:
                    session["_user_id"] = sessions[role]
                    session["_fresh"] = True
            response = client.get(target, headers=headers)  # warm-up
            if response.status_code != 200:
                raise SystemExit(f"{role} {target}: HTTP {response.status_code}")
            seen[0] = 0
            client.get(target, headers=headers)
            statements = seen[0]
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                client.get(target, headers=headers)
                times.append((time.perf_counter() - started) * 1000)
            out[(role, page)] = (statistics.median(times), statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        _drop(admin, db_url)
    return out, rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20,2000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", help="PostgreSQL server to use (a scratch database)")
    parser.add_argument(
        "--skip", default="", help="comma-separated URLs (as listed) not to measure this time"
    )
    args = parser.parse_args()
    skipped = {u for u in args.skip.split(",") if u}
    PAGES[:] = [(role, page) for role, page in PAGES if page not in skipped]
    sizes = [int(s) for s in args.sizes.split(",")]
    where = "PostgreSQL" if args.database_url else "SQLite"
    results = {}
    for size in sizes:
        results[size], rate = measure(size, args.database_url, args.repeat)
        print(f"# {size} plans added to the demo on {where}: {rate:,.0f} plans/s", flush=True)
    base = sizes[0]
    head = f"{'page':52} " + " ".join(f"{f'ms@{s}':>9} {f'SQL@{s}':>7}" for s in sizes)
    print(head + "".join(f" {f'ms×{s}/{base}':>10}" for s in sizes[1:]))
    for role, page in PAGES:
        cells = [results[s][(role, page)] for s in sizes]
        line = f"{role + ' ' + page:52} " + " ".join(f"{ms:9.1f} {n:7d}" for ms, n in cells)
        ratios = "".join(f" {c[0] / cells[0][0]:10.2f}" for c in cells[1:])
        print(line + ratios)
    slowest = max(results[sizes[-1]].items(), key=lambda kv: kv[1][0])
    print(f"# slowest at {sizes[-1]}: {slowest[0][0]} {slowest[0][1]} {slowest[1][0]:.1f} ms")


if __name__ == "__main__":
    main()
