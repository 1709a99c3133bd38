"""Convergence curves and parameter paths: trace data, states, divergence marks."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import pytest

import lossviz
from lossviz.experiments import loss_landscape
from lossviz.figures.descent import (
    MAX_STATES,
    ConvergenceData,
    Run,
    convergence_data,
    convergence_figure,
    convergence_states,
    downsample_index,
    path_data,
    path_figure,
    path_states,
    state_steps,
)
from lossviz.figures.raster import contour_png
from lossviz.figures.states import show_state
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


def test_state_steps_span_longest_run(runs):
    steps = state_steps(runs, count=500)
    assert steps[0] == 0
    assert steps[-1] == 500
    assert len(steps) <= MAX_STATES


def _lines(spec: dict) -> list[dict]:
    return [t for t in spec["data"] if t.get("mode") == "lines"]


def test_convergence_curves_follow_the_histories(runs):
    fig = convergence_figure(convergence_data(runs))
    assert isinstance(fig, go.Figure)
    spec = _spec(fig)
    lines = _lines(spec)
    assert [t["name"] for t in lines] == ["MSE", "MAE"]
    for trace, run in zip(lines, runs, strict=True):
        x, y = _values(trace, "x"), _values(trace, "y")
        assert x[-1] == run.history.stop_step
        np.testing.assert_allclose(y, run.history.loss[x.astype(int)], rtol=1e-6)
        assert trace["line"]["color"] == run.color
    assert spec["layout"]["xaxis"]["title"]["text"] == "step"


def test_still_figure_has_no_frames_sliders_or_buttons(runs):
    spec = _spec(convergence_figure(convergence_data(runs)))
    assert not spec.get("frames")
    assert "sliders" not in spec["layout"]
    assert "updatemenus" not in spec["layout"]


def test_states_move_only_the_markers_and_stop_at_each_runs_end(runs):
    data = convergence_data(runs, states=40)
    states = convergence_states(data)
    assert states.play
    assert 2 <= states.count <= 40
    assert states.index == states.count - 1
    n = len(runs)
    # only the markers (traces n..2n-1) move: a frame carries them without a redraw
    assert sorted(states.traces) == [*range(n, 2 * n)]
    assert all(set(states.traces[i]) == {"x", "y"} for i in states.traces)
    fig = convergence_figure(data)
    assert [fig.data[i].mode for i in range(n, 2 * n)] == ["markers"] * n
    # The MAE run has 200 steps: at the end its marker waits at step 200.
    last = show_state(fig, states, states.count - 1)
    assert list(last.data[n].x) == [500]
    assert list(last.data[n + 1].x) == [200]
    assert last.data[n + 1].y[0] == pytest.approx(runs[1].history.loss[200], rel=1e-5)
    assert last.data[2 * n].name == "at the step shown"
    # every state is the step it says, for each run
    for k, step in enumerate(states.values.tolist()):
        for i, run in enumerate(runs):
            at = min(step, run.history.stop_step)
            assert states.traces[n + i]["x"][k][0] == at
            assert states.traces[n + i]["y"][k][0] == pytest.approx(run.history.loss[at],
                                                                    rel=1e-5)
        assert states.captions[k].startswith(f"step {step}: MSE ")


def test_figure_shows_the_state_it_is_asked_for(runs):
    data = convergence_data(runs, states=11)
    states = convergence_states(data)
    fig = convergence_figure(data, state=3)
    built = show_state(convergence_figure(data), states, 3)
    n = len(runs)
    for i in range(n, 2 * n + 1):
        assert fig.data[i].x == built.data[i].x
        assert fig.data[i].y == built.data[i].y
        assert fig.data[i].name == built.data[i].name
    with pytest.raises(ValueError, match="outside the 11 states"):
        convergence_figure(data, state=11)


def test_runs_give_the_animated_figure_for_a_notebook(runs):
    spec = _spec(convergence_figure(runs, frames=40))
    assert 2 <= len(spec["frames"]) <= 40
    assert spec["layout"]["sliders"][0]["steps"]
    assert not _spec(convergence_figure(runs, animate=False)).get("frames")


def test_log_axis_and_zero_loss(data):
    exact = lossviz.fit([0.0, 1.0], [0.0, 1.0], "mse", lr=0.5, steps=3000)
    fig = convergence_figure(convergence_data([Run("MSE", "#000000", exact)]), log_y=True)
    spec = _spec(fig)
    assert spec["layout"]["yaxis"]["type"] == "log"
    assert np.all(_values(spec["data"][0], "y") > 0)


def test_log_axis_ticks_are_clean_numbers(runs):
    axis = _spec(convergence_figure(convergence_data(runs), log_y=True))["layout"]["yaxis"]
    ticks = np.asarray(axis["tickvals"])
    mantissas = np.round(ticks / 10.0 ** np.floor(np.log10(ticks)), 9)
    assert np.all(np.isin(mantissas, [1, 2, 5]))
    assert len(set(axis["ticktext"])) == len(ticks)
    lo, hi = 10.0 ** np.asarray(axis["range"])
    assert lo <= min(r.history.loss.min() for r in runs)
    assert hi >= max(r.history.loss.max() for r in runs)


@pytest.mark.parametrize("log_y", [False, True], ids=["linear", "log"])
def test_diverged_run_shows_where_it_left_the_axis(diverged, runs, log_y):
    data = convergence_data([*runs, diverged])
    spec = _spec(convergence_figure(data, log_y=log_y))
    h = diverged.history
    top = spec["layout"]["yaxis"]["range"][1]
    top = 10.0**top if log_y else top
    assert top < h.loss.max()  # the blow-up does not squash the other curves
    (exit_mark,) = [t for t in spec["data"] if t["name"] == "MSE diverged"]
    assert exit_mark["marker"]["symbol"] == "triangle-up"
    assert exit_mark["y"] == [pytest.approx(top)]
    left = int(np.flatnonzero(h.loss > top)[0])
    assert exit_mark["x"] == [left]
    (note,) = spec["layout"]["annotations"]
    assert f"diverged at step {h.diverged_at}" in note["text"]
    # the note is anchored inside the plot area, running away from the nearer edge
    assert note["yref"] == "y domain"
    assert note["yanchor"] == "top"
    assert note["xanchor"] == ("left" if left < 0.5 * 500 else "right")
    assert all(np.isfinite(_values(t, "y")).all() for t in spec["data"]
               if t.get("y") is not None and t["y"] != [None])



@pytest.mark.parametrize("log_y", [False, True], ids=["linear", "log"])
def test_a_run_that_diverged_alone_is_drawn_whole(diverged, log_y):
    # Nothing else to squash: the axis holds the whole climb, and the note says where it
    # ended on two lines (one ran out of the plot on a projector).
    spec = _spec(convergence_figure(convergence_data([diverged]), log_y=log_y,
                                    presentation=True))
    h = diverged.history
    top = spec["layout"]["yaxis"]["range"][1]
    top = 10.0**top if log_y else top
    peak = float(h.loss[np.isfinite(h.loss)].max())
    assert top > peak
    (mark,) = [t for t in spec["data"] if t["name"] == "MSE diverged"]
    assert mark["marker"]["symbol"] == "x"  # at its last finite step, inside the plot
    assert mark["x"] == [len(h.loss[np.isfinite(h.loss)]) - 1]
    (note,) = spec["layout"]["annotations"]
    assert note["text"].startswith(f"MSE diverged at step {h.diverged_at}:<br>loss reached ")
    # at the foot of the plot, under the climb: at the top its box hid the climb's last steps
    assert (note["y"], note["yanchor"], note["yref"]) == (0.0, "bottom", "y domain")

def test_convergence_data_is_downsampled(data):
    h = lossviz.fit(data.x, data.y, "huber", lr=0.05, steps=5000)
    cd = convergence_data([Run("Huber", "#009E73", h)], max_points=250)
    assert isinstance(cd, ConvergenceData)
    assert len(cd.steps[0]) <= 250
    assert len(convergence_figure(cd).to_json()) < 30_000


@pytest.fixture(scope="module")
def landscape(data):
    return loss_landscape(data.x, data.y, lossviz.get_loss("mse"), w_range=(-1, 3),
                          b_range=(-1, 5), size=40)


def test_path_figure_landscape_and_paths(landscape, runs):
    pdata = path_data(landscape, runs)
    spec = _spec(path_figure(pdata, landscape_label="MSE"))
    # The landscape is a picture under the axes, spanning the grid; trace 0 is its key.
    (image,) = spec["layout"]["images"]
    assert image["source"] == contour_png(pdata.log_loss)
    assert (image["x"], image["y"]) == (-1, 5)  # the grid's top left corner: w low, b high
    assert (image["sizex"], image["sizey"]) == (4, 6)
    assert (image["xref"], image["yref"], image["layer"]) == ("x", "y", "below")
    assert spec["layout"]["xaxis"]["range"] == [-1, 3]
    assert spec["data"][0]["name"] == "MSE contours (lighter is lower)"
    assert all(t.get("type", "scatter") == "scatter" for t in spec["data"])
    # A caller that keeps the picture (the app caches it) passes it in.
    kept = _spec(path_figure(pdata, picture=image["source"][:40]))
    assert kept["layout"]["images"][0]["source"] == image["source"][:40]
    paths = [t for t in spec["data"] if t.get("mode") == "lines+markers"]
    assert [t["name"] for t in paths] == ["MSE", "MAE"]
    np.testing.assert_allclose(_values(paths[0], "x")[-1], runs[0].history.params[-1, 0],
                               rtol=1e-6)
    assert spec["layout"]["xaxis"]["title"]["text"] == "slope w"
    assert not spec.get("frames")


def test_path_states_walk_each_run_along_its_path(landscape, runs):
    pdata = path_data(landscape, runs, states=30)
    states = path_states(pdata)
    n = len(runs)
    assert sorted(states.traces) == [*range(2 + n, 2 + 2 * n)]  # the markers alone
    np.testing.assert_array_equal(states.values, convergence_states(
        convergence_data(runs, states=30)).values)  # one scrubber can drive both
    for k, step in enumerate(states.values.tolist()):
        for i, run in enumerate(runs):
            at = min(step, run.history.stop_step)
            assert states.traces[2 + n + i]["x"][k][0] == pytest.approx(
                run.history.params[at, 0], rel=1e-5)
            assert states.traces[2 + n + i]["y"][k][0] == pytest.approx(
                run.history.params[at, -1], rel=1e-5, abs=1e-9)
    fig = path_figure(pdata)
    assert fig.data[2 + n].x[0] == pytest.approx(runs[0].history.params[-1, 0], rel=1e-5)


def test_path_figure_from_a_landscape_and_runs_is_animated(landscape, runs):
    spec = _spec(path_figure(landscape, runs, landscape_label="MSE"))
    assert spec["frames"][-1]["data"][0]["x"][0] == pytest.approx(
        runs[0].history.params[-1, 0], rel=1e-5)
    # Every trace a scatter, the landscape a layout image: a frame moves the markers
    # without redrawing the plot, and the picture stays.
    steps = spec["layout"]["sliders"][0]["steps"]
    assert all(step["args"][1]["frame"]["redraw"] is False for step in steps)
    assert spec["layout"]["images"][0]["source"].startswith("data:image/png;base64,")


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


def test_captions_say_when_a_run_is_over(data, diverged, runs):
    """Past a run's end its marker waits at its last row, but the caption does not pass
    that row's numbers off as the run's at the step shown: a diverged run says where it
    blew up, a shorter run where it stopped."""
    both = [diverged, runs[1]]  # MSE blows up early; MAE runs 200 of the 500 steps
    at, last = diverged.history.diverged_at, runs[1].history.stop_step
    loss = convergence_states(convergence_data(both, states=101))
    land = loss_landscape(data.x, data.y, lossviz.get_loss("mae"), w_range=(-2.0, 4.0),
                          b_range=(-2.0, 6.0), size=20)
    path = path_states(path_data(land, both, states=101))
    for states in (loss, path):
        for k, step in enumerate(states.values.tolist()):
            text = states.captions[k]
            assert (f"MSE diverged at step {at}" in text) == (step >= at), text
            assert (f"(stopped at step {last})" in text) == (step > last), text
            if step < at:  # before it blew up: its numbers at that step
                assert text.startswith(f"step {step}: MSE ")
                assert "diverged" not in text
