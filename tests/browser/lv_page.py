"""What the browser tests read off lossviz's page: health, charts, widgets and the address bar.

Plain functions over a Playwright page; the fixtures are in ``conftest.py`` and the server and
browser helpers in ``benchmarks/streamlit_browser.py``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qs, urlsplit

from streamlit_browser import EXCEPTION

ROOT = Path(__file__).resolve().parents[2]
LESSONS = ROOT / "assets" / "lessons"
# Where each page lives: the default page (regression) is at "/", not "/regression".
PAGE_PATHS = {"regression": "/", "classification": "/classification", "custom": "/custom",
              "conventions": "/conventions", "stopping": "/stopping", "classroom": "/classroom"}
NAV_LINK = "[data-testid='stTopNavLink']"
# Streamlit folds the page links that do not fit into one item, "<n> more".
NAV_MORE = "[data-testid='stTopNavSection']"
SIDEBAR = "[data-testid='stSidebar']"
# A phone's browser: lossviz draws its compact figures when the user agent says "Mobi".
PHONE_AGENT = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
               "Chrome/126.0 Mobile Safari/537.36")


# Charts holding more than one plot, caption or drag handle (what a chart mounted again on
# the same element leaves behind if the one before did not clear it).
DOUBLED = """() => Array.from(document.querySelectorAll('.lv-chart')).filter(c =>
  c.querySelectorAll('.lv-plot').length !== 1 || c.querySelectorAll('.lv-caption').length > 1
  || c.querySelectorAll('.lv-handle').length > 1).map(c => c.dataset.key)"""


def assert_healthy(page: Any, where: str) -> None:
    """No Streamlit exception box, no uncaught JavaScript error, and every chart element
    holds one chart on ``page``."""
    shown = page.locator(EXCEPTION)
    if shown.count():
        raise AssertionError(f"{where}: the page shows an exception:\n{shown.first.inner_text()}")
    assert not page.errors, f"{where}: JavaScript errors: {page.errors}"
    doubled = page.evaluate(DOUBLED)
    assert not doubled, f"{where}: charts holding a stale chart too: {doubled}"


# Resolves once nothing on the page has moved for 10 animation frames: the scroll position and
# the boxes of the charts and the lesson panel (Streamlit and the charts lay out after a run,
# and the chart a lesson step names scrolls into view a frame after it is drawn).
SETTLED = """async () => {
  const read = () => JSON.stringify([
    document.querySelector("[data-testid='stMain']")?.scrollTop,
    ...Array.from(document.querySelectorAll('.lv-chart, .st-key-lesson_banner'), el => {
      const r = el.getBoundingClientRect();
      return [r.top, r.left, r.width, r.height];
    })]);
  let last = '', same = 0;
  for (let frame = 0; frame < 600 && same < 10; frame++) {
    await new Promise(ok => requestAnimationFrame(ok));
    const now = read();
    same = now === last ? same + 1 : 0;
    last = now;
  }
  return same >= 10;
}"""


def settle(page: Any) -> None:
    """Wait until the page's layout has stopped moving (see ``SETTLED``)."""
    assert page.evaluate(SETTLED), "the page kept moving for 600 frames"


def chart(key: str) -> str:
    """The CSS selector of the chart element with key ``key``."""
    return f".st-key-{key} .lv-chart"


def traces(page: Any, key: str) -> dict[str, dict[str, list[float]]]:
    """The x and y of every trace of chart ``key`` as plotly holds them now, by trace name
    (the first trace of a name wins)."""
    return page.evaluate(
        """sel => {
          const gd = document.querySelector(sel);
          const out = {};
          for (const t of gd.data) {
            if (t.name in out) continue;
            out[t.name] = {x: Array.from(t.x || [], Number), y: Array.from(t.y || [], Number)};
          }
          return out;
        }""", f"{chart(key)} .lv-plot")


def slope(trace: dict[str, list[float]]) -> float:
    """The slope of a line trace, from its two end points."""
    x, y = trace["x"], trace["y"]
    return (y[-1] - y[0]) / (x[-1] - x[0])


