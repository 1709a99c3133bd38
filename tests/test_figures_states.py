"""lossviz.figures.states: a figure's states on a grid, checked, shown one at a time in Python,
and as plotly animation frames for a notebook."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest
from plotly_data import plotly_array as _arr

from lossviz.figures.states import Drag, States, show_state, state_update, with_frames

VALUES = np.array([0.5, 1.0, 2.0])


def _figure() -> go.Figure:
    fig = go.Figure([go.Scatter(x=[0, 1], y=[0, 1], name="line"),
                     go.Scatter(x=[1], y=[1], name="handle", mode="markers")])
    fig.update_layout(shapes=[dict(type="line", x0=1, x1=1, y0=0, y1=1)],
                      annotations=[dict(x=0, y=0, text="slope 1")])
    return fig


def _states(**kw) -> States:
    spec = dict(
        label="slope", values=VALUES, index=1,
        traces={0: {"y": np.array([[0, 0.5], [0, 1.0], [0, 2.0]])},
                1: {"y": VALUES[:, None], "text": ["a", "b", "c"]}},
        layout={"shapes[0].x0": VALUES, "annotations[0].text": ["s 0.5", "s 1", "s 2"]},
        captions=("half", "one", "two"))
    spec.update(kw)
    return States(**spec)


# -- check ---------------------------------------------------------------------------------------
def test_a_well_formed_grid_passes_its_check():
    states = _states()
    assert states.check() is states
    assert states.count == len(states) == 3


@pytest.mark.parametrize(
    ("change", "says"),
    [
        pytest.param({"values": np.array([]), "index": 0, "traces": {}, "layout": {},
                      "captions": ()}, "at least one state", id="no-states"),
        pytest.param({"index": 3}, "index 3 is outside the 3 states", id="index-past-end"),
        pytest.param({"index": -1}, "index -1 is outside", id="negative-index"),
        pytest.param({"traces": {0: {"y": np.zeros((2, 2))}}},
                     "trace 0 'y' has 2 rows for 3 states", id="short-trace"),
        pytest.param({"layout": {"shapes[0].x0": [1.0]}},
                     "layout 'shapes[0].x0' has 1 rows for 3 states", id="short-layout"),
        pytest.param({"captions": ("one",)}, "1 captions for 3 states", id="captions"),
    ],
)
def test_a_malformed_grid_is_refused_naming_what_is_wrong(change, says):
    with pytest.raises(ValueError, match=says.replace("[", r"\[").replace("]", r"\]")):
        _states(**change).check()


def test_nearest_picks_the_closest_state():
    states = _states()
    assert [states.nearest(v) for v in (-5, 0.7, 0.8, 1.6, 99)] == [0, 0, 1, 2, 2]


# -- in Python -----------------------------------------------------------------------------------
def test_show_state_sets_each_trace_and_layout_entry_and_leaves_the_figure_alone():
    fig, states = _figure(), _states()
    for k, v in enumerate(VALUES):
        shown = show_state(fig, states, k)
        assert _arr(shown.data[0].y).tolist() == [0, v]
        assert _arr(shown.data[1].y).tolist() == [v]
        assert shown.data[1].text == "abc"[k]
        assert shown.layout.shapes[0].x0 == v
        assert shown.layout.annotations[0].text == f"s {v:g}"
        assert list(shown.data[0].x) == [0, 1]  # what no state changes stays
    assert list(fig.data[0].y) == [0, 1]
    assert fig.layout.annotations[0].text == "slope 1"


def test_state_update_names_only_what_changes():
    traces, layout = state_update(_states(), 2)
    assert traces == {0: {"y": [0.0, 2.0]}, 1: {"y": [2.0], "text": "c"}}
    assert layout == {"shapes[0].x0": 2.0, "annotations[0].text": "s 2"}


# -- as animation frames -------------------------------------------------------------------------
@pytest.mark.parametrize("play", [False, True], ids=["scrub", "play"])
def test_with_frames_gives_one_frame_per_state_and_a_slider(play):
    fig, states = _figure(), _states(play=play)
    out = with_frames(fig, states, fmt="{:.1f}")
    assert [f.name for f in out.frames] == ["0", "1", "2"]
    for k, frame in enumerate(out.frames):
        assert list(frame.traces) == [0, 1]
        assert _arr(frame.data[0].y).tolist() == [0, VALUES[k]]
    slider = out.layout.sliders[0]
    assert slider.active == 1
    assert [s.label for s in slider.steps] == ["0.5", "1.0", "2.0"]
    assert [list(s.args[0]) for s in slider.steps] == [["0"], ["1"], ["2"]]
    assert slider.currentvalue.prefix == "slope = "
    buttons = out.layout.updatemenus[0].buttons if out.layout.updatemenus else ()
    assert [b.label for b in buttons] == (["▶", "❚❚"] if play else [])
    assert not fig.frames  # the figure given is not changed


def test_frames_redraw_only_a_figure_with_traces_a_frame_cannot_move():
    # Scatter and bar traces move without a redraw; a contour's layer would leave the plot.
    def redraws(fig):
        out = with_frames(fig, _states(play=True))
        steps = [s.args[1]["frame"]["redraw"] for s in out.layout.sliders[0].steps]
        play = out.layout.updatemenus[0].buttons[0].args[1]["frame"]["redraw"]
        assert set(steps) == {play}
        return play

    assert redraws(_figure()) is False
    with_bars = _figure()
    with_bars.add_trace(go.Bar(x=[1, 2], y=[3, 4]))
    assert redraws(with_bars) is False
    with_contour = _figure()
    with_contour.add_trace(go.Contour(z=[[1, 2], [3, 4]]))
    assert redraws(with_contour) is True


def test_a_drag_names_a_marker_and_a_hint():
    drag = Drag(1, 0)
    assert drag._asdict() == {"trace": 1, "point": 0, "hint": "Drag me"}
