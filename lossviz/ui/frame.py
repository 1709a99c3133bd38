"""What every page shares: the look (static CSS), the sidebar (presentation mode, lessons,
the share link, the export pack) and the lesson step above the page.

The CSS is fixed text written here; nothing a user types ever reaches it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from lossviz.datasets import Dataset
from lossviz.textsafe import escape_markdown
from lossviz.ui import chart, export, lessons, url, widgets

# Every page: a visible focus ring on every control (the theme's own is faint grey), cards
# whose numbers never cut off, and a phone layout that keeps chart and text apart.
_CSS = """<style>
:where(button, input, textarea, select, [role="slider"], [role="switch"], [role="radio"],
  [role="checkbox"], [role="tab"], [role="option"], a, summary, [tabindex]):focus-visible {
  outline: 3px solid #0072B2 !important; outline-offset: 2px !important;
  box-shadow: 0 0 0 5px rgba(255, 255, 255, 0.85) !important; }
[data-testid="stMainBlockContainer"] { padding-top: 4.25rem; }
[data-testid="stMetricValue"] > div { overflow: visible; text-overflow: clip; }
[data-testid="stMetricValue"] { white-space: nowrap; }
.st-key-lesson_banner, .st-key-lesson_question { border-color: #0072B2 !important; }
/* The regression page's best-lines table, in a column 166 px wide at 1024 px with the
   sidebar open: cells tight enough for the widest tables to fit (a browser test checks),
   and a scroll bar rather than a table spilling past the page's edge should one not. */
.st-key-reg_scores table { font-size: 0.8rem; }
.st-key-reg_scores th, .st-key-reg_scores td { padding: 0.3rem 0.2rem !important; }
.st-key-reg_scores [data-testid="stMarkdownContainer"] { overflow-x: auto; }
@media (min-width: 641px) {
  /* The step's panel, its Back / Next with it, stays in view under the header while the
     page scrolls to the chart it talks about; a tall step (a projector's large text in a
     narrow column) scrolls inside the panel. */
  [data-testid="stLayoutWrapper"]:has(> .st-key-lesson_banner) {
    position: sticky; top: 3.75rem; /* the header's height */ z-index: 990; background: Canvas;
    max-height: calc(100vh - 4.5rem); overflow-y: auto; }
}
@media (max-width: 640px) {
  .block-container { padding-left: 0.75rem; padding-right: 0.75rem; }
  /* a finger's room: a radio choice at least 44 px tall (22 px by default) */
  [data-testid="stRadioOption"] { min-height: 2.75rem; align-items: center;
    padding-block: 0.25rem; /* a two-line choice does not touch the next */ }
  /* a phone shows the lesson step (the right-hand column) above the first picture */
  .st-key-reg_hero_lesson [data-testid="stHorizontalBlock"]:not(.st-key-lesson_nav) {
    flex-direction: column-reverse; }
}
</style>"""

# Presentation mode, for a projector: everything larger, the chrome smaller.
_PRESENT_CSS = """<style>
html { font-size: 20px; }
header[data-testid="stHeader"] { height: 2.5rem; }
[data-testid="stMainBlockContainer"] { padding-top: 3.5rem !important;
  padding-bottom: 1rem !important; }
[data-testid="stMetricValue"] { font-size: 2.2rem; }
[data-testid="stMetricLabel"] p { font-size: 1rem; }
[data-testid="stCaptionContainer"] { font-size: 0.9rem; }
[data-testid="stMarkdownContainer"] table { font-size: 0.8rem; }
/* the page links (six) stay on one row at a projector's 1024 px */
[data-testid="stTopNavLinkContainer"] { flex: 0 0 auto !important; min-width: 0 !important; }
[data-testid="stTopNavLink"] { padding: 0.2rem 0.55rem !important; min-width: 0 !important; }
[data-testid="stTopNavLink"] p { font-size: 0.8rem; }
/* the icon's box, not only the icon: an empty box still takes its width and a gap */
[data-testid="stTopNavLink"] > span:has([data-testid="stIconMaterial"]) { display: none; }
</style>"""


def begin(title: str = "") -> None:
    """Start a run: forget the last run's figures; the page's look; on a phone, whose page
    links are folded into the sidebar, the page's ``title`` at the top."""
    chart.forget_figures()
    lessons.new_run()
    st.html(_CSS)
    if widgets.presenting():
        st.html(_PRESENT_CSS)
    if title and widgets.compact():
        st.subheader(title, anchor=False)


def sidebar(section: str) -> None:
    """The top of the sidebar: presentation mode and the lesson picker (before the page)."""
    with st.sidebar:
        widgets.toggle("present", "Presentation mode",
                       help="For a projector: larger text and lines, fewer controls.")
        lessons.picker()


def sidebar_end(section: str) -> None:
    """The rest of the sidebar, after the page: the share link and the export pack. The page
    draws the charts the pack offers and writes a table's edits to the settings, so drawn
    before it, the pack would hold no chart and the link would miss the last edit."""
    with st.sidebar:
        st.divider()
        st.markdown("**Share this view**")
        st.code(url.share_link(section), language=None, wrap_lines=True)
        st.caption("Whoever opens the link sees this same view (settings that differ from "
                   "the defaults).")
        if not widgets.presenting():
            export.render(section)


def sidebar_state() -> str:
    """Closed on a projector (presentation mode), else Streamlit's choice by width."""
    return "collapsed" if widgets.presenting() else "auto"


def lesson_here(section: str) -> bool:
    """Is a lesson step for this page being followed (without drawing it)?"""
    now = lessons.current()
    return now is not None and now[2].section in (None, section)


def beside_step() -> list[float]:
    """The widths of a figure's column and of the lesson step's column beside it: a wider
    step on a projector, whose large text would otherwise run past the window's foot."""
    return [1.5, 1.0] if widgets.presenting() else [1.9, 1.0]


def lesson_about(section: str, charts: Collection[str]) -> bool:
    """Is the current step, on this page, about one of ``charts``? The page then draws it
    with them (``beside_lesson``) rather than at its top."""
    focus = lessons.focus()
    return lesson_here(section) and focus is not None and focus.chart in charts


@contextmanager
def beside_lesson(section: str, key: str, when: bool = True) -> Iterator[None]:
    """Draw what the block draws with the lesson step beside it (when ``when``; else as it
    is): on a wide screen the block in a wide column and the step in a narrow one, so that a
    projector shows the question and its chart together. On a phone the chart the step
    talks about draws it right above itself (``lessons.above_chart``); if the block draws no
    such chart, the step goes at the block's top. chart.js scrolls to it. ``key`` names the
    row."""
    if not when:
        yield
        return
    if widgets.compact():
        top = st.container()
        yield
        lesson_if_not_drawn(top, section)
        return
    body, side = st.container(key=key).columns(beside_step(), gap="medium")
    with side:
        lesson(section, compact=True)
    with body:
        yield


def lesson_if_not_drawn(top: DeltaGenerator | None, section: str) -> None:
    """On a phone, the step in ``top`` (a container kept above a block) when no chart in the
    block drew it right above itself (``lessons.above_chart``)."""
    if top is not None and not lessons.drawn():
        with top:
            lesson(section, compact=True)


def lesson(section: str, *, compact: bool = False) -> bool:
    """The current lesson step, where the page puts it (when the step belongs to this page);
    ``compact`` for a narrow column beside the figure. True if a step was drawn."""
    return lessons.banner(section, compact=compact)


def about_data(ds: Dataset, columns: Sequence[str], lead: str) -> None:
    """A shipped data set's expander: its context, then ``lead`` (what the page does with
    it), the units of ``columns``, the source, citation and licence."""
    units = "; ".join(f"{escape_markdown(c)}: {escape_markdown(ds.units[c])}"
                      for c in columns if ds.units.get(c))
    with st.expander(f"About the data: {escape_markdown(ds.title)}"):
        st.markdown(escape_markdown(ds.context))
        st.caption(f"{lead} " + (f"Units: {units}. " if units else "")
                   + f"Source: {escape_markdown(ds.source)} Citation: "
                   f"{escape_markdown(ds.citation)} Licence: {escape_markdown(ds.licence)}")
