"""Training cost estimates and step budgets, on the shipped calibration (no timing here: the
estimates against measured runs are in benchmarks/bench_budget.py)."""

from __future__ import annotations

import dataclasses

import pytest

import lossviz
from lossviz import budget
from lossviz.custom import custom_loss
from lossviz.custom.expr import OPS

HOSTILE = budget.nested_formula("logaddexp", 30)  # 472 characters, within every reader limit
DEFAULT_FORMULA = "c**2/2*log(1 + (r/c)**2)"
REGRESSION = lossviz.available_losses("regression")


def race_step(n: int, optimizer: str, others: list[str]) -> float:
    """One step of the built-in losses a formula races against."""
    return sum(budget.step_seconds(name, n, optimizer=optimizer) for name in others)


# -- formulas -------------------------------------------------------------------------------------
def test_the_hostile_formula_passes_the_reader_limits():
    assert len(HOSTILE) == 472
    custom_loss(HOSTILE)  # no FormulaError: the reader bounds size, the budget bounds cost


@pytest.mark.parametrize("optimizer", lossviz.OPTIMIZERS)
def test_an_expensive_formula_at_the_largest_settings_is_cut_or_refused(optimizer):
    loss = custom_loss(HOSTILE)
    others = race_step(210, optimizer, REGRESSION)
    plan = budget.plan_formula(loss, 210, 2000, optimizer=optimizer, others_step_s=others)
    assert plan.cut or plan.refused
    assert plan.seconds > budget.RUN_BUDGET_S
    assert plan.steps < 2000
    trained = plan.steps * (budget.step_seconds(loss, 210, optimizer=optimizer) + others)
    assert trained <= budget.RUN_BUDGET_S
    assert "fewer nested logaddexp" in plan.message
    assert "2,000 steps on 210 points" in plan.message


@pytest.mark.parametrize("formula", ["r**2", DEFAULT_FORMULA])
@pytest.mark.parametrize("optimizer", lossviz.OPTIMIZERS)
def test_a_cheap_formula_at_the_default_settings_trains_every_step(formula, optimizer):
    # The custom section's defaults: 40 points and 3 outliers, 300 steps, MSE, MAE, Huber.
    loss = custom_loss(formula, c=1.0) if "c" in formula else custom_loss(formula)
    others = race_step(43, optimizer, ["mse", "mae", "huber"])
    plan = budget.plan_formula(loss, 43, 300, optimizer=optimizer, others_step_s=others)
    assert (plan.steps, plan.cut, plan.refused, plan.message) == (300, False, False, "")


@pytest.mark.parametrize("formula", ["r**2", DEFAULT_FORMULA])
def test_a_cheap_formula_trains_every_step_even_at_the_largest_settings(formula):
    loss = custom_loss(formula, c=1.0) if "c" in formula else custom_loss(formula)
    others = race_step(210, "adam", REGRESSION)
    plan = budget.plan_formula(loss, 210, 2000, optimizer="adam", others_step_s=others)
    assert not plan.cut
    assert not plan.refused


def test_a_formula_that_cannot_afford_a_handful_of_steps_is_refused_with_the_reason():
    loss = custom_loss(HOSTILE)
    per_step = budget.step_seconds(loss, 210, optimizer="adam")
    plan = budget.plan_formula(loss, 210, 2000, optimizer="adam", budget=5 * per_step)
    assert plan.refused
    assert plan.steps == 0
    assert plan.message.startswith("This formula is too expensive to train here: about ")
    assert plan.message.endswith(
        "s for 2,000 steps on 210 points; shorten it (fewer nested logaddexp) or lower the "
        "steps."
    )


def test_constant_parts_of_a_formula_cost_no_time_per_point():
    profile = budget.formula_profile(custom_loss(DEFAULT_FORMULA, c=1.0))
    calls, arrays = profile["pow"]
    assert arrays < calls  # c**2 works on one number, (r/c)**2 on the data
    assert budget.formula_profile(custom_loss("r**2")) == {"pow": (1, 1), "mul": (1, 1)}


