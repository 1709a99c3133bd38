"""When to stop: the stopping rules of ``fit``, schedules, the polynomial model, and the
``lossviz.figures.stopping`` data steps and figures built on them."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from plotly_data import plotly_array as _array
from references import reference

import lossviz
from lossviz.figures import stopping as fs
from lossviz.training import STOP_REASONS


def _overfit_split(seed: int = 1, n: int = 16):
    x, y = lossviz.make_curve(n, noise=0.3, seed=seed)
    return lossviz.train_validation_split(x, y, validation_fraction=0.3, seed=seed)


def _relative_changes(loss: np.ndarray) -> np.ndarray:
    return np.abs(np.diff(loss)) / np.abs(loss[:-1])


def _best_so_far(val: np.ndarray, t: int) -> int:
    """The step of the lowest validation loss among 0..t, the first one on ties."""
    return int(np.argmin(val[: t + 1]))


# --- the tolerance rule -----------------------------------------------------------------


@pytest.mark.parametrize("tol", [1e-2, 1e-3, 1e-5], ids=lambda t: f"tol={t:g}")
@pytest.mark.parametrize(
    ("optimizer", "lr"), [("gd", 0.1), ("momentum", 0.02), ("adam", 0.05)],
    ids=["gd", "momentum", "adam"],
)
def test_tolerance_stops_at_first_small_change_and_not_before(tol, optimizer, lr):
    x, y = lossviz.make_curve(30, noise=0.3, seed=2)
    kw = dict(model="poly", degree=3, optimizer=optimizer, lr=lr, steps=3000)
    full = lossviz.fit(x, y, "mse", **kw)
    stopped = lossviz.fit(x, y, "mse", **kw, tol=tol)
    change = _relative_changes(full.loss)
    expected = int(np.flatnonzero(change < tol)[0]) + 1

    assert stopped.stop_reason == "tolerance"
    assert stopped.converged
    assert stopped.stop_step == expected
    # not before: every earlier step changed the loss by at least tol
    assert np.all(_relative_changes(stopped.loss)[:-1] >= tol)
    assert _relative_changes(stopped.loss)[-1] < tol
    # stopping changes nothing about the steps that were run
    np.testing.assert_array_equal(stopped.loss, full.loss[: expected + 1])
    np.testing.assert_array_equal(stopped.params, full.params[: expected + 1])


def test_tolerance_that_never_fires_runs_the_budget():
    x, y = lossviz.make_curve(30, noise=0.3, seed=2)
    h = lossviz.fit(x, y, "mse", model="poly", degree=3, lr=0.1, steps=5, tol=1e-12)
    assert h.stop_reason == "budget"
    assert h.stop_step == 5
    assert not h.converged


# --- early stopping ---------------------------------------------------------------------


@pytest.mark.parametrize("patience", [1, 5, 40], ids=lambda p: f"patience={p}")
@pytest.mark.parametrize(
    ("optimizer", "lr", "extra"),
    [("adam", 0.05, {}), ("sgd", 0.02, {"batch_size": 2, "seed": 3}), ("gd", 0.03, {})],
    ids=["adam", "sgd", "gd"],
)
def test_early_stopping_returns_best_step_in_patience_window(patience, optimizer, lr, extra):
    xt, yt, xv, yv = _overfit_split()
    kw = dict(model="poly", degree=10, optimizer=optimizer, lr=lr, steps=3000,
              validation=(xv, yv), **extra)
    full = lossviz.fit(xt, yt, "mse", **kw)
    h = lossviz.fit(xt, yt, "mse", **kw, patience=patience)
    val = full.val_loss
    waited = np.array([t - _best_so_far(val, t) for t in range(len(val))])
    expected = int(np.flatnonzero(waited >= patience)[0])

    assert h.stop_reason == "early_stopping"
    assert h.stop_step == expected
    assert h.best_step == _best_so_far(val, expected)
    assert h.stop_step - h.best_step == patience
    # lowest in the run so far, and nothing in the patience window beat it
    assert h.val_loss[h.best_step] == h.val_loss.min()
    assert np.all(h.val_loss[h.best_step + 1 :] >= h.val_loss[h.best_step])
    np.testing.assert_array_equal(h.val_loss, val[: expected + 1])
    # its parameters are those of that step, the same as a run that simply stops there
    np.testing.assert_array_equal(h.best_params, full.params[h.best_step])
    again = lossviz.fit(xt, yt, "mse", **{**kw, "steps": h.best_step})
    np.testing.assert_array_equal(h.best_params, again.final_params)
    assert "stopped early" in h.describe()


def test_patience_longer_than_the_run_keeps_the_best_step():
    xt, yt, xv, yv = _overfit_split()
    h = lossviz.fit(xt, yt, "mse", model="poly", degree=10, optimizer="adam", lr=0.05,
                    steps=60, validation=(xv, yv), patience=1000)
    assert h.stop_reason == "budget"
    assert h.best_step == int(np.argmin(h.val_loss))
    np.testing.assert_array_equal(h.best_params, h.params[h.best_step])


@pytest.mark.parametrize(
    ("loss", "task"),
    [("mse", "poly"), ("cauchy", "poly"), ("cross_entropy", "binary"),
     ("softmax_cross_entropy", "multiclass"), ("multiclass_hinge", "multiclass")],
)
def test_validation_losses_are_the_same_bits_with_and_without_patience(loss, task):
    """Without patience the validation losses are computed after the loop, in blocks; with
    it, step by step. Both must agree to the last bit, or a rule picked from the full run
    (the stopping page) could stop elsewhere than fit(patience=...)."""
    rng = np.random.default_rng(4)
    if task == "poly":
        xt, yt, xv, yv = _overfit_split()
        kw = dict(model="poly", degree=10)
    else:
        k = 2 if task == "binary" else 3
        x = rng.normal(size=(90, 2))
        labels = rng.integers(0, k, size=90).astype(float)
        xt, yt, xv, yv = x[:60], labels[:60], x[60:], labels[60:]
        kw = {}
    for optimizer in ("adam", "sgd"):
        common = dict(optimizer=optimizer, lr=0.05, steps=700, seed=2,
                      validation=(xv, yv), **kw)
        full = lossviz.fit(xt, yt, loss, **common)
        step_by_step = lossviz.fit(xt, yt, loss, **common, patience=10**6)
        assert full.stop_step == step_by_step.stop_step == 700
        np.testing.assert_array_equal(full.val_loss, step_by_step.val_loss)
        # and they are the mean validation loss of each row's parameters
        for row in (0, 350, 700):
            expected = lossviz.get_loss(loss)(yv, full.predict(xv, row))
            assert full.val_loss[row] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("patience", [None, 10**6])
def test_a_run_that_blows_up_with_validation_warns_of_nothing(patience):
    # Rows between the blow-up and the check that sees it hold inf: their validation
    # losses are computed (after the loop, without patience) and then cut, silently.
    xt, yt, xv, yv = _overfit_split()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        h = lossviz.fit(xt, yt, "mse", model="poly", degree=10, lr=1e30, steps=500,
                        validation=(xv, yv), patience=patience)
    assert h.stop_reason == "divergence"
    assert np.isfinite(h.val_loss).all()
    assert len(h.val_loss) == h.stop_step + 1


def test_patience_without_validation_is_refused():
    x, y = lossviz.make_curve(10, seed=0)
    with pytest.raises(ValueError, match="validation"):
        lossviz.fit(x, y, "mse", patience=5)


# --- schedules --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "params", "lr", "steps", "expected"),
    [
        ("constant", {}, 0.3, 4, [0.3, 0.3, 0.3, 0.3]),
        ("step", {"every": 2, "factor": 0.5}, 1.0, 5, [1, 1, 0.5, 0.5, 0.25]),
        ("step", {}, 1.0, 8, [1, 1, 0.5, 0.5, 0.25, 0.25, 0.125, 0.125]),  # every = budget / 4
        ("exponential", {"gamma": 0.9}, 0.1, 3, [0.1, 0.09, 0.081]),
        ("cosine", {}, 2.0, 4, [2.0, 1 + np.sqrt(0.5), 1.0, 1 - np.sqrt(0.5)]),
        ("cosine", {"min_lr": 1.0}, 3.0, 2, [3.0, 2.0]),
        ("warmup", {"warmup_steps": 4}, 1.0, 6, [0.25, 0.5, 0.75, 1, 1, 1]),
        ("warmup", {}, 1.0, 20, [0.5] + [1.0] * 19),  # warm-up over a tenth of the budget
    ],
    ids=["constant", "step", "step-default", "exponential", "cosine", "cosine-min",
         "warmup", "warmup-default"],
)
def test_schedule_gives_documented_rates(name, params, lr, steps, expected):
    rates = lossviz.get_schedule(name, **params).rates(lr, steps)
    np.testing.assert_allclose(rates, expected, rtol=1e-14, atol=0)


def _torch_rates(make_scheduler, lr: float, steps: int) -> np.ndarray:
    torch = reference("torch")
    param = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    opt = torch.optim.SGD([param], lr=lr)
    sched = make_scheduler(torch.optim.lr_scheduler, opt)
    rates = []
    for _ in range(steps):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return np.array(rates)


@pytest.mark.parametrize(
    ("name", "params", "make"),
    [
        ("step", {"every": 7, "factor": 0.3}, lambda s, o: s.StepLR(o, step_size=7, gamma=0.3)),
        ("exponential", {"gamma": 0.97}, lambda s, o: s.ExponentialLR(o, gamma=0.97)),
        ("cosine", {"min_lr": 0.01}, lambda s, o: s.CosineAnnealingLR(o, T_max=50,
                                                                       eta_min=0.01)),
        ("cosine", {}, lambda s, o: s.CosineAnnealingLR(o, T_max=50)),
        ("cosine", {"min_lr": 0.9}, lambda s, o: s.CosineAnnealingLR(o, T_max=50,
                                                                      eta_min=0.9)),
        ("warmup", {"warmup_steps": 8}, lambda s, o: s.LinearLR(
            o, start_factor=1 / 8, end_factor=1.0, total_iters=7)),
    ],
    ids=["StepLR", "ExponentialLR", "CosineAnnealingLR-min", "CosineAnnealingLR",
         "CosineAnnealingLR-rising", "LinearLR"],
)
def test_schedule_matches_pytorch(name, params, make):
    lr, steps = 0.4, 50
    expected = _torch_rates(make, lr, steps)
    rates = lossviz.get_schedule(name, **params).rates(lr, steps)
    # torch updates the rate recursively; a few ulps of drift are expected
    np.testing.assert_allclose(rates, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("schedule", lossviz.SCHEDULES)
@pytest.mark.parametrize("optimizer", lossviz.OPTIMIZERS)
def test_every_schedule_drives_every_optimizer(schedule, optimizer):
    x, y = lossviz.make_curve(20, seed=0)
    h = lossviz.fit(x, y, "huber", model="poly", degree=2, optimizer=optimizer, lr=0.05,
                    steps=40, schedule=schedule)
    np.testing.assert_array_equal(h.lr, lossviz.get_schedule(schedule).rates(0.05, 40))
    assert h.stop_reason == "budget"
    assert h.loss[-1] < h.loss[0]


# --- the polynomial model -------------------------------------------------------------------


@pytest.mark.parametrize("degree", [1, 2, 3, 4, 5], ids=lambda d: f"degree={d}")
def test_poly_gradient_descent_reaches_least_squares_polynomial(degree):
    x, y = lossviz.make_curve(40, noise=0.3, seed=3)
    h = lossviz.fit(x, y, "mse", model="poly", degree=degree, optimizer="gd", lr=0.15,
                    steps=100_000, grad_tol=1e-10)
    assert h.stop_reason == "gradient"
    w, b = h.coefficients()
    ours = np.array([*w[::-1], b])  # highest power first, as np.polyfit
    np.testing.assert_allclose(ours, np.polyfit(x, y, degree), rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(h.predict(x), np.polyval(ours, x), rtol=1e-12, atol=1e-12)


def test_poly_features_are_scaled_on_training_inputs():
    x, _ = lossviz.make_curve(25, seed=4)
    h = lossviz.fit(x, np.cos(x), "mse", model="poly", degree=6, steps=0)
    feats = h.model.features(x)[:, :-1]
    np.testing.assert_allclose(feats.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(feats.std(axis=0), 1.0, rtol=1e-12)


# --- stop reasons ---------------------------------------------------------------------------


def _run_for(reason: str) -> lossviz.History:
    xt, yt, xv, yv = _overfit_split()
    kw = dict(model="poly", degree=4, optimizer="gd", lr=0.05, steps=400)
    if reason == "budget":
        return lossviz.fit(xt, yt, "mse", **kw)
    if reason == "tolerance":
        return lossviz.fit(xt, yt, "mse", **kw, tol=1e-3)
    if reason == "gradient":
        return lossviz.fit(xt, yt, "mse", **kw, grad_tol=0.05)
    if reason == "early_stopping":
        return lossviz.fit(xt, yt, "mse", **{**kw, "degree": 10, "optimizer": "adam"},
                           validation=(xv, yv), patience=10)
    if reason == "time_limit":  # a clock that says a second passes at every look
        ticks = iter(range(10**6))
        return lossviz.fit(xt, yt, "mse", **kw, time_limit=3.0, clock=lambda: next(ticks))
    return lossviz.fit(xt, yt, "mse", **{**kw, "lr": 5.0})


@pytest.mark.parametrize("reason", STOP_REASONS)
def test_stop_reason_names_the_rule_that_stopped(reason):
    h = _run_for(reason)
    assert h.stop_reason == reason
    assert h.converged == (reason in ("tolerance", "gradient"))
    assert h.diverged == (reason == "divergence")
    assert (h.diverged_at is not None) == (reason == "divergence")
    assert h.stop_step == len(h.loss) - 1 == len(h.params) - 1
    assert np.all(np.isfinite(h.loss))
    if reason == "budget":
        assert h.stop_step == 400
    if reason == "gradient":
        assert h.grad_norm[-1] < 0.05 <= h.grad_norm[:-1].min()


def test_stop_reasons_are_the_documented_six():
    assert set(STOP_REASONS) == {"budget", "tolerance", "gradient", "early_stopping",
                                 "divergence", "time_limit"}


# --- what each rule picks from one full run -----------------------------------------------


@settings(max_examples=25, deadline=None)
@given(
    tol=st.sampled_from([1e-2, 1e-3, 1e-4, 1e-6]),
    grad_tol=st.sampled_from([1.0, 0.1, 0.02, 1e-4]),
    patience=st.integers(1, 80),
    optimizer=st.sampled_from(["gd", "sgd", "adam"]),
    degree=st.integers(1, 10),
)
def test_picks_from_one_run_match_fit_with_each_rule(tol, grad_tol, patience, optimizer,
                                                      degree):
    xt, yt, xv, yv = _overfit_split(seed=2)
    lr = {"gd": 0.03, "sgd": 0.02, "adam": 0.05}[optimizer]
    kw = dict(model="poly", degree=degree, optimizer=optimizer, lr=lr, steps=300,
              validation=(xv, yv))
    full = lossviz.fit(xt, yt, "mse", **kw)
    picks = fs.stopping_picks(full, tol=tol, grad_tol=grad_tol, patience=patience)
    for rule, setting in [("tolerance", {"tol": tol}), ("gradient", {"grad_tol": grad_tol}),
                          ("early_stopping", {"patience": patience})]:
        h = lossviz.fit(xt, yt, "mse", **kw, **setting)
        pick = picks[rule]
        if pick.step is None:
            assert h.stop_reason == "budget"
        else:
            assert (h.stop_reason, h.stop_step) == (rule, pick.step)
            returned = h.best_step if rule == "early_stopping" else h.stop_step
            assert pick.returned_step == returned
            assert pick.val_loss == h.val_loss[returned]
            assert pick.train_loss == h.loss[returned]
    together = lossviz.fit(xt, yt, "mse", **kw, tol=tol, grad_tol=grad_tol, patience=patience)
    first = fs.first_stop(picks)
    assert (together.stop_reason, together.stop_step) == (first.rule, first.step)


def test_budget_pick_of_a_diverged_run_is_its_last_finite_step():
    x, y = lossviz.make_curve(20, seed=0)
    h = lossviz.fit(x, y, "mse", model="poly", degree=6, lr=3.0, steps=200,
                    validation=(x[:5], y[:5]))
    assert h.diverged
    pick = fs.stopping_picks(h)["budget"]
    assert pick.step == h.stop_step < 200


@pytest.mark.parametrize(
    ("lo", "hi", "expected"),
    [(0.02, 0.6, [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1]), (3.0, 4.0, [2, 5]),
     (0.013, 0.9, [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1]), (1e-6, 1e3, None)],
    ids=["1.5-decades", "narrow", "2-decades", "many-decades"],
)
def test_log_ticks_are_1_2_5_and_cover_the_range(lo, hi, expected):
    ticks = fs.log_ticks(lo, hi)
    if expected is not None:
        np.testing.assert_allclose(ticks, expected)
    assert ticks[0] <= lo
    assert ticks[-1] >= hi
    assert len(ticks) <= 11
    mantissas = np.array(ticks) / 10.0 ** np.floor(np.log10(ticks))
    assert np.all(np.isin(np.round(mantissas, 9), [1, 2, 5]))


def test_decimate_keeps_ends_and_extremes_of_a_noisy_curve():
    rng = np.random.default_rng(0)
    noisy = np.cumsum(rng.standard_normal(5000))
    other = rng.standard_normal(5000)
    idx = fs.decimate([noisy, other], max_points=400)
    assert idx[0] == 0
    assert idx[-1] == 4999
    assert len(idx) <= 400
    assert np.all(np.diff(idx) > 0)
    for a in (noisy, other):
        assert a.argmax() in idx
        assert a.argmin() in idx
    np.testing.assert_array_equal(fs.decimate([noisy[:50]]), np.arange(50))


# --- figures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def overfit_run():
    xt, yt, xv, yv = _overfit_split()
    h = lossviz.fit(xt, yt, "mse", model="poly", degree=12, optimizer="adam", lr=0.05,
                    steps=2000, validation=(xv, yv))
    return h, (xt, yt, xv, yv)


def test_curves_figure_shows_both_curves_and_each_rule(overfit_run):
    h, _ = overfit_run
    picks = fs.stopping_picks(h, tol=1e-4, grad_tol=1e-2, patience=50)
    fig = fs.curves_figure(fs.curves_data(h, picks, loss_name="mse"), log_y=True)
    spec = json.loads(fig.to_json())
    names = [t["name"] for t in spec["data"]]
    assert names[:2] == ["training MSE", "validation MSE"]
    # the legend holds the curves; every mark is labelled on the chart instead
    assert [t["name"] for t in spec["data"] if t.get("showlegend", True)] == names[:2]
    es = picks["early_stopping"]
    assert f"patience 50: stops {es.step}, keeps {es.returned_step}" not in names
    assert f"early stopping: stops {es.step}, keeps {es.returned_step}" in names
    marks = {t.name: t for t in fig.data if t.mode == "markers"}
    for rule, head in [("budget", "budget:"), ("tolerance", "tolerance:"),
                       ("gradient", "gradient norm:")]:
        (name,) = [n for n in marks if n.startswith(head)]
        assert marks[name].x[0] == picks[rule].step
        assert marks[name].y[0] == pytest.approx(h.val_loss[picks[rule].step])
    # early stopping is drawn where it stops, its patience a dotted line from the step kept
    stop = marks[f"early stopping: stops {es.step}, keeps {es.returned_step}"]
    assert stop.x[0] == es.step
    assert stop.y[0] == pytest.approx(h.val_loss[es.step])
    wait = next(t for t in fig.data if t.name.endswith("(patience waited)"))
    assert list(wait.x) == [es.returned_step, es.step]
    assert list(wait.y) == pytest.approx([h.val_loss[es.returned_step]] * 2)
    star = marks[f"best validation: step {h.best_step}"]
    assert star.y[0] == pytest.approx(h.val_loss.min())
    assert spec["layout"]["yaxis"]["type"] == "log"
    ticks = spec["layout"]["yaxis"]["tickvals"]
    assert min(ticks) <= 2.5 * min(h.loss.min(), h.val_loss.min())
    assert max(ticks) >= max(h.loss.max(), h.val_loss.max()) / 2.5
    assert len(fig.data[0].x) <= 400


def test_zoom_window_covers_the_crowd_and_only_a_crowd():
    assert fs.zoom_window([23, 73, 80, 638, 2000], 2000) == (0, 100)
    assert fs.zoom_window([1885, 1935, 2000, 178, 307], 2000) == (1800, 2000)
    assert fs.zoom_window([14, 441, 1384, 1500], 1500) is None  # nothing crowds
    assert fs.zoom_window([5, 900, 950, 2000], 2000) == (880, 970)
    assert fs.zoom_window([3, 10], 20) is None  # the window would be most of the axis
    assert fs.zoom_window([7], 100) is None


def test_crowded_marks_get_an_enlarged_panel_with_every_mark_in_it(overfit_run):
    h, _ = overfit_run
    picks = fs.stopping_picks(h, tol=1e-4, grad_tol=1e-2, patience=50)
    data = fs.curves_data(h, picks, loss_name="mse")
    lo, hi = data.zoom
    crowd = [m for m in data.marks if lo <= m.step <= hi]
    assert {m.kind for m in crowd} >= {"best", "early_stopping", "gradient"}
    np.testing.assert_allclose(data.zoom_val, h.val_loss[data.zoom_steps], rtol=1e-6)
    assert data.zoom_steps[0] == lo
    assert data.zoom_steps[-1] == hi
    fig = fs.curves_figure(data, log_y=True)
    lower = [t for t in fig.data if t.xaxis == "x2"]
    assert [t.name for t in lower[:2]] == ["training MSE", "validation MSE"]
    assert {t.x[0] for t in lower if t.mode == "markers"} == {m.step for m in crowd}
    assert fig.layout.xaxis2.range[0] <= lo
    assert fig.layout.xaxis2.range[1] >= hi
    assert fig.layout.yaxis2.domain[1] < fig.layout.yaxis.domain[0]  # stacked, apart
    assert "enlarged" in fig.layout.xaxis2.title.text
    (window,) = fig.layout.shapes
    assert (window.x0, window.x1) == (lo, hi)
    # without a crowd there is one panel
    one = fs.curves_figure(fs.curves_data(h, picks, loss_name="mse", zoom=False))
    assert {t.xaxis for t in one.data} == {"x"}
    assert "xaxis2" not in one.to_dict()["layout"]


def _label_boxes(fig, size: int, width_px: float) -> list[tuple[str, float, float, float]]:
    """Each label's axis, left and right end in pixels, and its height (from the plot)."""
    out = []
    for note in fig.layout.annotations:
        axis = note.axref if note.showarrow else note.xref
        rng = getattr(fig.layout, "xaxis" + axis[1:]).range
        centre = note.ax if note.showarrow else note.x
        y = note.ay if note.showarrow else note.y
        half = (0.56 * size * len(note.text) + 10) / 2
        px = (centre - rng[0]) / (rng[1] - rng[0]) * width_px
        out.append((axis, px - half, px + half, y))
    return out


