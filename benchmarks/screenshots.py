"""Full-page screenshots of every section of the app, at a laptop's and a projector's size.

Starts ``streamlit run app.py`` on a free port, opens it in Debian's Chromium, and for each
window size (default 1280x800 and 1024x768) opens each tab in turn, waits until the run is
finished and every chart is drawn, and saves the whole page, not just the first screen:
``<dir>/<nn>-<tab>-<width>x<height>.png``. Streamlit scrolls its main area inside the window,
so the window is made as tall as the page for the shot. A tab that shows an exception or
raises a JavaScript error is named on the console.

Run: ``python benchmarks/screenshots.py [DIR]`` (default ``/tmp/lossviz-shots``); ``--help``.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

from streamlit_browser import (
    EXCEPTION,
    launch_chromium,
    open_app,
    open_section,
    sections,
    streamlit_server,
    wait_settled,
)

SIZES = ("1280x800", "1024x768")
# The element that scrolls in a Streamlit page; its content is the page's real height.
PAGE_HEIGHT_JS = """
() => {
  const main = document.querySelector("[data-testid='stMain']");
  const side = document.querySelector("[data-testid='stSidebarContent']");
  return Math.max(main ? main.scrollHeight : 0, side ? side.scrollHeight : 0,
                  document.documentElement.scrollHeight);
}
"""
MAX_HEIGHT = 16_000  # px; beyond this Chromium's screenshots get unreliable


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "tab"


def size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not WIDTHxHEIGHT, e.g. 1280x800") from None
    return width, height


def shoot(page: Any, path: Path, width: int, height: int) -> int:
    """Save the whole page at ``width``; return the height of the shot in pixels."""
    full = 0
    for _ in range(3):  # charts may re-lay out when the window grows; measure until stable
        want = min(max(height, page.evaluate(PAGE_HEIGHT_JS)), MAX_HEIGHT)
        if want == full:
            break
        full = want
        page.set_viewport_size({"width": width, "height": full})
        wait_settled(page)
        page.wait_for_timeout(300)  # plotly redraws on resize after a short debounce
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": width, "height": height})
    wait_settled(page)
    return full


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir", nargs="?", type=Path, default=Path("/tmp/lossviz-shots"),
                        help="where the PNGs go (default /tmp/lossviz-shots)")
    parser.add_argument("--app", default="app.py", help="the page to run (default app.py)")
    parser.add_argument("--sizes", nargs="+", type=size, default=[size(s) for s in SIZES],
                        help="window sizes as WIDTHxHEIGHT (default 1280x800 1024x768)")
    parser.add_argument("--timeout", type=float, default=120.0,
                        help="seconds to wait for a page or tab (default 120)")
    args = parser.parse_args(argv)
    args.dir.mkdir(parents=True, exist_ok=True)

    from playwright.sync_api import sync_playwright

    problems = 0
    with streamlit_server(args.app) as url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            for width, height in args.sizes:
                page = open_app(browser, url, width=width, height=height, timeout=args.timeout)
                for i in range(sections(page).count() or 1):
                    name = (open_section(page, i, timeout=args.timeout)
                            if sections(page).count() else "app")
                    path = args.dir / f"{i + 1:02d}-{slug(name)}-{width}x{height}.png"
                    shot = shoot(page, path, width, height)
                    shown = page.locator(EXCEPTION)
                    note = ""
                    if shown.count():
                        problems += 1
                        note = f"  EXCEPTION: {shown.first.inner_text().splitlines()[0]}"
                    print(f"{path}  ({width}x{shot}){note}")
                if page.errors:
                    problems += 1
                    print(f"JavaScript errors at {width}x{height}: {page.errors}")
                page.close()
        finally:
            browser.close()
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
