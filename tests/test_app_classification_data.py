"""Real data on the classification page (AppTest): the shipped binary set (spam) with two
features at a time, the feature pickers, links that name them, the way back to the
generated points, and the student's own CSV file (its label column, one or two features,
and every file it cannot use).

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
from lossviz.ui.params import CLF_DATA, CLF_DEFAULT_FEATURES, CLF_SETS

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
    assert ("generated", *CLF_SETS, "csv") == CLF_DATA


def test_spam_shows_the_sample_on_log_axes_and_the_generator_steps_aside():
    at = _app(clf_data="spam", clf_n=120)
    features = CLF_DEFAULT_FEATURES["spam"]
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
    x, _ = _expected(("hp", CLF_DEFAULT_FEATURES["spam"][1]), at.session_state["clf_n"])
    np.testing.assert_allclose(_shown(at)[0], x, rtol=1e-6, atol=1e-9)
    assert _chart(at, "clf_boundary_fig")["layout"]["xaxis"]["title"]["text"] == "log(1 + hp)"


def test_a_link_naming_features_opens_them_and_an_unknown_one_falls_back():
    at = _app({"clf_data": "spam", "clf_feature_1": "your", "clf_feature_2": "no such"})
    x, _ = _expected(("your", CLF_DEFAULT_FEATURES["spam"][1]), at.session_state["clf_n"])
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


# -- the student's CSV ---------------------------------------------------------------------------
# Two features and a label column of -1/1 (the larger value is class 1), a text column left out.
OWN = (b"hours,score,note,passed\n"
       + b"".join(f"{h},{s},n{i},{1 if h + s / 20 > 8 else -1}\n".encode()
                  for i, (h, s) in enumerate((h, (37 * h) % 61 + 20)
                                             for h in np.arange(1.0, 13.0, 0.25))))


# Three species on two measurements: a column of three labels, one of them against the rest.
SPECIES = (b"length,width,species\n"
           + b"".join(f"{1 + k + 0.1 * (i % 5)},{2 - k + 0.07 * (i % 3)},{k}\n".encode()
                      for i in range(12) for k in range(3)))


def _upload(data: bytes, name: str = "mine.csv", **state) -> AppTest:
    at = _app(clf_data="csv", **state)
    assert not [c for c in at.get("bidi_component")]  # no chart before a file
    assert any("Upload a CSV file with a column of two labels" in i.value for i in at.info)
    at.file_uploader(key=page.CSV_FILE).set_value((name, data, "text/csv"))
    return _ok(at.run())


def _own(data: bytes, features: tuple[str, ...], label: str, n: int):
    table = lossviz.tabular.read_csv(data)
    y, _ = table.labels(label)
    z = np.column_stack([(c - c.mean()) / c.std() for c in map(table.column, features)])
    rows = np.random.default_rng(0).permutation(len(y))[:n]
    return z[rows], y[rows]


def test_a_csv_trains_every_loss_on_its_standardized_features():
    at = _upload(OWN, clf_n=40)
    assert at.selectbox(key=page.CSV_LABEL).value == "passed"  # the column with two values
    assert page.CSV_POSITIVE not in {w.key for w in at.selectbox}  # its larger is class 1
    assert at.selectbox(key=page.CSV_X[0]).value == "hours"
    assert at.selectbox(key=page.CSV_X[1]).value == "score"
    x, y = _own(OWN, ("hours", "score"), "passed", 40)
    shown, labels = _shown(at)
    np.testing.assert_allclose(shown, x, rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(labels, y)
    layout = _chart(at, "clf_boundary_fig")["layout"]
    assert layout["xaxis"]["title"]["text"] == "hours (standardized)"
    assert layout["yaxis"]["title"]["text"] == "score (standardized)"
    captions = " ".join(c.value for c in at.caption)
    assert f"{escape_markdown('mine.csv')}: 48 rows, 3 numeric column(s)." in captions
    assert "Columns left out: note" in captions
    assert "class 1 where passed is 1 and class 0 where it is -1" in captions
    assert "trains on 40 of its 48 rows" in captions
    story = next(m.value for m in at.markdown if m.value.startswith("**What the numbers"))
    assert f"of these 40 rows {int(y.sum())} are class 1 (passed = 1)" in story
    for name in at.session_state["clf_losses"]:
        h = lossviz.fit(x, y, name, optimizer="gd", lr=0.1, steps=300, seed=0)
        assert f"{loss_label(name)} gets {accuracy(y, h.predict(x)):.0%}" in story
    assert not _disabled(at)["clf_n"]
    assert not set(GENERATOR) & set(_disabled(at))  # the generator's controls step aside
    assert not at.error
    assert not at.warning


def test_one_feature_draws_a_threshold_on_its_axis():
    at = _upload(OWN)
    at.selectbox(key=page.CSV_X[1]).set_value(page.ONE_FEATURE)
    _ok(at.run())
    fig = _chart(at, "clf_boundary_fig")
    assert fig["layout"]["xaxis"]["title"]["text"] == "hours (standardized)"
    x, _ = _own(OWN, ("hours",), "passed", at.session_state["clf_n"])
    points = np.concatenate([_arr(t["x"]) for t in fig["data"]
                             if t.get("name") in ("class 0", "class 1")])
    np.testing.assert_allclose(np.sort(points), np.sort(x[:, 0]), rtol=1e-6, atol=1e-9)
    assert not at.error


@pytest.mark.parametrize("view", ["Training curves", "Margin picture", "Probability view"])
def test_every_view_trains_on_the_file(view):
    at = _upload(OWN, clf_view=view)
    assert not at.error
    assert not at.exception


@pytest.mark.parametrize(("data", "said"), [
    (b"a,b\n" + b"".join(f"{i % 3},{i}\n".encode() for i in range(25)),
     "the label column 'b' holds 25 different values (0, 1, 2, 3, 4, ...): labels name a few "
     "classes, at most 20"),
    (b"a,b\n1,x\n0,y\n", "the file needs two numeric columns (a feature, and a target or "
                          "labels), and has 1 ('b': not numeric"),
    (b"\xff\xfea,b\n", "not UTF-8"),
    (b"", "the file is empty"),
])
def test_a_file_it_cannot_use_is_named_and_nothing_breaks(data, said):
    at = _upload(data, name="bad.csv")
    # As a reader sees the markdown: without its escapes and word joiners.
    shown = " ".join(e.value for e in (*at.warning, *at.error, *at.caption))
    shown = shown.replace("\\", "").replace("\u2060", "")
    assert said in shown, shown
    assert not at.exception
    assert not [c for c in at.get("bidi_component")]


def test_the_same_column_for_labels_and_a_feature_is_refused():
    at = _upload(OWN)
    at.selectbox(key=page.CSV_X[0]).set_value("passed")
    _ok(at.run())
    assert any("Pick different columns for the labels and the features" in w.value
               for w in at.warning)
    assert not at.exception


def test_the_file_stays_out_of_the_shared_caches(monkeypatch):
    """The file's fits are made for this session and kept nowhere that sessions share."""
    calls = []
    cached = page._fit_cached
    monkeypatch.setattr(page, "_fit_cached", lambda *args: calls.append(args) or cached(*args))
    at = _upload(OWN)
    assert _chart(at, "clf_boundary_fig")
    assert calls == []
    _app()  # the generated points go through the shared cache
    assert calls


