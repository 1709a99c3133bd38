"""Each section's exported script runs, and prints the numbers the app shows.

The script is run as a user would run it (``exec`` of the text in a fresh namespace, in a
temporary folder); its printed numbers are compared with the running app's (AppTest) and with
lossviz's. The conventions script also runs each library's own call (PyTorch, Keras 3 on JAX,
optax, scikit-learn, from the ``test`` extra) and must get the number the app shows.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import numpy as np
import pytest
from plotly_data import plotly_array
from references import reference
from streamlit.testing.v1 import AppTest

import lossviz
from lossviz.conventions import library_calls
from lossviz.figures import outliers as fo
from lossviz.numbers import card_text
from lossviz.ui.params import BY_KEY as REGISTRY
from lossviz.ui.params import REG_VIEWS
from lossviz.ui.snippets import snippet

APP = str(Path(__file__).resolve().parents[1] / "app.py")

NUMBER = r"(-?[0-9.]+(?:e[-+]?\d+)?)"


def open_app(query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    return at


def run_script(at: AppTest, section: str, folder: Path, monkeypatch) -> tuple[str, dict]:
    """The section's script for the app's settings, run: (what it printed, its namespace)."""
    state = {k: at.session_state[k] for k in REGISTRY if k in at.session_state}
    monkeypatch.chdir(folder)
    namespace = {"__name__": "__main__"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(snippet(state, section), "lossviz_view.py", "exec"), namespace)
    return out.getvalue(), namespace


def figure(at: AppTest, key: str):
    from lossviz.ui.chart import as_figure

    return as_figure(at.session_state["_lossviz_figures"][key])


def test_regression_script_prints_the_lab_numbers(tmp_path, monkeypatch):
    query = {"section": "regression", "reg_slope": "1.3", "reg_outliers": "2",
             "reg_delta": "1.5"}
    at = open_app({**query, "reg_view": REG_VIEWS[1]})  # your line's scores
    shown = {m.label: m.value for m in at.metric}
    printed, _ = run_script(at, "regression", tmp_path, monkeypatch)
    # The best lines as the first picture draws them (and the scores table says them).
    scores = next(m.value for m in at.markdown if m.value.startswith("| best line"))
    lines = figure(at, "reg_lines")
    for name in ("mse", "mae", "huber"):
        label = lossviz.figures.style.loss_label(name)
        value = float(re.search(rf"{re.escape(label)} of your line: {NUMBER}", printed)[1])
        assert card_text(value) == shown[f"{label} of your line"]  # 5.119×10⁸, as the card shows it
        best = re.search(rf"{re.escape(label)} of your line: .*\n  its best line: "
                         rf"slope {NUMBER}, intercept {NUMBER}", printed)
        slope, intercept = float(best[1]), float(best[2])
        trace = next(t for t in lines.data if t.name == fo.NAMES[name])
        (x0, x1), (y0, y1) = plotly_array(trace.x), plotly_array(trace.y)
        assert slope == pytest.approx((y1 - y0) / (x1 - x0), rel=5e-4)  # printed: 4 digits
        assert f"**{slope:.2f}**" in scores
        assert f"**{intercept:.2f}**" in scores
    # Gradient descent as set on the page: the last loss of each curve.
    at = open_app({**query, "reg_view": REG_VIEWS[2]})
    printed, _ = run_script(at, "regression", tmp_path, monkeypatch)
    curves = [t for t in figure(at, "reg_convergence").data if t.mode == "lines"]
    assert [t.name for t in curves] == ["MSE", "MAE", "Huber"]
    for trace in curves:
        final = float(re.search(rf"^{re.escape(trace.name)}: .*loss {NUMBER}\)", printed,
                                re.M)[1])
        assert final == pytest.approx(plotly_array(trace.y)[-1], rel=5e-4)
    assert (tmp_path / "regression_convergence.html").exists()


def test_classification_script_prints_the_share_right_the_app_shows(tmp_path, monkeypatch):
    at = open_app({"section": "classification", "clf_flip": "4", "clf_steps": "100"})
    # With flipped labels each metric shows the boundary's move; its note gives the share of
    # the true labels classified right.
    notes = {m.label: m.proto.help for m in at.metric}
    printed, _ = run_script(at, "classification", tmp_path, monkeypatch)
    assert notes
    for label, note in notes.items():
        block = re.search(rf"^{re.escape(label)}: .*\n  (\d+% of the true labels right)",
                          printed, re.M)
        assert block is not None, label
        assert block[1] in note, label


def test_custom_script_prints_the_race_the_app_shows(tmp_path, monkeypatch):
    at = open_app({"section": "custom", "custom_steps": "100"})
    printed, _ = run_script(at, "custom", tmp_path, monkeypatch)
    caption = next(c.value for c in at.caption if "final loss" in c.value)
    finals = re.findall(rf"([A-Z][\w-]*) final loss {NUMBER}", caption)
    assert [label for label, _ in finals] == ["MSE", "MAE", "Huber", "Custom"]
    for label, app_final in finals:
        final = re.search(rf"^{re.escape(label)}: .*loss {NUMBER}\)", printed, re.M)[1]
        assert final == app_final.rstrip("."), label  # both with four significant digits


def test_stopping_script_prints_the_lowest_validation_loss_the_app_gives(tmp_path,
                                                                         monkeypatch):
    at = open_app({"section": "stopping", "stop_steps": "400"})
    printed, namespace = run_script(at, "stopping", tmp_path, monkeypatch)
    text = " ".join(m.value for m in at.markdown)
    app = re.search(rf"known only in hindsight, is {NUMBER} at step (\d+)", text)
    ours = re.search(rf"lowest validation loss {NUMBER} at step (\d+)", printed)
    assert app is not None
    assert ours is not None
    assert (ours[1], ours[2]) == (app[1], app[2])
    history = namespace["history"]
    assert int(ours[2]) == int(np.argmin(history.val_loss))


def test_regression_script_on_a_set_with_large_numbers_uses_the_sliders_units(
        tmp_path, monkeypatch):
    """House prices: the sliders count in units (δ in 10,000 dollars, the slope in tens):
    the script's line and δ are the app's."""
    query = {"section": "regression", "reg_data": "house_prices", "reg_slope": "0.7",
             "reg_intercept": "3.4", "reg_delta": "0.5", "reg_view": REG_VIEWS[1]}
    at = open_app(query)
    shown = {m.label: m.value for m in at.metric}
    printed, namespace = run_script(at, "regression", tmp_path, monkeypatch)
    assert (namespace["slope"], namespace["intercept"], namespace["delta"]) == (
        pytest.approx(7.0), pytest.approx(34000.0), pytest.approx(5000.0))
    for name in ("mse", "mae", "huber"):
        label = lossviz.figures.style.loss_label(name)
        value = float(re.search(rf"{re.escape(label)} of your line: {NUMBER}", printed)[1])
        assert card_text(value) == shown[f"{label} of your line"]  # 5.119×10⁸, as the card shows it


@pytest.mark.filterwarnings("ignore:Explicitly requested dtype float64:UserWarning")
def test_conventions_script_runs_every_library_and_gets_the_numbers_the_app_shows(
        tmp_path, monkeypatch):
    for module in ("torch", "keras", "optax", "sklearn"):
        reference(module)
    at = open_app({"section": "conventions", "conv_outliers": "2"})
    for name in REGISTRY["conv_loss"].choices:
        at.selectbox(key="conv_loss").set_value(name).run()
        assert not at.exception, name
        page = " ".join(m.value for m in at.markdown)
        printed, ns = run_script(at, "conventions", tmp_path, monkeypatch)
        ours = float(re.search(rf"^lossviz: {NUMBER}$", printed, re.M)[1])
        assert ours == ns["loss"](ns["y_true"], ns["y_pred"])
        assert f"{ours:.8g}" == at.metric[0].value, name
        rows = library_calls(ns["loss"], ns["y_true"], ns["y_pred"])
        on_float32 = ns["loss"](
            ns["y_true"] if ns["y_true"].dtype.kind == "i" else ns["y_true"].astype(np.float32),
            ns["y_pred"].astype(np.float32))
        for row in rows:
            line = re.search(rf"^{re.escape(row.library)}: shown (\S+), returns {NUMBER}; "
                             rf"(.+)$", printed, re.M)
            assert line is not None, (name, row.library, printed)
            assert line[1] == row.shown
            assert f"`{row.shown}`" in page, (name, row.library)  # the number on the page
            assert line[3] == row.agreement
            returned = float(line[2])
            # The library's own number: the row's value to the row's precision (float32 rows
            # may instead round the data first, which loses residuals below 1e-7 of y).
            assert returned in (pytest.approx(row.value, rel=row.rtol, abs=1e-12),
                                pytest.approx(on_float32 if row.precision == "float32"
                                              else row.value, rel=row.rtol, abs=1e-12)), (
                name, row.library)


def test_conventions_script_on_multiclass_data_keeps_integer_labels():
    state = {"conv_loss": "softmax_cross_entropy"}
    script = snippet(state, "conventions")
    assert "y_true = labels\n" in script
    assert "astype(float)" not in script.split("labels = ")[1].split("\n")[0]
