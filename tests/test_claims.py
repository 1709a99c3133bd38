"""Numbers quoted in the lessons and docstrings, computed with lossviz.

Each test rebuilds the setting a lesson step puts on screen (the app's defaults plus the step's
``set``), computes the quantity the text quotes, and checks both the number and that the text
still quotes it: change one and the other has to follow.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import numpy as np
import pytest

import lossviz
from lossviz.classify import boundary_change
from lossviz.experiments import curvature_bound
from lossviz.figures import stopping as fs
from lossviz.figures.regression import pull_data

LESSONS = Path(__file__).resolve().parents[1] / "assets" / "lessons"


def step_text(lesson: str, title: str) -> str:
    steps = tomllib.loads((LESSONS / f"{lesson}.toml").read_text())["steps"]
    step = next(s for s in steps if s["title"] == title)
    return step["question"] + " " + step["answer"]


def assert_quotes(text: str, *quoted: str) -> None:
    for q in quoted:
        assert q in text, f"the text no longer quotes {q!r}"


# -- learning_rate.toml, "About right": the training loss flattens at the noise floor ----------
def test_learning_rate_lesson_the_loss_flattens_and_the_excess_falls_in_a_line():
    text = step_text("learning_rate", "About right")
    assert_quotes(text, "A curve that flattens", "about 0.875", "about 0.88 by step 40",
                  "flat from about step 80", "about 0.85")
    data = lossviz.make_regression(30, noise=1.0, outliers=0, seed=0)  # the lab's defaults
    h = lossviz.fit(data.x, data.y, "mse", optimizer="gd", lr=0.04, steps=200, seed=0)
    z = np.column_stack([data.x, np.ones_like(data.x)])
    best = float(np.mean((z @ np.linalg.lstsq(z, data.y, rcond=None)[0] - data.y) ** 2))
    assert round(best, 3) == 0.875
    assert round(float(h.loss[40]), 2) == 0.88
    assert h.loss[80] - best < 1e-4 * best  # flat on the chart from here
    assert h.loss[0] > 30 * best
    excess = h.loss - best
    factors = [(excess[a + 20] / excess[a]) ** (1 / 20) for a in (20, 40, 60)]
    assert all(round(f, 2) == 0.85 for f in factors)  # the same factor: a straight line


# -- ce_vs_hinge.toml, "Flip six labels": who is dragged how far --------------------------------
def test_ce_vs_hinge_lesson_cross_entropy_is_dragged_nearly_as_far_as_exponential():
    text = step_text("ce_vs_hinge", "Flip six labels")
    assert_quotes(text, "about 18° and shifts by about 1.45", "about 14° and 1.18",
                  "about 2° and 0.41")
    data = lossviz.make_classification(40, dim=2, separation=3.0, flip=6,
                                       flip_class="class 0", seed=0)
    clean_y = np.where(data.is_flipped, 1 - data.y, data.y)
    moved = {}
    for name in ("exponential", "cross_entropy", "hinge"):
        flipped = lossviz.fit(data.x, data.y, name, lr=0.1, steps=300, seed=0)
        clean = lossviz.fit(data.x, clean_y, name, lr=0.1, steps=300, seed=0)
        moved[name] = boundary_change(clean.final_params, flipped.final_params)
    assert (round(moved["exponential"].angle), round(moved["exponential"].shift, 2)) == (18, -1.45)
    assert (round(moved["cross_entropy"].angle), round(moved["cross_entropy"].shift, 2)) == (
        14, -1.18)
    assert (round(moved["hinge"].angle), round(moved["hinge"].shift, 2)) == (2, -0.41)
    size = {k: v.size for k, v in moved.items()}
    assert size["exponential"] > size["cross_entropy"] > 3 * size["hinge"]


def test_ce_vs_hinge_lesson_cross_entropy_in_bits_bounds_the_zero_one_loss():
    assert_quotes(step_text("ce_vs_hinge", "Where the losses differ: the margin picture"),
                  "where both equal 1", "stays above it everywhere")
    m = np.linspace(-5, 5, 2001)
    zero_one = lossviz.get_loss("zero_one").elementwise(m)
    in_bits = lossviz.get_loss("cross_entropy").elementwise(m) / math.log(2)
    assert np.all(in_bits >= zero_one)
    assert lossviz.get_loss("cross_entropy").elementwise(np.array([0.0]))[0] / math.log(2) == (
        pytest.approx(1.0, rel=1e-15))


def test_ce_vs_hinge_lesson_hinge_stops_pushing_beyond_its_margin():
    assert_quotes(step_text("ce_vs_hinge", "Where the losses differ: the margin picture"),
                  "exactly 0 for every m ≥ 1")
    m = np.linspace(1.0, 10.0, 901)
    assert np.all(lossviz.get_loss("hinge").derivative(m) == 0.0)
    for name in ("cross_entropy", "exponential"):  # smaller and smaller, never 0
        slope = lossviz.get_loss(name).derivative(m)
        assert np.all(slope < 0)
        assert np.all(np.diff(slope) > 0)


# -- the ZeroOne docstring: which surrogates bound the 0-1 loss ------------------------------
def test_zero_one_docstring_natural_log_cross_entropy_dips_below_it_between_minus_054_and_0():
    doc = lossviz.loss_class("zero_one").__doc__
    assert_quotes(doc, "cross-entropy only in", "-0.54")
    m = np.linspace(-6, 6, 4801)
    zero_one = lossviz.get_loss("zero_one").elementwise(m)
    for name in ("hinge", "squared_hinge", "modified_huber", "exponential"):
        assert np.all(lossviz.get_loss(name).elementwise(m) >= zero_one), name
    natural = lossviz.get_loss("cross_entropy").elementwise(m)
    below = m[natural < zero_one]
    assert below.min() == pytest.approx(-math.log(math.e - 1), abs=5e-3)
    assert round(-math.log(math.e - 1), 2) == 0.54 * -1
    assert below.max() == 0.0


# -- mae_oscillation.toml, "Let the step decay": settling is not reaching the bottom -------
def test_mae_oscillation_lesson_decaying_schedules_settle_above_the_bottom():
    text = step_text("mae_oscillation", "Let the step decay")
    assert_quotes(text, "about 0.140 (exponential) and 0.133 (cosine)", "above the 0.130",
                  "around 0.15 over the last tenth")
    # The stopping section's defaults with the step's settings (MAE, plain GD).
    x, y = lossviz.make_curve(16, noise=0.3, seed=1)
    x_train, y_train, _, _ = lossviz.train_validation_split(x, y, validation_fraction=0.3,
                                                            seed=1)
    steps = 2000
    schedules = {"constant": lossviz.get_schedule("constant"),
                 "exponential": lossviz.get_schedule("exponential", gamma=0.01 ** (1 / steps)),
                 "cosine": lossviz.get_schedule("cosine")}
    runs = {name: lossviz.fit(x_train, y_train, "mae", model="poly", degree=12,
                              optimizer="gd", lr=0.05, steps=steps, schedule=schedule, seed=1)
            for name, schedule in schedules.items()}
    final = {name: float(h.loss[-1]) for name, h in runs.items()}
    assert round(final["exponential"], 3) == 0.140
    assert round(final["cosine"], 3) == 0.133
    lowest = float(runs["constant"].loss.min())
    assert round(lowest, 3) == 0.130
    assert lowest < min(final["exponential"], final["cosine"])
    for name in ("exponential", "cosine"):  # settled: flat over the last tenth
        tail = runs[name].loss[-steps // 10:]
        assert tail.max() - tail.min() < 0.01 * tail.min(), name
    tail = fs.schedules_data(runs).tail_loss
    assert round(tail[0], 2) == 0.15  # the constant run, still bouncing
    constant_tail = runs["constant"].loss[-steps // 10:]
    assert constant_tail.max() - constant_tail.min() > 0.2 * constant_tail.min()


# -- experiments.safe_learning_rate docstring: 2 / L is sharp for MSE, not for Huber --------
def test_two_over_l_is_a_sharp_limit_for_mse_and_only_a_bound_for_huber():
    doc = lossviz.experiments.safe_learning_rate.__doc__
    assert_quotes(doc, "sharp", "1.3 x 2 / L")
    data = lossviz.make_regression(30, noise=1.0, outliers=1, outlier_shift=20.0, seed=0)
    limit = 2.0 / curvature_bound(data.x, "mse")
    below = lossviz.fit(data.x, data.y, "mse", lr=0.999 * limit, steps=3000)
    above = lossviz.fit(data.x, data.y, "mse", lr=1.001 * limit, steps=3000)
    assert not below.diverged
    assert below.loss[-1] < below.loss[0]
    assert above.loss[-1] > 1e3 * above.loss[0]  # growing
    huber = lossviz.fit(data.x, data.y, "huber", lr=1.3 * 2.0 / curvature_bound(data.x, "huber"),
                        steps=3000)
    assert not huber.diverged
    assert huber.loss[-1] - huber.loss[-51:].min() < 1e-12  # converged, not bouncing


# -- sentences of the labs' captions --------------------------------------------------------
def test_a_score_of_exactly_zero_is_a_mistake_for_either_class():
    from lossviz.classify import accuracy

    assert accuracy([0.0, 1.0], [0.0, 0.0]) == 0.0
    assert lossviz.get_loss("zero_one")([0.0, 1.0], [0.0, 0.0]) == 1.0
    assert accuracy([0.0, 1.0], [-1e-12, 1e-12]) == 1.0


def test_mae_pull_is_plus_or_minus_one_and_zero_only_at_zero():
    pull = pull_data([-3.0, -1e-9, 0.0, 1e-9, 40.0], delta=1.5).pull
    np.testing.assert_array_equal(pull["mae"], [-1.0, -1.0, 0.0, 1.0, 1.0])
    np.testing.assert_array_equal(pull["huber"], [-1.5, -1e-9, 0.0, 1e-9, 1.5])
