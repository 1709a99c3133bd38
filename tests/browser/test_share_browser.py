"""Shared links and lessons in a real browser: what a student sees when the teacher's link opens.

Reuses the server and Chromium fixtures of ``tests/browser/conftest.py``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from lossviz.ui.controls import section_button
from lossviz.ui.conventions import _data
from lossviz.ui.share import register_all
from streamlit_browser import EXCEPTION, SECTION_BUTTON, open_app, runs, slider_thumb, wait_rerun

import lossviz
from lossviz.lessons import LESSONS_DIR, load_lesson
from lossviz.ui import SECTIONS

pytestmark = pytest.mark.browser


def _healthy(page: Any, where: str) -> None:
    shown = page.locator(EXCEPTION)
    assert shown.count() == 0, f"{where}: the page shows an exception:\n{shown.first.inner_text()}"
    assert not page.errors, f"{where}: JavaScript errors: {page.errors}"


def _selected_section(page: Any) -> str:
    return page.locator(f"{SECTION_BUTTON}[aria-checked='true']").inner_text()


def _query(page: Any) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(page.url).query).items()}


def test_a_shared_link_opens_that_exact_view(browser: Any, app_url: str) -> None:
    page = open_app(browser, f"{app_url}/?section=conventions&conv_loss=mse&conv_n=12")
    try:
        _healthy(page, "shared link")
        assert _selected_section(page).strip() == section_button(SECTIONS["conventions"][0])
        y_true, y_pred, _ = _data("regression", 12, 1, 0)
        expected = lossviz.get_loss("mse")(y_true, y_pred)
        metric = page.locator("[data-testid='stMetric']").first
        assert "lossviz MSE" in metric.inner_text()
        assert f"{expected:.8g}" in metric.inner_text()
        # The link box holds the full address of this view, ready to copy.
        box = page.locator("[data-testid='stSidebar'] .lv-link").first
        link = box.inner_text()
        assert link.startswith(app_url)
        assert "conv_loss=mse" in link
        assert "conv_n=12" in link
        assert _query(page) == {"section": "conventions", "conv_loss": "mse", "conv_n": "12"}
    finally:
        page.close()


def test_a_mangled_link_names_what_it_ignored(browser: Any, app_url: str) -> None:
    page = open_app(browser, f"{app_url}/?section=conventions&conv_n=-5&bogus=%3Cb%3Ex")
    try:
        _healthy(page, "mangled link")
        notice = page.get_by_text("could not use")
        assert notice.count() == 1
        text = notice.inner_text()
        assert "conv_n" in text
        assert "<b>x" not in text  # a parameter name is shown as text, never as markup
        assert "bogus" in text
        assert "conv_n" not in _query(page)
    finally:
        page.close()


def test_a_lesson_link_sets_the_controls_and_waits_for_a_prediction(
    browser: Any, app_url: str
) -> None:
    register_all()
    lesson = load_lesson(LESSONS_DIR / "huber_delta.toml", sections=SECTIONS)
    page = open_app(browser, f"{app_url}/?lesson=huber_delta&lesson_step=2")
    try:
        _healthy(page, "lesson link")
        sidebar = page.locator("[data-testid='stSidebar']")
        step = lesson.steps[1]
        assert sidebar.get_by_text(f"Step 2 of {len(lesson.steps)}: {step.title}").count() == 1
        assert _selected_section(page).strip() == section_button(SECTIONS[step.section][0])
        delta = slider_thumb(page, "delta", "δ")
        assert float(delta.get_attribute("value")) == step.values["reg_delta"]
        # Predict first: the answer is hidden until the student opens it.
        answer = sidebar.get_by_text(step.answer[:40])
        assert not answer.is_visible()
        sidebar.get_by_text("Reveal the answer").click()
        answer.wait_for(state="visible")
        # Next step: new settings, and the address bar is that step's link.
        before = runs(page)
        sidebar.get_by_role("button", name="Next").click()
        wait_rerun(page, before)
        _healthy(page, "next step")
        nxt = lesson.steps[2]
        page.wait_for_function("location.search.includes('lesson_step=3')")
        assert sidebar.get_by_text(f"Step 3 of {len(lesson.steps)}: {nxt.title}").count() == 1
        assert float(slider_thumb(page, "delta", "δ").get_attribute("value")) == \
            nxt.values["reg_delta"]
        assert _query(page)["lesson"] == "huber_delta"
    finally:
        page.close()


def test_presentation_mode_by_keyboard_alone(browser: Any, app_url: str) -> None:
    page = open_app(browser, f"{app_url}/?section=conventions")
    try:
        toggle = page.locator("[data-testid='stSidebar'] input[type='checkbox']").first
        for _ in range(15):  # Tab from the top of the page to the first sidebar control
            page.keyboard.press("Tab")
            if toggle.evaluate("el => el === document.activeElement"):
                break
        else:
            raise AssertionError("the presentation toggle is not reachable with Tab")
        before = runs(page)
        page.keyboard.press("Space")
        wait_rerun(page, before)
        _healthy(page, "presentation mode")
        page.wait_for_function("location.search.includes('present=1')")
        assert toggle.is_checked()
        # Larger type: the root font grows for the back row.
        size = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
        assert size >= 20
    finally:
        page.close()
