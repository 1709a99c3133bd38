"""Shareable links in the running app: every parameter survives the link both ways, the
sidebar's share box and export pack follow the page, and no link, however mangled, breaks it."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from plotly_data import chart as _chart
from plotly_data import figures as _figures
from plotly_data import ok as _ok
from plotly_data import open_page as _open_page
from plotly_data import sent as _sent
from plotly_data import share_link
from streamlit.testing.v1 import AppTest

from lossviz.state import Field
from lossviz.ui import params
from lossviz.ui.url import NOTICE_LEAD, SECTIONS

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TIMEOUT = 90
REGISTRY = params.BY_KEY


def other_value(spec: Field):
    """A valid value that differs from the default (on the field's step grid)."""
    if spec.kind == "bool":
        return not spec.default
    if spec.kind == "choice":
        return next(c for c in spec.choices if c != spec.default)
    if spec.kind == "multi":
        first = [spec.choices[0]]
        return first if first != list(spec.default) else list(spec.choices[:2])
    if spec.kind == "text" and spec.codec is not None:  # a table's edits
        return spec.codec.example
    if spec.kind == "text":
        return "abs(r)" if spec.default != "abs(r)" else "r**2"
    step = spec.step or (1 if spec.kind == "int" else (spec.high - spec.low) / 100)
    k = max(1, round((spec.high - spec.low) / step * 0.3))
    value = spec.low + k * step
    value = int(value) if spec.kind == "int" else float(f"{value:.10g}")
    if value == spec.default:
        value = spec.low if spec.low != spec.default else spec.high
    return int(value) if spec.kind == "int" else float(value)


def figures(at: AppTest) -> dict[str, dict]:
    """The figures the run drew, as plotly JSON (data and layout)."""
    return {key: json.loads(fig.to_json()) for key, fig in _figures(at).items()}


def link(at: AppTest) -> dict[str, str]:
    """The settings in the share box's link."""
    return dict(parse_qsl(share_link(at).split("?", 1)[1]))


def notice(at: AppTest) -> str:
    return " ".join(c.value for c in at.caption if c.value.startswith(NOTICE_LEAD))


def open_app(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


SECTION_IDS = [k for k in SECTIONS if params.of(k)]


def test_every_page_opens_from_an_old_section_link_and_from_open_page():
    for section in SECTIONS:
        at = _ok(open_app({"section": section}))
        mine = {w.key for kind in ("slider", "selectbox", "text_input")
                for w in at.main.get(kind)}  # text: the Class page's code to join
        assert {REGISTRY[k].section for k in mine if k in REGISTRY} == {section}, section
        assert not notice(at)
        other = _open_page(AppTest.from_file(APP, default_timeout=TIMEOUT), section)
        assert list(_figures(other)) == list(_figures(at)), section


@pytest.mark.parametrize("section", SECTION_IDS)
def test_link_restores_every_setting_of_a_page_and_the_same_figures(section):
    fields = params.of(section)
    values = {k: other_value(f) for k, f in fields.items()}
    query = {"section": section, **{k: fields[k].format(v) for k, v in values.items()}}

    linked = _ok(open_app(query))
    for key, value in values.items():
        assert linked.session_state[key] == value, key
    assert not notice(linked)
    # The share box gives the same settings back (the page itself is in the address).
    assert link(linked) == {k: v for k, v in query.items() if k != "section"}

    # The same settings made by hand give the same page.
    by_hand = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in values.items():
        by_hand.session_state[key] = value
    _open_page(by_hand, section)
    assert figures(linked) == figures(by_hand)
    assert [m.value for m in linked.metric] == [m.value for m in by_hand.metric]


def test_changing_a_control_updates_the_share_box():
    at = _ok(open_app({"section": "conventions"}))
    assert share_link(at) == "?"  # the defaults: a bare link
    at.selectbox(key="conv_loss").set_value("mse").run()
    at.number_input(key="conv_n").set_value(12).run()
    assert not at.exception
    assert link(at) == {"conv_loss": "mse", "conv_n": "12"}
    # Back to the default: the parameter leaves the link, which stays short.
    at.number_input(key="conv_n").set_value(REGISTRY["conv_n"].default).run()
    assert link(at) == {"conv_loss": "mse"}
    # Only this page's settings: another page's stay out of its link.
    at.session_state["reg_delta"] = 2.0
    at.run()
    assert "reg_delta" not in link(at)


def test_bad_parameters_fall_back_with_a_notice_naming_them():
    at = _ok(open_app({"section": "conventions", "conv_n": "100000", "conv_loss": "mse",
                       "zzz": "1", "present": "perhaps"}))
    assert at.session_state["conv_loss"] == "mse"
    assert at.session_state["conv_n"] == REGISTRY["conv_n"].default
    text = notice(at)
    for name in ("conv\\_n", "zzz", "present"):
        assert name in text
    assert "conv\\_loss" not in text
    assert link(at) == {"conv_loss": "mse"}  # dropped from the link too
    at.button(key="url_notice_dismiss").click().run()
    assert not at.exception
    assert not notice(at)


def test_a_link_copied_from_the_address_bar_reads_its_menus_labels():
    # Streamlit writes a bound menu's label into the address bar, one parameter per pick
    # of a multi-select; reloading such a link showed the notice "reg_data must be one of
    # generated, ..." for a set the page then opened anyway.
    at = _ok(open_app({"reg_data": "Stars of the cluster CYG OB1", "reg_optimizer": "Adam",
                       "reg_gd_losses": ["MAE", "Huber"], "stop_tol": "10⁻⁶",
                       "clf_losses": ["Hinge"]}))
    assert not notice(at)
    assert at.session_state["reg_data"] == "stars_cyg_ob1"
    assert at.session_state["reg_optimizer"] == "adam"
    assert at.session_state["reg_gd_losses"] == ["mae", "huber"]
    assert at.session_state["stop_tol"] == "1e-6"
    assert at.session_state["clf_losses"] == ["hinge"]
    assert [s.value for s in at.selectbox if s.key == "reg_data"] == ["stars_cyg_ob1"]
    # the share box writes the choices themselves, which read back too
    assert link(at)["reg_data"] == "stars_cyg_ob1"
    assert link(at)["reg_gd_losses"] == "mae,huber"
    # a label the menu does not show is still named in the notice
    at = _ok(open_app({"reg_data": "Stars of some other cluster"}))
    assert "reg\\_data" in notice(at)
    assert at.session_state["reg_data"] == "generated"


def test_a_link_to_the_quantile_loss_without_its_tau_takes_tau_half():
    # The parameter field's default is delta's 1.0, no quantile: the page showed "tau must
    # be between 0 and 1" for ?conv_loss=quantile.
    at = _ok(open_app({"section": "conventions", "conv_loss": "quantile"}))
    assert not at.error, [e.value for e in at.error]
    assert at.session_state["conv_param"] == 0.5


def test_unknown_section_falls_back_to_the_first_page_and_says_so():
    at = _ok(open_app({"section": "nowhere"}))
    assert list(_figures(at))[:2] == ["reg_lines", "reg_pulls"]
    assert "section must be one of regression" in notice(at)


def test_presentation_mode_scales_figures_and_survives_the_link():
    plain = _ok(open_app({"section": "stopping", "stop_steps": "100"}))
    shown = _ok(open_app({"section": "stopping", "stop_steps": "100", "present": "1"}))
    assert shown.session_state["present"] is True
    assert link(shown) == {"present": "1", "stop_steps": "100"}
    assert list(_figures(shown)) == list(_figures(plain))
    for key in _figures(shown):
        size_plain = (_chart(plain, key)["layout"].get("font") or {}).get("size") or 13
        size_shown = _sent(shown, key)["figure"]["layout"]["font"]["size"]
        assert size_shown >= max(17, size_plain), key


KEYS = sorted(REGISTRY)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.one_of(st.sampled_from([*KEYS, "section"]), st.text(max_size=12)),
        st.one_of(st.text(max_size=30), st.sampled_from(["", "1e308", "nan", "-1", "0,0"])),
        max_size=8,
    )
)
def test_random_and_malformed_links_never_break_the_page(query):
    # The conventions page keeps each run short; which page is open does not change parsing.
    at = open_app({**query, "section": "conventions"})
    assert not at.exception
    for key, spec in REGISTRY.items():
        if key in at.session_state:
            spec.check(at.session_state[key])