@pytest.mark.parametrize(("compact", "width"), [(True, 390), (False, 700)],
                         ids=["phone", "laptop"])
def test_mark_labels_do_not_overlap_and_point_at_their_marks(overfit_run, compact, width):
    h, _ = overfit_run
    picks = fs.stopping_picks(h, tol=1e-4, grad_tol=1e-2, patience=50)
    data = fs.curves_data(h, picks, loss_name="mse")
    fig = fs.curves_figure(data, compact=compact, width_hint=width)
    texts = [a.text for a in fig.layout.annotations]
    for step, _, text in fs.mark_labels(data.marks, compact=compact):
        assert text in texts
        note = fig.layout.annotations[texts.index(text)]
        assert note.showarrow
        assert note.x == step
    boxes = _label_boxes(fig, 11, width - 96)
    for i, (axis, left, right, y) in enumerate(boxes):
        for axis2, left2, right2, y2 in boxes[i + 1:]:
            if axis == axis2 and y == y2:  # same panel, same row
                assert right <= left2 + 1e-6 or right2 <= left + 1e-6
            assert left >= -1e-6
            assert right <= width - 96 + 1e-6


def test_marks_at_one_step_share_a_label():
    marks = [fs.Mark("best", 80, 0.3), fs.Mark("gradient", 80, 0.3),
             fs.Mark("early_stopping", 120, 0.4, 80, 0.3)]
    assert fs.mark_labels(marks) == [(80, 0.3, "best & gradient 80"),
                                     (120, 0.4, "early stop 120 (keeps 80)")]
    assert fs.mark_labels(marks, compact=True)[1][2] == "early stop 120"


