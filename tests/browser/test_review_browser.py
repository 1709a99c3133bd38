"""Screenshots for a person to review (opt-in: ``LOSSVIZ_REVIEW=1``; off by default, so CI
stays fast): the first screen of every page and of every lesson step, at a laptop's size
(1366x768), on a projector (1024x768, presentation mode) and on a phone (390x844, with a
phone's user agent, so the app draws its compact figures).

Written to ``review/<size>/`` at the repository's root (not committed: see .gitignore), named
``page-<n>-<page>.png`` and ``lesson-<lesson>-<step>-<chart>.png``. Each shot also checks
the page shows no exception and raised no JavaScript error.

Run: ``LOSSVIZ_REVIEW=1 python -m pytest tests/browser/test_review_browser.py``
"""

from __future__ import annotations

import os
from typing import Any, NamedTuple

import pytest
from lv_page import PAGE_PATHS, PHONE_AGENT, ROOT, assert_healthy, lesson_steps, settle
from streamlit_browser import load, new_tab

REVIEW = ROOT / "review"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(os.environ.get("LOSSVIZ_REVIEW") != "1",
                       reason="screenshots for review: set LOSSVIZ_REVIEW=1 to take them"),
]


class Screen(NamedTuple):
    name: str
    width: int
    height: int
    present: bool  # presentation mode (on a projector)
    user_agent: str | None


SCREENS = (
    Screen("1366x768-laptop", 1366, 768, False, None),
    Screen("1024x768-projector", 1024, 768, True, None),
    Screen("390x844-phone", 390, 844, False, PHONE_AGENT),
)


@pytest.mark.parametrize("screen", SCREENS, ids=[s.name for s in SCREENS])
def test_screenshots_for_review(browser: Any, app_url: str, screen: Screen) -> None:
    folder = REVIEW / screen.name
    folder.mkdir(parents=True, exist_ok=True)
    page = new_tab(browser, width=screen.width, height=screen.height,
                   user_agent=screen.user_agent)
    extra = {"present": "1"} if screen.present else {}
    shots = [(f"page-{i}-{section}", app_url + path + ("?present=1" if screen.present else ""))
             for i, (section, path) in enumerate(PAGE_PATHS.items(), start=1)]
    shots += [(f"lesson-{step.lesson}-{step.number}-{step.show}", step.link(app_url, **extra))
              for step in lesson_steps()]
    try:
        for name, link in shots:
            load(page, link)
            settle(page)
            assert_healthy(page, f"{screen.name} {name}")
            page.screenshot(path=folder / f"{name}.png")
    finally:
        page.close()
    assert len(list(folder.glob("*.png"))) >= len(shots)
