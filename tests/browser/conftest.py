"""Fixtures for the real-browser tests: one streamlit server and one Chromium per session.

They live here, not in tests/conftest.py, so the other tests never start a server. Without
Chromium or Playwright the browser tests skip with the reason on a developer's machine and
fail in CI (``CI=true``), where a skipped browser test would hide a broken page.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from streamlit_browser import (  # found through the path set just above
    CHROMIUM,
    launch_chromium,
    new_tab,
    streamlit_server,
)

INSTALL_HINT = "install it with: apt-get update && apt-get install -y chromium"


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").strip().lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason}; CI must run the browser tests ({INSTALL_HINT})", pytrace=False)
    pytest.skip(f"{reason} ({INSTALL_HINT}); CI fails instead of skipping")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        _unavailable(f"Debian's Chromium is not at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def app_url(browser: Any) -> Iterator[str]:
    """The app (this checkout's app.py, run from the checkout) on a local port.

    Depends on ``browser`` so that a missing browser skips before a server is started.
    """
    with streamlit_server("app.py") as url:
        yield url


@pytest.fixture(scope="module")
def tab(browser: Any, app_url: str) -> Iterator[Any]:
    """One browser tab per test module at 1366x768, not loaded yet: each test loads the link
    it needs (``streamlit_browser.load``), a new session every time.

    ``tab.errors`` lists the uncaught JavaScript errors of the page loaded last.
    """
    page = new_tab(browser, width=1366, height=768)
    page.set_default_timeout(30_000)
    yield page
    page.close()