def test_fit_frames_match_the_model_at_each_step(overfit_run):
    h, (xt, yt, xv, yv) = overfit_run
    data = fs.fit_frames_data(h, xt, yt, xv, yv, keep=[h.best_step], n_frames=60)
    states = fs.fit_frames_states(data)
    fig = fs.fit_frames_figure(data, loss_name="mse")
    assert not fig.frames
    assert "sliders" not in fig.to_dict()["layout"]
    assert 40 <= states.count <= 80
    assert states.play
    assert h.best_step in data.steps
    assert data.steps[0] == 0
    assert data.steps[-1] == h.stop_step
    (curve_index,) = states.traces
    assert curve_index == len(fig.data) - 1
    assert fig.data[curve_index].name == "model, trained with MSE"
    grid = np.asarray(data.grid, np.float64)
    rows = states.traces[curve_index]["y"]
    for k in range(0, states.count, states.count // 5):
        step = int(states.values[k])
        expected = np.clip(h.predict(grid, step), data.y_range[0] - 100, data.y_range[1] + 100)
        visible = (expected > data.y_range[0]) & (expected < data.y_range[1])
        np.testing.assert_allclose(rows[k][visible], expected[visible], rtol=1e-4, atol=1e-4)
        assert states.captions[k] == (f"step {step}: training loss {h.loss[step]:.4g}, "
                                      f"validation loss {h.val_loss[step]:.4g}")
    assert states.index == states.count - 1
    np.testing.assert_allclose(_array(fig.data[curve_index].y), rows[-1], rtol=1e-6)
    # the still figure can show any state; a notebook gets frames on request
    early = fs.fit_frames_figure(data, loss_name="mse", state=5)
    np.testing.assert_allclose(_array(early.data[curve_index].y), rows[5], rtol=1e-6)
    animated = json.loads(fs.fit_frames_figure(data, loss_name="mse", animate=True).to_json())
    assert len(animated["frames"]) == states.count
    assert animated["layout"]["sliders"][0]["active"] == states.count - 1


def test_schedules_figure_plots_loss_and_rate_per_schedule(overfit_run):
    _, (xt, yt, _, _) = overfit_run
    runs = {
        name: lossviz.fit(xt, yt, "mse", model="poly", degree=3, lr=0.05, steps=500,
                          schedule=name)
        for name in lossviz.SCHEDULES
    }
    data = fs.schedules_data(runs)
    for name, tail in zip(data.names, data.tail_loss, strict=True):
        assert tail == pytest.approx(np.mean(runs[name].loss[-50:]), rel=1e-12)  # 501 rows
    fig = fs.schedules_figure(data, log_y=True)
    ticks = np.asarray(fig.layout.yaxis.tickvals)
    assert np.all(np.isin(np.round(ticks / 10.0 ** np.floor(np.log10(ticks)), 9), [1, 2, 5]))
    loss_traces = [t for t in fig.data if t.yaxis == "y"]
    rate_traces = [t for t in fig.data if t.yaxis == "y2"]
    assert [t.name for t in loss_traces] == list(lossviz.SCHEDULES)
    assert len({t.line.color for t in loss_traces}) == len(lossviz.SCHEDULES)
    for t in rate_traces:
        rates = lossviz.get_schedule(t.name).rates(0.05, 500)
        np.testing.assert_allclose(t.y, rates[np.asarray(t.x)], rtol=1e-6)
    assert fig.layout.xaxis.matches == "x2" or fig.layout.xaxis2.matches == "x"
