"""How `evaluate` grows with the number of units (60 indicators × 5 sheets each).

    .venv/bin/python bench/bench_scoring_engine.py [--sizes 100,1000,10000] [--repeat 3]

Inputs are synthetic and built before the clock starts; the timed call is the whole of
`evaluate(scheme, data)` on plain data, parsing and checking included, under the shipped
Quanzhou scheme (trimmed mean of 5 sheets). All units sit in one group, the worst case for
ranking. Each size runs at least `--repeat` times and at least one second in all; the best run
is kept. The ratio column compares
each size with the 100-unit baseline measured in the same run: linear growth shows as a ratio
close to size / 100 and a flat time per unit.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wfapp.scoring import evaluate, load_scheme  # noqa: E402

INDICATORS = 60
SHEETS = 5
# 40 indicators of 1.5 and 20 of 2: 60 indicators that sum to 100.
WEIGHTS = [Decimal("1.5")] * 40 + [Decimal(2)] * 20


def synthetic(units: int, seed: int = 2021) -> dict[str, Any]:
    rnd = random.Random(seed)
    # Sheet scores in tenths of the weight; shared Decimal objects keep memory flat.
    pool = {w: [w * Decimal(k) / 10 for k in range(4, 11)] for w in set(WEIGHTS)}
    data = []
    for i in range(units):
        indicators = [
            {
                "code": f"{1 + j // 20}-{1 + j % 20}",
                "weight": w,
                "sheets": [rnd.choice(pool[w]) for _ in range(SHEETS)],
            }
            for j, w in enumerate(WEIGHTS)
        ]
        data.append(
            {
                "unit": f"U{i:05d}",
                "name": f"单位{i}",
                "indicators": indicators,
                "public_score": Decimal(rnd.randint(7000, 10000)) / 100,
                "bonuses": [
                    {"work": "甲", "level": rnd.choice(["city", "province"]), "reason": "x"}
                ],
                "deductions": [
                    {"item": "complaint", "occurrences": rnd.randint(0, 3), "reason": "y"}
                ],
            }
        )
    return {"groups": [{"group": "bench", "units": data}]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    scheme = load_scheme(ROOT / "config" / "schemes" / "quanzhou-2021.yaml")
    assert len(WEIGHTS) == INDICATORS and sum(WEIGHTS) == 100

    print(f"evaluate(): {INDICATORS} indicators × {SHEETS} sheets per unit, best of {args.repeat}")
    print(f"{'units':>8} {'seconds':>9} {'ratio':>8} {'linear':>8} {'ms/unit':>9}")
    evaluate(scheme, synthetic(10))  # warm up: first calls pay for imports and caches
    baseline: float | None = None
    for size in sizes:
        data = synthetic(size)
        best, spent, runs = float("inf"), 0.0, 0
        # Small sizes run more often (at least a second in all) so the baseline is not noise.
        while runs < args.repeat or spent < 1.0:
            start = time.perf_counter()
            results = evaluate(scheme, data)
            took = time.perf_counter() - start
            best, spent, runs = min(best, took), spent + took, runs + 1
            assert len(results.units) == size
        baseline = baseline or best
        linear = size / sizes[0]
        print(
            f"{size:>8,} {best:>9.3f} {best / baseline:>8.1f} {linear:>8.1f} "
            f"{best / size * 1000:>9.3f}"
        )


if __name__ == "__main__":
    main()