@pytest.mark.parametrize("optimizer", ["gd", "adam", "sgd"])
def test_a_step_is_charged_the_formula_work_fit_does(optimizer):
    # A formula that reads y: value and derivative at every step (and on SGD's batch), each
    # evaluation with the addition that builds yhat.
    cal = budget.default_calibration()

    def yhat(n):
        return (cal.op_call_s["add"] + n * cal.op_point_s["add"]) * cal.formula_margin

    of_y = custom_loss("c*log(cosh((yhat - y)/c))", c=1.5)
    step = budget.formula_step_seconds(of_y, 200, optimizer=optimizer)
    once = budget.formula_seconds(of_y, 200) + yhat(200)
    batch = budget.formula_seconds(of_y, 32) + yhat(32) if optimizer == "sgd" else 0.0
    assert step == pytest.approx(once + batch)
    # The same formula in r alone trains on its slope: the derivative every step, the value
    # (with SGD the full-data slope too) after the loop in blocks, where its per-call costs
    # are shared by a block's steps; the loop evaluates the value where it looks (1 in 16).
    in_r = custom_loss("c*log(cosh(r/c))", c=1.5)
    assert budget.formula_step_seconds(in_r, 200, optimizer=optimizer) < step
    free = dataclasses.replace(cal, op_call_s=dict.fromkeys(cal.op_call_s, 0.0), entry_s=0.0)
    whole = budget.formula_seconds(in_r, 200, calibration=free)  # value and slope, per point
    # Every point's value and slope is still computed: their per-point cost stays whole.
    assert budget.formula_step_seconds(in_r, 200, optimizer=optimizer, calibration=free) >= whole
    no_calls = {"op_call_s": dict.fromkeys(cal.op_call_s, 0.0), "entry_s": 0.0}
    assert budget.formula_step_seconds(
        in_r, 4096, optimizer=optimizer, calibration=dataclasses.replace(cal, **no_calls)
    ) < budget.formula_step_seconds(in_r, 4096, optimizer=optimizer, calibration=cal)


def test_expensive_functions_weigh_more_than_arithmetic():
    cal = budget.default_calibration()
    for op in ("exp", "log", "logaddexp", "sigmoid", "hypot"):
        assert cal.op_point_s[op] > cal.op_point_s["add"]
    cheap = budget.formula_operations(custom_loss("r*r + r"))
    assert budget.formula_operations(custom_loss("logaddexp(r, 0) + r")) > 3 * cheap


def test_estimates_grow_with_points_steps_and_nesting():
    loss = custom_loss("log(1 + r**2)")
    assert budget.step_seconds(loss, 200) > budget.step_seconds(loss, 20)
    assert budget.estimate_seconds(loss, 50, 2000) == pytest.approx(
        2 * budget.estimate_seconds(loss, 50, 1000)
    )
    costs = [budget.step_seconds(custom_loss(budget.nested_formula("logaddexp", k)), 100)
             for k in (1, 10, 30)]
    assert costs == sorted(costs)
    assert costs[-1] > 10 * costs[0]


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        (HOSTILE, ("logaddexp", True)),
        ("maximum(exp(r), r) + exp(-r)", ("exp", False)),
        (budget.nested_formula("max", 30), ("max", True)),
        ("r**2 + 3*r", ("", False)),
    ],
)
def test_the_costliest_function_is_named(formula, expected):
    assert budget.costliest_function(custom_loss(formula)) == expected


# -- built-in losses and sections ---------------------------------------------------------------
@pytest.mark.parametrize("name", lossviz.available_losses("regression")
                         + lossviz.available_losses("classification"))
@pytest.mark.parametrize("optimizer", lossviz.OPTIMIZERS)
def test_every_built_in_loss_and_optimizer_has_an_estimate(name, optimizer):
    by_name = budget.step_seconds(name, 200, optimizer=optimizer)
    by_object = budget.step_seconds(lossviz.get_loss(name), 200, optimizer=optimizer)
    assert 0 < by_name == by_object < 1e-3
    bigger = budget.step_seconds(name, 200, optimizer=optimizer, params=16, validation_points=20)
    assert bigger > by_name


