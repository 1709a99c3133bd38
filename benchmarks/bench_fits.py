"""Process time of one ``lossviz.fit``, per loss and optimizer: the runs the pages train.

    python benchmarks/bench_fits.py                  # the lossviz this Python imports
    PYTHONPATH=/path/to/other/checkout python benchmarks/bench_fits.py   # another version

Each case is timed ``--repeats`` times (CPU time of this thread, so other processes on
a busy machine disturb it little) and the least is printed. To compare two versions, run
both one after the other and again in the other order: this machine's speed moves by more
than 10% within minutes.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from bench_budget import cpu  # the least CPU time of a few runs

import lossviz

CLASSIFICATION = lossviz.make_classification(100, dim=2, flip=2, seed=0)
REGRESSION = lossviz.make_regression(120, outliers=3, seed=0)
CURVE = lossviz.make_curve(120, seed=0)


def cases() -> list[tuple[str, Callable[[], object]]]:
    def line(data, loss, optimizer, steps, **kw):
        return lambda: lossviz.fit(data.x, data.y, loss, optimizer=optimizer, lr=0.05,
                                   steps=steps, seed=0, **kw)

    def poly(loss, optimizer):
        x, y = CURVE
        return lambda: lossviz.fit(x, y, loss, model="poly", degree=15, optimizer=optimizer,
                                   lr=0.01, steps=5000, seed=0)

    out = []
    for loss, optimizer in [("cross_entropy", "gd"), ("hinge", "gd"), ("squared_hinge", "gd"),
                            ("modified_huber", "adam")]:
        out.append((f"{loss}, {optimizer}, 1,000 steps, 100 points (2-D)",
                    line(CLASSIFICATION, loss, optimizer, 1000)))
    for loss, optimizer in [("log_cosh", "adam"), ("pseudo_huber", "adam"), ("tukey", "gd"),
                            ("cauchy", "adam"), ("mse", "gd")]:
        out.append((f"{loss}, {optimizer}, 1,000 steps, 120 points",
                    line(REGRESSION, loss, optimizer, 1000)))
    for loss in ("cross_entropy", "hinge"):
        out.append((f"{loss}, sgd, 2,000 steps, 100 points (2-D)",
                    line(CLASSIFICATION, loss, "sgd", 2000)))
    for loss in ("mse", "huber", "cauchy", "log_cosh"):
        out.append((f"{loss}, sgd, 2,000 steps, 120 points", line(REGRESSION, loss, "sgd", 2000)))
    small = lossviz.make_regression(40, outliers=3, seed=0)  # the custom page's default
    for loss in ("mse", "cauchy"):
        out.append((f"{loss}, sgd, 2,000 steps, 40 points", line(small, loss, "sgd", 2000)))
    for loss, optimizer in [("mse", "momentum"), ("cauchy", "nesterov")]:
        out.append((f"{loss}, {optimizer}, 2,000 steps, 120 points",
                    line(REGRESSION, loss, optimizer, 2000)))
    formulas = [
        ("Cauchy by formula", lossviz.custom_loss("c**2/2*log(1 + (r/c)**2)", c=1.0),
         REGRESSION),
        ("Huber by where",
         lossviz.custom_loss("where(abs(r) < d, r**2/2, d*(abs(r) - d/2))", d=1.0), REGRESSION),
        ("log-loss by hand", lossviz.custom_loss("log(1 + exp(-m))", "classification"),
         lossviz.make_classification(100, dim=1, flip=2, seed=0)),
        ("abs(yhat - y)", lossviz.custom_loss("abs(yhat - y)"), REGRESSION),
    ]
    for name, loss, data in formulas:
        for optimizer in ("adam", "sgd"):
            out.append((f"formula: {name}, {optimizer}, 2,000 steps",
                        line(data, loss, optimizer, 2000)))
    for loss in ("mse", "cauchy", "log_cosh"):
        for optimizer in ("sgd", "adam"):
            out.append((f"degree-15 polynomial, {loss}, {optimizer}, 5,000 steps",
                        poly(loss, optimizer)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"lossviz from {lossviz.__file__}")
    print(f"{'fit':64} {'ms':>8}")
    for name, func in cases():
        print(f"{name:64} {cpu(func, args.repeats) * 1e3:8.1f}", flush=True)


if __name__ == "__main__":
    main()
