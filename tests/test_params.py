"""lossviz.ui.params: the one list of the app's parameters, and what every other part assumes
of it (one key once, valid defaults, a known page for each, links that round-trip)."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

from lossviz.state import Field, explain_query, query_string
from lossviz.ui import params, url
from lossviz.ui.pages import PAGES

KEYS = [f.key for f in params.PARAMS]


def test_no_key_is_declared_twice():
    assert len(KEYS) == len(set(KEYS))
    assert list(params.BY_KEY) == KEYS


@pytest.mark.parametrize("f", params.PARAMS, ids=KEYS)
def test_every_default_is_a_valid_value_of_its_own_type(f: Field):
    checked = f.check(f.default)
    assert checked == f.default
    assert type(checked) is type(f.default)
    if f.kind in ("int", "float"):
        assert f.low is not None
        assert f.high is not None
        assert f.low <= f.default <= f.high
    if f.kind == "choice":
        assert f.default in f.choices or (f.optional and f.default is None)
    if f.kind == "multi":
        assert set(f.default) <= set(f.choices)
    if f.codec is not None:  # a table's edits: the example is a valid edit
        f.codec.decode(f.codec.example)
        assert f.check(f.codec.example) == f.codec.example


def test_every_parameter_belongs_to_a_page_the_app_has():
    assert tuple(PAGES) == url.SECTIONS  # the navigation and the link reader agree
    sections = {f.section for f in params.PARAMS}
    assert sections <= {"app", *PAGES}
    assert sections >= set(PAGES)  # every page has settings of its own


def test_of_splits_the_list_by_page():
    parts = [params.of(s) for s in ("app", *PAGES)]
    assert sum(len(p) for p in parts) == len(params.PARAMS)
    for section, part in zip(("app", *PAGES), parts, strict=True):
        assert all(f.section == section for f in part.values())
    assert set(params.of("regression")) >= {"reg_shift", "reg_delta", "reg_points"}
    assert params.of("nowhere") == {}


def test_get_names_an_unknown_key():
    assert params.get("reg_delta") is params.BY_KEY["reg_delta"]
    with pytest.raises(KeyError, match="'reg_nope' is not a parameter of the app"):
        params.get("reg_nope")


def test_the_unbound_parameters_are_declared():
    # The few parameters no widget holds (the URL module writes them) are real parameters.
    assert set(url.UNBOUND) <= set(params.BY_KEY)
    assert {params.get(k).codec is not None for k in ("reg_points", "clf_points")} == {True}


def _other(f: Field):
    """A valid value that is not the default."""
    if f.kind == "bool":
        return not f.default
    if f.kind == "choice":
        return next(c for c in f.choices if c != f.default)
    if f.kind == "multi":
        return [c for c in f.choices if c not in f.default][:1] or []
    if f.kind == "text":
        return f.codec.example if f.codec is not None else "abc"
    return f.high if f.default != f.high else f.low


def test_every_parameter_survives_a_link_at_once():
    values = {f.key: _other(f) for f in params.PARAMS}
    link = query_string(values, params.BY_KEY)
    back, reasons = explain_query(dict(parse_qsl(link, keep_blank_values=True)), params.BY_KEY)
    assert reasons == {}
    assert back == values


def test_every_menu_label_reads_back_as_its_choice():
    """Streamlit writes a bound menu's label into the address bar: each label must name one
    choice, and read back as it (a data set's title, "Huber", "10⁻⁴", ...)."""
    menus = [f for f in params.PARAMS if f.kind in ("choice", "multi")]
    assert sum(f.labels is not None for f in menus) >= 15
    for f in menus:
        labels = [f.label(c) for c in f.choices]
        assert len(set(labels)) == len(labels), f.key
        for choice, label in zip(f.choices, labels, strict=True):
            assert isinstance(label, str), (f.key, choice)
            assert label, (f.key, choice)
            if f.kind == "choice":
                assert f.check(label) == choice
            else:
                assert "," not in label, (f.key, label)  # a comma separates picks
                assert f.check([label]) == [choice]
