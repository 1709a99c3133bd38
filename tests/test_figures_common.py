"""What every figure builder of descent, stopping, classification and custom promises:
a plain still figure (no frames, sliders or play buttons), states whose trace indices and
attributes are the figure's own, text of at least 20 px in presentation mode, axes that
stay apart on a phone, clean log ticks, and a payload well under 300 KB."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from plotly_data import plotly_array

import lossviz
from lossviz.classify import margins
from lossviz.experiments import loss_landscape
from lossviz.figures import classification as fcl
from lossviz.figures import custom as fc
from lossviz.figures import descent as fd
from lossviz.figures import multiclass as fm
from lossviz.figures import outliers as fo
from lossviz.figures import regression as fr
from lossviz.figures import stopping as fs
from lossviz.figures._spec import Render
from lossviz.figures.states import States, show_state
from lossviz.figures.style import FONT_SIZE, PRESENTATION_FONT_SIZE, loss_color, loss_label
from lossviz.ui.chart import Prepared, as_figure, figure_json, states_json

Builder = Callable[..., go.Figure]


@pytest.fixture(scope="module")
def catalogue() -> dict[str, tuple[Builder, Callable[[], States] | None]]:
    """Every picture: a figure builder taking the common keywords, and its states (if any),
    from small data shaped like the app's defaults."""
    reg = lossviz.make_regression(30, outliers=1, seed=0)
    runs = [fd.Run(loss_label(n), loss_color(n), lossviz.fit(reg.x, reg.y, n, lr=0.04,
                                                           steps=200))
            for n in ("mse", "mae", "huber")]
    diverged = [*runs, fd.Run("MSE fast", "#000000",
                              lossviz.fit(reg.x, reg.y, "mse", lr=0.5, steps=200))]
    conv = fd.convergence_data(diverged)
    land = loss_landscape(reg.x, reg.y, lossviz.get_loss("mse"), w_range=(-0.5, 2.5),
                          b_range=(-1, 4), size=50)
    path = fd.path_data(land, runs)
    cls = lossviz.make_classification(40, dim=2, flip=3, seed=0)
    fits = {n: lossviz.fit(cls.x, cls.y, n, lr=0.1, steps=300) for n in fcl.SURROGATES}
    bd = fcl.boundary_data(cls.x, cls.y, [fcl.BoundaryFit(n, h.params, h.final_params)
                                          for n, h in fits.items()],
                           flipped=cls.is_flipped, show_clean=True)
    m = margins(cls.y, fits["cross_entropy"].predict(cls.x))
    md = fcl.margin_data(fcl.SURROGATES, point_margins=m, flipped=cls.is_flipped)
    pdata = fcl.probability_data(("cross_entropy", "hinge"), point_margins=m)
    sd = fcl.softmax_data([2.0, 1.0, 0.1], 0)
    x, y = lossviz.make_curve(16, noise=0.3, seed=1)
    xt, yt, xv, yv = lossviz.train_validation_split(x, y, validation_fraction=0.3, seed=1)
    h = lossviz.fit(xt, yt, "mse", model="poly", degree=12, optimizer="adam", lr=0.05,
                    steps=2000, validation=(xv, yv))
    picks = fs.stopping_picks(h, tol=1e-4, grad_tol=1e-2, patience=50)
    cd = fs.curves_data(h, picks, loss_name="mse")
    ff = fs.fit_frames_data(h, xt, yt, xv, yv, keep=[h.best_step])
    sched = fs.schedules_data({name: lossviz.fit(xt, yt, "mse", model="poly", degree=4,
                                                 lr=0.05, steps=300, schedule=name)
                               for name in lossviz.SCHEDULES})
    losses = [lossviz.get_loss("mse"), lossviz.custom_loss("log(1 + r**2)")]
    curves = fc.curves_data(losses, low=-4, high=4)
    fit = fc.fit_data("regression", reg.x, reg.y, reg.is_outlier,
                      {("mse", "MSE"): runs[0].history})
    lines = fo.lines_data(reg.x, reg.y, reg.is_outlier, delta=1.0)
    residual = 0.9 * reg.x - reg.y
    digits = lossviz.datasets.load("digits")
    dx, dy = np.asarray(digits.x) / 16, np.asarray(digits.y)
    dd = fm.digits_data(dx[:200], dy[:200], dx[1500:], dy[1500:],
                        [fm.DigitsFit(n, lossviz.fit(dx[:200], dy[:200], n, lr=0.5,
                                                     steps=50).final_params)
                         for n in fm.MULTICLASS], "multiclass_hinge")
    return {
        "convergence": (partial(fd.convergence_figure, conv, log_y=True),
                        lambda: fd.convergence_states(conv, log_y=True)),
        "path": (partial(fd.path_figure, path), lambda: fd.path_states(path)),
        "boundary": (partial(fcl.boundary_figure, bd),
                     lambda: fcl.boundary_states(bd)),
        "margin": (partial(fcl.margin_figure, md), None),
        "probability": (partial(fcl.probability_figure, pdata), None),
        "softmax": (partial(fcl.softmax_figure, sd), None),
        "digits": (partial(fm.digits_figure, dd), None),
        "stopping curves": (partial(fs.curves_figure, cd), None),
        "stopping fit": (partial(fs.fit_frames_figure, ff, loss_name="mse"),
                         lambda: fs.fit_frames_states(ff)),
        "schedules": (partial(fs.schedules_figure, sched), None),
        "custom curves": (partial(fc.curves_figure, curves), None),
        "custom fit": (partial(fc.fit_figure, fit), None),
        # the regression page's pictures (only checked as sent: the tests above are about
        # the builders of the other pages)
        "outlier lines": (partial(fo.lines_figure, lines), None),
        "outlier pulls": (partial(fo.pulls_figure, fo.pulls_data(lines)), None),
        "loss curves": (partial(fr.curves_figure, fr.curves_data(
            residual, delta=1.0, deltas=[0.5, 1.0, 2.0], is_outlier=reg.is_outlier)), None),
        "your line": (partial(fr.data_figure, reg.x, reg.y, predictions=0.9 * reg.x,
                              is_outlier=reg.is_outlier, user_line=(0.9, 0.0)), None),
        "pull": (partial(fr.pull_figure, residual, delta=1.0, is_outlier=reg.is_outlier),
                 None),
    }


