"""Every step of every lesson on a projector (1024x768, presentation mode), opened by its link.

What only a browser shows: where things land on the screen. For each step, once the page has
settled: the chart the step talks about (its ``show`` key in ``assets/lessons/*.toml``) is
whole on screen (as much of it as the screen holds, if it is taller), and the step's
question with it; no metric value or text is cut off; the lesson's Next button (Back on the
last step) is on screen; every page link (``PAGES``) sits on one row with no "more" item.
Then the student answers the question and reveals the answer: it appears, and Next is still
on screen. And at a laptop's size, Next opens the next step with its settings and its link.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from lv_page import (
    NAV_LINK,
    NAV_MORE,
    PHONE_AGENT,
    Step,
    assert_healthy,
    chart,
    lesson_steps,
    query,
    slider_value,
    wait_query,
)
from streamlit_browser import load, new_tab, open_lossviz, runs, wait_run

from lossviz.ui.pages import PAGES

pytestmark = pytest.mark.browser

STEPS = lesson_steps()
PROJECTOR = {"width": 1024, "height": 768}
# Plotly leaves a blank margin above the plot: the top of a chart may sit this far under
# Streamlit's header before anything of it is hidden.
MARGIN_UNDER_HEADER = 16

# Where everything is, in the window's coordinates, once the layout stopped moving (the same
# for 10 animation frames: Streamlit and the charts lay out after the run, and the chart of
# the step scrolls into view a frame after it is drawn).
GEOMETRY = """async ({show, button}) => {
  const box = el => {
    if (!el) return null;
    const r = el.getBoundingClientRect();
    return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: r.height};
  };
  const read = () => ({
    view: {width: innerWidth, height: innerHeight},
    header: box(document.querySelector("header[data-testid='stHeader']")),
    chart: box(document.querySelector(show)),
    button: box(document.querySelector(button)),
    question: box(Array.from(document.querySelectorAll(
      ".st-key-lesson_banner [data-testid='stMarkdownContainer']"))
      .find(e => e.innerText.startsWith("Predict:"))),
    reveal: box(Array.from(document.querySelectorAll(".st-key-lesson_banner button"))
      .find(e => e.innerText.trim() === "Reveal the answer")),
    panel: box(document.querySelector(".st-key-lesson_banner")
      ?.closest("[data-testid='stLayoutWrapper']")),
    nav: Array.from(document.querySelectorAll("NAV_LINK")).map(a => ({
      text: a.innerText.trim(), box: box(a),
      shown: a.checkVisibility() && !a.closest("[aria-hidden='true']")})),
    more: Array.from(document.querySelectorAll("NAV_MORE"))
      .filter(e => e.checkVisibility() && !e.closest("[aria-hidden='true']"))
      .map(e => e.innerText.trim()),
  });
  let last = '', same = 0;
  for (let frame = 0; frame < 600 && same < 10; frame++) {
    await new Promise(ok => requestAnimationFrame(ok));
    const now = JSON.stringify(read());
    same = now === last ? same + 1 : 0;
    last = now;
  }
  return read();
}""".replace("NAV_LINK", NAV_LINK).replace("NAV_MORE", NAV_MORE)

# Text the page cuts off: a metric value wider than its box, an element that CSS ends with an
# ellipsis and that overflows, a literal "…" (Streamlit's own truncation), a table cut by a box
# that clips it or by the window's edge.
CUT_TEXT = """() => {
  const main = document.querySelector("[data-testid='stMain']");
  const cut = [];
  for (const el of document.querySelectorAll("[data-testid='stMetricValue'], "
                                              + "[data-testid='stMetricValue'] *")) {
    if (el.scrollWidth > el.clientWidth + 1) cut.push('metric: ' + el.textContent.trim());
  }
  for (const el of main.querySelectorAll('*')) {
    if (getComputedStyle(el).textOverflow === 'ellipsis' && el.scrollWidth > el.clientWidth + 1
        && el.textContent.trim()) cut.push('ellipsis: ' + el.textContent.trim().slice(0, 80));
  }
  if (main.innerText.includes('\\u2026')) {
    const line = main.innerText.split('\\n').find(l => l.includes('\\u2026'));
    cut.push('text: ' + line.slice(0, 80));
  }
  // A table wider than a box that clips it, or than the window.
  for (const table of main.querySelectorAll('table')) {
    const right = table.getBoundingClientRect().right;
    let clipped = right > innerWidth + 1;
    for (let box = table.parentElement; box && box !== main && !clipped; box = box.parentElement) {
      clipped = getComputedStyle(box).overflowX !== 'visible'
        && right > box.getBoundingClientRect().right + 1;
    }
    if (clipped) cut.push('table: ' + table.innerText.slice(0, 60));
  }
  return cut;
}"""


@pytest.fixture(scope="module")
def projector(browser: Any) -> Iterator[Any]:
    page = new_tab(browser, **PROJECTOR)
    page.set_default_timeout(30_000)
    yield page
    page.close()


def _on_screen(box: dict | None, top: float, bottom: float) -> bool:
    return box is not None and box["top"] >= top and box["bottom"] <= bottom


def _problems(geo: dict, step: Step) -> list[str]:
    view, header = geo["view"], geo["header"]
    below_header = header["bottom"] if header else 0.0
    problems = []
    c = geo["chart"]
    if c is None:
        problems.append(f"(a) the step's chart {step.show!r} is not on the page")
    else:
        half = {"top": c["top"], "bottom": c["top"] + c["height"] / 2}
        if not _on_screen(half, below_header - MARGIN_UNDER_HEADER, view["height"]):
            problems.append(f"(a) the top half of chart {step.show!r} is off screen: it spans "
                            f"{c['top']:.0f}..{half['bottom']:.0f} px, the screen shows "
                            f"{below_header:.0f}..{view['height']} px")
        elif not (_on_screen(c, below_header - MARGIN_UNDER_HEADER, view["height"] + 1)
                  # a chart taller than the screen: as much of it as the screen holds
                  or (c["height"] > view["height"] - below_header
                      and c["top"] <= below_header + MARGIN_UNDER_HEADER)):
            problems.append(f"(g) chart {step.show!r} is not whole on screen: it spans "
                            f"{c['top']:.0f}..{c['bottom']:.0f} px, the screen shows "
                            f"{below_header:.0f}..{view['height']} px")
    if not _on_screen(geo["question"], below_header, view["height"]):
        where = geo["question"] and f"{geo['question']['top']:.0f}..{geo['question']['bottom']:.0f}"
        problems.append(f"(e) the step's question is off screen beside its chart (at {where} "
                        f"px, the screen shows {below_header:.0f}..{view['height']} px)")
    # what the panel's own scrolling hides is hidden too
    panel_bottom = min(view["height"], geo["panel"]["bottom"]) if geo["panel"] else 0.0
    if not _on_screen(geo["reveal"], below_header, panel_bottom):
        where = geo["reveal"] and f"{geo['reveal']['top']:.0f}..{geo['reveal']['bottom']:.0f}"
        problems.append(f"(f) the Reveal button is out of sight (at {where} px, the panel "
                        f"shows {below_header:.0f}..{panel_bottom:.0f} px)")
    name = "Back" if step.last else "Next"
    if not _on_screen(geo["button"], below_header, view["height"]):
        where = geo["button"] and f"{geo['button']['top']:.0f}..{geo['button']['bottom']:.0f}"
        problems.append(f"(c) the {name} button is off screen (at {where} px, the screen shows "
                        f"{below_header:.0f}..{view['height']} px)")
    links = geo["nav"]
    shown = [link for link in links if link["shown"] and link["box"]
             and link["box"]["right"] <= view["width"] and link["box"]["top"] >= 0]
    rows = {round(link["box"]["top"]) for link in shown}
    if len(shown) != len(PAGES) or len(rows) != 1 or geo["more"]:
        problems.append(f"(d) the {len(PAGES)} page links are not on one row: shown "
                        f"{[link['text'] for link in shown]} on rows {sorted(rows)}, "
                        f"folded into {geo['more']}")
    return problems


def _answer(page: Any, step: Step, where: str = ".st-key-lesson_banner") -> None:
    banner = page.locator(where)
    if step.choices:
        option = banner.locator("[data-testid='stRadioOption']").filter(
            has=page.get_by_text(step.choices[0], exact=True))
        option.click()
        assert option.locator("input[type='radio']").is_checked()
    elif step.number_range is not None:
        field = banner.locator("input[type='number']")
        field.fill(f"{step.number_range[0]:g}")
    before = runs(page)
    banner.get_by_role("button", name="Reveal the answer").click()
    wait_run(page, before)


@pytest.mark.parametrize("step", STEPS, ids=[s.id for s in STEPS])
def test_a_lesson_step_fits_a_projector(projector: Any, app_url: str, step: Step) -> None:
    page = load(projector, step.link(app_url, present="1"))
    assert_healthy(page, step.id)
    banner = page.locator(".st-key-lesson_banner")
    assert f"step {step.number} of" in banner.inner_text()
    key = "lesson_back" if step.last else "lesson_next"
    where = {"show": chart(step.show), "button": f".st-key-{key} button"}

    problems = _problems(page.evaluate(GEOMETRY, where), step)
    problems += [f"(b) cut off: {text}" for text in page.evaluate(CUT_TEXT)]
    assert not problems, f"{step.id} at 1024x768, presentation mode:\n" + "\n".join(problems)

    _answer(page, step)
    assert_healthy(page, f"{step.id}, answer revealed")
    assert "You said" in banner.inner_text(), "the answer did not appear"
    after = page.evaluate(GEOMETRY, where)
    assert _on_screen(after["button"], after["header"]["bottom"], after["view"]["height"]), \
        f"{step.id}: after the answer, the {key} button is off screen: {after['button']}"


def test_next_opens_the_next_step_with_its_settings_and_link(tab: Any, app_url: str) -> None:
    page = load(tab, app_url + "/?lesson=huber_delta&lesson_step=2")
    banner = page.locator(".st-key-lesson_banner")
    assert "step 2 of 3" in banner.inner_text()
    assert slider_value(page, "reg_delta") == 1.0  # the step's setting
    # Predict first: revealing without an answer asks for one and shows no answer.
    before = runs(page)
    banner.get_by_role("button", name="Reveal the answer").click()
    wait_run(page, before)
    assert "Give your answer first" in banner.inner_text()
    assert "You said" not in banner.inner_text()

    before = runs(page)
    page.locator(".st-key-lesson_next button").click()
    wait_run(page, before)
    assert_healthy(page, "the next step")
    assert "step 3 of 3" in page.locator(".st-key-lesson_banner").inner_text()
    assert slider_value(page, "reg_delta") == 5.0
    wait_query(page, "lesson_step", "3")
    assert query(page)["lesson"] == "huber_delta"


# The charts lessons talk about that have a sentence under them (``chart.chart(caption=)``).
CAPTIONED = {"reg_pulls", "reg_curves", "reg_path", "reg_folds", "custom_curves_fig",
             "custom_slopes_fig", "clf_boundary_fig", "clf_margin_fig", "stop_schedules"}


# On a phone: where the step's panel ends, where the chart it talks about begins and ends,
# where the chart's caption (between the chart and the question) ends, and where the step's
# question (under the chart) begins.
PHONE_GEOMETRY = """show => {
  const r = el => el && el.getBoundingClientRect();
  const at = el => el && [r(el).top, r(el).bottom];
  const plot = at(document.querySelector(show));
  const question = at(document.querySelector(".st-key-lesson_question"));
  const between = plot && question ? [...document.querySelectorAll(
      "[data-testid='stCaptionContainer']")].map(at).filter(
      c => c[0] >= plot[1] - 1 && c[1] <= question[0] + 1) : [];
  return {panel: at(document.querySelector(".st-key-lesson_banner")), plot, question,
          caption: between.length ? Math.max(...between.map(c => c[1])) : null,
          height: innerHeight};
}"""


@pytest.mark.parametrize("step", STEPS, ids=[s.id for s in STEPS])
def test_a_phone_shows_the_step_around_the_chart_it_talks_about(browser: Any, app_url: str,
                                                                step: Step) -> None:
    # A phone stacks everything: what to look at comes right above the step's chart, whole
    # on the first screen it scrolls to; the chart starts right under it (not under the
    # view's settings, nor under another chart) and shows on that screen; the question
    # comes right under the chart and the sentence that says what it shows, so the student
    # answers looking at it.
    link = step.link(app_url)
    phone = open_lossviz(browser, link, width=390, height=844, user_agent=PHONE_AGENT)
    try:
        assert_healthy(phone, f"a phone, {link}")
        phone.wait_for_timeout(500)  # the scroll to the step, a frame after the chart
        geo = phone.evaluate(PHONE_GEOMETRY, chart(step.show))
    finally:
        phone.close()
    (top, bottom), (plot_top, plot_bottom) = geo["panel"], geo["plot"]
    assert top >= 0, f"the step starts above the screen: {geo}"
    assert bottom <= geo["height"], f"the step ends below the screen: {geo}"
    assert bottom <= plot_top <= bottom + 120, f"its chart does not follow the step: {geo}"
    # The chart ends on the screen, or the step was brought up under the header (~64 px)
    # to show as much of it as a screen holds.
    assert plot_bottom <= geo["height"] or top <= 80, f"its chart is cut off: {geo}"
    assert geo["question"], f"no question: {geo}"
    above = geo["caption"] or plot_bottom  # the chart's caption, if it has one
    assert above <= geo["question"][0] <= above + 120, (
        f"the question does not follow the chart and its caption: {geo}")
    if step.show in CAPTIONED:  # what the chart shows is said before the question
        assert geo["caption"], f"{step.show}'s caption is not between it and the question"


def test_a_phone_answers_under_the_chart(browser: Any, app_url: str) -> None:
    # The question under the chart works as the panel's does: answered, the answer shows
    # there (beside the student's), and the look above the chart stays.
    step = STEPS[0]
    phone = open_lossviz(browser, step.link(app_url), width=390, height=844,
                         user_agent=PHONE_AGENT)
    try:
        _answer(phone, step, ".st-key-lesson_question")
        assert_healthy(phone, f"a phone, {step.id}, answer revealed")
        assert "You said" in phone.locator(".st-key-lesson_question").inner_text()
        assert "Predict" not in phone.locator(".st-key-lesson_banner").inner_text()
        geo = phone.evaluate(PHONE_GEOMETRY, chart(step.show))
        above = geo["caption"] or geo["plot"][1]
        assert above <= geo["question"][0] <= above + 120, geo
    finally:
        phone.close()
