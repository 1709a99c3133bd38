"""How fast the custom-loss parser refuses hostile or broken formulas.

Runs ``lossviz.custom_loss`` on every input of ``HOSTILE`` in ``tests/test_custom.py`` (deep
nesting, 100 kB of text, huge literals, statements, ...) and prints the median and worst time
of each over the repeats, slowest first. The budget is 1 s per refusal on this machine; the
unit test checks only that each is refused with a message.

    python benchmarks/bench_custom_refusal.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import time
from pathlib import Path

from lossviz.custom import FormulaError, custom_loss

BUDGET_S = 1.0


def hostile() -> dict[str, object]:
    path = Path(__file__).resolve().parents[1] / "tests" / "test_custom.py"
    spec = importlib.util.spec_from_file_location("test_custom", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.HOSTILE


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    times: dict[str, list[float]] = {}
    for _ in range(args.repeats):
        for name, formula in hostile().items():
            start = time.perf_counter()
            try:
                custom_loss(formula, p=1000.0)
            except FormulaError:
                pass
            else:
                raise SystemExit(f"{name}: accepted, but it is in the hostile list")
            times.setdefault(name, []).append(time.perf_counter() - start)
    rows = sorted(times.items(), key=lambda kv: -max(kv[1]))
    print(f"{'input':28} {'median ms':>10} {'worst ms':>10}")
    for name, ts in rows:
        print(f"{name:28} {1e3 * statistics.median(ts):10.2f} {1e3 * max(ts):10.2f}")
    over = [name for name, ts in rows if statistics.median(ts) > BUDGET_S]
    print(f"{len(rows)} inputs; over the {BUDGET_S:g} s budget (median): {over or 'none'}")


if __name__ == "__main__":
    main()