NAMES = ["convergence", "path", "boundary", "margin", "probability", "softmax", "digits",
         "stopping curves", "stopping fit", "schedules", "custom curves", "custom fit"]


def _font_sizes(node: Any, inherited: int) -> list[int]:
    """Every font size in a figure's layout or trace (an unset size inherits)."""
    out = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("font", "tickfont", "textfont", "insidetextfont", "outsidetextfont"):
                out.append(int((value or {}).get("size", inherited)))
            elif key != "template":
                out += _font_sizes(value, inherited)
    elif isinstance(node, list):
        for value in node:
            out += _font_sizes(value, inherited)
    return out


@pytest.mark.parametrize("name", NAMES)
def test_still_figure_is_plain(catalogue, name):
    figure, _ = catalogue[name]
    fig = figure()
    assert type(fig) is go.Figure
    spec = fig.to_dict()
    assert not spec.get("frames")
    assert "sliders" not in spec["layout"]
    assert "updatemenus" not in spec["layout"]


@pytest.mark.parametrize("name", NAMES)
def test_presentation_text_is_at_least_20_px_and_normal_text_13(catalogue, name):
    figure, _ = catalogue[name]
    normal = figure().to_dict()
    assert normal["layout"]["font"]["size"] == FONT_SIZE
    spec = figure(presentation=True).to_dict()
    assert spec["layout"]["font"]["size"] >= PRESENTATION_FONT_SIZE
    sizes = _font_sizes({"layout": spec["layout"], "data": spec["data"]},
                        spec["layout"]["font"]["size"])
    assert min(sizes) >= PRESENTATION_FONT_SIZE


@pytest.mark.parametrize("name", NAMES)
def test_compact_figures_never_put_titled_x_axes_side_by_side(catalogue, name):
    figure, _ = catalogue[name]
    layout = figure(compact=True).to_dict()["layout"]
    titled = [axis for key, axis in layout.items()
              if key.startswith("xaxis") and axis.get("title", {}).get("text")]
    for axis in titled:
        assert tuple(axis.get("domain", (0.0, 1.0))) == (0.0, 1.0)
        assert len(axis["title"]["text"]) <= 40  # about 280 px at 13 px: fits 390 px


