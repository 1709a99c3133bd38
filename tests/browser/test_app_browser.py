"""The app in a real browser: `streamlit run app.py`, Debian's Chromium, Playwright.

What only a browser shows: the page loads and draws its charts, moving the Huber delta slider
with the keyboard reruns the script and redraws a chart, and every section opens, all without a
Streamlit exception box or a JavaScript error. The tests share one loaded page, in this order.
"""

from __future__ import annotations

from typing import Any

import pytest
from streamlit_browser import (
    EXCEPTION,
    chart_data,
    find_slider,
    open_section,
    runs,
    sections,
    step_key,
    wait_quiet,
    wait_rerun,
)

pytestmark = pytest.mark.browser

# The regression lab's delta slider: its label says "delta" (or the Greek letter).
DELTA_WORDS = ("delta", "δ")


def _assert_healthy(page: Any, where: str) -> None:
    shown = page.locator(EXCEPTION)
    assert shown.count() == 0, f"{where}: the page shows an exception:\n{shown.first.inner_text()}"
    assert not page.errors, f"{where}: JavaScript errors: {page.errors}"


def test_first_load_draws_charts_without_errors(page: Any) -> None:
    assert page.locator("[data-testid='stPlotlyChart'] .main-svg").count() >= 1
    _assert_healthy(page, "first load")


def test_delta_slider_redraws_a_chart(page: Any) -> None:
    thumb = find_slider(page, *DELTA_WORDS)
    value = thumb.get_attribute("value")
    charts = chart_data(page)
    assert charts, "no chart to watch"

    before = runs(page)
    thumb.focus()
    thumb.press(step_key(thumb))
    wait_rerun(page, before)

    assert thumb.get_attribute("value") != value, "the key press did not move the slider"
    after = chart_data(page)
    assert after != charts, "a new delta reran the page but no chart changed"
    _assert_healthy(page, "after moving delta")


# Marks every chart element, and reads the Huber kinks and Huber's fitted line off them.
CHART_STATE = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(gd => {
  gd.__testMark = gd.__testMark || Math.random();
  const kink = gd.data.find(t => t.name === 'kinks at ±δ');
  const fit = gd.data.find(t => t.name === 'Huber fit');
  return {mark: gd.__testMark, kink: kink ? Array.from(kink.x) : null,
          fit: fit ? [Array.from(fit.y), fit.hovertemplate] : null};
})"""


def test_delta_moves_the_charts_on_the_page_without_drawing_them_again(page: Any) -> None:
    # Only Huber depends on delta: the page keeps its charts and moves Huber's traces
    # (lossviz/ui/live.js), to the new delta's kinks and fitted line.
    thumb = find_slider(page, *DELTA_WORDS)
    before = page.evaluate(CHART_STATE)
    n = runs(page)
    thumb.focus()
    thumb.press(step_key(thumb))
    wait_rerun(page, n)
    delta = float(thumb.get_attribute("value"))
    after = page.evaluate(CHART_STATE)
    assert [c["mark"] for c in after] == [c["mark"] for c in before], "a chart was drawn anew"
    kinks = next(c["kink"] for c in after if c["kink"])
    assert [k for k in kinks if k is not None] == pytest.approx([-delta, -delta, delta, delta])
    fit_before = next(c["fit"] for c in before if c["fit"])
    fit_after = next(c["fit"] for c in after if c["fit"])
    assert fit_after != fit_before, "Huber's fitted line did not follow delta"
    _assert_healthy(page, "after moving delta")


def test_the_share_box_follows_a_change_that_reran_part_of_the_page(page: Any) -> None:
    # Moving delta reruns the Huber panel alone: the sidebar is not drawn again, yet its
    # share box must give the link to what is on screen now.
    thumb = find_slider(page, *DELTA_WORDS)
    history = page.evaluate("window.history.length")
    n = runs(page)
    thumb.focus()
    thumb.press(step_key(thumb))
    wait_rerun(page, n)
    delta = thumb.get_attribute("value")
    # The Huber panel's run writes the address bar in place: no back-button step per move.
    assert page.evaluate("window.history.length") == history
    link = page.locator(".lv-link")
    expected = f"reg_delta={float(delta):g}"
    for _ in range(20):  # the box checks the address bar a few times a second
        if expected in link.inner_text():
            break
        page.wait_for_timeout(100)
    assert expected in link.inner_text()
    assert link.inner_text() == page.evaluate("window.location.href")
    _assert_healthy(page, "after moving delta")


def test_rapid_delta_changes_settle_on_the_last_value(page: Any) -> None:
    # A student tapping an arrow key: each press can interrupt the rerun before it. Two steps
    # out and two back must end on the start value, drawn exactly as it was before.
    thumb = find_slider(page, *DELTA_WORDS)
    start = thumb.get_attribute("value")
    charts = chart_data(page)
    out = step_key(thumb)
    back = "ArrowLeft" if out == "ArrowRight" else "ArrowRight"

    before = runs(page)
    thumb.focus()
    for key in (out, out, back, back):
        page.keyboard.press(key)  # straight to the focused thumb, no waiting between presses
    wait_rerun(page, before)
    wait_quiet(page)  # the run for the last value, if it came after, ends cleanly too

    assert thumb.get_attribute("value") == start
    assert chart_data(page) == charts, "after the burst the charts are not those of its value"
    _assert_healthy(page, "after four quick delta changes")


def test_every_section_opens_without_errors(page: Any) -> None:
    count = sections(page).count()
    assert count >= 2, "the app shows no section switcher"
    for i in range(count):
        name = open_section(page, i)
        _assert_healthy(page, f"section {name!r}")
