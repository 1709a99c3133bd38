"""The app in a real browser: `streamlit run app.py`, Debian's Chromium, Playwright.

What only a browser shows: the page loads and draws its charts, every tab opens, and moving
the Huber delta slider with the keyboard reruns the script and redraws a chart, all without a
Streamlit exception box or a JavaScript error.
"""

from __future__ import annotations

from typing import Any

import pytest
from streamlit_browser import (
    EXCEPTION,
    chart_data,
    runs,
    slider_thumb,
    tabs,
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


def _open_tab(page: Any, index: int) -> str:
    tab = tabs(page).nth(index)
    name = tab.inner_text().strip()
    if tab.get_attribute("aria-selected") != "true":
        before = runs(page)
        tab.click()
        wait_rerun(page, before)
    assert tab.get_attribute("aria-selected") == "true", f"tab {name!r} did not open"
    return name


def _delta_thumb(page: Any) -> Any:
    """The delta slider's thumb, opening the tab that holds it if it is not the open one."""
    thumb = slider_thumb(page, *DELTA_WORDS)
    for i in range(tabs(page).count()):
        if thumb.count():
            break
        _open_tab(page, i)
    assert thumb.count(), "no slider labelled with 'delta' in any tab"
    return thumb


def _step_key(thumb: Any) -> str:
    """The arrow key that moves the slider one step inside its range."""
    value, high = float(thumb.get_attribute("value")), float(thumb.get_attribute("max"))
    return "ArrowLeft" if value >= high else "ArrowRight"


def test_first_load_draws_charts_without_errors(page: Any) -> None:
    assert page.locator("[data-testid='stPlotlyChart'] .main-svg").count() >= 1
    _assert_healthy(page, "first load")


def test_every_tab_opens_without_errors(page: Any) -> None:
    count = tabs(page).count()
    assert count >= 1, "the app shows no section tabs"
    for i in range(count):
        name = _open_tab(page, i)
        _assert_healthy(page, f"tab {name!r}")


def test_delta_slider_redraws_a_chart(page: Any) -> None:
    thumb = _delta_thumb(page)
    value = thumb.get_attribute("value")
    charts = chart_data(page)
    assert charts, "no chart to watch"

    before = runs(page)
    thumb.focus()
    thumb.press(_step_key(thumb))
    wait_rerun(page, before)

    assert thumb.get_attribute("value") != value, "the key press did not move the slider"
    after = chart_data(page)
    assert after != charts, "a new delta reran the page but no chart changed"
    _assert_healthy(page, "after moving delta")


def test_rapid_delta_changes_settle_on_the_last_value(page: Any) -> None:
    # A student holding an arrow key: every press interrupts the rerun before it.
    thumb = _delta_thumb(page)
    step = float(thumb.get_attribute("step"))
    start = float(thumb.get_attribute("value"))
    key = _step_key(thumb)
    sign = 1 if key == "ArrowRight" else -1
    low, high = float(thumb.get_attribute("min")), float(thumb.get_attribute("max"))
    presses = 5
    target = min(max(start + sign * presses * step, low), high)

    before = runs(page)
    thumb.focus()
    for _ in range(presses):
        thumb.press(key)
    wait_rerun(page, before)
    wait_quiet(page)  # the rerun for the last value, if it came after, ends cleanly too
    assert float(thumb.get_attribute("value")) == pytest.approx(target)
    _assert_healthy(page, "after five quick delta changes")