@pytest.mark.parametrize("name", [n for n in NAMES if "custom" not in n])
def test_log_axes_have_clean_ticks(catalogue, name):
    figure, _ = catalogue[name]
    layout = figure().to_dict()["layout"]
    for key, axis in layout.items():
        if key.startswith(("xaxis", "yaxis")) and axis.get("type") == "log":
            ticks = np.asarray(axis["tickvals"], dtype=float)
            mantissa = np.round(ticks / 10.0 ** np.floor(np.log10(ticks)), 9)
            assert np.all(np.isin(mantissa, [1, 2, 5]))
            assert len(axis["ticktext"]) == len(ticks)
            lo, hi = axis["range"]
            shown = (np.log10(ticks) >= lo) & (np.log10(ticks) <= hi)
            assert shown.sum() >= 2


@pytest.mark.parametrize("name", [n for n in NAMES if n in ("convergence", "path",
                                                            "boundary", "stopping fit")])
def test_states_fit_their_figure_and_stay_small(catalogue, name):
    figure, make_states = catalogue[name]
    fig = figure()
    states = make_states().check()
    assert 2 <= states.count <= 100
    assert states.play
    for index, attrs in states.traces.items():
        assert 0 <= index < len(fig.data)
        for attr in attrs:
            assert attr in fig.data[index]  # an attribute the trace has
    # the figure as built is the state it says it shows
    same = show_state(fig, states, states.index)
    for index in states.traces:
        assert _close(same.data[index], fig.data[index]), index
    # figure + every state, as sent: well under 300 KB
    rows = {str(t): {a: (r.tolist() if isinstance(r, np.ndarray) else list(r))
                     for a, r in attrs.items()} for t, attrs in states.traces.items()}
    size = len(pio.to_json(fig)) + len(pio.to_json({"traces": rows,
                                                    "captions": list(states.captions)},
                                                   validate=False))
    assert size < 200_000


def _close(a: Any, b: Any) -> bool:
    """The two traces show the same numbers and names (to 5 significant digits)."""
    ja, jb = a.to_plotly_json(), b.to_plotly_json()
    for attr in ("x", "y", "z"):
        if (attr in ja) != (attr in jb):
            return False
        if attr in ja and not np.allclose(plotly_array(ja[attr]), plotly_array(jb[attr]),
                                          rtol=1e-5, equal_nan=True):
            return False
    return ja.get("name") == jb.get("name") and math.isclose(ja.get("opacity", 1.0),
                                                             jb.get("opacity", 1.0))


def test_figure_modules_build_through_public_plotly_only():
    import inspect

    for module in (fd, fs, fcl, fc):
        source = inspect.getsource(module)
        assert "_validate" not in source
        assert "FastFigure" not in source
        assert "lru_cache" not in source


def _same(sent: Any, built: Any, path: str = "") -> None:
    """``sent`` (the app's JSON of a render step's dict) says what ``built`` (plotly's JSON
    of the validated figure) says: the same keys and values, arrays the same numbers."""
    if any(isinstance(v, dict) and "bdata" in v for v in (sent, built)):
        a, b = plotly_array(sent), plotly_array(built)
        assert a.shape == b.shape, path
        assert np.array_equal(a, b, equal_nan=True), path
    elif isinstance(built, dict):
        assert isinstance(sent, dict), path
        assert set(sent) == set(built), (path, set(sent), set(built))
        for key in built:
            _same(sent[key], built[key], f"{path}.{key}")
    elif isinstance(built, list) and built and isinstance(built[0], dict | list):
        assert isinstance(sent, list), path
        assert len(sent) == len(built), path
        for k, (x, y) in enumerate(zip(sent, built, strict=True)):
            _same(x, y, f"{path}[{k}]")
    elif isinstance(built, list):
        assert [None if v is None else v for v in sent] == built, path
    else:
        assert sent == built, path


@pytest.mark.parametrize("name", [*NAMES, "outlier lines", "outlier pulls", "loss curves",
                                  "your line", "pull"])
