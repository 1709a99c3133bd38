"""Real data on the classification page (AppTest): the shipped binary set (spam) with two
features at a time, the feature pickers, links that name them, and the way back to the
generated points.

The points on screen are recomputed here from ``lossviz.datasets`` (the same fixed sample,
log(1 + value) on both axes) and every number of the sentence under the chart from
``lossviz.fit`` with the page's settings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from plotly_data import chart as _chart
from plotly_data import ok as _ok
from plotly_data import plotly_array as _arr
from streamlit.testing.v1 import AppTest

import lossviz
from lossviz import datasets
from lossviz.classify import accuracy
from lossviz.figures.style import loss_label
from lossviz.textsafe import escape_markdown
from lossviz.ui.pages import classification as page
from lossviz.ui.params import CLF_DATA, CLF_SETS

APP = str(Path(__file__).resolve().parents[1] / "app.py")
GENERATOR = ("clf_dim", "clf_separation", "clf_flip", "clf_flip_class", "clf_seed")


def _app(query: dict[str, str] | None = None, **state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["_lossviz_open_page"] = "classification"
    for key, value in (query or {}).items():
        at.query_params[key] = value
    for key, value in state.items():
        at.session_state[key] = value
    return _ok(at.run())


def _shown(at: AppTest) -> tuple[np.ndarray, np.ndarray]:
    """The points of the boundary chart in their row order, and their labels."""
    fig = _chart(at, "clf_boundary_fig")
    rows, xs, labels = [], [], []
    for cls in (0, 1):
        trace = next(t for t in fig["data"] if t.get("name") == f"class {cls}")
        rows.append(_arr(trace["customdata"]))
        xs.append(np.column_stack([_arr(trace["x"]), _arr(trace["y"])]))
        labels.append(np.full(len(rows[-1]), float(cls)))
    order = np.argsort(np.concatenate(rows))
    return np.concatenate(xs)[order], np.concatenate(labels)[order]


def _expected(features: tuple[str, str], n: int) -> tuple[np.ndarray, np.ndarray]:
    ds = datasets.load("spam")
    rows = np.random.default_rng(0).permutation(ds.n)[:n]
    x = np.log1p(np.column_stack([ds.column(f)[rows] for f in features]))
    return x, np.asarray(ds.y, float)[rows]


def _disabled(at: AppTest) -> dict[str, bool]:
    out = {}
    for widget in (*at.slider, *at.selectbox, *at.number_input, *at.button_group):
        if widget.key in (*GENERATOR, "clf_n"):
            out[widget.key] = widget.disabled
    return out


def test_the_picker_offers_every_shipped_binary_set():
    shipped = {n for n in datasets.available() if datasets.load(n).task == "binary"}
    assert set(CLF_SETS) == shipped
    assert ("generated", *CLF_SETS) == CLF_DATA


def test_spam_shows_the_sample_on_log_axes_and_the_generator_steps_aside():
    at = _app(clf_data="spam", clf_n=120)
    features = page.DEFAULT_FEATURES["spam"]
    x, y = _expected(features, 120)
    shown, labels = _shown(at)
    np.testing.assert_allclose(shown, x, rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(labels, y)
    layout = _chart(at, "clf_boundary_fig")["layout"]
    assert layout["xaxis"]["title"]["text"] == f"log(1 + {features[0]})"
    assert layout["yaxis"]["title"]["text"] == f"log(1 + {features[1]})"
    disabled = _disabled(at)
    assert not set(GENERATOR) & set(disabled), disabled  # the generator's controls step aside
    assert not disabled["clf_n"]
    assert not any("Ringed points" in c.value for c in at.caption)  # no label is flipped
    title = escape_markdown(datasets.load("spam").title)  # the label is markdown
    assert any(e.label == f"About the data: {title}" for e in at.expander)
    # The sentence under the chart, read off fits made here with the page's settings.
    story = next(m.value for m in at.markdown if m.value.startswith("**What the numbers"))
    base = max(y.mean(), 1 - y.mean())
    assert f"of these 120 e-mails {int(y.sum())} are spam" in story
    assert f"gets {base:.0%} right" in story
    accs = {}
    for name in at.session_state["clf_losses"]:
        h = lossviz.fit(x, y, name, optimizer="gd", lr=0.1, steps=300, seed=0)
        accs[name] = accuracy(y, h.predict(x))
        assert f"{loss_label(name)} gets {accs[name]:.0%}" in story
    best = max(accs, key=accs.get)
    assert f"{100 * (accs[best] - base):.0f} percentage points" in story
    assert not at.error


def test_picking_features_moves_the_points_and_goes_in_the_link():
    at = _app(clf_data="spam")
    at.selectbox(key=page.FEATURE_PICKS[0]).set_value("hp")
    _ok(at.run())
    assert at.session_state["clf_feature_1"] == "hp"
    x, _ = _expected(("hp", page.DEFAULT_FEATURES["spam"][1]), at.session_state["clf_n"])
    np.testing.assert_allclose(_shown(at)[0], x, rtol=1e-6, atol=1e-9)
    assert _chart(at, "clf_boundary_fig")["layout"]["xaxis"]["title"]["text"] == "log(1 + hp)"


def test_a_link_naming_features_opens_them_and_an_unknown_one_falls_back():
    at = _app({"clf_data": "spam", "clf_feature_1": "your", "clf_feature_2": "no such"})
    x, _ = _expected(("your", page.DEFAULT_FEATURES["spam"][1]), at.session_state["clf_n"])
    np.testing.assert_allclose(_shown(at)[0], x, rtol=1e-6, atol=1e-9)
    assert not at.exception


@pytest.mark.parametrize("view", ["Training curves", "Margin picture", "Probability view"])
def test_every_view_trains_on_the_set(view):
    at = _app(clf_data="spam", clf_view=view)
    assert not at.error
    assert not at.exception


def test_going_back_to_generated_points():
    at = _app()
    before = _shown(at)
    at.selectbox(key="clf_data").set_value("spam")
    _ok(at.run())
    assert not np.array_equal(_shown(at)[0], before[0])
    at.selectbox(key="clf_data").set_value("generated")
    _ok(at.run())
    after = _shown(at)
    np.testing.assert_array_equal(after[0], before[0])
    assert set(_disabled(at)) == {*GENERATOR, "clf_n"}
    assert not any(_disabled(at).values())


def test_the_features_go_in_the_link():
    at = _app(clf_data="spam")
    at.selectbox(key=page.FEATURE_PICKS[1]).set_value("hp")
    _ok(at.run())
    assert at.query_params["clf_feature_2"] == "hp"  # written by the page (no widget holds it)