@pytest.mark.parametrize("optimizer", lossviz.OPTIMIZERS)
def test_a_bigger_model_costs_its_update_per_parameter_whatever_the_points(optimizer):
    # Adam's update is a dozen operations per parameter: a degree-15 polynomial pays it on
    # 14 more parameters than a line, on 16 points as on 200 (the stopping page's runs).
    cal = budget.default_calibration()
    assert set(cal.param_s) == set(lossviz.OPTIMIZERS)
    extra = dataclasses.replace(cal, param_s={**cal.param_s, optimizer: 1e-6})
    for n, loss in ((16, "mse"), (200, "cauchy"), (200, custom_loss("log(1 + r**2)"))):
        line, poly = (budget.step_seconds(loss, n, optimizer=optimizer, params=p,
                                          calibration=extra) for p in (2, 16))
        without = budget.step_seconds(loss, n, optimizer=optimizer, params=16,
                                      calibration=dataclasses.replace(extra, param_s={}))
        assert poly - without == pytest.approx(14e-6)
        assert poly > line


def test_every_formula_operation_has_a_measured_cost():
    cal = budget.default_calibration()
    assert set(OPS) <= set(cal.op_call_s)
    assert set(OPS) <= set(cal.op_point_s)
    assert cal.formula_margin >= 1.0


def test_unknown_losses_and_optimizers_are_refused_with_what_is_allowed():
    with pytest.raises(ValueError, match="unknown optimizer 'rmsprop'; choose one of: gd"):
        budget.step_seconds("mse", 10, optimizer="rmsprop")
    with pytest.raises(ValueError, match="no measured cost for the loss 'softmax_ce'"):
        budget.step_seconds("softmax_ce", 10)


def test_the_calibration_survives_its_json_file():
    cal = budget.default_calibration()
    assert budget.Calibration.from_json(cal.to_json()) == cal
    changed = dataclasses.replace(cal, formula_margin=2 * cal.formula_margin)
    loss = custom_loss("exp(r)")
    assert budget.formula_seconds(loss, 100, calibration=changed) == pytest.approx(
        2 * budget.formula_seconds(loss, 100)
    )


# -- plans ----------------------------------------------------------------------------------------
def test_a_run_within_the_budget_is_trained_whole():
    plan = budget.plan_steps(0.0001, 2000, runs=2, budget=0.5)
    assert plan == budget.Plan(2000, 2000, pytest.approx(0.4), False, False, "",
                               budget.TIME_LIMIT_FACTOR * 0.5)


def test_a_run_over_the_budget_is_cut_to_a_multiple_of_ten_steps_and_says_so():
    plan = budget.plan_steps(0.0006, 2000, n_points=210, budget=0.5)
    assert plan.cut
    assert not plan.refused
    assert plan.steps == 830  # 0.5 / 0.0006 = 833
    assert plan.seconds == pytest.approx(1.2)
    assert plan.message == (
        "Trained 830 of 2,000 steps: all 2,000 steps on 210 points would take about 1.2 s, and "
        "one change may use 0.5 s of the shared server. To see the whole run, lower the steps, "
        "the points or the number of losses."
    )


def test_runs_and_time_already_spent_share_the_budget():
    assert budget.plan_steps(0.001, 2000, runs=5, budget=0.5).steps == 100
    assert budget.plan_steps(0.001, 2000, spent_s=0.3, budget=0.5).steps == 200
    assert budget.plan_steps(0.001, 2000, spent_s=0.6, budget=0.5).refused
    assert budget.plan_steps(0.001, 2000, budget=2.0).steps == 2000


def test_fewer_than_min_steps_is_a_refusal_but_a_short_run_that_fits_is_not():
    plan = budget.plan_steps(0.1, 2000, budget=0.5)  # 5 steps fit
    assert plan.refused
    assert plan.steps == 0
    assert "too expensive to train here: about 200 s for 2,000 steps" in plan.message
    assert budget.plan_steps(0.1, 5, budget=0.5).steps == 5  # asked for 5, all fit
    assert budget.plan_steps(0.1, 2000, min_steps=5, budget=0.5).steps == 5


@pytest.mark.parametrize(
    ("cost", "steps", "match"),
    [(-1.0, 10, "cost_per_step_s must be"), (float("nan"), 10, "cost_per_step_s must be"),
     (float("inf"), 10, "cost_per_step_s must be"), (0.001, -1, "steps must be 0 or more")],
)
def test_nonsense_plans_are_refused(cost, steps, match):
    with pytest.raises(ValueError, match=match):
        budget.plan_steps(cost, steps)
