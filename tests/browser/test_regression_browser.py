"""The regression page's charts in Chromium: what happens in the browser between key presses.

- Dragging the outlier (real mouse moves on the chart's handle) swings the MSE line and
  leaves the MAE line where it was, with nothing sent to the server; releasing it commits
  one rerun, after which the outlier slider and the address bar hold the new distance.
- The same handle by keyboard: an arrow key steps and commits.
- Dragging Huber's delta on the loss-and-gradient chart changes Huber's curves only, and
  sets the delta slider on release.
- Another state of a chart is moved into place (no redraw) and looks exactly as the same
  state drawn anew.
- A slider's rerun updates the charts in place (the same plotly graph, new data), and a
  burst of key presses settles on the last value.
- Gradient descent plays in the browser: the step advances, and the path over the contours
  shows the same step as the loss curve (they share one channel).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from lv_page import (
    assert_healthy,
    chart,
    query,
    slider,
    slider_value,
    slope,
    traces,
)
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from streamlit_browser import load, runs, wait_charts, wait_quiet, wait_run

pytestmark = pytest.mark.browser

OUTLIER = f"{chart('reg_lines')} .lv-handle"
DELTA = f"{chart('reg_curves')} .lv-handle"
MAE_STILL = 0.05  # the MAE line's slope moves less than this while the outlier is dragged


def _center(page: Any, selector: str) -> tuple[float, float]:
    handle = page.locator(selector)
    handle.scroll_into_view_if_needed()
    box = handle.bounding_box()
    assert box is not None, f"{selector} is not shown"
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def _handle_value(page: Any, selector: str) -> float:
    return float(page.locator(selector).get_attribute("aria-valuenow"))


def _wait_query_value(page: Any, name: str, value: float) -> None:
    page.wait_for_function(
        "([n, v]) => Number(new URLSearchParams(location.search).get(n)) === v",
        arg=[name, value], timeout=15_000)


def _commits_once(page: Any, before: int) -> None:
    """The release (or key press) caused exactly one rerun, and nothing more followed."""
    try:
        wait_run(page, before)
    except PlaywrightTimeout:
        raise AssertionError("nothing was committed: no rerun followed") from None
    wait_quiet(page, quiet=0.75)
    wait_charts(page)
    assert runs(page) == before + 1, f"{runs(page) - before} reruns, expected one"


@pytest.fixture
def regression(tab: Any, app_url: str) -> Any:
    """The regression page with its defaults and the "Loss & gradient" look open (the
    page opens with none), a new session."""
    load(tab, app_url + "/?reg_view=Loss+%26+gradient")
    assert_healthy(tab, "the regression page")
    return tab


def test_dragging_the_outlier_swings_mse_and_not_mae_then_commits(regression: Any) -> None:
    page = regression
    start = traces(page, "reg_lines")
    mse0, mae0 = slope(start["MSE"]), slope(start["MAE"])
    shift0 = slider_value(page, "reg_shift")
    before = runs(page)

    x, y = _center(page, OUTLIER)
    page.mouse.move(x, y)
    page.mouse.down()
    seen = []
    for i in range(1, 6):  # 50 px up, in five real moves
        page.mouse.move(x, y - 10 * i, steps=3)
        now = traces(page, "reg_lines")
        seen.append((slope(now["MSE"]), slope(now["MAE"]), _handle_value(page, OUTLIER)))
    assert runs(page) == before, "dragging sent something to the server"
    mse_moved = [m for m, _, _ in seen]
    assert mse_moved[-1] > mse0 + 0.05, f"the MSE line did not swing up: {mse0} -> {mse_moved}"
    assert sorted(mse_moved) == mse_moved, "the MSE line did not follow the outlier steadily"
    for _, mae, _ in seen:
        assert abs(mae - mae0) < MAE_STILL, f"the MAE line moved: {mae0} -> {mae}"
    shown_value, shown_mse = seen[-1][2], seen[-1][0]
    assert shown_value > shift0

    page.mouse.up()
    _commits_once(page, before)
    assert_healthy(page, "after the drag")
    assert slider_value(page, "reg_shift") == shown_value
    _wait_query_value(page, "reg_shift", shown_value)
    # The server's figure for the new distance is the one the drag showed.
    assert slope(traces(page, "reg_lines")["MSE"]) == pytest.approx(shown_mse, abs=1e-3)


def test_the_outlier_handle_steps_and_commits_with_the_keyboard(regression: Any) -> None:
    page = regression
    shift0 = slider_value(page, "reg_shift")
    handle = page.locator(OUTLIER)
    assert _handle_value(page, OUTLIER) == shift0, "the handle does not say its value"
    before = runs(page)
    handle.focus()
    page.keyboard.press("ArrowUp")
    _commits_once(page, before)
    assert slider_value(page, "reg_shift") == shift0 + 1  # one step of the slider's grid
    _wait_query_value(page, "reg_shift", shift0 + 1)
    assert_healthy(page, "after ArrowUp on the outlier")


def _named(page: Any, key: str, name: str) -> str:
    """Every trace called ``name`` of chart ``key`` (x and y), as JSON text to compare."""
    return page.evaluate(
        """([sel, name]) => JSON.stringify(document.querySelector(sel).data
             .filter(t => t.name === name)
             .map(t => [Array.from(t.x || [], Number), Array.from(t.y || [], Number)]))""",
        [f"{chart(key)} .lv-plot", name])


def test_dragging_delta_changes_huber_and_sets_the_slider(regression: Any) -> None:
    page = regression
    huber0, mse0 = _named(page, "reg_curves", "Huber"), _named(page, "reg_curves", "MSE")
    delta0 = slider_value(page, "reg_delta")
    before = runs(page)

    x, y = _center(page, DELTA)
    page.mouse.move(x, y)
    page.mouse.down()
    for i in range(1, 11):  # a few pixels at a time, until Huber's curves change
        page.mouse.move(x, y - 2 * i, steps=2)
        if _named(page, "reg_curves", "Huber") != huber0:
            break
    assert _named(page, "reg_curves", "Huber") != huber0, "dragging delta left Huber alone"
    assert _named(page, "reg_curves", "MSE") == mse0, "dragging delta moved the MSE curves"
    assert runs(page) == before, "dragging sent something to the server"
    shown = _handle_value(page, DELTA)
    assert shown != delta0

    page.mouse.up()
    _commits_once(page, before)
    assert_healthy(page, "after dragging delta")
    assert slider_value(page, "reg_delta") == pytest.approx(shown)
    _wait_query_value(page, "reg_delta", shown)


def test_dragging_delta_on_a_set_with_large_numbers_commits_it_in_the_sliders_units(
        tab: Any, app_url: str) -> None:
    """House prices: δ's slider counts in 10,000 dollars. The handle drags through real δ
    values; releasing it sets the slider (and the link) to that δ divided by 10,000."""
    page = tab
    load(page, app_url + "/?reg_data=house_prices&reg_view=Loss+%26+gradient")
    assert_healthy(page, "house prices")
    huber0 = _named(page, "reg_curves", "Huber")
    before = runs(page)
    x, y = _center(page, DELTA)
    page.mouse.move(x, y)
    page.mouse.down()
    for i in range(1, 11):
        page.mouse.move(x, y - 2 * i, steps=2)
        if _named(page, "reg_curves", "Huber") != huber0:
            break
    shown = _handle_value(page, DELTA)  # dollars
    assert shown != 10000.0, "dragging left delta at the slider's 1 x 10,000"
    page.mouse.up()
    _commits_once(page, before)
    assert_healthy(page, "after dragging delta on house prices")
    held = float(slider(page, "reg_delta").input_value())
    assert held == pytest.approx(shown / 10000.0)
    thumb = page.locator(".st-key-reg_delta [data-testid='stSliderThumbValue']").inner_text()
    assert thumb == f"{held:.1f} × 10,000"
    _wait_query_value(page, "reg_delta", round(shown / 10000.0, 12))


# Marks every plotly graph element once; a graph drawn anew would come without the mark.
MARKS = """() => Array.from(document.querySelectorAll('.lv-chart')).map(c => {
  const gd = c.querySelector('.lv-plot');
  gd.__testMark = gd.__testMark || Math.random();
  return [c.dataset.key, gd.__testMark];
})"""


@pytest.mark.parametrize(("key", "view"), [("reg_lines", "Loss+%26+gradient"),
                                           ("reg_pulls", "Loss+%26+gradient"),
                                           ("reg_curves", "Loss+%26+gradient"),
                                           ("reg_path", "Gradient+descent")])
def test_a_state_moved_into_place_looks_as_the_state_drawn_anew(tab: Any, app_url: str,
                                                                  key: str, view: str) -> None:
    # chart.js shows another state by moving the points (Plotly.animate, no redraw): the
    # picture must be the one a full redraw (Plotly.react) gives, pixel for pixel (the
    # descent path's landscape, a picture under the axes, included).
    load(tab, f"{app_url}/?reg_view={view}")
    assert_healthy(tab, "the regression page")
    page = tab
    box = page.locator(chart(key))
    box.scroll_into_view_if_needed()
    moves = page.evaluate(
        """async sel => {
          const c = document.querySelector(sel).__chart;
          const far = c.k > 5 ? 2 : c.states.values.length - 3;
          c.show(far); await c.painting;
          c.show(far + 1); await c.painting;
          return c.moves;
        }""", chart(key))
    assert moves, f"{key}: its states would redraw the chart (a layout entry or a trace type)"
    page.wait_for_timeout(300)
    plot = page.locator(f"{chart(key)} .lv-plot")  # the plot (a player's button aside)
    moved = plot.screenshot()
    page.evaluate("async sel => { const c = document.querySelector(sel).__chart; "
                  "c.render(); await c.painting; }", chart(key))
    page.wait_for_timeout(300)
    assert plot.screenshot() == moved, f"{key}: the moved state differs from the one drawn"


def test_a_redraw_asked_for_during_a_move_is_what_stays_on_screen(regression: Any) -> None:
    # A move lands on plotly's next frame: a redraw asked for meanwhile (a rerun's new
    # figure) must not be overtaken by it. Ten times: move to one state, at once redraw
    # another; the plot holds the redrawn state's outlier.
    page = regression
    held = page.evaluate(
        """async sel => {
          const c = document.querySelector(sel).__chart;
          const n = c.states.values.length, out = [];
          for (let i = 0; i < 10; i++) {
            c.show((i * 7) % n);
            c.k = (i * 7 + 20) % n;
            c.render();
            await c.painting;
            out.push([c.states.traces["1"].y[c.k][0], c.gd.data[1].y[0]]);
          }
          return out;
        }""", chart("reg_lines"))
    assert all(want == got for want, got in held), held


def test_a_slider_rerun_updates_the_charts_in_place(regression: Any) -> None:
    page = regression
    marks = page.evaluate(MARKS)
    huber = _named(page, "reg_curves", "Huber")
    thumb = slider(page, "reg_delta")
    before = runs(page)
    thumb.focus()
    page.keyboard.press("ArrowRight")
    wait_run(page, before)
    assert slider_value(page, "reg_delta") == pytest.approx(1.1)
    page.wait_for_function(
        "([sel, old]) => JSON.stringify(document.querySelector(sel).data"
        ".filter(t => t.name === 'Huber').map(t => [Array.from(t.x || [], Number),"
        " Array.from(t.y || [], Number)])) !== old",
        arg=[f"{chart('reg_curves')} .lv-plot", huber], timeout=15_000)
    assert page.evaluate(MARKS) == marks, "a chart was thrown away and drawn anew"
    assert_healthy(page, "after a delta key press")


def test_a_burst_of_key_presses_settles_on_the_last_value(regression: Any) -> None:
    # A student tapping an arrow key: each press can interrupt the rerun before it. Two steps
    # out and two back end on the start value, drawn exactly as before.
    page = regression
    start = slider_value(page, "reg_delta")
    charts = json.dumps([traces(page, key) for key in ("reg_lines", "reg_curves")])
    thumb = slider(page, "reg_delta")
    before = runs(page)
    thumb.focus()
    for key in ("ArrowRight", "ArrowRight", "ArrowLeft", "ArrowLeft"):
        page.keyboard.press(key)  # no waiting between presses
    wait_run(page, before)
    wait_quiet(page, quiet=0.75)  # the run for the last value, if it came after, ends too
    wait_charts(page)
    assert slider_value(page, "reg_delta") == start
    after = json.dumps([traces(page, key) for key in ("reg_lines", "reg_curves")])
    assert after == charts, "after the burst the charts are not those of the start value"
    assert float(query(page).get("reg_delta", start)) == start  # the link holds it too
    assert_healthy(page, "after four quick delta changes")


# Each sequence chart's step as its slider holds it and as its readout says, read at one
# instant (the charts follow each other within one event, so they agree at any instant).
STEPS = """keys => keys.map(k => {
  const c = document.querySelector('.st-key-' + k + ' .lv-chart');
  return {value: Number(c.querySelector('.lv-range').value),
          readout: c.querySelector('.lv-readout').textContent};
})"""


# Where each run's marker sits on the path chart, and its path's point at ``step``.
MARKERS = """([sel, step]) => {
  const data = document.querySelector(sel).data;
  const out = {};
  for (const name of ['MSE', 'MAE', 'Huber']) {
    const [path, marker] = [data.find(t => t.name === name && t.x.length > 1),
                            data.find(t => t.name === name && t.x.length === 1)];
    out[name] = {marker: [Number(marker.x[0]), Number(marker.y[0])],
                 path: [Number(path.x[step]), Number(path.y[step])]};
  }
  return out;
}"""


def test_gradient_descent_plays_and_the_path_follows(tab: Any, app_url: str) -> None:
    page = load(tab, app_url + "/?reg_view=Gradient+descent")
    assert_healthy(page, "the gradient descent view")
    keys = ["reg_convergence", "reg_path"]
    play = page.locator(f"{chart('reg_convergence')} .lv-play")
    last = int(page.locator(f"{chart('reg_convergence')} .lv-range").get_attribute("max"))
    before = runs(page)

    play.click()
    # Playing starts over from the first step and advances: wait to see it pass two points.
    seen: list[int] = []
    for _ in range(2):
        page.wait_for_function(
            "([sel, past]) => Number(document.querySelector(sel).value) > past",
            arg=[f"{chart('reg_convergence')} .lv-range", seen[-1] if seen else 0],
            timeout=15_000)
        steps = page.evaluate(STEPS, keys)
        assert steps[1] == steps[0], f"the path shows another step than the loss: {steps}"
        seen.append(steps[0]["value"])
    assert seen[0] < seen[1] <= last
    play.click()  # pause
    steps = page.evaluate(STEPS, keys)
    assert steps[0] == steps[1], f"after pausing the two charts disagree: {steps}"
    # The readout names the step ("step 17"); each run's marker sits on its path there.
    step = int(steps[0]["readout"].split()[-1])
    where = page.evaluate(MARKERS, [f"{chart('reg_path')} .lv-plot", step])
    for name, at in where.items():
        assert at["marker"] == pytest.approx(at["path"], rel=1e-4, abs=1e-6), \
            f"{name}'s marker is not at step {step} of its path"
    assert runs(page) == before, "playing sent something to the server"
    assert_healthy(page, "after playing")


def test_picking_the_star_cluster_shows_its_four_giants_dragging_the_mse_line(
        regression: Any) -> None:
    """The data picker, used as a student would: the stars of CYG OB1 replace the generated
    points; the four giants are the marked points, and the MSE line over all 47 stars tilts
    down while the dashed line of the other 43 rises."""
    page = regression
    before = runs(page)
    picker = page.locator(".st-key-reg_data input[role='combobox']")
    picker.click()
    picker.fill("CYG OB1")
    page.keyboard.press("Enter")
    wait_run(page, before)
    wait_quiet(page, quiet=0.75)
    wait_charts(page)
    assert_healthy(page, "after picking the star cluster")
    # The address bar names the set (Streamlit writes a select box's label there), and
    # reloading it opens the same set.
    assert query(page).get("reg_data") in ("stars_cyg_ob1", "Stars of the cluster CYG OB1")
    load(page, page.url)
    data = page.evaluate(
        """sel => Array.from(document.querySelector(sel).data, t => ({
            name: t.name, x: Array.from(t.x || [], Number), y: Array.from(t.y || [], Number)}))""",
        f"{chart('reg_lines')} .lv-plot")
    marked = data[1]["x"]
    assert len(marked) == 4, f"{len(marked)} points marked"  # the giants
    assert max(marked) < 3.6  # the coolest stars: log temperature below 3.6
    mse = next(t for t in data if t["name"] == "MSE")
    clean = data[5]  # the dashed line: the fit without the marked points
    assert slope(mse) < 0 < slope(clean), (slope(mse), slope(clean))


def test_a_new_delta_moves_the_charts_points_and_looks_as_drawn_anew(regression: Any) -> None:
    # Huber's delta changes the lines and the pull bars and nothing else on those charts:
    # chart.js shows the rerun's new figures by moving their points, no redraw. The picture
    # must be the one a full redraw gives, pixel for pixel, and hovering reads the new delta.
    page = regression
    thumb = slider(page, "reg_delta")
    before = runs(page)
    thumb.focus()
    page.keyboard.press("ArrowRight")
    wait_run(page, before)
    wait_quiet(page, quiet=0.75)
    wait_charts(page)
    assert slider_value(page, "reg_delta") == pytest.approx(1.1)
    for key in ("reg_lines", "reg_pulls"):
        sel = chart(key)
        page.locator(sel).scroll_into_view_if_needed()
        shown = page.evaluate("sel => document.querySelector(sel).__chart.lastPaint", sel)
        assert shown == "move", f"{key}: the new delta's figure was redrawn"
        hover = page.evaluate(
            "sel => document.querySelector(sel + ' .lv-plot').data"
            ".map(t => t.hovertemplate || '').join(' ')", sel)
        assert "δ = 1.1" in hover, f"{key}: the hover text kept the old delta: {hover[:200]}"
        plot = page.locator(f"{sel} .lv-plot")
        page.wait_for_timeout(300)
        moved = plot.screenshot()
        page.evaluate("async sel => { const c = document.querySelector(sel).__chart; "
                      "c.render(); await c.painting; }", sel)
        page.wait_for_timeout(300)
        assert plot.screenshot() == moved, f"{key}: the moved figure differs from the one drawn"
    assert_healthy(page, "after a delta key press")
