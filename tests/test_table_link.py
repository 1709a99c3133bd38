"""The labs' points tables in the link: the edits as short text (``reg_points``,
``clf_points``), read back to the same table, numbers and figures; bad text never breaks the
page and is named in the notice; an unedited table adds nothing to the link."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from plotly_data import figures as _drawn
from plotly_data import ok as _ok
from plotly_data import open_page as _open_page
from plotly_data import share_link as share_box
from streamlit.testing.v1 import AppTest

from lossviz.state import MAX_TABLE_TEXT, TableEdits
from lossviz.state import explain_query as _explain
from lossviz.ui.params import BY_KEY as REGISTRY

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TIMEOUT = 90
TABLES = ("reg_points", "clf_points")
SECTION = {"reg_points": "regression", "clf_points": "classification"}


# -- helpers -----------------------------------------------------------------------------------
def explain_query(query: dict) -> tuple[dict, dict]:
    return _explain(query, REGISTRY)


def _open(query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    # The tables are built only while their expanders are open.
    at.session_state["reg_table_open"] = at.session_state["clf_table_open"] = True
    return _ok(at.run())


def _url(at: AppTest) -> dict[str, str]:
    return {k: v[-1] if isinstance(v, list) else v for k, v in at.query_params.items()}


def _figures(at: AppTest) -> list:
    return [json.loads(fig.to_json())["data"] for fig in _drawn(at).values()]


def _notice(at: AppTest) -> str:
    return " ".join(c.value for c in at.caption if "could not use" in c.value)


def _edit(at: AppTest, edits: dict) -> AppTest:
    at.session_state[at.dataframe[0].key] = {"edited_rows": {}, "added_rows": [],
                                             "deleted_rows": [], **edits}
    return _ok(at.run())


def _by_hand(frame: pd.DataFrame, edits: dict) -> pd.DataFrame:
    """What the editor shows after ``edits``, worked out here with plain pandas."""
    frame = frame.copy().astype(object)
    for row, cells in edits.get("edited_rows", {}).items():
        for col, value in cells.items():
            frame.loc[row, col] = value
    for i, cells in enumerate(edits.get("added_rows", [])):
        frame.loc[len(frame) + 100 + i] = [cells.get(c) for c in frame.columns]
    frame = frame.drop(index=edits.get("deleted_rows", []))
    return frame.reset_index(drop=True)


def _cells(frame: pd.DataFrame) -> list[list]:
    def cell(v):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return None
        return bool(v) if isinstance(v, bool) else float(v)
    return [[cell(v) for v in row] for row in frame.astype(object).itertuples(index=False)]


# -- the text form -----------------------------------------------------------------------------
number = st.floats(-1e4, 1e4, allow_nan=False).map(lambda v: float(f"{v:.6g}"))


@st.composite
def table_edits(draw, field: str) -> TableEdits:
    columns = REGISTRY[field].codec.columns
    def cells(full: bool):
        out = {}
        for _, name, kind in columns:
            if full or draw(st.booleans()):
                out[name] = draw(st.booleans()) if kind == "flag" else draw(
                    st.one_of(st.none(), number))
        return out
    rows = draw(st.lists(st.integers(0, 60), max_size=6, unique=True))
    changed = {i: c for i in rows if (c := cells(False))}
    deleted = tuple(sorted(draw(st.sets(st.integers(0, 60), max_size=8)) - set(changed)))
    added = tuple(cells(True) for _ in range(draw(st.integers(0, 4))))
    return TableEdits(changed, deleted, added)


@pytest.mark.parametrize("field", TABLES)
@given(data=st.data())
def test_the_text_reads_back_as_the_same_edits(field, data):
    codec = REGISTRY[field].codec
    edits = data.draw(table_edits(field))
    text = codec.encode(edits)
    back = codec.decode(text)
    assert back.changed == edits.changed
    assert back.deleted == edits.deleted
    assert list(back.added) == [c for c in edits.added]
    assert REGISTRY[field].check(text) == text
    # Only characters a URL keeps as they are: the link stays readable.
    assert set(text) <= set("0123456789abcdefghijklmnopqrstuvwxyz.-_")


@pytest.mark.parametrize("field", TABLES)
@given(text=st.one_of(st.text(max_size=60),
                      st.text(alphabet="0123456789dnxyplfo.-_e+", max_size=40)))
def test_any_text_gives_edits_or_a_reason_never_an_error(field, text):
    values, reasons = explain_query({field: text})
    assert (field in values) != (field in reasons)
    if field in reasons:
        assert reasons[field].startswith(field)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        pytest.param("3y20_zz", "'zz' is not a table edit", id="garbage-part"),
        pytest.param("3q1", "no column 'q'", id="unknown-column"),
        pytest.param("d9-2", "backwards", id="backwards-range"),
        pytest.param("1x1e999", "too large", id="overflow"),
        pytest.param("__import__('os')", "not a table edit", id="code"),
        pytest.param("n" * (MAX_TABLE_TEXT + 1), "longer than", id="too-long"),
        pytest.param("_".join(["nx1"] * 201), "at most 200", id="too-many-rows"),
    ],
)
def test_bad_table_text_is_refused_with_a_reason(text, says):
    values, reasons = explain_query({"reg_points": text})
    assert "reg_points" not in values
    assert says in reasons["reg_points"]


# -- the app -----------------------------------------------------------------------------------
ROUND_TRIPS = [
    pytest.param("regression", {"edited_rows": {0: {"target": 0.0}, 3: {"outlier": True}},
                                "added_rows": [{"x": 1.0, "target": 2.5, "prediction": 3.0,
                                                "outlier": False}],
                                "deleted_rows": [5, 6]}, id="regression"),
    pytest.param("classification", {"edited_rows": {0: {"label": 1}, 3: {"x1": 0.25,
                                                                          "flipped": True}},
                                    "added_rows": [{"x1": 1.0, "x2": -2.5, "label": 0,
                                                    "flipped": False}],
                                    "deleted_rows": [7]}, id="classification"),
]


@pytest.mark.parametrize(("section", "edits"), ROUND_TRIPS)
def test_an_edited_table_goes_through_the_link_unchanged(section, edits):
    field = f"{section[:3] if section == 'regression' else 'clf'}_points"
    at = _open({"section": section})
    generated = at.dataframe[0].value
    assert field not in _url(at)
    _edit(at, edits)
    link = _url(at)
    assert link[field]
    assert f"{field}={link[field]}" in share_box(at)  # the share box says the same

    opened = _open({"section": section, **link})
    assert not _notice(opened)
    assert _url(opened) == link
    assert _cells(opened.dataframe[0].value) == _cells(_by_hand(generated, edits))
    assert [m.value for m in opened.metric] == [m.value for m in at.metric]
    assert _figures(opened) == _figures(at)
    # The editor numbers its rows 0.. (Streamlit shows, and requires, any other index in an
    # editor that adds rows); each shown row still maps to the generated row it came from,
    # which the next edit checks.
    kept = [i for i in range(len(generated)) if i not in edits["deleted_rows"]]
    added = range(len(generated), len(generated) + len(edits["added_rows"]))
    assert list(opened.dataframe[0].value.index) == list(range(len(kept) + len(added)))
    # Editing on from the opened link keeps both the link's edits and the new ones.
    _edit(opened, {"edited_rows": {1: {next(iter(generated.columns)): 0.5}},
                   "deleted_rows": [5]})  # the 6th row shown: generated row kept[5]
    now = REGISTRY[field].codec.decode(_url(opened)[field])
    before = REGISTRY[field].codec.decode(link[field])
    assert set(now.deleted) == {*before.deleted, kept[5]}
    assert now.changed[1] == {next(iter(generated.columns)): 0.5}
    assert now.added == before.added


@pytest.mark.parametrize("section", ["regression", "classification"])
def test_an_unedited_table_adds_nothing_to_the_link(section):
    field = "reg_points" if section == "regression" else "clf_points"
    at = _open({"section": section})
    first = at.dataframe[0].value.iloc[0].to_dict()
    col = next(iter(first))
    _edit(at, {"edited_rows": {0: {col: first[col] + 1}}})
    assert field in _url(at)
    # The same value typed back: no edit left, nothing in the link.
    _edit(at, {"edited_rows": {0: {col: first[col]}}})
    assert field not in _url(at)
    _edit(at, {"deleted_rows": [2]})
    assert _url(at)[field] == "d2"
    at.button(key=f"{field[:3]}_table_reset").click()
    _ok(at.run())
    assert field not in _url(at)
    assert share_box(at) == "?" or field not in share_box(at)


@pytest.mark.parametrize(
    ("field", "text"),
    [
        pytest.param("reg_points", "0y5_zz", id="reg-garbage"),
        pytest.param("reg_points", "150y5", id="reg-row-not-in-table"),
        pytest.param("clf_points", "0l1_3x", id="clf-truncated-ok"),
        pytest.param("clf_points", "0q1", id="clf-unknown-column"),
        pytest.param("clf_points", "999x1", id="clf-row-not-in-table"),
    ],
)
def test_a_bad_table_in_a_link_opens_the_generated_table_with_a_notice(field, text):
    at = _open({"section": SECTION[field], field: text})
    ok, _ = explain_query({field: text})
    if field in ok and "999" not in text and "150" not in text:
        assert not _notice(at)  # a valid (if truncated) edit is simply applied
        assert _url(at)[field]
        return
    assert field.replace("_", "\\_") in _notice(at)
    assert field not in _url(at)
    assert _drawn(at)  # the page works on the generated table


@pytest.mark.parametrize("field", TABLES)
@settings(max_examples=4, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=st.text(max_size=40))
def test_random_table_text_in_a_link_never_breaks_the_page(field, text):
    at = _open({"section": SECTION[field], field: text})
    values, _ = explain_query({field: text})
    if field not in values:
        assert field.replace("_", "\\_") in _notice(at) or not text


@pytest.mark.parametrize(("section", "other"), [("regression", "classification"),
                                                ("classification", "regression")])
def test_edits_survive_a_visit_to_another_page(section, other):
    field = "reg_points" if section == "regression" else "clf_points"
    at = _open({"section": section})
    col = next(iter(at.dataframe[0].value.columns))
    _edit(at, {"edited_rows": {0: {col: 0.5}}})
    _edit(at, {"edited_rows": {0: {col: 0.5}, 1: {col: 0.25}}})
    link = _url(at)[field]
    assert link == "0x0.5_1x0.25"
    _open_page(at, other)
    assert _url(at)[field] == link  # the link keeps it meanwhile
    _open_page(at, section)
    assert _url(at)[field] == link
    assert _cells(at.dataframe[0].value)[1][0] == 0.25
    _edit(at, {"deleted_rows": [4]})
    assert _url(at)[field] == link + "_d4"


def test_too_many_rows_for_a_link_say_so_and_leave_the_link_unedited():
    at = _open({})
    rows = [{"x": 0.123456789 * i, "target": 1.0 + i / 7, "prediction": 2.0, "outlier": False}
            for i in range(230)]
    _edit(at, {"added_rows": rows})
    assert "reg_points" not in _url(at)
    assert any("too many for a link" in c.value for c in at.caption)


def test_a_huge_paste_is_undone_before_streamlit_applies_it():
    from lossviz.ui.tables import MAX_EDITOR_ROWS

    at = _open({})
    before = _figures(at)
    rows = [{"x": 1.0, "target": 2.0, "prediction": 2.0, "outlier": False}] * (
        MAX_EDITOR_ROWS + 1)
    at = _edit(at, {"added_rows": rows})
    assert any("was undone" in w.value for w in at.warning)
    assert len(at.dataframe[0].value) == 31  # the generated table, reopened
    assert _figures(at) == before
    assert "reg_points" not in _url(at)
