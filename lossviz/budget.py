"""What a training run will cost the server, before it runs, and how many steps fit a budget.

A class shares one server: a student whose change trains for seconds makes everyone else
wait. So every section estimates the server time (CPU time of the thread that runs the
script) of the training a change asks for, and trains at most ``RUN_BUDGET_S`` of it: all
the steps when they fit, fewer when they do not (the page says so), none when even a few
steps would not fit (the page says why).

The estimate of one step of ``lossviz.fit`` is a sum of measured parts:

- the training loop around the loss, per optimizer: a fixed part and a part per point;
- the model's two products (predictions and gradient): per point and parameter;
- the loss: for a built-in loss its whole step is measured, per loss and optimizer; for a
  formula (``CustomLoss``), the operations its value and exact derivative run (each a numpy
  call: a fixed part per call and a part per point, measured per operation, so
  ``logaddexp`` on 200 points costs about seven additions) plus the tape's bookkeeping,
  counted as ``fit`` runs them (``formula_step_seconds``: a formula in ``r`` or ``m`` alone
  trains on its slope and has its values computed after the loop), times a margin
  measured on trained reference formulas (training reaches values, such as exp
  underflowing, where numpy is slower than on the calibration's data);
- validation data, when given: one more evaluation of the loss per step.

The parts were measured on the server this was written for by ``calibrate()`` (run
``python benchmarks/bench_budget.py --write`` to measure again after changing training or
moving to another machine; it prints the estimates against measured runs) and are kept in
``budget_calibration.json`` next to this module. Pure numpy: no streamlit import.

Example::

    from lossviz import budget, custom_loss
    loss = custom_loss("c**2/2*log(1 + (r/c)**2)", c=1.0)
    per_step = budget.step_seconds(loss, 40, optimizer="adam")
    plan = budget.plan_steps(per_step, 300)          # plan.steps == 300, plan.cut is False
"""

from __future__ import annotations

import functools
import json
import math
import platform
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from lossviz.training.descent import BLOCK_VALUES, LOOK_EVERY

# Server time one change may spend training, in seconds: with the page's own work on top, a
# rerun stays within about 0.5 s of one core.
RUN_BUDGET_S = 0.4
MIN_STEPS = 10  # fewer steps than this teach nothing: refuse instead of cutting
STEP_GRANULARITY = 10  # a cut run trains a multiple of this (the step sliders' own step)
TIME_LIMIT_FACTOR = 2.0  # a run that takes this many budgets is stopped (once fit can)
CALIBRATION_FILE = Path(__file__).with_name("budget_calibration.json")

_OPTIMIZERS = ("gd", "sgd", "momentum", "nesterov", "adam")
_DEFAULT_BATCH = 32  # lossviz.fit's mini-batch for sgd when none is given: min(32, n)