@pytest.mark.parametrize("case", ["spam", "a-file", "more-labels"])
def test_the_exported_script_trains_on_the_same_points(case, tmp_path, monkeypatch):
    import contextlib
    import io
    import re

    from lossviz.ui.snippets import snippet

    file = SPECIES if case == "more-labels" else OWN
    if case == "a-file":
        at = _upload(OWN, clf_n=30)
        at.selectbox(key=page.CSV_X[1]).set_value(page.ONE_FEATURE)
        _ok(at.run())
    elif case == "more-labels":
        at = _upload(SPECIES)
        at.selectbox(key=page.CSV_POSITIVE).set_value("0")
        _ok(at.run())
    else:
        at = _app(clf_data="spam", clf_n=60, clf_feature_1="hp")
    story = next(m.value for m in at.markdown if m.value.startswith("**What the numbers"))
    state = {k: at.session_state[k] for k in at.session_state
             if k.startswith("clf_") and isinstance(at.session_state[k], str | int | float | list)}
    (tmp_path / "your_data.csv").write_bytes(file)
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(snippet(state, "classification"), "lossviz_view.py", "exec"),
             {"__name__": "__main__"})
    printed = re.findall(r"^(.+?): weights .*\n  (\d+%) of the true labels right", out.getvalue(),
                         re.M)
    assert len(printed) == len(at.session_state["clf_losses"])
    for label, share in printed:
        assert f"{label} gets {share}" in story


