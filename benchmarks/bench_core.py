"""Benchmark the core: three full-batch gradient-descent fits, lossviz against PyTorch.

Fits MSE, MAE and Huber to the same 1,000 points for 1,000 full-batch GD steps each, first
with ``lossviz.fit`` (which also records parameters, loss and gradient norm at every step and
checks for divergence), then as a plain PyTorch autograd loop (forward, backward, update; it
records nothing, which favours PyTorch). Both run in float64 from the same start with the same
learning rate, and the script checks they end at the same parameters.

    python benchmarks/bench_core.py [--repeats 7] [--torch-threads 1]

PyTorch (CPU) is a benchmark-only dependency: ``pip install torch`` (the ``bench`` extra).
Timings on a shared machine are noisy: the script repeats each measurement and prints the
median and the best of the repeats.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np

import lossviz

N_POINTS = 1_000
STEPS = 1_000
LR = 0.01
LOSSES = ("mse", "mae", "huber")


def make_data() -> tuple[np.ndarray, np.ndarray]:
    data = lossviz.make_regression(N_POINTS - 10, noise=1.0, outliers=10, seed=0)
    return data.x, data.y


def lossviz_fits(x: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    return {name: lossviz.fit(x, y, name, lr=LR, steps=STEPS).final_params for name in LOSSES}


def torch_fits(torch, x: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    functional = torch.nn.functional
    criteria = {
        "mse": functional.mse_loss,
        "mae": functional.l1_loss,
        "huber": functional.huber_loss,
    }
    xt = torch.tensor(x)
    yt = torch.tensor(y)
    out = {}
    for name in LOSSES:
        criterion = criteria[name]
        w = torch.zeros((), dtype=torch.float64, requires_grad=True)
        b = torch.zeros((), dtype=torch.float64, requires_grad=True)
        for _ in range(STEPS):
            loss = criterion(xt * w + b, yt)
            loss.backward()
            with torch.no_grad():
                w -= LR * w.grad
                b -= LR * b.grad
            w.grad = None
            b.grad = None
        out[name] = np.array([w.item(), b.item()])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument(
        "--torch-threads",
        type=int,
        default=1,
        help="torch.set_num_threads (default 1: at 1,000 points a second thread does not make "
        "PyTorch faster here, and numpy runs these matrix-vector products on one thread too)",
    )
    args = parser.parse_args()
    x, y = make_data()
    print(
        f"lossviz {lossviz.__version__}, numpy {np.__version__}, Python "
        f"{platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPU(s)"
    )
    print(
        f"{len(LOSSES)} fits ({', '.join(LOSSES)}) x {STEPS:,} full-batch GD steps on "
        f"{N_POINTS:,} points, lr {LR}; {args.repeats} repeats, lossviz and PyTorch alternating"
    )
    try:
        import torch
    except ImportError:
        torch = None
        print("  PyTorch is not installed (pip install torch, CPU build): lossviz only")
    else:
        torch.set_num_threads(args.torch_threads)

    ours_params = lossviz_fits(x, y)  # warm-up: first-call imports and allocations
    torch_params = torch_fits(torch, x, y) if torch is not None else None
    ours, theirs = [], []
    for _ in range(args.repeats):
        # Alternating the two keeps them under the same load on a shared machine.
        start = time.perf_counter()
        lossviz_fits(x, y)
        ours.append(time.perf_counter() - start)
        if torch is not None:
            start = time.perf_counter()
            torch_fits(torch, x, y)
            theirs.append(time.perf_counter() - start)

    def ms(values: list[float]) -> str:
        return f"median {1e3 * statistics.median(values):7.2f} ms, best {1e3 * min(values):7.2f} ms"

    print(f"  lossviz total:  {ms(ours)}")
    verdict = "met" if 1e3 * statistics.median(ours) < 30 else "missed"
    print(f"  target under 30 ms (median): {verdict}")
    if torch is None:
        return
    print(
        f"  PyTorch total:  {ms(theirs)}  (torch {torch.__version__}, float64, "
        f"{torch.get_num_threads()} thread(s), plain autograd loop)"
    )
    ratios = [t / o for o, t in zip(ours, theirs, strict=True)]
    print(
        f"  lossviz is {statistics.median(ratios):.1f}x faster (median of the paired runs; "
        f"{statistics.median(theirs) / statistics.median(ours):.1f}x by medians, "
        f"{min(theirs) / min(ours):.1f}x by bests)"
    )
    verdict = "met" if statistics.median(ratios) >= 20 else "missed"
    print(f"  target at least 20x (median pair): {verdict}")
    gap = max(float(np.max(np.abs(ours_params[k] - torch_params[k]))) for k in LOSSES)
    print(f"  same result: largest difference between final parameters {gap:.1e}")


if __name__ == "__main__":
    main()
