"""The training cost estimates of ``lossviz.budget`` against measured runs.

Prints, for a set of formulas (cheap ones and hostile ones) at the custom-loss section's
largest settings, and for the heaviest settings of every section, the estimated and the
measured server time (CPU time of this thread: other programs on a shared machine do not
count), and marks what exceeds ``RUN_BUDGET_S``.

    python benchmarks/bench_budget.py            # compare with the shipped calibration
    python benchmarks/bench_budget.py --write    # measure the calibration again, save it, compare
    python benchmarks/bench_budget.py --quick    # formulas only

(From the repository root; add ``PYTHONPATH=.`` when the installed lossviz is another checkout.)

The section limits below are those of lossviz/ui/*.py when this was written (field names in
the comments); change them here when the UI changes its limits.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass

import lossviz
from lossviz import budget
from lossviz.custom import custom_loss
from lossviz.figures.classification import SURROGATES

nested = budget.nested_formula


def alternating(levels: int) -> str:
    """max and logaddexp nested in turn, as long as the formula reader allows."""
    text = "r"
    for k in range(1, levels + 1):
        text = f"{'max' if k % 2 else 'logaddexp'}({text},r*{k})"
    return text


FORMULAS = {
    "r**2": ("r**2", {}),
    "cauchy (default)": ("c**2/2*log(1 + (r/c)**2)", {"c": 1.0}),
    "huber by where": ("where(abs(r) < d, r**2/2, d*(abs(r) - d/2))", {"d": 1.0}),
    "welsch": ("c**2/2*(1 - exp(-(r/c)**2))", {"c": 2.0}),
    "30 nested logaddexp (472 chars)": (nested("logaddexp", 30), {}),
    "30 nested max": (nested("max", 30), {}),
    "30 nested max/logaddexp in turn": (alternating(30), {}),
    "max of 29 nested logaddexp": (f"max({nested('logaddexp', 29)},r)", {}),
    "logaddexp with a shared r*k": (
        "logaddexp(" * 30 + "r" + ", r*k)" * 30, {"k": 1.1}
    ),
}

# Section limits (lossviz/ui/*.py): custom_points <= 200 and custom_outliers <= 10 (210
# points), custom_steps <= 2000, custom_compare_r: all 8 regression losses.
CUSTOM_POINTS, CUSTOM_STEPS = 210, 2000


def cpu(func: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.thread_time()
        func()
        best = min(best, time.thread_time() - start)
    return best


@dataclass
class Case:
    """Runs of ``lossviz.fit`` that a section makes for one change: (loss, x, y, kwargs)."""

    name: str
    runs: list[tuple[object, object, object, dict]]

    def estimate(self) -> float:
        total = 0.0
        for loss, x, _y, kw in self.runs:
            params = kw.get("degree", 1) + 1 if kw.get("model") == "poly" else (
                (x.shape[1] if x.ndim == 2 else 1) + 1
            )
            validation = kw.get("validation")
            total += budget.estimate_seconds(
                loss, len(x), kw["steps"], optimizer=kw.get("optimizer", "gd"), params=params,
                validation_points=0 if validation is None else len(validation[0]),
                batch_size=kw.get("batch_size"),
            )
        return total

    def measure(self, repeats: int) -> float:
        def run() -> None:
            for loss, x, y, kw in self.runs:
                lossviz.fit(x, y, loss, **kw)

        return cpu(run, repeats)


def formula_cases() -> list[Case]:
    d = lossviz.make_regression(200, outliers=10, seed=0)
    kw = {"optimizer": "adam", "lr": 0.05, "steps": CUSTOM_STEPS, "seed": 0}
    return [Case(name, [(custom_loss(text, **params), d.x, d.y, kw)])
            for name, (text, params) in FORMULAS.items()]


def section_cases() -> list[Case]:
    cases = []
    reg = lossviz.make_regression(200, outliers=10, seed=0)  # reg_n <= 200, reg_outliers <= 10
    for optimizer in ("gd", "adam", "sgd"):
        # reg_gd_losses: mse, mae, huber; reg_steps <= 2000; plus the three fitted lines of
        # the data chart (FIT_STEPS = 3000, plain GD, stopping early once settled).
        runs = [(name, reg.x, reg.y, {"optimizer": optimizer, "lr": 0.01, "steps": 2000,
                                      "seed": 0}) for name in ("mse", "mae", "huber")]
        runs += [(name, reg.x, reg.y, {"lr": 0.01, "steps": 3000}) for name in
                 ("mse", "mae", "huber")]
        cases.append(Case(f"regression lab, 3 losses x 2000 steps + 3 lines x 3000, {optimizer}",
                          runs))
    clf = lossviz.make_classification(200, dim=2, flip=10, seed=0)  # clf_n <= 200, flip <= 10
    for optimizer in ("gd", "adam", "sgd"):
        # clf_losses: 5 surrogates; clf_steps <= 1000; with flipped labels, a second fit of
        # each on the clean labels.
        runs = [(name, clf.x, y, {"optimizer": optimizer, "lr": 0.1, "steps": 1000, "seed": 0})
                for y in (clf.y, 1.0 - clf.y) for name in SURROGATES]
        cases.append(Case(f"classification lab, 5 losses x 1000 steps x 2 label sets, {optimizer}",
                          runs))
    for optimizer in ("adam", "sgd"):
        # custom_compare_r: all 8 regression losses, and the formula (here the default one).
        loss = custom_loss("c**2/2*log(1 + (r/c)**2)", c=1.0)
        runs = [(name, reg.x, reg.y, {"optimizer": optimizer, "lr": 0.05, "steps": 2000,
                                      "seed": 0})
                for name in [loss, *lossviz.available_losses("regression")]]
        cases.append(Case(f"custom loss, default formula + 8 losses x 2000 steps, {optimizer}",
                          runs))
    x, y = lossviz.make_curve(200, noise=0.3, seed=1)  # stop_points <= 200
    xt, yt, xv, yv = lossviz.train_validation_split(x, y, validation_fraction=0.1, seed=1)
    for loss in ("mse", "cauchy"):
        for optimizer, batch in (("adam", None), ("sgd", 64), ("gd", None)):
            # stop_degree <= 15, stop_steps <= 5000, stop_compare: 5 schedules; the shown one
            # trains with validation, the others without.
            runs = []
            for i, schedule in enumerate(lossviz.SCHEDULES):
                kw = {"model": "poly", "degree": 15, "optimizer": optimizer, "lr": 0.05,
                      "steps": 5000, "schedule": schedule, "batch_size": batch, "seed": 1}
                if i == 0:
                    kw["validation"] = (xv, yv)
                runs.append((loss, xt, yt, kw))
            cases.append(Case(f"stopping, degree 15 x 5 schedules x 5000 steps, {loss}, "
                              f"{optimizer}", runs))
    return cases


def report(cases: list[Case], repeats: int) -> None:
    print(f"{'':62} {'estimate':>9} {'measured':>9} {'ratio':>6}")
    for case in cases:
        estimate = case.estimate()
        measured = case.measure(repeats)
        flag = "  > budget" if max(estimate, measured) > budget.RUN_BUDGET_S else ""
        print(f"{case.name:62.62} {estimate:8.3f}s {measured:8.3f}s {estimate / measured:6.2f}"
              f"{flag}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="measure and save the calibration")
    parser.add_argument("--quick", action="store_true", help="formulas only")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    if args.write:
        cal = budget.calibrate(progress=lambda text: print("measuring", text))
        budget.CALIBRATION_FILE.write_text(cal.to_json() + "\n", encoding="utf-8")
        budget.default_calibration.cache_clear()
        print(f"wrote {budget.CALIBRATION_FILE}")
    cal = budget.default_calibration()
    print(f"calibration: {cal.machine}; budget {budget.RUN_BUDGET_S} s per change\n")
    print(f"Formulas at {CUSTOM_POINTS} points, adam, {CUSTOM_STEPS} steps (one fit):")
    for name, (text, params) in FORMULAS.items():
        loss = custom_loss(text, **params)
        print(f"  {name:34} {len(text):4} chars, {budget.formula_operations(loss):7.0f} "
              "elementary operations per point")
    report(formula_cases(), args.repeats)
    print("\nWhat the custom section would do at its largest settings (formula + 8 losses):")
    others = sum(budget.step_seconds(n, CUSTOM_POINTS, optimizer="adam")
                 for n in lossviz.available_losses("regression"))
    for name, (text, params) in FORMULAS.items():
        plan = budget.plan_formula(custom_loss(text, **params), CUSTOM_POINTS, CUSTOM_STEPS,
                                   optimizer="adam", others_step_s=others)
        verdict = "refused" if plan.refused else f"cut to {plan.steps}" if plan.cut else "all"
        print(f"  {name:34} about {plan.seconds:5.2f} s -> {verdict}")
    if not args.quick:
        print("\nHeaviest settings of each section (all the fits one change can ask for):")
        report(section_cases(), args.repeats)


if __name__ == "__main__":
    main()