# -- the export pack -----------------------------------------------------------------------------
def _export(what: str, section: str) -> None:
    """Run in the app's session: the export pack's ``what`` for ``section`` (as its buttons
    make it), left in the session for the test to read."""
    import streamlit as st

    from lossviz.ui import export

    st.session_state["_made"] = getattr(export, what)(section)


def made(at: AppTest, what: str, section: str) -> str:
    """What the export button ``what`` gives for the settings of ``at``'s session."""
    helper = AppTest.from_function(_export, args=(what, section), default_timeout=30)
    for key in REGISTRY:
        if key in at.session_state:
            helper.session_state[key] = at.session_state[key]
    return _ok(helper.run()).session_state["_made"]


def test_export_pack_holds_every_chart_the_settings_and_a_script(tmp_path, monkeypatch):
    import csv
    import io
    import tomllib

    from lossviz.lessons import parse_lesson
    from lossviz.ui.export import figure_csv, figure_html

    at = _ok(open_app({"section": "regression", "reg_delta": "2.5", "reg_outliers": "2",
                       "reg_view": "Loss & gradient"}))
    figs = _figures(at)
    assert list(figs) == ["reg_lines", "reg_pulls", "reg_curves"]  # every chart drawn
    for key, fig in figs.items():
        rows = list(csv.reader(io.StringIO(figure_csv(fig))))
        assert rows[0][:3] == ["trace", "x", "y"], key
        assert len(rows) > 1, key
        assert "<html>" in figure_html(fig)[:200], key
    lesson = parse_lesson(tomllib.loads(made(at, "state_lesson", "regression")), "saved",
                          registry=REGISTRY, sections=SECTIONS)
    assert lesson.steps[0].values == {"reg_delta": 2.5, "reg_outliers": 2,
                                      "reg_view": "Loss & gradient"}
    assert lesson.steps[0].section == "regression"
    script = made(at, "snippet", "regression")
    slope, intercept = REGISTRY["reg_slope"].default, REGISTRY["reg_intercept"].default
    assert f"slope, intercept, delta = {slope!r}, {intercept!r}, 2.5" in script
    monkeypatch.chdir(tmp_path)
    exec(compile(script, "lossviz_view.py", "exec"), {"__name__": "__main__"})
    assert (tmp_path / "regression_lines.html").exists()


