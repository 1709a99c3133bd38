"""Hardening: every input is bounded, and random use of the app never crashes or shows nan/inf.

Three layers, from cheap to dear:

- the parameter registry and the link parser get thousands of arbitrary values (hypothesis):
  a value is either accepted inside its declared bounds or refused with ``ValueError``;
- every declared parameter of every section has bounds that keep one session's work small
  (points, steps, frames, text length);
- every control of every page changes what the page shows, and none raises (AppTest);
- the app itself (AppTest) gets random interaction sequences: open a page, change one to three
  controls to random valid values (sliders at their ends included), click buttons, edit the
  table with ordinary, extreme and missing numbers, type broken formulas, open junk links.
  After every rerun: no exception element, no "nan"/"inf" in any text or metric, no infinite
  number in any figure, and every figure within its size and frame budget.

The pure layers take 1,800 random inputs per run (600 parameter values, 300 links, 250 + 250
tables of up to 260 rows, 400 formulas). The app takes 60 random interaction sequences by
default, in a few AppTest sessions (a fresh one every ``_PER_SESSION`` sequences, as new
students arrive), so the cost is the app's own reruns, about 0.15 s of CPU each: the whole
file runs in about 20 s. ``LOSSVIZ_FUZZ_SEQUENCES=500`` runs 500 sequences (a few minutes);
``LOSSVIZ_FUZZ_SEED`` shifts the random stream.
"""

from __future__ import annotations

import base64
import json
import math
import os
import random
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from plotly_data import figures as drawn

from lossviz.state import MAX_TABLE_TEXT, MAX_TEXT, Field, parse_query
from lossviz.ui import params
from lossviz.ui.url import NOTICE_LEAD, SECTIONS

REGISTRY = params.BY_KEY

APP = str(Path(__file__).resolve().parents[1] / "app.py")
SEQUENCES = int(os.environ.get("LOSSVIZ_FUZZ_SEQUENCES", "60"))
SEED = int(os.environ.get("LOSSVIZ_FUZZ_SEED", "0"))
_PER_SESSION = 40  # sequences per AppTest session: a fresh session now and then, as students

# Budgets that keep one session from taking the CPU or the network from the others.
MAX_POINTS = 2_000
MAX_STEPS = 20_000
MAX_FRAMES = 400
MAX_FIGURE_BYTES = 1_000_000
# A number the page must never show: nan or inf as Python and numpy print them.
NONFINITE = re.compile(r"(?<![\w.\\])[-+]?(nan|inf)(?![\w])", re.IGNORECASE)


def _all_fields() -> dict[str, Field]:
    return dict(REGISTRY)


# -- the registry -----------------------------------------------------------------------------
_ANY = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=600), st.lists(st.text(max_size=10), max_size=5),
    st.sampled_from(["1e309", "-1e309", "nan", "inf", "0x10", "1_000", " 3 ", "", "true"]),
)


@settings(max_examples=600, deadline=None)
@given(data=st.data())
def test_any_value_is_accepted_in_bounds_or_refused(data):
    fields = _all_fields()
    spec = fields[data.draw(st.sampled_from(sorted(fields)), label="key")]
    raw = data.draw(_ANY, label="value")
    try:
        value = spec.check(raw)
    except ValueError:
        return
    if spec.kind in ("int", "float"):
        assert math.isfinite(value)
        assert spec.low is None or value >= spec.low
        assert spec.high is None or value <= spec.high
    elif spec.kind == "choice":
        # An optional choice (a look the page opens with none of) may also be None.
        assert value in spec.choices or (spec.optional and value is None)
    elif spec.kind == "multi":
        assert set(value) <= set(spec.choices)
    elif spec.kind == "text":
        assert len(value) <= spec.max_len


@settings(max_examples=300, deadline=None)
@given(query=st.dictionaries(
    st.one_of(st.sampled_from(sorted(_all_fields())), st.text(max_size=20)),
    st.one_of(st.text(max_size=50), st.sampled_from(["1e999", "nan", "-0", "9" * 40])),
    max_size=8,
))
def test_a_hand_edited_link_never_raises(query):
    values, ignored = parse_query(query, REGISTRY)
    assert set(values) | set(ignored) == set(query)
    for key, value in values.items():
        assert REGISTRY[key].check(value) == value


