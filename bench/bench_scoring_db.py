"""Scoring a group from the database: 100 / 1,000 / 10,000 units × 60 indicators × 5 signed
sheets, on SQLite (and on PostgreSQL when WFAPP_TEST_DATABASE_URL is set).

    .venv/bin/python bench/bench_scoring_db.py [--sizes 100,1000,10000]

For each size a scratch database is filled with bulk inserts (not the services: building it
is not what is measured): one group, its plans in centralized evaluation, 60 leaves each,
5 evaluators' signed sheets, a public score and a deduction per unit. Then the clock runs over
what closing evaluation does for the scores: `results.assemble` (the stored sheets, external
entries and flags → the engine's inputs, a handful of queries per group), `evaluate` under the
shipped Quanzhou scheme, and `results.store` (the version with its inputs and one row per
unit) with its commit. The ratio column compares each size with the 100-unit baseline of the
same run: linear growth shows as a ratio close to size / 100 and a flat time per unit.
On PostgreSQL the scratch database is "<name>_bench" next to the one named, recreated per size.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from wfapp import create_app  # noqa: E402
from wfapp.database import db  # noqa: E402
from wfapp.models import (  # noqa: E402
    EvaluationSheet,
    EvaluatorAssignment,
    ExternalEntry,
    Group,
    Indicator,
    Plan,
    Program,
    SheetItem,
    Unit,
    User,
)
from wfapp.services import results  # noqa: E402

INDICATORS = 60
SHEETS = 5
WEIGHTS = [Decimal("1.5")] * 40 + [Decimal(2)] * 20  # 60 leaves that sum to 100
CHUNK = 20_000


def _pg_scratch(url: str) -> str:
    parsed = make_url(url)
    name = f"{parsed.database}_bench"
    admin = create_engine(parsed, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


def _bulk(model, rows: list[dict]) -> None:
    for i in range(0, len(rows), CHUNK):
        db.session.execute(insert(model), rows[i : i + CHUNK])


def build(units: int, seed: int = 2021) -> tuple[int, int, int]:
    """The scratch data; returns (office user id, program id, group id)."""
    rnd = random.Random(seed)
    office = User(
        username="office", display_name="绩效办", email="o@x", password_hash="-", token_nonce="n"
    )
    program = Program(year=2024, title="bench", scheme="quanzhou-2021")
    db.session.add_all([office, program])
    db.session.flush()
    group = Group(program_id=program.id, name="bench")
    evaluators = [
        User(
            username=f"ev{i}",
            display_name=f"ev{i}",
            email="e@x",
            password_hash="-",
            token_nonce="n",
        )
        for i in range(SHEETS)
    ]
    db.session.add_all([group, *evaluators])
    db.session.flush()
    _bulk(
        Unit, [{"id": i + 1, "name": f"单位{i:05d}", "short_name": f"U{i}"} for i in range(units)]
    )
    _bulk(
        Plan,
        [
            {
                "id": i + 1,
                "program_id": program.id,
                "unit_id": i + 1,
                "group_id": group.id,
                "state": "central_evaluation",
            }
            for i in range(units)
        ],
    )
    _bulk(
        EvaluatorAssignment,
        [
            {
                "program_id": program.id,
                "evaluator_id": e.id,
                "group_id": group.id,
                "assigned_by_id": office.id,
            }
            for e in evaluators
        ],
    )
    _bulk(
        Indicator,
        [
            {
                "plan_id": p,
                "code": f"{1 + j // 20}-{1 + j % 20}",
                "category": "key",
                "level": 1,
                "weight": w,
                "position": j,
            }
            for p in range(1, units + 1)
            for j, w in enumerate(WEIGHTS)
        ],
    )
    sheet_rows = [
        {
            "id": (p - 1) * SHEETS + k + 1,
            "plan_id": p,
            "evaluator_id": e.id,
            "state": "signed",
            "version": 1,
        }
        for p in range(1, units + 1)
        for k, e in enumerate(evaluators)
    ]
    _bulk(EvaluationSheet, sheet_rows)
    tenths = {w: [w * Decimal(k) / 10 for k in range(4, 11)] for w in set(WEIGHTS)}
    items = []
    for s in sheet_rows:
        for j, w in enumerate(WEIGHTS):
            items.append(
                {
                    "sheet_id": s["id"],
                    "indicator_code": f"{1 + j // 20}-{1 + j % 20}",
                    "score": rnd.choice(tenths[w]),
                    "comment": "",
                    "finding": False,
                }
            )
        if len(items) >= CHUNK:
            _bulk(SheetItem, items)
            items = []
    _bulk(SheetItem, items)
    entries = []
    for p in range(1, units + 1):
        entries.append(
            {
                "plan_id": p,
                "kind": "public_score",
                "points": Decimal(rnd.randint(7000, 10000)) / 100,
                "reason": "",
                "is_cancellation": False,
                "created_by_id": office.id,
            }
        )
        if p % 4 == 0:
            entries.append(
                {
                    "plan_id": p,
                    "kind": "deduction",
                    "points": Decimal("0.5"),
                    "reason": "暗访",
                    "occurred_on": date(2025, 1, 10),
                    "is_cancellation": False,
                    "created_by_id": office.id,
                }
            )
    _bulk(ExternalEntry, entries)
    db.session.commit()
    return office.id, program.id, group.id


def measure(url: str, units: int) -> tuple[float, float, float, float]:
    """Seconds to assemble, evaluate and store (with commit), and building time."""
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True})
    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        office_id, program_id, group_id = build(units)
        built = time.perf_counter() - started
        db.session.expire_all()
        office, program = db.session.get(User, office_id), db.session.get(Program, program_id)
        group = db.session.get(Group, group_id)
        in_force = results.scheme_in_force(program)
        t0 = time.perf_counter()
        names = dict(
            db.session.execute(
                select(Plan.id, Unit.name).join(Unit).where(Plan.group_id == group.id)
            ).all()
        )
        inputs, problems = results.assemble(in_force.scheme, group, names.items())
        t1 = time.perf_counter()
        scored = results.score(in_force.scheme, inputs, names)
        t2 = time.perf_counter()
        results.store(office, program, group, in_force, inputs, scored)
        db.session.commit()
        t3 = time.perf_counter()
        assert not problems and len(scored.units) == units
        db.session.remove()
        db.engine.dispose()
    return t1 - t0, t2 - t1, t3 - t2, built


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    targets = [("SQLite", None)]
    if os.environ.get("WFAPP_TEST_DATABASE_URL"):
        targets.append(("PostgreSQL", os.environ["WFAPP_TEST_DATABASE_URL"]))
    for label, pg in targets:
        print(
            f"{label}: assemble from the database + evaluate + store the version "
            f"({INDICATORS} indicators × {SHEETS} signed sheets per unit)"
        )
        print(
            f"{'units':>8} {'assemble':>9} {'evaluate':>9} {'store':>8} {'total s':>8} "
            f"{'ratio':>7} {'linear':>7} {'ms/unit':>8} {'(build s)':>10}"
        )
        baseline = None
        for size in sizes:
            with tempfile.TemporaryDirectory() as tmp:
                url = _pg_scratch(pg) if pg else f"sqlite:///{Path(tmp) / 'bench.db'}"
                a, e, s, built = measure(url, size)
            total = a + e + s
            baseline = baseline or total
            print(
                f"{size:>8,} {a:>9.2f} {e:>9.2f} {s:>8.2f} {total:>8.2f} "
                f"{total / baseline:>7.1f} {size / sizes[0]:>7.1f} {total / size * 1000:>8.2f} "
                f"{built:>10.1f}"
            )


if __name__ == "__main__":
    main()