def test_the_export_box_makes_its_buttons_only_when_open_and_offers_every_chart():
    from lossviz.ui.export import OPEN_KEY

    at = _ok(open_app({"section": "regression"}))
    assert not at.get("download_button")  # closed: nothing built, nothing sent
    at.session_state[OPEN_KEY] = True
    _ok(at.run())
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Settings as a lesson file (TOML)" in labels
    assert "Python script of this view" in labels
    assert labels.count("HTML") == labels.count("CSV") == len(_figures(at)) == 2
    # A closer look: the box offers its charts too.
    at.session_state["reg_view"] = params.REG_VIEWS[2]
    _ok(at.run())
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels.count("HTML") == len(_figures(at)) == 4


def test_conventions_on_the_regression_lab_data_match_the_lab(tmp_path, monkeypatch, capsys):
    from lossviz.ui.snippets import snippet

    query = {"reg_slope": "2.0", "reg_intercept": "-1.0", "reg_seed": "7"}
    lab = _ok(open_app({"section": "regression", "reg_view": params.REG_VIEWS[1], **query}))
    lab_mse = {m.label: m.value for m in lab.metric}["MSE of your line"]
    at = _ok(open_app({"section": "conventions", "conv_source": "regression lab",
                       "conv_loss": "mse", **query}))
    ours = float(at.metric[0].value)
    assert f"{ours:.4g}" == lab_mse
    state = {k: at.session_state[k] for k in REGISTRY if k in at.session_state}
    monkeypatch.chdir(tmp_path)
    exec(compile(snippet(state, "conventions"), "view.py", "exec"), {"__name__": "__main__"})
    assert f"lossviz: {ours:.8g}"[:14] in capsys.readouterr().out


@pytest.mark.parametrize(("url", "section", "address"), [
    # a typed /regression is sent on to "/" (app.py): the page's own address drops it
    ("http://host:8501/regression", "regression", "http://host:8501/"),
    ("http://host:8501/regression?reg_n=9#top", "regression", "http://host:8501/"),
    ("http://host:8501", "regression", "http://host:8501/"),
    ("http://host:8501/", "classification", "http://host:8501/classification"),
    ("http://host:8501/classification", "classification", "http://host:8501/classification"),
    # served under a path (behind a proxy): the path stays
    ("https://school.example/lossviz/regression", "regression", "https://school.example/lossviz/"),
    ("https://school.example/lossviz/", "custom", "https://school.example/lossviz/custom"),
    ("http://regression", "regression", "http://regression/"),  # a host, not a page
])
def test_a_shared_link_names_the_page_by_its_own_address(url, section, address):
    from lossviz.ui.url import page_address

    assert page_address(url, section) == address
