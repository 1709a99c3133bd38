"""What only a browser shows: parameter names as KaTeX renders them, and user text through
``escape_markdown`` as Streamlit's Markdown renders it (streamlit's own KaTeX and Markdown,
in Chromium, on the tiny page ``text_app.py``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit_browser import open_app, streamlit_server
from text_cases import latex_cases, markdown_cases

from lossviz.textsafe import WORD_JOINER

pytestmark = pytest.mark.browser

APP = Path(__file__).with_name("text_app.py")


@pytest.fixture(scope="module")
def page(browser: Any) -> Iterator[Any]:
    with streamlit_server(APP) as url:
        tab = open_app(browser, url, timeout=120)
        yield tab
        tab.close()


def test_every_parameter_name_renders_as_katex(page: Any) -> None:
    cases = latex_cases()
    rendered = page.locator("[class*='st-key-latex_'] .katex")
    bad = [
        (i, cases[i], page.locator(f".st-key-latex_{i} .katex-error").first.inner_text())
        for i in range(len(cases))
        if page.locator(f".st-key-latex_{i} .katex-error").count()
    ]
    assert bad == []
    assert rendered.count() >= len(cases)


def test_the_error_check_sees_a_katex_error(page: Any) -> None:
    assert page.locator(".st-key-latex_control .katex-error").count() == 1


def _shown(text: str) -> str:
    """What the browser shows of ``text``: lines, each with runs of spaces as one, and no
    line breaks at the end (a paragraph cannot end in one)."""
    lines = re.split(r"\r\n|\r|\n", text)
    while len(lines) > 1 and lines[-1] == "":
        lines.pop()
    return "\n".join(re.sub(r"[ \t]+", " ", line).strip(" ") for line in lines).strip(" ")


# Only paragraphs and line breaks: no link, image, code, emphasis, heading, list, quote,
# table, icon, logo or formula was made of the text.
_ELEMENTS = """el => [...el.querySelectorAll('*')].map(e => e.tagName.toLowerCase())
    .filter(t => t !== 'p' && t !== 'br')"""


def test_user_text_shows_literally_through_escape_markdown(page: Any) -> None:
    problems = []
    for i, text in enumerate(markdown_cases()):
        box = page.locator(f".st-key-md_{i} [data-testid='stMarkdownContainer']")
        if not text.strip():
            continue  # nothing to show; Streamlit may leave the element out
        shown = box.inner_text().replace(WORD_JOINER, "")
        shown = "\n".join(re.sub(r"[ \t\u00a0]+", " ", ln).strip(" ") for ln in shown.split("\n"))
        expected = _shown(text).replace("\u00a0", " ")
        expected = "\n".join(re.sub(r" +", " ", ln).strip(" ") for ln in expected.split("\n"))
        elements = box.evaluate(_ELEMENTS)
        if shown.strip("\n") != expected.strip("\n") or elements:
            problems.append((i, text, shown, elements))
    assert problems == []