@dataclass(frozen=True)
class Calibration:
    """Measured costs, in seconds of CPU time, that the estimates add up.

    Attributes:
        op_call_s: per call of each formula operation (``lossviz.custom.expr.OPS``).
        op_point_s: per point (array element) of each formula operation.
        entry_s: a formula tape's own bookkeeping per entry (one list step in Python).
        loop_s: per optimizer, ``(per step, per point)`` of ``fit``'s loop around a formula
            loss, the formula itself taken out.
        point_param_s: per point and model parameter per step (the model's two products).
        validation_s: per step, the fixed cost of a validation evaluation.
        builtin_s: per built-in loss and optimizer, ``(per step, per point)`` of a whole step
            of ``fit`` with a linear model.
        formula_margin: measured over estimated cost of the formula part of whole training
            runs of reference formulas (the largest ratio, at least 1). Training takes
            values where numpy is slower than on the calibration's data (exp underflowing
            to subnormal numbers, overflowing to inf): this covers it.
        machine: where and when it was measured.
        param_s: per optimizer, per model parameter per step whatever the number of points
            (the update: Adam's is a dozen operations per parameter).
    """

    op_call_s: Mapping[str, float]
    op_point_s: Mapping[str, float]
    entry_s: float
    loop_s: Mapping[str, tuple[float, float]]
    point_param_s: float
    validation_s: float
    builtin_s: Mapping[str, Mapping[str, tuple[float, float]]]
    formula_margin: float = 1.0
    machine: str = ""
    param_s: Mapping[str, float] = field(default_factory=dict)

    def to_json(self) -> str:
        """The calibration as JSON text (what ``budget_calibration.json`` holds)."""
        return json.dumps(asdict(self), indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Calibration:
        data = json.loads(text)
        data["loop_s"] = {k: tuple(v) for k, v in data["loop_s"].items()}
        data["builtin_s"] = {
            name: {opt: tuple(v) for opt, v in per.items()}
            for name, per in data["builtin_s"].items()
        }
        return cls(**data)


@functools.cache
def default_calibration() -> Calibration:
    """The calibration shipped with lossviz (``budget_calibration.json``), read once."""
    return Calibration.from_json(CALIBRATION_FILE.read_text(encoding="utf-8"))


# -- estimates ------------------------------------------------------------------------------
def _is_formula(loss: Any) -> bool:
    from lossviz.custom import CustomLoss

    return isinstance(loss, CustomLoss)


def formula_profile(loss: Any) -> dict[str, tuple[int, int]]:
    """Per operation, how many numpy calls one evaluation of a formula's value and derivative
    makes: ``{op: (calls, calls on arrays)}``. Calls whose arguments are all constants run on
    single numbers (``c**2/2`` in ``c**2/2*log(1 + (r/c)**2)``) and cost no time per point.

    Counts each distinct sub-expression of the loss and its derivative once.

    Example: ``formula_profile(custom_loss("r**2"))  # {'pow': (1, 1), 'mul': (1, 1)}``
    """
    return _profile((loss.expression, loss.derivative_expression))


def _profile(trees: tuple[Any, ...]) -> dict[str, tuple[int, int]]:
    seen: dict[Any, bool] = {}  # node -> whether it is an array (depends on the data)
    out: dict[str, list[int]] = {}
    for tree in trees:
        for node in tree.walk():
            if node in seen:
                continue
            if node.op == "num" or node.op == "par":
                seen[node] = False
                continue
            if node.op == "var":
                seen[node] = True
                continue
            array = any(seen[arg] for arg in node.args)
            seen[node] = array
            calls = out.setdefault(node.op, [0, 0])
            calls[0] += 1
            calls[1] += array
    return {op: (calls, arrays) for op, (calls, arrays) in out.items()}


def _tape_seconds(trees: tuple[Any, ...], n_points: float, cal: Calibration,
                  calls: float = 1.0) -> float:
    """One run of the tape of ``trees`` on ``n_points`` points, its per-call costs (each
    operation's and the tape's bookkeeping) counted ``calls`` times."""
    nodes: set[Any] = set()
    for tree in trees:
        nodes.update(tree.walk())
    total = calls * len(nodes) * cal.entry_s
    for op, (ops, arrays) in _profile(trees).items():
        total += calls * ops * cal.op_call_s[op] + arrays * n_points * cal.op_point_s[op]
    return total


def _yhat_seconds(n_points: float, cal: Calibration) -> float:
    return (cal.op_call_s["add"] + n_points * cal.op_point_s["add"]) * cal.formula_margin


def formula_seconds(loss: Any, n_points: int, *, calibration: Calibration | None = None) -> float:
    """Estimated seconds of one evaluation of a formula's value and derivative on
    ``n_points`` points: per call ``op_call_s``, per point ``op_point_s``, plus the tape's
    bookkeeping, times ``formula_margin``.

    Example: ``formula_seconds(custom_loss("r**2"), 200)  # a few microseconds``
    """
    cal = calibration or default_calibration()
    trees = (loss.expression, loss.derivative_expression)
    return _tape_seconds(trees, n_points, cal) * cal.formula_margin


def formula_step_seconds(loss: Any, n_points: int, *, optimizer: str = "gd",
                         batch_size: int | None = None,
                         calibration: Calibration | None = None) -> float:
    """Estimated seconds a formula costs in one step of ``lossviz.fit``, as ``fit`` trains
    it (times ``formula_margin``).

    A formula that reads ``y`` or ``yhat`` evaluates its value and derivative at every step
    (and with ``sgd`` on the batch too). A formula in the residual or margin alone trains on
    its slope: the derivative at every step (on the batch with ``sgd``), the values (and
    with ``sgd`` the full-data slopes) after the loop, a block of steps per call, so that
    their per-point cost remains and their per-call cost nearly vanishes; the loop also
    evaluates the value where it looks at the loss, every 16 steps.

    Example: ``formula_step_seconds(custom_loss("r**2"), 200, optimizer="adam")``
    """
    cal = calibration or default_calibration()
    n = int(n_points)
    batch = min(_DEFAULT_BATCH if batch_size is None else int(batch_size), n)
    value, slope = (loss.expression,), (loss.derivative_expression,)
    if loss.reads_target:  # (each evaluation also builds yhat = r + y: one addition)
        total = formula_seconds(loss, n, calibration=cal) + _yhat_seconds(n, cal)
        if optimizer == "sgd":
            total += formula_seconds(loss, batch, calibration=cal) + _yhat_seconds(batch, cal)
        return total
    after = n / BLOCK_VALUES  # the share of a block's calls one step pays
    later = value + slope if optimizer == "sgd" else value
    total = (_tape_seconds(slope, batch if optimizer == "sgd" else n, cal)
             + _tape_seconds(later, n, cal, calls=after)
             + _tape_seconds(value, n, cal) / LOOK_EVERY)
    return total * cal.formula_margin


def formula_operations(loss: Any, *, calibration: Calibration | None = None) -> float:
    """Elementary operations per point of one evaluation of value and derivative: each
    numpy operation on the data counted by its measured cost per point relative to an
    addition (a power counts about 9, ``logaddexp`` about 40).

    Example: ``formula_operations(custom_loss("r**2"))  # about 11: a power and a product``
    """
    cal = calibration or default_calibration()
    unit = cal.op_point_s["add"]
    return sum(
        arrays * cal.op_point_s[op] / unit for op, (_, arrays) in formula_profile(loss).items()
    )


def step_seconds(
    loss: Any,
    n_points: int,
    *,
    optimizer: str = "gd",
    params: int = 2,
    validation_points: int = 0,
    batch_size: int | None = None,
    calibration: Calibration | None = None,
) -> float:
    """Estimated seconds of one step of ``lossviz.fit`` with ``loss`` on ``n_points``.

    ``loss`` is a built-in loss (name or object) or a ``CustomLoss``; ``params`` is the
    model's number of parameters (2 for a line; ``degree + 1`` for a polynomial; inputs of
    dimension d give d + 1); ``validation_points`` the size of the validation set (0 for
    none); ``batch_size`` the mini-batch of ``sgd`` (default as in ``fit``).

    Example: ``step_seconds("mse", 200, optimizer="adam")  # a few microseconds``
    """
    cal = calibration or default_calibration()
    if optimizer not in _OPTIMIZERS:
        raise ValueError(
            f"unknown optimizer {optimizer!r}; choose one of: {', '.join(_OPTIMIZERS)}"
        )
    n = int(n_points)
    batch = min(_DEFAULT_BATCH if batch_size is None else int(batch_size), n)
    model = max(int(params) - 2, 0) * (n * cal.point_param_s + cal.param_s.get(optimizer, 0.0))
    if _is_formula(loss):
        fixed, per_point = cal.loop_s[optimizer]
        total = fixed + per_point * n + model + formula_step_seconds(
            loss, n, optimizer=optimizer, batch_size=batch, calibration=cal)
        if validation_points:
            total += cal.validation_s + formula_seconds(loss, validation_points, calibration=cal)
            total += validation_points * int(params) * cal.point_param_s
        return total
    name = loss if isinstance(loss, str) else getattr(loss, "name", None)
    if name not in cal.builtin_s:
        raise ValueError(
            f"no measured cost for the loss {name!r}; known: {', '.join(cal.builtin_s)} and "
            "formulas (CustomLoss)"
        )
    fixed, per_point = cal.builtin_s[name][optimizer]
    total = fixed + per_point * n + model
    if validation_points:
        gd_point = cal.builtin_s[name]["gd"][1]
        total += cal.validation_s + validation_points * (gd_point + int(params) * cal.point_param_s)
    return total


def estimate_seconds(loss: Any, n_points: int, steps: int, **kwargs: Any) -> float:
    """Estimated seconds of ``lossviz.fit`` for ``steps`` steps: ``steps`` times
    ``step_seconds(loss, n_points, **kwargs)``.

    Example: ``estimate_seconds("mse", 200, 2000, optimizer="adam")``
    """
    return int(steps) * step_seconds(loss, n_points, **kwargs)


# -- plans ------------------------------------------------------------------------------------
class Plan(NamedTuple):
    """How many of the requested steps to train, and what to tell the student.

    Attributes:
        steps: steps to train: all requested, fewer (``cut``), or 0 (``refused``).
        requested: steps asked for.
        seconds: estimated server time of all requested steps, all runs together.
        cut: fewer steps than requested will be trained.
        refused: nothing will be trained: even ``MIN_STEPS`` steps do not fit.
        message: what to show ("" when every step is trained).
        time_limit_s: a backstop for each run, should an estimate be far off: pass it to
            ``fit(time_limit=...)`` once training takes one.
    """

    steps: int
    requested: int
    seconds: float
    cut: bool
    refused: bool
    message: str
    time_limit_s: float


def _seconds(value: float) -> str:
    if value >= 9.5:
        return f"{value:.0f} s"
    return f"{value:.1f} s" if value >= 0.95 else f"{value:.2f} s"


def plan_steps(
    cost_per_step_s: float,
    steps: int,
    *,
    runs: int = 1,
    budget: float = RUN_BUDGET_S,
    spent_s: float = 0.0,
    min_steps: int = MIN_STEPS,
    n_points: int | None = None,
    subject: str = "These runs are",
    advice: str = "lower the steps, the points or the number of losses",
) -> Plan:
    """Fit ``runs`` runs of ``steps`` steps, each step costing ``cost_per_step_s`` seconds,
    into ``budget`` seconds (less ``spent_s`` already used by this change).

    All runs train the same number of steps (they are compared step by step); a cut run
    trains a multiple of ``STEP_GRANULARITY`` steps, so nearby cuts share cached runs.
    Fewer than ``min_steps`` affordable steps refuse the whole request.

    Example::

        plan = plan_steps(0.0006, 2000, n_points=210)
        plan.steps, plan.cut   # (830, True)
        plan.message           # 'Trained 830 of 2,000 steps: all 2,000 would take ...'
    """
    steps = int(steps)
    if steps < 0:
        raise ValueError(f"steps must be 0 or more; got {steps}")
    if not cost_per_step_s >= 0 or not math.isfinite(cost_per_step_s):
        raise ValueError(f"cost_per_step_s must be a finite number >= 0; got {cost_per_step_s}")
    per_step = float(cost_per_step_s) * max(int(runs), 0)
    total = per_step * steps
    available = max(float(budget) - float(spent_s), 0.0)
    limit = TIME_LIMIT_FACTOR * float(budget)
    if total <= available:
        return Plan(steps, steps, total, False, False, "", limit)
    affordable = int(available / per_step)
    if affordable >= STEP_GRANULARITY:
        affordable -= affordable % STEP_GRANULARITY
    on = f" on {n_points:,} points" if n_points is not None else ""
    share = f"one change may use {float(budget):g} s of the shared server"
    if affordable < min(min_steps, steps):
        message = (
            f"{subject} too expensive to train here: about {_seconds(total)} for "
            f"{steps:,} steps{on}, and {share}; {advice}."
        )
        return Plan(0, steps, total, False, True, message, limit)
    message = (
        f"Trained {affordable:,} of {steps:,} steps: all {steps:,} steps{on} would take about "
        f"{_seconds(total)}, and {share}. To see the whole run, {advice}."
    )
    return Plan(affordable, steps, total, True, False, message, limit)


_SHORT_NAMES = {"maximum": "max", "minimum": "min"}  # as students write them


def costliest_function(
    loss: Any, *, n_points: int = 200, calibration: Calibration | None = None
) -> tuple[str, bool]:
    """The function of a formula that costs most (all its calls, by measured cost on
    ``n_points`` points), and whether it is nested in itself; ``("", False)`` for a formula
    without functions. ``maximum`` and ``minimum`` are named ``max`` and ``min``.

    Example: ``costliest_function(custom_loss("logaddexp(logaddexp(r, 0), r)"))``
    ``# ('logaddexp', True)``
    """
    from lossviz.custom.parser import FUNCTIONS

    cal = calibration or default_calibration()
    cost: dict[str, float] = {}
    nested: dict[str, bool] = {}
    for node in loss.expression.walk():
        if node.op not in FUNCTIONS:
            continue
        each = cal.op_call_s[node.op] + cal.op_point_s[node.op] * n_points
        cost[node.op] = cost.get(node.op, 0.0) + each
        inside = any(n is not node and n.op == node.op for n in node.walk())
        nested[node.op] = nested.get(node.op, False) or inside
    if not cost:
        return "", False
    name = max(cost, key=cost.__getitem__)
    return _SHORT_NAMES.get(name, name), nested[name]


def plan_formula(
    loss: Any,
    n_points: int,
    steps: int,
    *,
    optimizer: str = "gd",
    others_step_s: float = 0.0,
    budget: float = RUN_BUDGET_S,
    spent_s: float = 0.0,
    min_steps: int = MIN_STEPS,
    calibration: Calibration | None = None,
) -> Plan:
    """``plan_steps`` for a race of a formula against built-in losses: the formula's step
    (``step_seconds``) plus ``others_step_s``, the steps of the losses it is compared with.
    The message names the formula's costliest function.

    Example::

        plan_formula(hostile, 210, 2000, optimizer="adam").message
        # 'This formula is too expensive to train here: about 3.4 s for 2,000 steps on
        #  210 points; shorten it (fewer nested logaddexp) or lower the steps.'
    """
    cal = calibration or default_calibration()
    per_step = step_seconds(loss, n_points, optimizer=optimizer, calibration=cal)
    name, nested = costliest_function(loss, n_points=n_points, calibration=cal)
    shorten = "shorten it"
    if name:
        shorten += f" ({'fewer nested' if nested else 'fewer calls of'} {name})"
    others = " or compare it with fewer losses" if others_step_s > 0 else ""
    plan = plan_steps(
        per_step + others_step_s, steps, budget=budget, spent_s=spent_s, min_steps=min_steps,
        n_points=n_points, subject="This formula is",
        advice=f"{shorten}, lower the steps{others}",
    )
    if plan.refused:
        # Said the way a student reads it: the formula is the problem, not "these runs".
        message = (
            f"This formula is too expensive to train here: about {_seconds(plan.seconds)} for "
            f"{steps:,} steps on {n_points:,} points; {shorten} or lower the steps{others}."
        )
        return plan._replace(message=message)
    return plan


# -- measuring ----------------------------------------------------------------------------------
def nested_formula(function: str, levels: int) -> str:
    """``function(function(r,r*1),r*2)...``: ``levels`` nested calls, each with a new term.

    Example: ``nested_formula("max", 2)  # 'max(max(r,r*1),r*2)'``
    """
    text = "r"
    for k in range(1, levels + 1):
        text = f"{function}({text},r*{k})"
    return text


# Formulas trained to measure ``formula_margin``: the costliest the reader accepts (472
# characters of nested logaddexp) and nested max. Only long formulas: in a short one the
# formula is a few microseconds of a step and the ratio would measure the loop's noise.
REFERENCE_FORMULAS = (nested_formula("logaddexp", 30), nested_formula("max", 30))


def _cpu(func: Callable[[], object], repeats: int) -> float:
    """The least CPU time of this thread over ``repeats`` calls of ``func``: other threads
    and processes on the machine do not count, and the least is the least disturbed."""
    best = math.inf
    for _ in range(repeats):
        start = time.thread_time()
        func()
        best = min(best, time.thread_time() - start)
    return best


_POSITIVE_OPS = frozenset({"sqrt", "log", "log1p", "log2", "log10"})


def _op_args(op: str, arity: int, n: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Arguments as training meets them: signs mixed, sizes from 0.1 to 1000 (exp overflows
    and underflows there, and numpy's slow paths for inf and subnormal numbers count)."""

    def floats(positive: bool = False) -> np.ndarray:
        size = 10.0 ** rng.uniform(-1.0, 3.0, n)
        return size if positive else size * rng.choice([-1.0, 1.0], n)

    def flags() -> np.ndarray:
        return rng.uniform(size=n) < 0.5

    if op in ("and", "or", "not"):
        return [flags() for _ in range(arity)]
    if op == "where":
        return [flags(), floats(), floats()]
    if op == "pow":
        return [floats(positive=True), rng.uniform(0.5, 3.0, n)]
    return [floats(positive=op in _POSITIVE_OPS) for _ in range(arity)]


def _measure_ops(repeats: int) -> tuple[dict[str, float], dict[str, float]]:
    from lossviz.custom.expr import OPS

    rng = np.random.default_rng(0)
    # Training runs on tens to a few hundred points: measure there, not at the sizes where
    # numpy's per-element speed differs (caches, vector loops).
    small, large = 16, 512
    calls: dict[str, float] = {}
    points: dict[str, float] = {}
    with np.errstate(all="ignore"):
        for op, (arity, func) in OPS.items():
            timings = {}
            for n, loops in ((small, 2000), (large, 400)):
                args = _op_args(op, arity, n, rng)

                def run(func=func, args=args, loops=loops) -> None:
                    for _ in range(loops):
                        func(*args)

                timings[n] = _cpu(run, repeats) / loops
            per_point = max((timings[large] - timings[small]) / (large - small), 0.0)
            points[op] = per_point
            calls[op] = max(timings[small] - small * per_point, 0.0)
    return calls, points


def _measure_entry(op_call_s: Mapping[str, float], repeats: int) -> float:
    from lossviz.custom.expr import Node, Tape

    node = Node("var", name="r")
    length = 200
    for _ in range(length):
        node = Node("neg", (node,))
    tape = Tape([node])
    env = {"r": np.ones(16)}
    loops = 200

    def run() -> None:
        for _ in range(loops):
            tape.run(env)

    per_run = _cpu(run, repeats) / loops
    return max(per_run / (length + 1) - op_call_s["neg"] * length / (length + 1), 0.0)


def _fit_step(
    make: Callable[[int], tuple[np.ndarray, np.ndarray]], loss: Any, n: int, optimizer: str,
    repeats: int, steps: int = 300, **kwargs: Any,
) -> float:
    import lossviz

    x, y = make(n)

    def run() -> None:
        history = lossviz.fit(x, y, loss, optimizer=optimizer, lr=1e-3, steps=steps, seed=0,
                              **kwargs)
        if history.stop_reason != "budget":
            raise RuntimeError(f"calibration run of {loss!r} stopped early: {history.stop_reason}")

    # The run minus a run of one step: what the steps cost, without fit's setup.
    def one() -> None:
        lossviz.fit(x, y, loss, optimizer=optimizer, lr=1e-3, steps=1, seed=0, **kwargs)

    return max((_cpu(run, repeats) - _cpu(one, repeats)) / (steps - 1), 0.0)


def _regression_data(n: int) -> tuple[np.ndarray, np.ndarray]:
    import lossviz

    d = lossviz.make_regression(n, seed=0)
    return d.x, d.y


def _classification_data(n: int) -> tuple[np.ndarray, np.ndarray]:
    import lossviz

    d = lossviz.make_classification(n, dim=1, seed=0)
    return d.x, d.y


def _line(at_small: float, at_large: float, small: int, large: int) -> tuple[float, float]:
    per_point = max((at_large - at_small) / (large - small), 0.0)
    return max(at_small - small * per_point, 0.0), per_point


def calibrate(*, repeats: int = 3, progress: Callable[[str], None] | None = None) -> Calibration:
    """Measure every part of the estimates on this machine (a few seconds of CPU).

    Times are the least CPU time of the measuring thread over ``repeats`` tries, so a busy
    machine disturbs them little. ``progress`` gets a line of text per stage.
    """
    import lossviz
    from lossviz.custom import custom_loss

    say = progress or (lambda _text: None)
    say("formula operations")
    op_call_s, op_point_s = _measure_ops(repeats)
    entry_s = _measure_entry(op_call_s, repeats)
    cal = Calibration(op_call_s, op_point_s, entry_s, {}, 0.0, 0.0, {})
    small, large = 16, 1024

    say("training loop around a formula")
    square = custom_loss("r**2")
    loop_s = {}
    for optimizer in _OPTIMIZERS:
        at = {
            n: _fit_step(_regression_data, square, n, optimizer, repeats)
            - formula_step_seconds(square, n, optimizer=optimizer, calibration=cal)
            for n in (small, large)
        }
        loop_s[optimizer] = _line(at[small], at[large], small, large)

    say("reference formulas, trained")
    formula_margin = 1.0
    d = lossviz.make_regression(200, outliers=10, seed=0)
    n, steps = len(d.x), 2000
    fixed, per_point = loop_s["adam"]
    for text in REFERENCE_FORMULAS:
        loss = custom_loss(text)

        def train(loss: Any = loss) -> None:
            lossviz.fit(d.x, d.y, loss, optimizer="adam", lr=0.05, steps=steps, seed=0)

        formula = (_cpu(train, min(repeats, 2)) / steps - fixed - per_point * n)
        estimate = formula_step_seconds(loss, n, optimizer="adam", calibration=cal)
        formula_margin = max(formula_margin, formula / estimate)
    cal = Calibration(op_call_s, op_point_s, entry_s, loop_s, 0.0, 0.0, {}, formula_margin)

    say("model size and validation")
    poly = _fit_step(_regression_data, "mse", large, "gd", repeats, model="poly", degree=15)
    linear = _fit_step(_regression_data, "mse", large, "gd", repeats, model="poly", degree=1)
    point_param_s = max((poly - linear) / (large * 14), 0.0)
    param_s = {}
    for optimizer in _OPTIMIZERS:  # on few points: what the update adds per parameter
        poly, linear = (_fit_step(_regression_data, "mse", small, optimizer, repeats,
                                  model="poly", degree=degree) for degree in (15, 1))
        param_s[optimizer] = max((poly - linear) / 14 - small * point_param_s, 0.0)
    x, y = _regression_data(small)
    with_val = _fit_step(_regression_data, "mse", small, "gd", repeats,
                         validation=(x[:1], y[:1]))
    validation_s = max(with_val - _fit_step(_regression_data, "mse", small, "gd", repeats), 0.0)

    say("built-in losses")
    builtin_s: dict[str, dict[str, tuple[float, float]]] = {}
    for task, make in (("regression", _regression_data), ("classification", _classification_data)):
        for name in lossviz.available_losses(task):
            builtin_s[name] = {}
            for optimizer in _OPTIMIZERS:
                at = {n: _fit_step(make, name, n, optimizer, repeats) for n in (small, large)}
                builtin_s[name][optimizer] = _line(at[small], at[large], small, large)

    machine = (
        f"{platform.node()} {platform.machine()} {platform.processor() or ''}".strip()
        + f", Python {platform.python_version()}, numpy {np.__version__}, "
        + time.strftime("%Y-%m-%d")
    )
    return Calibration(op_call_s, op_point_s, entry_s, loop_s, point_param_s, validation_s,
                       builtin_s, formula_margin, machine, param_s)