def test_every_parameter_is_bounded():
    """Points, steps, frames and text cannot be asked for in amounts that stall a server."""
    problems = []
    for key, spec in _all_fields().items():
        if spec.kind in ("int", "float"):
            if spec.low is None or spec.high is None:
                problems.append(f"{key}: no bounds")
                continue
            if re.search(r"(_n|points|samples|rows)$", key):
                limit = MAX_POINTS
            elif re.search(r"(steps|epochs|iterations)$", key):
                limit = MAX_STEPS
            elif "frame" in key:
                limit = MAX_FRAMES
            else:
                continue
            if spec.high > limit:
                problems.append(f"{key}: up to {spec.high:g} (budget {limit})")
        elif spec.kind == "text" and spec.max_len > (
            MAX_TABLE_TEXT if spec.codec is not None else MAX_TEXT  # a table's edits: a few KB
        ):
            problems.append(f"{key}: text up to {spec.max_len} characters")
    assert not problems, problems


# -- table contents and formulas (the pure layers under the tables and the formula box) -----
_ODD_CELLS = (None, True, False, 0, 1, -1, 10**30, -(10**30), 0.0, -0.0, 1e-320, 1e300,
              float("nan"), float("inf"), float("-inf"), "", " ", "x", "1e400", "-inf", "nan",
              " 2.5 ", "0", "1", "١٢", "1,5", "0x10", "1_000", "🙂")


def _columns(draw: Any, names: tuple[str, ...]) -> dict[str, list[Any]]:
    # A random table built from a drawn seed: hypothesis drawing every cell of 260-row tables
    # costs far more than the readers under test.
    rows = draw(st.integers(0, 260))  # past the 200-point limit now and then
    rng = random.Random(draw(st.integers(0, 2**32)))
    odd = draw(st.floats(0, 1))  # share of odd cells, from none to all

    def cell() -> Any:
        return rng.choice(_ODD_CELLS) if rng.random() < odd else rng.uniform(-50, 50)

    return {name: [cell() for _ in range(rows)] for name in names}


@settings(max_examples=250, deadline=None)
@given(data=st.data())
def test_any_regression_table_gives_finite_bounded_points(data):
    from lossviz.experiments import MAX_ABS_VALUE, MAX_TABLE_POINTS, read_points

    columns = _columns(data.draw, ("x", "target", "prediction", "outlier"))
    points = read_points(columns)
    assert len(points.x) <= MAX_TABLE_POINTS
    for values in (points.x, points.y, points.prediction):
        assert np.isfinite(values).all()
        assert (np.abs(values) <= MAX_ABS_VALUE).all()
    assert len(points.x) + len(points.problems) >= min(len(columns["x"]), MAX_TABLE_POINTS)


@settings(max_examples=250, deadline=None)
@given(data=st.data(), dim=st.sampled_from([1, 2]))
def test_any_classification_table_gives_finite_bounded_points(data, dim):
    from lossviz.classify import MAX_ABS_X, MAX_TABLE_POINTS, parse_points

    columns = _columns(data.draw, ("x1", "x2", "label", "flipped"))
    points = parse_points(columns, dim=dim)
    assert len(points.y) <= MAX_TABLE_POINTS
    assert np.isfinite(points.x).all()
    assert (np.abs(points.x) <= MAX_ABS_X).all()
    assert set(np.unique(points.y)) <= {0.0, 1.0}


_TOKENS = ("r", "m", "c", "2", "0", "1e308", "pi", "+", "-", "*", "/", "**", "(", ")", ",",
           "abs(", "log(", "exp(", "sqrt(", "max(", "where(", "r > 0", "__import__", ".",
           "[", "'", "lambda", "1/", "log(0)", "exp(1000)", " ")


@settings(max_examples=400, deadline=None)
@given(parts=st.lists(st.sampled_from(_TOKENS), max_size=40),
       tail=st.text(max_size=30), size=st.sampled_from([0, 0, 0, 600]))
def test_any_typed_formula_becomes_a_loss_or_a_message(parts, tail, size):
    from lossviz.custom import custom_loss

    formula = "".join(parts) + tail + "r+" * (size // 2)
    try:
        loss = custom_loss(formula, "regression", c=1.0)
    except ValueError:
        return  # refused with a message: the formula box shows it
    r = np.linspace(-4, 4, 9)
    try:
        values = loss.elementwise(r)
    except ValueError:
        return  # e.g. log of a negative residual: refused with a message, not nan
    assert np.isfinite(values).all()


# -- what the page shows ------------------------------------------------------------------------
def _typed_array(value: dict[str, Any]) -> np.ndarray:
    return np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))