def test_the_app_sends_the_figure_the_tests_validate(catalogue, name):
    # The app sends a render step's dict unvalidated (chart.figure_json of .spec): what it
    # sends passes plotly's validation and is the figure the same call makes validated,
    # numbers included.
    figure, _ = catalogue[name]
    assert isinstance(figure.func, Render)
    sent = json.loads(figure_json(figure.func.spec(*figure.args, **figure.keywords)))
    _same(json.loads(go.Figure(sent).to_json()), json.loads(figure().to_json()))


def test_every_render_step_has_its_spec():
    import lossviz.figures.classroom as fcr

    for module in (fd, fs, fcl, fc, fr, fo, fcr):
        for name in dir(module):
            if name.endswith("_figure") and not name.startswith("_"):
                render = getattr(module, name)
                assert isinstance(render, Render), f"{module.__name__}.{name}"
                assert callable(render.spec)
                assert render.__doc__ == render.spec.__doc__


def test_figure_json_writes_gaps_integers_and_grids_as_plotly_reads_them():
    spec = {"data": [{"type": "scatter", "x": [0.0, float("nan"), 2.0],
                      "y": np.array([1.0, np.nan, 3.0]),
                      "customdata": np.arange(3, dtype=np.int64),
                      "text": np.array(["a", "b", "c"]),
                      "marker": {"size": np.float32(7.5), "opacity": np.float64(0.5)}},
                     {"type": "contour", "z": np.arange(6.0, dtype=np.float32).reshape(2, 3)}],
            "layout": {"height": np.int64(300)}}
    out = json.loads(figure_json(spec))
    first, grid = out["data"]
    assert first["x"] == [0.0, None, 2.0]  # a gap, as JSON has one
    assert first["y"]["dtype"] == "f8"
    assert np.isnan(plotly_array(first["y"])[1])
    assert first["customdata"]["dtype"] == "i4"
    assert plotly_array(first["customdata"]).tolist() == [0, 1, 2]
    assert first["text"] == ["a", "b", "c"]
    assert first["marker"] == {"size": 7.5, "opacity": 0.5}
    assert grid["z"]["dtype"] == "f4"
    assert grid["z"]["shape"] == "2,3"
    assert plotly_array(grid["z"]).tolist() == [[0, 1, 2], [3, 4, 5]]
    assert out["layout"] == {"height": 300}
    big = json.loads(figure_json({"x": np.array([2**40], dtype=np.int64)}))["x"]
    assert big["dtype"] == "f8"
    assert plotly_array(big)[0] == 2**40
    with pytest.raises(TypeError, match="set is not part of a figure"):
        figure_json({"x": {1, 2}})


def test_states_json_sends_rows_as_float32_arrays_and_values_as_decimals():
    # The rows (what changes between states) go as float32 typed arrays: a gap for NaN,
    # infinity and what overflows float32; text and ragged rows as lists. The parameter's
    # values stay short decimals: a released drag commits one of them.
    grid = np.linspace(0.1, 0.3, 3)  # 0.30000000000000004 as computed
    surface = np.arange(12.0).reshape(3, 2, 2)
    states = States("δ", grid, 1, traces={
        0: {"y": np.array([[1.0, np.nan], [np.inf, 2.5], [1e39, -3.0]]),
            "text": [["a", "b"], ["c", "d"], ["e", "f"]]},
        1: {"x": [[0.0], [0.0, 1.0], [0.0, 1.0, 2.0]], "z": surface}},
        layout={"shapes[0].x0": [0.1, 0.2, 0.3], "annotations[0].text": ["p", "q", "r"]},
        captions=("one", "two", "three"))
    out = json.loads(states_json(states))
    assert out["values"] == [0.1, 0.2, 0.3]
    y = out["traces"]["0"]["y"]
    assert (y["dtype"], y["shape"]) == ("f4", "3,2")
    assert np.array_equal(plotly_array(y), [[1.0, np.nan], [np.nan, 2.5], [np.nan, -3.0]],
                          equal_nan=True)
    assert out["traces"]["0"]["text"] == [["a", "b"], ["c", "d"], ["e", "f"]]
    ragged = out["traces"]["1"]["x"]
    assert [plotly_array(r).tolist() for r in ragged] == [[0.0], [0.0, 1.0], [0.0, 1.0, 2.0]]
    assert out["traces"]["1"]["z"]["shape"] == "3,2,2"
    assert plotly_array(out["traces"]["1"]["z"]).tolist() == surface.tolist()
    assert plotly_array(out["layout"]["shapes[0].x0"]).tolist() == pytest.approx(
        [0.1, 0.2, 0.3], rel=1e-7)
    assert out["layout"]["annotations[0].text"] == ["p", "q", "r"]
    assert out["captions"] == ["one", "two", "three"]
    assert "index" not in out
    # The export pack reads them back: the state shown, from the typed rows.
    fig = {"data": [{"type": "scatter", "y": [0.0, 0.0], "text": ["", ""]},
                    {"type": "heatmap", "x": [0.0], "z": [[0.0, 0.0], [0.0, 0.0]]}],
           "layout": {"shapes": [{"type": "line", "x0": 0.0}],
                      "annotations": [{"text": ""}]}}
    shown = as_figure(Prepared(figure_json(fig), states_json(states), 2, "rev"))
    assert np.allclose(shown.data[0].y, [np.nan, -3.0], equal_nan=True)
    assert shown.data[0].text == ("e", "f")
    assert list(shown.data[1].x) == [0.0, 1.0, 2.0]
    assert np.asarray(shown.data[1].z).tolist() == surface[2].tolist()
    assert shown.layout.shapes[0].x0 == pytest.approx(0.3, rel=1e-7)
    assert shown.layout.annotations[0].text == "r"