def test_the_file_and_its_columns_outlive_a_visit_to_another_page():
    """Streamlit's uploader forgets its file when its page is left; the page keeps the file
    it read and the columns picked for it, says so, and forgets it on request."""
    from plotly_data import open_page

    at = _upload(OWN)
    at.selectbox(key=page.CSV_X[1]).set_value(page.ONE_FEATURE)
    _ok(at.run())
    before = _chart(at, "clf_boundary_fig")["data"]
    open_page(at, "regression")
    open_page(at, "classification")
    assert at.file_uploader(key=page.CSV_FILE).value is None  # the widget's file is gone
    assert at.selectbox(key=page.CSV_X[1]).value == page.ONE_FEATURE
    assert _chart(at, "clf_boundary_fig")["data"] == before
    assert any("Using mine\\.csv, the file you uploaded earlier" in c.value for c in at.caption)
    forget = next(b for b in at.button if b.label.startswith("Forget"))
    forget.click()
    _ok(at.run())
    assert any("Upload a CSV file with a column of two labels" in i.value for i in at.info)
    assert not [c for c in at.get("bidi_component")]


def test_taking_the_file_out_of_the_uploader_forgets_it():
    at = _upload(OWN)
    at.file_uploader(key=page.CSV_FILE).set_value(None)
    _ok(at.run())
    assert page.CSV_MEMO not in at.session_state
    assert any("Upload a CSV file with a column of two labels" in i.value for i in at.info)


def test_a_column_of_more_labels_takes_one_against_the_rest():
    at = _upload(SPECIES, clf_n=36)
    assert at.selectbox(key=page.CSV_LABEL).value == "species"  # no column of two values
    assert at.selectbox(key=page.CSV_POSITIVE).options == ["0", "1", "2"]
    assert at.selectbox(key=page.CSV_POSITIVE).value == "2"
    at.selectbox(key=page.CSV_POSITIVE).set_value("1")
    _ok(at.run())
    table = lossviz.tabular.read_csv(SPECIES)
    y, positive = table.labels("species", 1.0)
    assert positive == 1.0
    z = np.column_stack([(c - c.mean()) / c.std()
                         for c in map(table.column, ("length", "width"))])
    rows = np.random.default_rng(0).permutation(len(y))[:36]
    shown, labels = _shown(at)
    np.testing.assert_allclose(shown, z[rows], rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(labels, y[rows])
    captions = " ".join(c.value for c in at.caption)
    assert "class 1 where species is 1 and class 0 where it is 0 or 2" in captions
    assert "trains on all its 36 rows, class 1" in captions
    story = next(m.value for m in at.markdown if m.value.startswith("**What the numbers"))
    assert "of these 36 rows 12 are class 1 (species = 1)" in story
    assert not at.warning