def slider(page: Any, key: str) -> Any:
    """The keyboard-focusable thumb of Streamlit's slider with key ``key`` (an
    ``<input type=range>`` inside the thumb)."""
    return page.locator(f".st-key-{key} input[type='range']")


def slider_value(page: Any, key: str) -> float:
    """The value of Streamlit's slider with key ``key``, as its thumb holds it and as the
    number over the thumb shows it (they must agree)."""
    held = float(slider(page, key).input_value())
    shown = page.locator(f".st-key-{key} [data-testid='stSliderThumbValue']").inner_text()
    assert float(shown) == held, f"slider {key}: the thumb holds {held}, shows {shown!r}"
    return held


def query(page: Any) -> dict[str, str]:
    """The address bar's query parameters (the last of each name)."""
    return {k: v[-1] for k, v in parse_qs(urlsplit(page.url).query).items()}


def wait_query(page: Any, name: str, value: str, *, timeout: float = 15.0) -> None:
    """Wait until the address bar holds ``name=value`` (the browser writes it after a run)."""
    page.wait_for_function(
        "([n, v]) => new URLSearchParams(location.search).get(n) === v",
        arg=[name, value], timeout=timeout * 1000)


class Step(NamedTuple):
    """One step of a lesson as its file declares it."""

    lesson: str
    number: int  # from 1
    last: bool
    section: str
    show: str
    choices: tuple[str, ...]  # empty for a number question
    number_range: tuple[float, float] | None

    @property
    def id(self) -> str:
        return f"{self.lesson}-{self.number}"

    def link(self, base: str, **extra: str) -> str:
        query = "&".join(f"{k}={v}" for k, v in {**extra, "lesson": self.lesson,
                                                   "lesson_step": str(self.number)}.items())
        return f"{base}/?{query}"


def lesson_steps() -> list[Step]:
    """Every step of every built-in lesson, read from ``assets/lessons/*.toml``."""
    steps = []
    for path in sorted(LESSONS.glob("*.toml")):
        raw = tomllib.loads(path.read_text(encoding="utf-8"))["steps"]
        for i, step in enumerate(raw, start=1):
            number = step.get("number")
            steps.append(Step(path.stem, i, i == len(raw), step.get("section", ""),
                              step.get("show", ""), tuple(step.get("choices", ())),
                              (number["low"], number["high"]) if number else None))
    return steps


def edit_cell(page: Any, grid: Any, column: int, text: str) -> None:
    """Type ``text`` into the first row's cell of data column ``column`` (0 = the first after
    the row markers) of Streamlit's data editor ``grid``, as a student does: select a cell of
    the first column, arrow right, Enter opens the cell's editor, type, Enter stores it.

    The grid is drawn on a canvas: the first row is clicked where it is drawn (below the
    35 px header, left part of the first column).
    """
    # The grid draws its rows after the run that shows it: click once they are there (its
    # accessible copy of the cells, glide-cell-<column + 1>-<row>, says so). A click on a
    # canvas still laid out can land elsewhere (seen once in a full run): the cell must then
    # show the text, and a student would type it again, so this does once more.
    cell = grid.locator(f"[data-testid='glide-cell-{column + 1}-0']")
    cell.wait_for(state="attached", timeout=30_000)
    for attempt in (1, 2):
        grid.scroll_into_view_if_needed()
        box = grid.locator("canvas").first.bounding_box()
        assert box is not None, "the table is not shown"
        page.mouse.click(box["x"] + 0.15 * box["width"], box["y"] + 35 + 17)
        for _ in range(column):
            page.keyboard.press("ArrowRight")
        page.keyboard.press("Enter")
        editor = page.locator("#portal input.gdg-input")  # the cell's editor, over the canvas
        editor.fill(text)
        editor.press("Enter")
        try:
            page.wait_for_function("([el, t]) => el && el.innerText.trim() === t",
                                   arg=[cell.element_handle(), text], timeout=5_000)
            return
        except Exception:
            if attempt == 2:
                raise AssertionError(f"the table's first row did not take {text!r}") from None
