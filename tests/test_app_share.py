"""Shareable links in the running app: every parameter survives the URL both ways, and no link,
however mangled, breaks the page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from plotly_data import share_box
from streamlit.testing.v1 import AppTest

from lossviz.state import REGISTRY, Field
from lossviz.ui import SECTIONS
from lossviz.ui.controls import section_button
from lossviz.ui.share import register_all

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TIMEOUT = 90
register_all()


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


def section_fields(section: str) -> dict[str, Field]:
    return {k: f for k, f in REGISTRY.items() if f.section == section}


def figures(at: AppTest) -> list[dict]:
    """The plotly figures on the page, their data and layout (not the random element ids)."""
    out = []
    for el in at.get("plotly_chart"):
        spec = json.loads(el.proto.spec)
        out.append({"data": spec.get("data"), "layout": spec.get("layout")})
    return out


def url(at: AppTest) -> dict[str, str]:
    """The app's query parameters, one value each."""
    return {k: v[-1] if isinstance(v, list) else v for k, v in at.query_params.items()}


def open_app(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


SECTION_IDS = [k for k in SECTIONS if section_fields(k)]


def test_the_section_buttons_open_each_section_and_the_link_names_it():
    at = open_app()
    switcher = at.button_group(key="section")
    titles = [title for title, _ in SECTIONS.values()]
    assert switcher.value == titles[0]
    assert list(switcher.options) == [section_button(t) for t in titles]  # one short row
    assert "section" not in url(at)  # the first section is the default view
    for key, (title, _) in list(SECTIONS.items())[1:]:
        at.button_group(key="section").set_value(title)
        at.run()
        assert not at.exception, title
        assert at.session_state["section"] == title
        assert url(at)["section"] == key
    at.button_group(key="section").set_value(titles[0])
    at.run()
    assert "section" not in url(at)


@pytest.mark.parametrize("section", SECTION_IDS)
def test_link_restores_every_setting_of_a_section_and_the_same_figures(section):
    fields = section_fields(section)
    values = {k: other_value(f) for k, f in fields.items()}
    query = {"section": section, **{k: fields[k].format(v) for k, v in values.items()}}

    linked = open_app(query)
    assert not linked.exception
    for key, value in values.items():
        assert linked.session_state[key] == value, key
    assert not any("could not use" in c.value for c in linked.caption)
    # The URL keeps exactly what was shared (the app writes it back in its own format).
    first = next(iter(SECTIONS))
    assert url(linked) == {k: v for k, v in query.items() if (k, v) != ("section", first)}

    # The same settings made by hand give the same page.
    by_hand = AppTest.from_file(APP, default_timeout=TIMEOUT)
    by_hand.session_state["section"] = SECTIONS[section][0]
    for key, value in values.items():
        by_hand.session_state[key] = value
    by_hand.run()
    assert not by_hand.exception
    assert figures(linked) == figures(by_hand)
    assert [m.value for m in linked.metric] == [m.value for m in by_hand.metric]


def test_changing_a_control_updates_the_link_and_the_link_box():
    at = open_app({"section": "conventions"})
    at.selectbox(key="conv_loss").set_value("mse").run()
    at.number_input(key="conv_n").set_value(12).run()
    assert not at.exception
    assert url(at)["conv_loss"] == "mse"
    assert url(at)["conv_n"] == "12"
    link = share_box(at)
    assert link.startswith("?")
    assert "conv_loss=mse" in link
    assert "conv_n=12" in link
    # Back to the default: the parameter leaves the link, which stays short.
    at.number_input(key="conv_n").set_value(REGISTRY["conv_n"].default).run()
    assert "conv_n" not in at.query_params


def test_bad_parameters_fall_back_with_a_notice_naming_them():
    at = open_app({"section": "conventions", "conv_n": "100000", "conv_loss": "mse",
                   "zzz": "1", "present": "perhaps"})
    assert not at.exception
    assert at.session_state["conv_loss"] == "mse"
    assert at.session_state["conv_n"] == REGISTRY["conv_n"].default
    notice = next(c.value for c in at.caption if "could not use" in c.value)
    for name in ("conv\\_n", "zzz", "present"):
        assert name in notice
    assert "conv\\_loss" not in notice
    assert "conv_n" not in at.query_params  # dropped from the link too
    at.button(key="url_notice_dismiss").click().run()
    assert not any("could not use" in c.value for c in at.caption)


def test_unknown_section_falls_back_to_the_first_tab():
    at = open_app({"section": "nowhere"})
    assert not at.exception
    assert at.session_state["section"] == next(iter(SECTIONS.values()))[0]


def test_presentation_mode_scales_figures_and_survives_the_link():
    plain = open_app({"section": "conventions"})
    shown = open_app({"section": "conventions", "present": "1"})
    assert not shown.exception
    assert shown.session_state["present"] is True
    assert url(shown)["present"] == "1"
    for fig_plain, fig_shown in zip(figures(plain), figures(shown), strict=True):
        size_plain = (fig_plain["layout"].get("font") or {}).get("size") or 13
        assert (fig_shown["layout"].get("font") or {}).get("size", 0) >= max(17, size_plain)


KEYS = sorted(REGISTRY)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.one_of(st.sampled_from([*KEYS, "lesson", "lesson_step"]), st.text(max_size=12)),
        st.one_of(st.text(max_size=30), st.sampled_from(["", "1e308", "nan", "-1", "0,0"])),
        max_size=8,
    )
)
def test_random_and_malformed_links_never_break_the_page(query):
    # The Conventions tab keeps each run short; which tab is open does not change parsing.
    at = open_app({**query, "section": "conventions"})
    assert not at.exception
    for key, spec in REGISTRY.items():
        if key in at.session_state:
            spec.check(at.session_state[key])


