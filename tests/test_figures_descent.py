"""Convergence curves and parameter paths: trace data, frames, divergence marks."""

from __future__ import annotations

import json

import numpy as np
import pytest

import lossviz
from lossviz.experiments import loss_landscape
from lossviz.figures.descent import (
    MAX_FRAMES,
    Run,
    convergence_data,
    convergence_figure,
    downsample_index,
    frame_steps,
    path_figure,
)
from lossviz.figures.style import loss_color


@pytest.fixture(scope="module")
def data():
    return lossviz.make_regression(30, outliers=1, seed=0)


@pytest.fixture(scope="module")
def runs(data):
    return [
        Run("MSE", loss_color("mse"), lossviz.fit(data.x, data.y, "mse", lr=0.04, steps=500)),
        Run("MAE", loss_color("mae"), lossviz.fit(data.x, data.y, "mae", lr=0.04, steps=200)),
    ]


@pytest.fixture(scope="module")
def diverged(data):
    h = lossviz.fit(data.x, data.y, "mse", lr=0.5, steps=500)
    assert h.diverged
    return Run("MSE", loss_color("mse"), h)


def _spec(fig) -> dict:
    return json.loads(fig.to_json())


def _values(trace: dict, axis: str) -> np.ndarray:
    """Trace data, whether plotly wrote a plain list or a typed (base64) array."""
    import base64

    v = trace[axis]
    if isinstance(v, dict):
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
    return np.asarray(v, dtype=float)


@pytest.mark.parametrize(("length", "most"), [(5, 10), (1001, 5), (301, 300), (2, 2)])
def test_downsample_keeps_ends_and_bound(length, most):
    idx = downsample_index(length, most)
    assert idx[0] == 0
    assert idx[-1] == length - 1
    assert len(idx) <= max(most, 2)
    assert np.all(np.diff(idx) > 0)


def test_frame_steps_span_longest_run(runs):
    steps = frame_steps(runs, frames=500)
    assert steps[0] == 0
    assert steps[-1] == 500
    assert len(steps) <= MAX_FRAMES


def test_convergence_curves_follow_the_histories(runs):
    fig = convergence_figure(runs)
    spec = _spec(fig)
    lines = [t for t in spec["data"] if t.get("mode") == "lines"]
    assert [t["name"] for t in lines] == ["MSE", "MAE"]
    for trace, run in zip(lines, runs, strict=True):
        x, y = _values(trace, "x"), _values(trace, "y")
        assert x[-1] == run.history.stop_step
        np.testing.assert_allclose(y, run.history.loss[x.astype(int)], rtol=1e-6)
        assert trace["line"]["color"] == run.color
    assert spec["layout"]["xaxis"]["title"]["text"] == "step"


def test_frames_move_only_the_markers_and_stop_at_each_runs_end(runs):
    fig = convergence_figure(runs, frames=40)
    spec = _spec(fig)
    frames = spec["frames"]
    assert 2 <= len(frames) <= 40
    assert all(f["traces"] == frames[0]["traces"] for f in frames)
    assert len(frames[0]["traces"]) == len(runs)
    last = frames[-1]["data"]
    # The MAE run has 200 steps: at the end of the animation its marker waits at step 200.
    assert last[0]["x"] == [500]
    assert last[1]["x"] == [200]
    assert last[1]["y"][0] == pytest.approx(runs[1].history.loss[200], rel=1e-5)
    slider = spec["layout"]["sliders"][0]
    assert [s["label"] for s in slider["steps"]] == [f["name"] for f in frames]
    labels = [b["label"] for b in spec["layout"]["updatemenus"][0]["buttons"]]
    assert any("play" in b for b in labels)
    assert any("pause" in b for b in labels)


def test_log_axis_and_zero_loss(data):
    exact = lossviz.fit([0.0, 1.0], [0.0, 1.0], "mse", lr=0.5, steps=3000)
    fig = convergence_figure([Run("MSE", "#000000", exact)], log_y=True)
    spec = _spec(fig)
    assert spec["layout"]["yaxis"]["type"] == "log"
    assert np.all(_values(spec["data"][0], "y") > 0)


def test_diverged_run_is_marked_with_its_step(diverged):
    spec = _spec(convergence_figure([diverged]))
    texts = [t.get("text") for t in spec["data"] if t.get("text")]
    assert texts == [[f"diverged at step {diverged.history.diverged_at}"]]
    assert all(np.isfinite(_values(t, "y")).all() for t in spec["data"])


def test_still_figure_without_animation(runs):
    spec = _spec(convergence_figure(runs, animate=False))
    assert not spec.get("frames")
    assert "sliders" not in spec["layout"]


def test_convergence_data_is_downsampled(data):
    h = lossviz.fit(data.x, data.y, "huber", lr=0.05, steps=5000)
    cd = convergence_data([Run("Huber", "#009E73", h)], max_points=250)
    assert len(cd.steps[0]) <= 250
    assert len(convergence_figure([Run("Huber", "#009E73", h)]).to_json()) < 30_000


def test_path_figure_contour_and_paths(data, runs):
    land = loss_landscape(data.x, data.y, lossviz.get_loss("mse"), w_range=(-1, 3),
                          b_range=(-1, 5), size=40)
    spec = _spec(path_figure(land, runs, landscape_label="MSE"))
    contour = spec["data"][0]
    assert contour["type"] == "contour"
    paths = [t for t in spec["data"] if t.get("mode") == "lines+markers"]
    assert [t["name"] for t in paths] == ["MSE", "MAE"]
    np.testing.assert_allclose(_values(paths[0], "x")[-1], runs[0].history.params[-1, 0],
                               rtol=1e-6)
    assert spec["layout"]["xaxis"]["title"]["text"] == "slope w"
    assert spec["frames"][-1]["data"][0]["x"][0] == pytest.approx(
        runs[0].history.params[-1, 0], rel=1e-5)


@pytest.mark.filterwarnings("error")  # no overflow warning either
def test_a_loss_running_off_to_minus_infinity_is_drawn_with_finite_numbers(data):
    # A custom loss unbounded below: the loss falls past float32's range before the run
    # stops as diverged.
    loss = lossviz.custom_loss("-20*r**2", "regression")
    h = lossviz.fit(data.x, data.y, loss, lr=0.6, steps=300)
    assert h.loss[-1] < -1e38
    fig = convergence_figure([Run("Custom", "#000000", h)])
    line = np.asarray(fig.data[0].y, dtype=np.float64)
    assert np.isfinite(line).all()
    np.testing.assert_allclose(line[-1], h.loss[-1], rtol=1e-6)
