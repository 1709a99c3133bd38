"""The animation controls inside the charts, driven by the keyboard alone, in a real browser.

Plotly draws play/pause buttons and frame sliders as SVG that takes no focus; the page script
of ``lossviz.ui.keyboard`` makes them reachable with Tab and operable with Enter, Space and
the arrow keys. Here a keyboard user starts on the last widget above the regression lab's
convergence chart and only presses keys: Tab reaches play, Enter plays, Space pauses, the
arrow keys step the frame slider; the animation runs in the browser (no rerun) and the page
shows no exception. The tests share one page, in this order.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from streamlit_browser import EXCEPTION, open_app, runs, slider_thumb, wait_quiet, wait_rerun

pytestmark = pytest.mark.browser

CHART = ".st-key-reg_convergence_fig"
# The slider's current value, as plotly writes it above the rail ("step 120").
LABEL = f"() => document.querySelector('{CHART} g.slider-group > text.slider-label').textContent"
# The x of every trace of the chart (the moving markers' x is the step shown).
MARKERS = f"""() => JSON.stringify(document.querySelector('{CHART} .js-plotly-plot').data.map(
    t => Array.from(t.x || [])))"""
FOCUSED = f"""() => {{
  const el = document.activeElement;
  if (!el || !el.closest('{CHART} .js-plotly-plot')) return null;
  const ring = el.querySelector('rect.updatemenu-item-rect, rect.slider-grip-rect');
  return {{role: el.getAttribute('role'), name: el.getAttribute('aria-label'),
          now: el.getAttribute('aria-valuenow'), max: el.getAttribute('aria-valuemax'),
          text: el.getAttribute('aria-valuetext'), visible: el.matches(':focus-visible'),
          ring: ring && getComputedStyle(ring).strokeWidth}};
}}"""
# Plotly rejects the promise of an animation that a newer one interrupts (pause, or a slider
# step during play) and leaves it unhandled; a mouse user triggers the same. Nothing else is
# allowed.
PLOTLY_INTERRUPTED = "undefined"


@pytest.fixture(scope="module")
def page(browser: Any, app_url: str) -> Iterator[Any]:
    tab = open_app(browser, f"{app_url}/?reg_view=Gradient+descent", timeout=120)
    yield tab
    tab.close()


def _healthy(page: Any, where: str) -> None:
    shown = page.locator(EXCEPTION)
    assert shown.count() == 0, f"{where}: the page shows an exception:\n{shown.first.inner_text()}"
    errors = [e for e in page.errors if e != PLOTLY_INTERRUPTED]
    assert not errors, f"{where}: JavaScript errors: {errors}"


def _tab_to(page: Any, role: str, name: str, *, limit: int = 30) -> dict:
    """Press Tab until the chart's control ``role``/``name`` has the focus; return its state."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUSED)
        if state and state["role"] == role and state["name"].startswith(name):
            return state
    raise AssertionError(f"{limit} presses of Tab never reached the chart's {role} {name!r}")


def test_tab_reaches_play_and_enter_plays_in_the_browser(page: Any) -> None:
    slider_thumb(page, "Steps").focus()  # the keyboard user's starting point
    state = _tab_to(page, "button", "Play animation")
    assert state["visible"], "the play button has the focus but no visible focus ring"
    assert float(state["ring"].rstrip("px")) >= 2, f"focus ring too thin: {state['ring']}"

    before_runs, before = runs(page), page.evaluate(LABEL)
    markers = page.evaluate(MARKERS)
    page.keyboard.press("Enter")
    page.wait_for_function(f"before => ({LABEL})() !== before", arg=before, timeout=5000)

    assert page.evaluate(MARKERS) != markers, "the label moved but the markers did not"
    assert runs(page) == before_runs, "playing asked the server for a rerun"
    _healthy(page, "after Enter on play")


def test_space_on_pause_stops_the_animation(page: Any) -> None:
    slider_thumb(page, "Steps").focus()
    _tab_to(page, "button", "Play animation")
    page.keyboard.press("Home")  # a button ignores keys other than Enter and Space
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED)["name"] == "Pause animation", "Tab after play is not pause"
    page.keyboard.press(" ")

    held = page.evaluate(LABEL)
    page.wait_for_timeout(600)  # ten frames of the animation
    assert page.evaluate(LABEL) == held, "the animation went on after Space on pause"
    _healthy(page, "after Space on pause")


def test_arrow_keys_step_the_frame_slider(page: Any) -> None:
    slider_thumb(page, "Steps").focus()
    _tab_to(page, "button", "Pause animation")
    page.keyboard.press("Tab")
    state = page.evaluate(FOCUSED) or {}
    assert state.get("role") == "slider", f"Tab after pause is not the slider: {state}"
    assert state["visible"]
    before_runs = runs(page)

    page.keyboard.press("Home")
    first = page.evaluate(FOCUSED)
    assert first["now"] == "1"
    assert page.evaluate(LABEL) == "step 0"
    markers = page.evaluate(MARKERS)

    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"() => ({FOCUSED})().now === '2'", timeout=5000)
    assert page.evaluate(LABEL) != "step 0"
    assert page.evaluate(FOCUSED)["text"].startswith(page.evaluate(LABEL))
    page.wait_for_function(f"m => ({MARKERS})() !== m", arg=markers, timeout=5000)

    page.keyboard.press("End")
    last = page.evaluate(FOCUSED)
    assert last["now"] == last["max"]
    page.keyboard.press("ArrowLeft")
    assert int(page.evaluate(FOCUSED)["now"]) == int(last["max"]) - 1

    assert runs(page) == before_runs, "moving the slider asked the server for a rerun"
    _healthy(page, "after the arrow keys on the slider")


def test_shift_tab_walks_back_in_reading_order(page: Any) -> None:
    slider_thumb(page, "Steps").focus()
    _tab_to(page, "slider", "Frame slider")
    names = []
    for _ in range(2):
        page.keyboard.press("Shift+Tab")
        names.append((page.evaluate(FOCUSED) or {}).get("name"))
    assert names == ["Pause animation", "Play animation"]
    _healthy(page, "after Shift+Tab")


def test_controls_still_work_after_a_rerun_redraws_the_chart(page: Any) -> None:
    # Fewer steps (a rerun of the section) redraws the chart with new frame labels.
    thumb = slider_thumb(page, "Steps")
    before = runs(page)
    thumb.focus()
    page.keyboard.press("ArrowLeft")
    wait_rerun(page, before)
    wait_quiet(page)
    steps = int(thumb.get_attribute("value"))

    _tab_to(page, "slider", "Frame slider")
    page.keyboard.press("Home")
    page.keyboard.press("End")
    state = page.evaluate(FOCUSED)
    assert state["now"] == state["max"]
    assert state["text"].startswith(f"step {steps} "), state["text"]
    assert page.evaluate(LABEL) == f"step {steps}"
    _healthy(page, "after a rerun")