def test_export_pack_holds_every_chart_the_settings_and_a_script(tmp_path, monkeypatch):
    import csv
    import io
    import tomllib

    from lossviz.lessons import parse_lesson
    from lossviz.ui.controls import FIGURES_KEY
    from lossviz.ui.export import figure_csv, figure_html, state_lesson
    from lossviz.ui.snippets import snippet

    at = open_app({"section": "regression", "reg_delta": "2.5", "reg_outliers": "2"})
    assert not at.exception
    figs = at.session_state[FIGURES_KEY]
    assert len(figs) == len(figures(at)) >= 2  # every chart on the page is in the pack
    for key, fig in figs.items():
        rows = list(csv.reader(io.StringIO(figure_csv(fig))))
        assert rows[0][:3] == ["trace", "x", "y"], key
        assert len(rows) > 1, key
        assert "<html>" in figure_html(fig)[:200], key
    state = {k: at.session_state[k] for k in [*REGISTRY, "section"] if k in at.session_state}
    lesson = parse_lesson(tomllib.loads(state_lesson(state)), "saved", sections=SECTIONS)
    assert lesson.steps[0].values == {"reg_delta": 2.5, "reg_outliers": 2}
    assert lesson.steps[0].section == "regression"
    monkeypatch.chdir(tmp_path)
    script = snippet(state, "regression")
    exec(compile(script, "lossviz_view.py", "exec"), {"__name__": "__main__"})
    assert (tmp_path / "regression_data.html").exists()
    slope, intercept = REGISTRY["reg_slope"].default, REGISTRY["reg_intercept"].default
    assert f"slope, intercept, delta = {slope!r}, {intercept!r}, 2.5" in script


def test_conventions_on_the_regression_lab_data_match_the_lab(tmp_path, monkeypatch, capsys):
    from lossviz.ui.snippets import snippet

    query = {"reg_slope": "2.0", "reg_intercept": "-1.0", "reg_seed": "7"}
    lab = open_app({"section": "regression", **query})
    shown = {m.label: m.value for m in lab.metric}
    lab_mse = next(v for k, v in shown.items() if k.startswith("MSE"))
    at = open_app({"section": "conventions", "conv_source": "regression lab",
                   "conv_loss": "mse", **query})
    assert not at.exception
    ours = float(at.metric[0].value)
    assert f"{ours:.4g}" == lab_mse
    state = {k: at.session_state[k] for k in REGISTRY if k in at.session_state}
    monkeypatch.chdir(tmp_path)
    exec(compile(snippet(state, "conventions"), "view.py", "exec"), {"__name__": "__main__"})
    assert f"lossviz: {ours:.8g}"[:14] in capsys.readouterr().out


def test_the_export_box_makes_its_buttons_only_when_open_and_keeps_up_with_changes():
    import tomllib

    from lossviz.ui.export import OPEN_KEY, STATE_KEY, state_lesson

    at = open_app({"section": "regression"})
    assert not at.get("download_button")  # closed: nothing built, nothing sent
    at.session_state[OPEN_KEY] = True
    at.run()
    assert not at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Settings as a lesson file (TOML)" in labels
    assert "Python script of this view" in labels
    assert sum(label == "HTML" for label in labels) == 2  # the two charts of the page
    # A change refreshes the settings the lesson file is made from (the box may not be
    # drawn again when only part of the page reruns).
    at.slider(key="reg_delta").set_value(2.5).run()
    lesson = tomllib.loads(state_lesson(at.session_state[STATE_KEY]))
    assert lesson["steps"][0]["set"]["reg_delta"] == 2.5
