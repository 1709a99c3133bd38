"""Benchmark ``lossviz.solve``: exact fits on the largest regression data, and the outlier
sweep the regression lab precomputes.

1. ``solve`` for MSE, MAE and Huber (and the other solvable losses) on a generated
   10,000 x 10 regression set (heavy-tailed noise) and on every shipped regression set
   (``lossviz.datasets``: the largest is the Windsor house prices, 546 x 11),
   and for the classification losses on a 10,000 x 10 generated set.
2. The outlier sweep: the exact MSE, MAE and Huber lines for 121 outlier distances on a
   30-point set with one outlier, as ``lossviz.figures.outliers.lines_data`` computes them
   (with ``lossviz.experiments.robust_line``, batched over the distances), against ``solve``
   called once per distance and loss; and how far apart their lines are.

Each figure is the median (and the best) of ``--repeats`` runs, wall clock and this process's
CPU time, after one untimed warm-up run (which pays for importing scipy).

    python benchmarks/bench_solve.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's lossviz, before any installed one

import lossviz  # noqa: E402
from lossviz.experiments import robust_line  # noqa: E402

SWEEP_LOSSES = ("mse", "mae", "huber")
DELTA = 1.0


def timed(run: Callable[[], object], repeats: int) -> tuple[float, float, float]:
    """Median wall, best wall and median CPU seconds of ``run`` over ``repeats`` runs."""
    run()  # warm-up: imports, caches
    walls, cpus = [], []
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        run()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls), min(walls), statistics.median(cpus)


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:9.2f}"


def regression_sets() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((10_000, 10)) * np.geomspace(0.1, 100.0, 10)
    y = x @ rng.standard_normal(10) + 2.0 + rng.standard_t(2, 10_000)
    sets = {"generated 10,000 x 10": (x, y)}
    # The shipped regression sets (lossviz.datasets), the largest first.
    shipped = [lossviz.datasets.load(name) for name in lossviz.datasets.available()]
    for data in sorted((d for d in shipped if d.task == "regression"), key=lambda d: -d.x.size):
        sets[f"{data.name} {data.n} x {data.x.shape[1]}"] = (np.asarray(data.x), np.asarray(data.y))
    return sets


def classification_set() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((10_000, 10))
    y = (x @ rng.standard_normal(10) + rng.logistic(size=10_000) > 0).astype(float)
    return x, y


def bench_solve(repeats: int) -> None:
    print("solve: one exact fit (ms)")
    print(f"{'data':24} {'loss':15} {'median':>9} {'best':>9} {'cpu':>9}  method, iterations")
    regression = ["mse", "mae", "huber", "quantile", "pseudo_huber", "log_cosh"]
    cases = [(name, xy, loss) for name, xy in regression_sets().items() for loss in regression]
    cases += [("generated 10,000 x 10", classification_set(), loss)
              for loss in ("cross_entropy", "hinge", "squared_hinge", "modified_huber",
                           "exponential")]
    for data_name, (x, y), loss in cases:
        found = lossviz.solve(x, y, loss)
        wall, best, cpu = timed(lambda x=x, y=y, loss=loss: lossviz.solve(x, y, loss), repeats)
        print(f"{data_name:24} {loss:15} {ms(wall)} {ms(best)} {ms(cpu)}  "
              f"{found.method}, {found.iterations}")


def bench_sweep(repeats: int, distances: int) -> None:
    data = lossviz.make_regression(30, outliers=1, outlier_shift=20.0, seed=0)
    shifts = np.linspace(-60.0, 60.0, distances)
    moved = np.tile(data.y, (distances, 1))
    moved[:, data.is_outlier] += (shifts - 20.0)[:, None]

    def batched() -> dict[str, np.ndarray]:
        return {name: robust_line(data.x, moved, name, delta=DELTA) for name in SWEEP_LOSSES}

    def exact() -> dict[str, np.ndarray]:
        return {
            name: np.array([
                lossviz.solve(data.x, row, name, **({"delta": DELTA} if name == "huber" else {}))
                .params for row in moved
            ])
            for name in SWEEP_LOSSES
        }

    print(f"\noutlier sweep: MSE, MAE and Huber lines for {distances} outlier distances on "
          f"{data.n} points (ms)")
    print(f"{'method':46} {'median':>9} {'best':>9} {'cpu':>9}")
    for label, run in (("robust_line, batched over distances (lines_data)", batched),
                       ("solve, once per distance and loss", exact)):
        wall, best, cpu = timed(run, repeats)
        print(f"{label:46} {ms(wall)} {ms(best)} {ms(cpu)}")
    ours, theirs = exact(), batched()
    for name in SWEEP_LOSSES:
        loss = lossviz.get_loss(name, **({"delta": DELTA} if name == "huber" else {}))
        gap = float(np.abs(ours[name] - theirs[name]).max())
        worse = max(
            loss(row, np.polyval(line, data.x)) - loss(row, np.polyval(best, data.x))
            for row, line, best in zip(moved, theirs[name], ours[name], strict=True)
        )
        print(f"  {name:6} largest parameter gap {gap:.2e}; robust_line's loss above the "
              f"exact minimum by at most {worse:.2e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--distances", type=int, default=121)
    args = parser.parse_args()
    import scipy

    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"lossviz.solve benchmark, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
          f"python {platform.python_version()}, numpy {np.__version__}, "
          f"scipy {scipy.__version__}; {os.cpu_count()} cores, load average {load} "
          f"(on a shared machine the figures follow it); {args.repeats} repeats\n")
    bench_solve(args.repeats)
    bench_sweep(args.repeats, args.distances)


if __name__ == "__main__":
    main()