def test_a_long_y_title_puts_its_units_on_a_second_line():
    from lossviz.figures.style import house_layout

    long = "food_expenditure (Belgian francs per year)"
    assert house_layout(y_title=long, height=380)["yaxis"]["title"]["text"] == (
        "food_expenditure<br>(Belgian francs per year)")
    assert house_layout(y_title="pull (up is +)", height=380)["yaxis"]["title"]["text"] == (
        "pull (up is +)")


# -- numbers in text -----------------------------------------------------------------------------
@pytest.mark.parametrize(("value", "digits", "text"), [
    (-106_942.3, 3, "-107,000"),  # a residual in dollars: no -1.07e+05
    (6.599, 3, "6.6"),  # trailing zeros dropped, as :g does
    (-0.4133, 3, "-0.413"),
    (0.012345, 3, "0.0123"),
    (999.6, 3, "1,000"),  # rounding carries into the next power
    (21_930.0, 2, "22,000"),
    (12_345_678.0, 3, "12,300,000"),
    (0.0, 3, "0"),
    (1e-5, 3, "10⁻⁵"),  # outside [0.001, 10^9): a power of ten
    (1.1427e10, 4, "1.143×10¹⁰"),
    (2.5e20, 3, "2.5×10²⁰"),
    (math.inf, 3, "∞"),
])
def test_figure_text_writes_a_number_for_a_sentence(value, digits, text):
    from lossviz.numbers import figure_text

    assert figure_text(value, digits) == text


@pytest.mark.parametrize(("value", "text"), [
    (math.inf, "over 10³⁰⁸"),  # e^7854 overflowed: a number too large, not infinity
    (-math.inf, "below −10³⁰⁸"),
    (math.nan, "undefined"),
    (0.3688, "0.369"),  # a finite value as figure_text writes it
    (61_706_346.8, "61,700,000"),
])
def test_value_text_says_what_a_value_that_is_not_a_number_is(value, text):
    from lossviz.numbers import value_text

    assert value_text(value) == text


@pytest.mark.parametrize(("w", "b", "text"), [
    (1.0, 0.0, "y = 1 x + 0"),  # was "y = 1 x +0"
    (1.7637, 2.7864, "y = 1.76 x + 2.79"),
    (6.599, -34_136.2, "y = 6.6 x − 34,100"),  # was "x -3.41e+04"
    (-0.4133, 6.793, "y = -0.413 x + 6.79"),
])
def test_line_text_writes_a_line_as_a_person_does(w, b, text):
    from lossviz.numbers import line_text

    assert line_text(w, b) == text


def test_card_text_keeps_a_metric_card_short():
    from lossviz.numbers import card_text

    assert card_text(22_617.4) == "22,620"
    assert card_text(837_912_345.0) == "8.379×10⁸"  # the grouped digits ran out of the card
    assert card_text(0.61704) == "0.617"

