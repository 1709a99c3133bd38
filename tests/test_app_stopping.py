"""AppTest coverage of the "When to stop" page: every control, the presets, bad runs.

Each test sets controls, reruns, checks that nothing raised, and reads the figures the run
drew (``session_state["_lossviz_figures"]``) against numbers computed here with lossviz.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from plotly_data import chart as _chart
from plotly_data import charts as _charts
from plotly_data import payload as _payload
from plotly_data import plotly_array as _array
from plotly_data import sent as _sent
from streamlit.testing.v1 import AppTest

import lossviz
from lossviz.figures import stopping as fs
from lossviz.ui import params
from lossviz.ui.pages import stopping as ui

APP = str(Path(__file__).resolve().parents[1] / "app.py")
MAX_BYTES = 300_000


def _open(**settings) -> AppTest:
    """The app on this section; ``settings`` seed controls (a short budget keeps tests fast)."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["_lossviz_open_page"] = "stopping"
    settings.setdefault("stop_schedules_on", True)  # the comparison is off by default
    for key, value in settings.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception
    return at


def _rerun(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _figure(at: AppTest, key: str) -> dict:
    return _chart(at, key)


def _traces(spec: dict) -> dict[str, dict]:
    return {t["name"]: t for t in spec["data"]}


def _settings(at: AppTest) -> ui.Setup:
    s = at.session_state
    batch = s.get("stop_batch", params.get("stop_batch").default)  # a widget for SGD only
    return ui.Setup(
        s["stop_points"], float(s["stop_noise"]), s["stop_seed"], float(s["stop_val_share"]),
        s["stop_degree"], s["stop_loss"], s["stop_optimizer"], float(s["stop_lr"]),
        s["stop_steps"], batch,
    )


def _fit(setup: ui.Setup, schedule: str = "constant", **rules) -> lossviz.History:
    """The section's run, trained here directly (with stopping rules when given)."""
    x, y = lossviz.make_curve(setup.points, noise=setup.noise, seed=setup.seed)
    xt, yt, xv, yv = lossviz.train_validation_split(
        x, y, validation_fraction=setup.val_share, seed=setup.seed
    )
    return lossviz.fit(
        xt, yt, setup.loss, model="poly", degree=setup.degree, optimizer=setup.optimizer,
        lr=setup.lr, steps=setup.steps, schedule=ui._schedule(schedule, setup.steps),
        batch_size=setup.batch if setup.optimizer == "sgd" else None, seed=setup.seed,
        validation=(xv, yv), **rules,
    )


def _marker(spec: dict, prefix: str) -> dict:
    """The mark of one rule on the upper panel (the enlarged lower panel repeats some)."""
    (trace,) = [t for t in spec["data"] if t["name"].startswith(prefix)
                and t.get("mode") == "markers" and t.get("xaxis", "x") == "x"]
    return trace


@pytest.fixture(scope="module")
def opened() -> AppTest:
    return _open()


def test_default_view_marks_each_rule_where_fit_stops(opened):
    at = opened
    setup = _settings(at)
    spec = _figure(at, "stop_curves")
    names = list(_traces(spec))
    assert names[:2] == ["training MSE", "validation MSE"]
    full = _fit(setup)
    np.testing.assert_allclose(_array(spec["data"][1]["y"])[-1], full.val_loss[-1], rtol=1e-6)
    es = _fit(setup, patience=at.session_state["stop_patience"])
    assert es.stop_reason == "early_stopping"
    mark = _marker(spec, "patience 50:")
    assert _array(mark["x"])[0] == es.stop_step  # drawn where it stops ...
    assert f"stops {es.stop_step}, keeps {es.best_step}" in mark["name"]
    waited = next(t for t in spec["data"] if t["name"].endswith("(patience waited)"))
    assert _array(waited["x"]).tolist() == [es.best_step, es.stop_step]  # ... back to its keep
    tol = _fit(setup, tol=float(at.session_state["stop_tol"]))
    assert _array(_marker(spec, "tolerance 1e-4:")["x"])[0] == tol.stop_step
    grad = _fit(setup, grad_tol=float(at.session_state["stop_grad_tol"]))
    assert _array(_marker(spec, "gradient < 1e-2:")["x"])[0] == grad.stop_step
    assert _array(_marker(spec, "budget:")["x"])[0] == setup.steps
    assert _array(_marker(spec, "best validation")["x"])[0] == full.best_step


def test_live_line_names_the_first_rule_and_its_validation_loss(opened):
    at = opened
    setup = _settings(at)
    es = _fit(setup, patience=at.session_state["stop_patience"])
    line = next(m.value for m in at.markdown if m.value.startswith("With every rule on"))
    assert "early stopping (patience 50) stops first" in line
    assert f"at step {es.stop_step} and hands back step {es.best_step}" in line
    assert f"{es.val_loss[es.best_step]:.4g}" in line


def test_payload_per_rerun_is_small(opened):
    assert 0 < _payload(opened) <= MAX_BYTES


def test_fit_figure_scrubs_over_precomputed_steps(opened):
    # The page sends the fit's states: the browser plays and scrubs them.
    at = opened
    setup = _settings(at)
    spec = _figure(at, "stop_fit")
    full = _fit(setup)
    states = _sent(at, "stop_fit")["states"]
    assert states["play"]
    assert 40 <= len(states["values"]) <= 80
    steps = [int(v) for v in states["values"]]
    assert steps[0] == 0
    assert steps[-1] == setup.steps
    assert full.best_step in steps
    traces = _traces(spec)
    n_val = len(_array(traces["validation points"]["x"]))
    assert len(_array(traces["training points"]["x"])) + n_val == setup.points
    assert n_val == round(setup.val_share * setup.points)
    grid = _array(traces["true curve sin(x)"]["x"]).astype(np.float64)
    (_curve, rows), = states["traces"].items()  # the model's curve, one row per step
    middle = len(steps) // 2
    expected = full.predict(grid, steps[middle])
    shown = _array(rows["y"][middle]).astype(np.float64)
    lo, hi = spec["layout"]["yaxis"]["range"]
    visible = (expected > lo) & (expected < hi)
    np.testing.assert_allclose(shown[visible], expected[visible], rtol=1e-4, atol=1e-4)
    assert states["captions"][-1].startswith(f"step {setup.steps}: training loss "
                                             f"{full.loss[-1]:.4g}")


def test_schedules_chart_has_one_loss_and_one_rate_curve_per_schedule(opened):
    at = opened
    spec = _figure(at, "stop_schedules")
    loss_traces = [t for t in spec["data"] if t.get("yaxis", "y") == "y"]
    rate_traces = [t for t in spec["data"] if t.get("yaxis") == "y2"]
    assert [t["name"] for t in loss_traces] == list(lossviz.SCHEDULES)
    setup = _settings(at)
    for t in rate_traces:
        rates = ui._schedule(t["name"], setup.steps).rates(setup.lr, setup.steps)
        idx = _array(t["x"]).astype(int)
        np.testing.assert_allclose(_array(t["y"]), rates[idx], rtol=1e-6)
    cosine = _fit(setup, "cosine")
    (cos_trace,) = [t for t in loss_traces if t["name"] == "cosine"]
    assert _array(cos_trace["y"])[-1] == pytest.approx(cosine.loss[-1], rel=1e-6)
    tails = {}
    for name in lossviz.SCHEDULES:
        loss = _fit(setup, name).loss
        tails[name] = loss[-(len(loss) // 10) :].mean()
    best = min(tails, key=tails.get)
    line = next(m.value for m in at.markdown if m.value.startswith("Mean training loss"))
    assert f"lowest **{best}** ({tails[best]:.4g})" in line


def test_schedules_chart_is_the_same_whichever_schedule_the_page_studies():
    at = _open(stop_steps=300)
    before = _figure(at, "stop_schedules")
    at.selectbox(key="stop_schedule").set_value("cosine")
    _rerun(at)
    after = _figure(at, "stop_schedules")
    assert after["data"] == before["data"]
    # each curve is its schedule's run exactly, as trained with validation data
    setup = _settings(at)
    for t in (t for t in after["data"] if t.get("yaxis", "y") == "y"):
        full = _fit(setup, t["name"])
        idx = _array(t["x"]).astype(int)
        np.testing.assert_array_equal(_array(t["y"]), full.loss[idx].astype(np.float32))


def test_presentation_mode_keeps_the_fit_playable_and_its_text_large():
    at = _open(present=True, stop_steps=300)
    spec = _figure(at, "stop_fit")
    assert spec["layout"]["font"]["size"] >= 20
    states = _sent(at, "stop_fit")["states"]
    assert states["play"]
    assert len(states["values"]) > 1
    for key in ("stop_curves", "stop_schedules"):
        assert _figure(at, key)["layout"]["font"]["size"] >= 20


def _check_curves_match_fit(at: AppTest, schedule: str = "constant", what: str = "") -> None:
    setup = _settings(at)
    full = _fit(setup, schedule)
    spec = _figure(at, "stop_curves")
    train, val = spec["data"][0], spec["data"][1]
    assert _array(train["x"])[-1] == full.stop_step, what
    np.testing.assert_allclose(_array(train["y"])[-1], full.loss[-1], rtol=1e-6, err_msg=what)
    np.testing.assert_allclose(_array(val["y"])[-1], full.val_loss[-1], rtol=1e-6, err_msg=what)
    assert _payload(at) <= MAX_BYTES, what


def test_each_data_and_training_number_reaches_the_run():
    # One session walks through the controls (each rerun of the whole app costs time).
    at = _open(stop_steps=300)
    for key, value in [
        ("stop_points", 30), ("stop_noise", 0.6), ("stop_degree", 4), ("stop_val_share", 0.5),
        ("stop_seed", 7), ("stop_steps", 400), ("stop_lr", 0.01),
    ]:
        if key in ("stop_seed", "stop_lr"):
            at.number_input(key=key).set_value(value)
        else:
            at.slider(key=key).set_value(value)
        _rerun(at)
        assert getattr(_settings(at), key.removeprefix("stop_")) == pytest.approx(value), key
        _check_curves_match_fit(at, what=key)


def test_loss_choice_renames_and_recolours_the_curves():
    at = _open(stop_steps=300)
    for loss in ("mae", "huber", "tukey"):
        at.selectbox(key="stop_loss").set_value(loss)
        _rerun(at)
        label = lossviz.get_loss(loss).label
        spec = _figure(at, "stop_curves")
        assert spec["data"][0]["name"] == f"training {label}"
        assert spec["data"][0]["line"]["color"] == fs.loss_color(loss)
        _check_curves_match_fit(at, what=loss)


def test_optimizer_choice_and_batch_size():
    at = _open(stop_steps=300, stop_lr=0.01)
    for optimizer in ("gd", "sgd", "momentum", "nesterov"):
        at.selectbox(key="stop_optimizer").set_value(optimizer)
        _rerun(at)
        has_batch = any(s.key == "stop_batch" for s in at.slider)
        assert has_batch == (optimizer == "sgd"), optimizer
        if optimizer == "sgd":
            at.slider(key="stop_batch").set_value(4)
            _rerun(at)
            assert _settings(at).batch == 4
        _check_curves_match_fit(at, what=optimizer)


def test_schedule_choice_trains_the_main_run_with_it():
    at = _open(stop_steps=300)
    for schedule in lossviz.SCHEDULES[::-1]:
        at.selectbox(key="stop_schedule").set_value(schedule)
        _rerun(at)
        _check_curves_match_fit(at, schedule, what=schedule)


def test_stopping_rule_settings_move_their_markers():
    at = _open()
    at.number_input(key="stop_patience").set_value(200)
    at.selectbox(key="stop_tol").set_value("1e-3")
    at.selectbox(key="stop_grad_tol").set_value("1e-1")
    _rerun(at)
    setup = _settings(at)
    spec = _figure(at, "stop_curves")
    es = _fit(setup, patience=200)
    tol = _fit(setup, tol=1e-3)
    grad = _fit(setup, grad_tol=0.1)
    assert es.stop_reason == "early_stopping"
    assert tol.stop_reason == "tolerance"
    assert grad.stop_reason == "gradient"
    mark = _marker(spec, "patience 200:")
    assert f"stops {es.stop_step}, keeps {es.best_step}" in mark["name"]
    assert _array(_marker(spec, "tolerance 1e-3:")["x"])[0] == tol.stop_step
    assert _array(_marker(spec, "gradient < 1e-1:")["x"])[0] == grad.stop_step
    first = min([(es.stop_step, "early stopping"), (tol.stop_step, "loss tolerance"),
                 (grad.stop_step, "gradient norm")])
    line = next(m.value for m in at.markdown if m.value.startswith("With every rule on"))
    assert f"**{first[1]}" in line
    assert f"stops first**, at step {first[0]}" in line
    # a rule that never fires is said so, and has no marker
    at.selectbox(key="stop_grad_tol").set_value("1e-5")
    _rerun(at)
    assert _fit(setup, grad_tol=1e-5).stop_reason == "budget"
    line = next(m.value for m in at.markdown if m.value.startswith("With every rule on"))
    assert "gradient norm (below 10⁻⁵) never fires" in line
    assert not [t for t in _figure(at, "stop_curves")["data"]
                if t["name"].startswith("gradient <")]


def test_log_scale_toggle_and_schedule_pills():
    at = _open(stop_steps=300)
    assert _figure(at, "stop_curves")["layout"]["yaxis"]["type"] == "log"
    at.toggle(key="stop_log").set_value(False)
    _rerun(at)
    assert _figure(at, "stop_curves")["layout"]["yaxis"].get("type", "linear") == "linear"
    at.pills(key="stop_compare").set_value(["cosine", "warmup"])
    _rerun(at)
    spec = _figure(at, "stop_schedules")
    assert [t["name"] for t in spec["data"] if t.get("showlegend", True)] == ["cosine", "warmup"]
    at.pills(key="stop_compare").set_value([])
    _rerun(at)
    assert "stop_schedules" not in _charts(at)
    assert any("at least one schedule" in i.value for i in at.info)


def test_presets_set_their_story():
    at = _open()
    for preset in ("noisy", "flat", "overfit"):
        at.button(key=f"stop_preset_{preset}").click()
        _rerun(at)
        for key, value in ui.PRESETS[preset][2].items():
            assert at.session_state[key] == value, (preset, key)
        setup = _settings(at)
        full = _fit(setup)
        picks = fs.stopping_picks(
            full, tol=float(at.session_state["stop_tol"]),
            grad_tol=float(at.session_state["stop_grad_tol"]),
            patience=at.session_state["stop_patience"],
        )
        first = fs.first_stop(picks)
        line = next(m.value for m in at.markdown if m.value.startswith("With every rule on"))
        assert f"stops first**, at step {first.step}" in line, preset
        if preset == "overfit":
            # the story: validation loss far above its best by the end of the budget
            assert full.val_loss[-1] > 5 * full.val_loss.min()
            assert first.rule == "early_stopping"
        elif preset == "flat":
            # the story: the tolerance stops long before the budget, at nearly the final loss
            assert picks["tolerance"].step < setup.steps / 5
            assert picks["tolerance"].train_loss < 1.1 * full.loss[-1]
        else:
            # the story: impatient early stopping quits at a bump, far above the best
            es = picks["early_stopping"]
            assert es.step < setup.steps / 10
            assert es.val_loss > 2 * full.val_loss.min()
        assert _payload(at) <= MAX_BYTES, preset


def test_diverging_run_shows_a_message_not_a_traceback():
    at = _open()
    at.selectbox(key="stop_optimizer").set_value("gd")
    at.number_input(key="stop_lr").set_value(5.0)
    _rerun(at)
    assert any("diverged" in w.value for w in at.warning)
    assert _figure(at, "stop_curves")["data"]
    assert _figure(at, "stop_schedules")["data"]


def test_extreme_settings_keep_working():
    at = _open()
    at.slider(key="stop_points").set_value(6)
    at.slider(key="stop_degree").set_value(ui.MAX_DEGREE)
    at.slider(key="stop_val_share").set_value(0.6)
    at.slider(key="stop_noise").set_value(0.0)
    at.slider(key="stop_steps").set_value(10)
    at.number_input(key="stop_patience").set_value(1000)
    _rerun(at)
    assert len(_sent(at, "stop_fit")["states"]["values"]) == 11  # steps 0..10, every one
    at.slider(key="stop_steps").set_value(ui.MAX_STEPS)
    at.slider(key="stop_points").set_value(ui.MAX_POINTS)
    _rerun(at)
    assert _payload(at) <= MAX_BYTES


def test_the_schedules_train_only_when_asked_for():
    at = _open(stop_schedules_on=False)
    assert "stop_schedules" not in _charts(at)
    at.toggle(key="stop_schedules_on").set_value(True).run()
    assert not at.exception
    assert "stop_schedules" in _charts(at)