def _infinite_numbers(node: Any, path: str = "") -> list[str]:
    """Paths of the infinite numbers in a plotly figure (NaN is a gap in a line: allowed)."""
    found = []
    if isinstance(node, dict):
        if "bdata" in node and "dtype" in node:
            arr = _typed_array(node)
            if arr.dtype.kind == "f" and np.isinf(arr).any():
                found.append(path)
            return found
        for k, v in node.items():
            found += _infinite_numbers(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            found += _infinite_numbers(v, f"{path}[{i}]")
    elif (isinstance(node, float) and math.isinf(node)) or node in ("Infinity", "-Infinity"):
        found.append(path)
    return found


def problems_on_page(at: Any) -> list[str]:
    """Everything on the page that a student must never see."""
    problems = [f"exception: {e.message}" for e in at.exception]
    # Alerts are left out: they may quote what the student typed ("x is inf, not a finite
    # number") to say why a row or a formula was refused; so is the notice that quotes what a
    # link said ("reg_points: 'inf' is not ...").
    texts = []
    for kind in ("markdown", "caption", "text", "title", "header", "subheader"):
        texts += [str(e.value) for e in at.get(kind)]
    texts = [t for t in texts if not t.startswith(NOTICE_LEAD)]
    for metric in at.metric:
        texts += [str(metric.value), str(metric.proto.delta)]
    problems += [f"non-finite text: {t[:120]!r}" for t in texts if NONFINITE.search(t)]
    for element in at.get("bidi_component"):  # what each chart sends the browser
        raw = element.proto.json
        sent = json.loads(raw)
        if len(raw) > MAX_FIGURE_BYTES:
            problems.append(f"chart {sent['key']} of {len(raw)} bytes")
        for part in ("figure", "states"):
            if sent.get(part):
                problems += [f"infinite number in chart {sent['key']} {part} at {p}"
                             for p in _infinite_numbers(json.loads(sent[part]))]
    for key, fig in drawn(at).items():
        if len(fig.frames) > MAX_FRAMES:
            problems.append(f"figure {key} with {len(fig.frames)} animation frames")
    return problems


# -- random interaction ---------------------------------------------------------------------
_FORMULAS = (
    "r**2", "abs(r)", "log(1 + r**2)", "sqrt(1 + r**2) - 1", "1/r", "log(r)", "exp(r)",
    "r**1000", "exp(exp(r))", "max(r, 0)", "0", "nan", "inf", "r +", "((((r", "",
    "__import__('os').system('true')", "().__class__.__bases__", "lambda: 1", "r" * 600,
    "1e309 * r", "-r", "tanh(r) + cosh(r)", "where(r > 0, r, 0)", "m", "f", "y * log(p)",
)


def _grid(rng: random.Random, low: float, high: float, step: float | None) -> float:
    roll = rng.random()
    if roll < 0.15:
        return low
    if roll < 0.3:
        return high
    if step:
        return low + step * rng.randint(0, round((high - low) / step))
    return rng.uniform(low, high)


def _value_for(spec: Field, rng: random.Random) -> Any:
    if spec.kind == "int":
        return int(_grid(rng, spec.low, spec.high, spec.step or 1))
    if spec.kind == "float":
        value = _grid(rng, spec.low, spec.high, spec.step)
        return min(spec.high, max(spec.low, round(value, 10)))
    if spec.kind == "bool":
        return rng.random() < 0.5
    if spec.kind == "choice":
        return rng.choice(spec.choices)
    if spec.kind == "multi":
        return [c for c in spec.choices if rng.random() < 0.5]
    return rng.choice(_FORMULAS)[: spec.max_len]


def _table_edit(table: Any, rng: random.Random) -> dict[str, Any]:
    frame = table.value
    columns = [str(c) for c in frame.columns]
    rows = len(frame)
    cells = [rng.uniform(-10, 10), 0.0, 1e300, -1e300, 1e-300, None, rng.randint(-3, 3)]
    edit: dict[str, Any] = {"edited_rows": {}, "added_rows": [], "deleted_rows": []}
    roll = rng.random()
    if roll < 0.15:
        many = rng.choice([1, 5, 3000])  # 3000: more rows than any lesson needs
        edit["added_rows"] = [{c: rng.choice(cells) for c in columns} for _ in range(many)]
    elif roll < 0.3 and rows:
        edit["deleted_rows"] = sorted(rng.sample(range(rows), k=rng.randint(1, rows)))
    elif rows and columns:
        for _ in range(rng.randint(1, 4)):
            row = rng.randrange(rows)
            edit["edited_rows"].setdefault(row, {})[rng.choice(columns)] = rng.choice(cells)
    return edit


def _widgets(at: Any) -> list[Any]:
    kinds = ("slider", "number_input", "selectbox", "radio", "toggle", "checkbox",
             "segmented_control", "pills", "text_input", "text_area", "button", "multiselect")
    return [w for kind in kinds for w in getattr(at, kind) if not w.proto.disabled]


def _interact(at: Any, rng: random.Random, fields: dict[str, Field]) -> str:
    """Change one control of the open page at random; return what was done."""
    tables = [t for t in at.data_editor if t.key]
    if not tables and rng.random() < 0.1:  # a points table is built only while it is open
        for key in ("reg_table_open", "clf_table_open"):
            at.session_state[key] = True
        return "open the tables"
    widgets = _widgets(at)
    if tables and rng.random() < 0.15:
        table = rng.choice(tables)
        at.session_state[table.key] = _table_edit(table, rng)
        return f"table {table.key}"
    if not widgets:
        return "nothing"
    widget = rng.choice(widgets)
    spec = fields.get(widget.key or "")
    if widget.type == "button":
        widget.click()
        return f"click {widget.key}"
    if spec is not None:
        value = _value_for(spec, rng)
    elif widget.type == "selectbox" and widget.options:
        widget.select_index(rng.randrange(len(widget.options)))
        return f"pick {widget.key}"
    else:
        return "nothing"
    if widget.type in ("text_input", "text_area"):
        widget.input(value)
    else:
        widget.set_value(value)
    return f"set {widget.key}={value!r:.40}"


def _open_section(at: Any, rng: random.Random) -> str:
    section = rng.choice(SECTIONS)
    at.session_state["_lossviz_open_page"] = section
    return f"page {section}"


_JUNK_LINKS = (
    {"clf_n": "1e9"}, {"stop_steps": "-5"}, {"section": "nope"}, {"delta": "nan"},
    {"custom_formula": "__import__('os')"}, {"reg_points": "inf", "clf_losses": "x,y"},
    {"stop_lr": "1" * 50}, {"present": "maybe"}, {"lesson": "nope", "lesson_step": "0"},
    {"lesson": "mse_outliers", "lesson_step": "4", "section": "stopping"},
    {"clf_points": "999x1_nnn", "section": "classification"},
)


@pytest.fixture(scope="module")
def fields() -> dict[str, Field]:
    return _all_fields()


def test_random_interaction_sequences_never_break_the_page(fields):
    from streamlit.testing.v1 import AppTest

    failures: list[str] = []
    done = 0
    at = None
    for index in range(SEQUENCES):
        rng = random.Random(SEED * 1_000_003 + index)
        if index % _PER_SESSION == 0:
            at = AppTest.from_file(APP, default_timeout=60)
            if rng.random() < 0.5:
                for key, value in rng.choice(_JUNK_LINKS).items():
                    at.query_params[key] = value
            at.run()
        if rng.random() < 0.25:
            steps = [_open_section(at, rng)]
        else:
            steps = [_interact(at, rng, fields) for _ in range(rng.randint(1, 3))]
        at.run()
        done += 1
        problems = problems_on_page(at)
        if problems:
            failures.append(f"sequence {index}: {' -> '.join(steps)}: {problems[:3]}")
            if len(failures) >= 5:
                break
    assert not failures, "\n".join(failures)
    assert done == SEQUENCES


# -- every control of every page --------------------------------------------------------------
_KINDS = ("slider", "number_input", "selectbox", "radio", "toggle", "segmented_control",
          "pills", "text_input")
_VIEWS = {"regression": ("reg_view", params.REG_VIEWS),
          "classification": ("clf_view", params.CLF_VIEWS)}
# A start where every control matters: the custom formula uses all three parameters; some
# labels are flipped (else which class is flipped cannot matter); more points than SGD's
# mini-batch of 32 (with 31 points SGD takes every point each step: plain gradient descent).
_START = {"custom": {"custom_formula_r": "c*abs(r) + d*r**2/2 + tau*r"},
          "classification": {"clf_flip": 2}, "regression": {"reg_n": 60}}


def _other(spec: Field, now: Any) -> Any:
    """A valid value of ``spec`` other than ``now``."""
    if spec.kind == "bool":
        return not now
    if spec.kind == "choice":
        return next(c for c in spec.choices if c != now)
    if spec.kind == "multi":
        return [c for c in spec.choices if c not in now][:1] or spec.choices[:1]
    if spec.kind == "text":
        return "abs(r)" if now != "abs(r)" else "r**2"
    step = spec.step or 1
    value = spec.low + step * max(1, round((spec.high - spec.low) / step * 0.3))
    value = value if abs(value - now) > 1e-12 else spec.high
    return int(value) if spec.kind == "int" else float(f"{value:.10g}")


def _page_controls(at: Any, section: str) -> list[str]:
    return [w.key for kind in _KINDS for w in at.main.get(kind)
            if REGISTRY.get(w.key) is not None and REGISTRY[w.key].section == section
            and not w.proto.disabled]


def _what_shows(at: Any) -> str:
    figures = drawn(at)
    texts = [str(e.value) for kind in ("markdown", "caption", "metric", "warning", "error",
                                       "info", "latex", "code") for e in at.main.get(kind)]
    return json.dumps([{k: f.to_json() for k, f in figures.items()}, texts])


# The Class page's one parameter is the code to join: it shows nothing until "Join" is
# pressed, and what the page shows comes from the class store (tests/test_app_classroom.py).
@pytest.mark.parametrize("section", [s for s in SECTIONS if s != "classroom"])
def test_every_control_of_a_page_changes_what_it_shows_and_never_raises(section):
    from plotly_data import ok, open_page
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in _START.get(section, {}).items():
        at.session_state[key] = value
    open_page(at, section)
    view_key, views = _VIEWS.get(section, (None, (None,)))
    done, idle = set(), []
    for view in views:  # each view brings its own controls
        if view is not None:
            at.session_state[view_key] = view
            ok(at.run())
        for key in _page_controls(at, section):
            if key in done or key == view_key or key not in _page_controls(at, section):
                continue  # another control may have turned this one off
            done.add(key)
            before, now = _what_shows(at), at.session_state[key]
            for value in (_other(REGISTRY[key], now), now):  # there and back
                widget = next(w for kind in _KINDS for w in getattr(at, kind) if w.key == key)
                (widget.input if widget.type == "text_input" else widget.set_value)(value)
                ok(at.run())
                assert not problems_on_page(at), (key, value, problems_on_page(at))
                if value != now and _what_shows(at) == before:
                    idle.append(f"{key}={value!r}")
            assert _what_shows(at) == before, f"{key}: back to {now!r}, not the same page"
    assert not idle, f"controls that changed nothing on the page: {idle}"
    assert len(done) >= 5


def test_production_config_is_safe_and_keeps_the_look():
    import tomllib

    root = Path(__file__).resolve().parents[1]
    deploy = tomllib.loads((root / "deploy/.streamlit/config.toml").read_text())
    dev = tomllib.loads((root / ".streamlit/config.toml").read_text())
    assert deploy["server"]["fileWatcherType"] == "none"
    assert deploy["server"]["runOnSave"] is False
    assert deploy["server"]["enableXsrfProtection"] is True
    assert deploy["server"]["headless"] is True
    assert deploy["server"]["maxMessageSize"] <= 50
    assert deploy["client"]["showErrorDetails"] == "none"
    assert deploy["browser"]["gatherUsageStats"] is False
    assert deploy["theme"] == dev["theme"]
    assert deploy["runner"].get("postScriptGC") == dev["runner"].get("postScriptGC")


def test_no_embedding_page_may_control_the_app():
    # Streamlit checks every message its page posts against client.allowedOrigins (sixteen
    # Community Cloud patterns by default) on every rerun; lossviz is not embedded, so
    # neither config lists any, and the page opens no channel to a host.
    import tomllib

    from streamlit import config

    root = Path(__file__).resolve().parents[1]
    for path in (".streamlit/config.toml", "deploy/.streamlit/config.toml"):
        assert tomllib.loads((root / path).read_text())["client"]["allowedOrigins"] == []
    # The option still exists under this name (an unknown one is ignored with a warning).
    assert isinstance(config.get_option("client.allowedOrigins"), list)
