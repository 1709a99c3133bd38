"""What each lesson step claims, computed with lossviz from the step's own settings.

A lesson step names its claim (``claim = "mse_outlier_pull"`` in the lesson file). The claim
function takes the step's settings (every parameter of the app: its defaults, then the
step's ``set``) and returns a ``Claim``: the right answer (for a choice, which one, counting
from 1; for a number, its value) and the numbers the step's text quotes, formatted as the
text writes them. The tests (``tests/test_lesson_steps.py``) compute every claim and check
that the file agrees: the right choice, and every number in its text either quoted by the
claim or a setting of the step. The app uses the same claims for a number question's truth.

Pure numpy, no streamlit: the numbers are the ones the pages draw (the same data generators
and the same exact best lines).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import numpy as np

import lossviz
from lossviz.classify import boundary_change
from lossviz.experiments import cross_validate, curvature_bound, robust_line, slider_units
from lossviz.losses import OUTLIER_LOSSES as LOSSES

# Huber's delta for 95% efficiency on Gaussian noise, in units of the noise's spread
# (Huber 1964; the "1.345" of statsmodels' HuberT and scikit-learn's HuberRegressor).
HUBER_EFFICIENT_DELTA = 1.345
# The CYG OB1 stars' red giants are the only ones with a log temperature below this
# (assets/data/stars_cyg_ob1.toml; tests/test_datasets.py checks it).
STARS_GIANT_BELOW = 3.6


class Claim(NamedTuple):
    """The answer of a step (a choice's number from 1, or a value) and its quoted numbers."""

    answer: float
    quotes: tuple[str, ...] = ()


Settings = Mapping[str, Any]
CLAIMS: dict[str, Callable[[Settings], Claim]] = {}


def claim(func: Callable[[Settings], Claim]) -> Callable[[Settings], Claim]:
    """Register ``func`` under its name."""
    CLAIMS[func.__name__] = func
    return func


def compute(name: str, settings: Settings) -> Claim:
    """The claim ``name`` for ``settings``; ``KeyError`` names an unknown claim."""
    if name not in CLAIMS:
        raise KeyError(f"no claim {name!r}; known: {', '.join(sorted(CLAIMS))}")
    return CLAIMS[name](settings)


# -- the regression page ----------------------------------------------------------------------
def _data(v: Settings, **over: Any) -> lossviz.RegressionData:
    s = {**v, **over}
    outliers = s["reg_outliers"] if s["reg_outliers_on"] else 0
    return lossviz.make_regression(s["reg_n"], noise=s["reg_noise"], outliers=outliers,
                                   outlier_shift=s["reg_shift"], outlier_place=s["reg_place"],
                                   seed=s["reg_seed"])


def _lines(d: lossviz.RegressionData, delta: float) -> dict[str, np.ndarray]:
    return {n: robust_line(d.x, d.y, n, delta=delta) for n in LOSSES}


def _moves(v: Settings, shift: float, place: str = "right") -> dict[str, np.ndarray]:
    """How far one outlier at ``shift`` moves each loss's best line: (dslope, dintercept)."""
    clean = _lines(_data(v, reg_outliers_on=False), v["reg_delta"])
    moved = _lines(_data(v, reg_outliers_on=True, reg_outliers=1, reg_shift=shift,
                         reg_place=place), v["reg_delta"])
    return {n: moved[n] - clean[n] for n in LOSSES}


@claim
def mse_moves_most(v: Settings) -> Claim:
    """Which best line one outlier 20 above the line moves most (1 MSE, 2 MAE, 3 Huber)."""
    moves = _moves(v, 20.0)
    slope = [abs(float(moves[n][0])) for n in LOSSES]
    return Claim(1 + int(np.argmax(slope)), ("20", f"{slope[0]:.2f}", f"{slope[1]:.2f}"))


@claim
def mse_outlier_pull(v: Settings) -> Claim:
    """How hard the outlier pulls on the MSE best line (2|r|), and a typical clean point."""
    d = _data(v)
    w, b = robust_line(d.x, d.y, "mse")
    pull = np.abs(2 * (w * d.x + b - d.y))
    out = float(pull[d.is_outlier][0])
    typical = float(np.median(pull[~d.is_outlier]))
    return Claim(out, (f"{out:.0f}", f"{typical:.1f}"))


@claim
def mse_move_ratio(v: Settings) -> Claim:
    """How many times further the MSE slope moves with the outlier at 60 than at 20."""
    far, near = _moves(v, v["reg_shift"]), _moves(v, 20.0)
    ratio = float(far["mse"][0] / near["mse"][0])
    return Claim(ratio, ("20", f"{near['mse'][0]:.2f}", f"{far['mse'][0]:.2f}",
                         f"{abs(far['mae'][0]):.2f}"))


@claim
def middle_moves_intercept(v: Settings) -> Claim:
    """Whether an outlier in the middle moves the MSE line's slope (1) or intercept (2) more."""
    moves = _moves(v, v["reg_shift"], v["reg_place"])
    dw, db = (abs(float(m)) for m in moves["mse"])
    return Claim(2 if db > dw else 1, (f"{dw:.2f}", f"{db:.2f}"))


def _real(v: Settings) -> tuple[np.ndarray, np.ndarray, float]:
    """The regression page's real data for these settings: its feature (``reg_feature``,
    the set's first when it names none of them), its target, and Huber's δ there (the
    slider's value times the set's unit, as the page computes it)."""
    from lossviz import datasets

    ds = datasets.load(v["reg_data"])
    feature = v["reg_feature"] if v["reg_feature"] in ds.feature_names else ds.feature_names[0]
    x, y = np.asarray(ds.column(feature), float), np.asarray(ds.y, float)
    return x, y, v["reg_delta"] * slider_units(x, y).delta


@claim
def stars_mse_tilt(v: Settings) -> Claim:
    """Which way the MSE line through all the CYG OB1 stars tilts: up (1) or down (2); the
    slopes of the three lines, and of the MSE line through the main sequence alone."""
    x, y, delta = _real(v)
    w = {n: float(robust_line(x, y, n, delta=delta)[0]) for n in LOSSES}
    main = x >= STARS_GIANT_BELOW
    clean = float(robust_line(x[main], y[main], "mse")[0])
    return Claim(1 if w["mse"] > 0 else 2,
                 (f"{abs(w['mse']):.3g}", f"{abs(w['mae']):.3g}", f"{abs(w['huber']):.3g}",
                  f"{clean:.3g}", f"{len(x)}", f"{int(main.sum())}", f"{int((~main).sum())}",
                  f"{STARS_GIANT_BELOW:g}"))


@claim
def engel_mae_steeper(v: Settings) -> Claim:
    """Whose best line is steeper on Engel's households: MSE's (1) or MAE's (2); the slopes,
    the richest household's residual on the MSE line and the MSE slope without it."""
    x, y, delta = _real(v)
    w = {n: robust_line(x, y, n, delta=delta) for n in LOSSES}
    rich = int(np.argmax(x))
    r = float(w["mse"][0] * x[rich] + w["mse"][1] - y[rich])
    rest = np.arange(len(x)) != rich
    without = float(robust_line(x[rest], y[rest], "mse")[0])
    return Claim(2 if w["mae"][0] > w["mse"][0] else 1,
                 (f"{w['mse'][0]:.3g}", f"{w['mae'][0]:.3g}", f"{w['huber'][0]:.3g}",
                  f"{len(x)}", f"{x[rich]:.0f}", f"{r:.0f}", f"{without:.3g}", f"{delta:g}"))


@claim
def folds_spread(v: Settings) -> Claim:
    """Whose line moves most over five fits, each without a fifth of the points (the page's
    cross-validation): MSE's (1), MAE's (2) or Huber's (3); each loss's lowest and highest
    slope and their spread, and the number of points."""
    x, y, delta = _real(v)
    cv = cross_validate(x, y, delta=max(delta, 1e-3))
    spread = cv.slope_spread
    quotes = [f"{len(x)}"]
    for j in range(len(LOSSES)):
        quotes += [f"{cv.slopes[j].min():.3g}", f"{cv.slopes[j].max():.3g}", f"{spread[j]:.3g}"]
    return Claim(int(np.argmax(spread)) + 1, tuple(quotes))


def _huber_closest(v: Settings) -> tuple[int, dict[str, float]]:
    lines = _lines(_data(v), v["reg_delta"])
    slope = {n: float(lines[n][0]) for n in LOSSES}
    gaps = [abs(slope["huber"] - slope["mse"]), abs(slope["huber"] - slope["mae"])]
    return 1 + int(np.argmin(gaps)), slope


@claim
def huber_follows(v: Settings) -> Claim:
    """Whose best line Huber's follows at the step's delta (1 MSE, 2 MAE)."""
    which, slope = _huber_closest(v)
    return Claim(which, tuple(f"{slope[n]:.2f}" for n in LOSSES))


@claim
def huber_cap(v: Settings) -> Claim:
    """Huber's pull on the outlier against a point 3 off: larger (1), smaller (2), same (3)."""
    d = _data(v)
    w, b = robust_line(d.x, d.y, "huber", delta=v["reg_delta"])
    huber = lossviz.get_loss("huber", delta=v["reg_delta"])
    r_out = float((w * d.x + b - d.y)[d.is_outlier][0])
    pulls = huber.derivative(np.array([abs(r_out), 3.0]))
    same = math.isclose(float(pulls[0]), float(pulls[1]))
    return Claim(3 if same else (1 if pulls[0] > pulls[1] else 2), (f"{abs(r_out):.0f}",))


@claim
def huber_becomes_mse(v: Settings) -> Claim:
    """Whose line Huber's matches once delta exceeds every residual (1 MSE, 2 MAE)."""
    d = _data(v)
    mse = robust_line(d.x, d.y, "mse")
    r = np.abs(mse[0] * d.x + mse[1] - d.y)
    huge = robust_line(d.x, d.y, "huber", delta=2 * float(r.max()))
    which = 1 if np.allclose(huge, mse, rtol=0, atol=1e-9) else 2
    return Claim(which, (f"{float(r[d.is_outlier].max()):.0f}",
                         f"{HUBER_EFFICIENT_DELTA:g}"))


def _gd(v: Settings, name: str, **over: Any) -> lossviz.History:
    s = {**v, **over}
    d = _data(s)
    loss = lossviz.get_loss(name, **({"delta": s["reg_delta"]} if name == "huber" else {}))
    return lossviz.fit(d.x, d.y, loss, optimizer=s["reg_optimizer"], lr=s["reg_lr"],
                       steps=s["reg_steps"], seed=0)


def _floor(v: Settings) -> float:
    d = _data(v)
    w, b = robust_line(d.x, d.y, "mse")
    return float(np.mean((w * d.x + b - d.y) ** 2))


@claim
def too_small_a_step(v: Settings) -> Claim:
    """Has GD reached the bottom of the MSE bowl in the budget: yes (1) or no (2)."""
    h = _gd(v, "mse")
    best = _floor(v)
    return Claim(1 if h.loss[-1] < 1.01 * best else 2,
                 (f"{float(h.loss[-1]):.1f}", f"{best:.3f}"))


@claim
def the_loss_flattens(v: Settings) -> Claim:
    """The training loss on a log axis: a straight line (1), a curve that flattens (2),
    a zigzag (3)."""
    h = _gd(v, "mse")
    best = _floor(v)
    excess = h.loss - best
    factor = float((excess[60] / excess[40]) ** (1 / 20))
    flat = h.loss[80] - best < 1e-4 * best
    zigzag = bool(np.any(np.diff(h.loss) > 0))
    answer = 3 if zigzag else (2 if flat else 1)
    return Claim(answer, (f"{best:.3f}", f"{float(h.loss[40]):.2f}", "40", "80",
                          f"{factor:.2f}"))


@claim
def mse_blows_up_geometrically(v: Settings) -> Claim:
    """Above the stable limit, what each step of plain GD does to MSE's loss above its
    minimum: shrinks it (1), multiplies it by about the same factor above 1 (2) or adds
    about the same amount (3). Quotes the factor, the limit 2/L and the step it blew up."""
    d = _data(v)
    limit = 2.0 / curvature_bound(d.x, "mse")
    h = _gd(v, "mse")
    w, b = robust_line(d.x, d.y, "mse")
    excess = h.loss[np.isfinite(h.loss)] - float(np.mean((w * d.x + b - d.y) ** 2))
    ratios = excess[1:] / excess[:-1]
    late = ratios[len(ratios) // 2:]  # once the steepest direction has taken over
    factor = float(np.median(late))
    steady = bool(np.all(np.abs(late / factor - 1) < 0.05))
    answer = 1 if factor < 1 else (2 if steady else 3)
    return Claim(answer, (f"{factor:.1f}", f"{limit:.3f}", str(h.diverged_at)))


@claim
def mae_keeps_bouncing(v: Settings) -> Claim:
    """Why MAE zigzags at a fixed step: its gradient does not shrink (1)."""
    mse, mae = _gd(v, "mse"), _gd(v, "mae")
    return Claim(1 if mae.grad_norm[-1] > 0.1 and mse.grad_norm[-1] < 1e-3 else 2)


@claim
def smaller_step_only_shrinks(v: Settings) -> Claim:
    """A ten times smaller step: cures the bouncing (1) or only shrinks it (2)."""
    big = _gd(v, "mae", reg_lr=10 * v["reg_lr"], reg_steps=300)
    small = _gd(v, "mae")

    def wobble(h: lossviz.History) -> float:
        tail = h.params[-100:, 0]
        return float(tail.max() - tail.min())

    ratio = wobble(big) / max(wobble(small), 1e-300)
    return Claim(2 if wobble(small) > 0 else 1, (f"{ratio:.0f}",))


def _stopping_runs(v: Settings, names: tuple[str, ...]) -> dict[str, lossviz.History]:
    x, y = lossviz.make_curve(v["stop_points"], noise=v["stop_noise"], seed=v["stop_seed"])
    xt, yt, _, _ = lossviz.train_validation_split(x, y, validation_fraction=v["stop_val_share"],
                                                  seed=v["stop_seed"])
    steps = v["stop_steps"]
    out = {}
    for name in names:
        schedule = (lossviz.get_schedule("exponential", gamma=0.01 ** (1 / steps))
                    if name == "exponential" else lossviz.get_schedule(name))
        out[name] = lossviz.fit(xt, yt, v["stop_loss"], model="poly", degree=v["stop_degree"],
                                optimizer=v["stop_optimizer"], lr=v["stop_lr"], steps=steps,
                                schedule=schedule, seed=v["stop_seed"])
    return out


@claim
def decay_settles_above(v: Settings) -> Claim:
    """Decaying schedules settle (2: a little above the lowest loss the constant run passed
    through; 3: at it); 1: the constant run settles."""
    runs = _stopping_runs(v, ("constant", "exponential", "cosine"))
    final = {k: float(h.loss[-1]) for k, h in runs.items()}
    lowest = float(runs["constant"].loss.min())
    tail = runs["constant"].loss[-v["stop_steps"] // 10:]
    bouncing = tail.max() - tail.min() > 0.2 * tail.min()
    above = min(final["exponential"], final["cosine"]) > lowest
    answer = 1 if not bouncing else (2 if above else 3)
    return Claim(answer, (f"{final['exponential']:.3f}", f"{final['cosine']:.3f}",
                          f"{lowest:.3f}", f"{float(tail.mean()):.2f}"))


# -- the classification page ------------------------------------------------------------------
def _clf_fits(v: Settings) -> tuple[dict, dict]:
    dim = 1 if v["clf_dim"] == "1-D" else 2
    d = lossviz.make_classification(v["clf_n"], dim=dim, separation=v["clf_separation"],
                                    flip=v["clf_flip"], flip_class=v["clf_flip_class"],
                                    seed=v["clf_seed"])
    clean_y = np.where(d.is_flipped, 1 - d.y, d.y)
    fits, clean = {}, {}
    for name in v["clf_losses"]:
        kw = dict(optimizer=v["clf_optimizer"], lr=v["clf_lr"], steps=v["clf_steps"], seed=0)
        fits[name] = lossviz.fit(d.x, d.y, name, **kw)
        clean[name] = lossviz.fit(d.x, clean_y, name, **kw)
    return fits, clean


@claim
def boundaries_agree(v: Settings) -> Claim:
    """On clean labels the boundaries roughly agree (1) or not (2)."""
    fits, _ = _clf_fits(v)
    params = [h.final_params for h in fits.values()]
    worst = max(boundary_change(a, b).angle for a in params for b in params)
    return Claim(1 if abs(worst) < 10 else 2, (f"{abs(worst):.0f}°",))


@claim
def dragged_furthest(v: Settings) -> Claim:
    """Which boundary the flipped labels drag furthest (the order of clf_losses, from 1)."""
    fits, clean = _clf_fits(v)
    moved = {n: boundary_change(clean[n].final_params, fits[n].final_params) for n in fits}
    order = list(v["clf_losses"])
    which = 1 + order.index(max(moved, key=lambda n: moved[n].size))
    quotes = []
    for n in ("exponential", "cross_entropy", "hinge"):
        if n in moved:
            quotes += [f"{abs(moved[n].angle):.0f}°", f"{abs(moved[n].shift):.2f}"]
    return Claim(which, tuple(quotes))


@claim
def still_pushing_at_three(v: Settings) -> Claim:
    """Which losses still push a point at margin m = 3, well on the right side: all three
    (1), cross-entropy and exponential but not hinge (2), none (3). Quotes the slopes of
    cross-entropy (in bits when the page shows bits) and exponential there."""
    m = np.array([3.0])
    ce, hinge, exp = (float(lossviz.get_loss(n).derivative(m)[0])
                      for n in ("cross_entropy", "hinge", "exponential"))
    if v["clf_bits"]:
        ce /= math.log(2)
    pushing = [s != 0.0 for s in (ce, hinge, exp)]
    answer = 1 if all(pushing) else (2 if pushing == [True, False, True] else 3)
    return Claim(answer, (f"{abs(ce):.3f}", f"{abs(exp):.3f}"))


@claim
def digits_margins(v: Settings) -> Claim:
    """On the handwritten digits, whose training images end with the larger margins:
    cross-entropy's (1) or the multiclass hinge's (2); both medians, the share of images
    the hinge leaves at margin 1 or more, and both held-out accuracies."""
    from lossviz.figures.multiclass import MULTICLASS, DigitsFit, digits_data, digits_split
    from lossviz.limits import MAX_DIGIT_IMAGES

    x, y, x_test, y_test = digits_split(MAX_DIGIT_IMAGES)
    n = v["clf_digit_n"]
    fits = [DigitsFit(name, lossviz.fit(x[:n], y[:n], name, optimizer=v["clf_optimizer"],
                                        lr=v["clf_lr"], steps=v["clf_steps"],
                                        seed=0).final_params)
            for name in MULTICLASS]
    data = digits_data(x[:n], y[:n], x_test, y_test, fits, MULTICLASS[0])
    ce, hinge = (float(np.median(m)) for m in data.margins)
    content = float(np.mean(data.margins[1] >= 1.0 - 1e-9))
    return Claim(1 if ce > hinge else 2,
                 (f"{ce:.2f}", f"{hinge:.2f}", f"{100 * content:.0f}",
                  f"{100 * data.accuracy[0]:.1f}", f"{100 * data.accuracy[1]:.1f}",
                  f"{data.n_test}"))


# -- the custom-loss page ---------------------------------------------------------------------
def _custom(v: Settings) -> lossviz.Loss:
    task = v["custom_task"]
    formula = v["custom_formula_r"] if task == "regression" else v["custom_formula_m"]
    names = {v[f"custom_p{i}_name"]: v[f"custom_p{i}_value"] for i in (1, 2, 3)
             if v[f"custom_p{i}_name"] and v[f"custom_p{i}_name"] in formula}
    return lossviz.custom_loss(formula, task, **names)


@claim
def same_as_builtin(v: Settings) -> Claim:
    """Your formula against the built-in it rewrites: the same to the last digit (1), close
    (2), different (3)."""
    mine = _custom(v)
    task = v["custom_task"]
    builtin = lossviz.get_loss((v["custom_compare_r"] if task == "regression"
                                else v["custom_compare_m"])[0])
    z = np.linspace(-v["custom_range"], v["custom_range"], 401)
    gap = max(float(np.max(np.abs(mine.elementwise(z) - builtin.elementwise(z)))),
              float(np.max(np.abs(mine.derivative(z) - builtin.derivative(z)))))
    return Claim(1 if gap == 0.0 else (2 if gap < 1e-9 else 3))


@claim
def pull_at_ten(v: Settings) -> Claim:
    """The pull of your loss on a point 10 units away (its derivative at r = 10)."""
    return Claim(float(_custom(v).derivative(np.array([10.0]))[0]), ("10",))


@claim
def gentler_than_mse(v: Settings) -> Claim:
    """Your loss's pull at r = 10 against MSE's: more (1) or less (2) sensitive."""
    mine = float(_custom(v).derivative(np.array([10.0]))[0])
    mse = float(lossviz.get_loss("mse").derivative(np.array([10.0]))[0])
    return Claim(1 if mine > mse else 2, ("10", f"{mine:.1f}", f"{mse:.0f}"))
