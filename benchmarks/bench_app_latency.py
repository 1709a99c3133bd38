"""How fast the app answers in a real browser, next to a minimal Streamlit page in the same run.

Starts two streamlit servers (``benchmarks/baseline_app.py``: one slider, one chart; and
``app.py``: the full default page), opens each in Debian's Chromium through Playwright, and
moves each page's delta slider with the keyboard ``--changes`` times, alternating between the
pages (and which goes first) so a noisy machine treats both alike. One change is timed from the
key press (its event timestamp in the page) until the run has finished (the page received
Streamlit's ``script_finished`` message and ``[data-testid='stApp']`` is back to
``data-test-script-state='notRunning'``) and two animation frames later, when the browser has
painted the charts. Bytes per rerun are the websocket frames the page received for that change
(payload sizes); ``--breakdown`` lists the largest messages of one rerun.

Then, on the full page, the interactions that should not need the server at all: each plotly
figure with an in-figure slider is scrubbed with real mouse clicks on its rail (pointer down ->
``plotly_animated`` / ``plotly_afterplot``), and each figure with animation frames is stepped
with ``Plotly.animate`` (call -> ``plotly_animated``). Times are to the event and to the next
animation frame (the paint of that frame follows it directly).

Run: ``python benchmarks/bench_app_latency.py`` (``--help`` for options). Prints figures and
the issue's targets; asserts nothing: timings on a shared machine belong in a report, not in a
test.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import statistics
import sys
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from streamlit_browser import (
    find_slider,
    launch_chromium,
    open_app,
    runs,
    step_key,
    streamlit_server,
    wait_settled,
)

HERE = Path(__file__).resolve().parent
DELTA_WORDS = ("delta", "δ")
TARGET_RATIO = 1.5
TARGET_WORST_MS = 1000.0
TARGET_BYTES = 300_000
TARGET_IN_BROWSER_MS = 50.0
STEP_INSET = 10.0  # px between a plotly slider rail's ends and its first and last steps


@dataclass
class Page:
    """One page under test and what was measured on it."""

    name: str
    page: Any
    thumb: Any
    latency_ms: list[float] = field(default_factory=list)
    run_end_ms: list[float] = field(default_factory=list)
    bytes: list[int] = field(default_factory=list)


def change_once(p: Page, *, settle_ms: int, timeout: float) -> None:
    """Press an arrow key on the delta slider; record latency, time to script end and bytes."""
    page = p.page
    start_log = page.evaluate("window.__lv.log.length")
    before = runs(page)
    received = page.ws_received
    p.thumb.press(step_key(p.thumb))
    page.wait_for_function(
        "n => window.__lv.idle.some(e => e[0] > n)", arg=before, timeout=timeout * 1000
    )
    log = page.evaluate("n => window.__lv.log.slice(n)", start_log)
    idle = page.evaluate("n => window.__lv.idle.find(e => e[0] > n)[1]", before)
    key = next(t for t, what in log if what.startswith("key:"))
    finished = next(t for t, what in log if what == "finished" and t >= key)
    wait_settled(page, timeout=timeout)
    # Frames that trail the run (status messages) still belong to this change.
    page.wait_for_timeout(settle_ms)
    p.latency_ms.append(idle - key)
    p.run_end_ms.append(finished - key)
    p.bytes.append(page.ws_received - received)


# In the page: the figure's in-figure controls, so Python knows what to drive.
FIGURES_JS = """
() => Array.from(document.querySelectorAll('.js-plotly-plot')).map((gd, i) => ({
  index: i,
  // The chart's streamlit key (class st-key-<key> on its container), else its title.
  title: ((Array.from((gd.closest('[class*="st-key-"]') || {classList: []}).classList)
           .find(c => c.startsWith('st-key-')) || '').slice(7)
          || ((gd.layout.title || {}).text || '').replace(/<[^>]*>/g, '')).slice(0, 60),
  sliders: (gd._fullLayout.sliders || []).filter(s => s.visible !== false)
           .map(s => s.steps.length),
  frames: ((gd._transitionData || {})._frames || []).map(f => f.name),
}))
"""

# Arms a one-shot listener for the next plotly_animated / plotly_afterplot on figure i and
# notes that event's time and the time of the animation frame after it.
ARM_JS = """
i => {
  const gd = document.querySelectorAll('.js-plotly-plot')[i];
  gd.__lvEvent = null;
  const seen = name => () => {
    if (gd.__lvEvent) return;
    const t = performance.now();
    gd.__lvEvent = {name, t};
    requestAnimationFrame(() => { gd.__lvEvent.frame = performance.now(); });
  };
  gd.once('plotly_animated', seen('plotly_animated'));
  gd.once('plotly_afterplot', seen('plotly_afterplot'));
}
"""

DONE_JS = """
i => { const e = document.querySelectorAll('.js-plotly-plot')[i].__lvEvent;
       return e && e.frame ? e : null; }
"""

# Steps a figure's animation frames with Plotly.animate, as a slider or play button would.
ANIMATE_JS = """
async ([i, names]) => {
  const gd = document.querySelectorAll('.js-plotly-plot')[i];
  // Redraw (or not) as the figure's own play button or slider does.
  const play = ((gd.layout.updatemenus || [])[0] || {buttons: []}).buttons
                 .find(b => b.method === 'animate');
  const step = (((gd.layout.sliders || [])[0] || {}).steps || [])
                 .find(s => s.method === 'animate');
  const frame = ((play && play.args[1]) || (step && step.args[1]) || {}).frame || {};
  const opts = {mode: 'immediate', transition: {duration: 0},
                frame: {duration: 0, redraw: frame.redraw !== false}};
  const out = [];
  for (const name of names) {
    const t0 = performance.now();
    const event = new Promise(ok => gd.once('plotly_animated', () => ok(performance.now())));
    Plotly.animate(gd, [name], opts);
    const t1 = await event;
    const t2 = await new Promise(ok => requestAnimationFrame(() => ok(performance.now())));
    out.push([t1 - t0, t2 - t0]);
  }
  return out;
}
"""


def scrub_slider(page: Any, index: int, slider: int, steps: int, count: int) -> list[list[float]]:
    """Click ``count`` steps of an in-figure slider; [to event, to next frame] per click, ms."""
    gd = page.locator(".js-plotly-plot").nth(index)
    rail = gd.locator(".slider-rail-touch-rect").nth(slider)
    rail.scroll_into_view_if_needed()
    page.wait_for_timeout(200)
    box = rail.bounding_box()
    active = page.evaluate(
        "([i, k]) => document.querySelectorAll('.js-plotly-plot')[i]._fullLayout.sliders[k].active",
        [index, slider],
    ) or 0
    out = []
    for j in range(count):
        target = (active + 1 + j) % steps
        start_log = page.evaluate("window.__lv.log.length")
        page.evaluate(ARM_JS, index)
        # Where plotly puts step ``target`` on the rail (its sliders' stepInset is 10 px).
        x = box["x"] + STEP_INSET + (box["width"] - 2 * STEP_INSET) * target / (steps - 1)
        page.mouse.click(x, box["y"] + box["height"] / 2)
        event = page.wait_for_function(DONE_JS, arg=index, timeout=10_000).json_value()
        log = page.evaluate("n => window.__lv.log.slice(n)", start_log)
        down = next(t for t, what in log if what == "pointer")
        out.append([event["t"] - down, event["frame"] - down])
    return out


def in_browser(page: Any, count: int) -> list[dict[str, Any]]:
    """Measure every in-figure slider and animation on the page."""
    results = []
    for fig in page.evaluate(FIGURES_JS):
        label = f"figure {fig['index'] + 1}" + (f" ({fig['title']})" if fig["title"] else "")
        for k, steps in enumerate(fig["sliders"]):
            if steps < 2:
                continue
            what = f"scrub slider {k + 1} ({steps} steps)"
            try:
                times = scrub_slider(page, fig["index"], k, steps, count)
            except Exception as exc:  # report and go on: one figure must not hide the others
                times, what = [], f"{what}: FAILED, {str(exc).splitlines()[0]}"
            results.append({"figure": label, "what": what, "times": times})
        if len(fig["frames"]) >= 2:
            names = (fig["frames"] * (count // len(fig["frames"]) + 1))[:count]
            what = f"step frames with Plotly.animate ({len(fig['frames'])} frames)"
            try:
                times = page.evaluate(ANIMATE_JS, [fig["index"], names])
            except Exception as exc:
                times, what = [], f"{what}: FAILED, {str(exc).splitlines()[0]}"
            results.append({"figure": label, "what": what, "times": times})
    return results


def breakdown(p: Page, *, settle_ms: int, timeout: float, top: int = 8) -> None:
    """One more delta change on ``p``; print what its rerun sent, largest messages first."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    frames: list[bytes] = []

    def keep(payload: str | bytes) -> None:
        if isinstance(payload, bytes):
            frames.append(payload)

    for socket in p.page.sockets:
        socket.on("framereceived", keep)
    change_once(p, settle_ms=settle_ms, timeout=timeout)
    for socket in p.page.sockets:
        socket.remove_listener("framereceived", keep)
    rows = []
    for payload in frames:
        msg = ForwardMsg.FromString(payload)
        kind = msg.WhichOneof("type") or "?"
        name = kind
        if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            name = element.WhichOneof("type") or "element"
            if name == "plotly_chart":
                name += " " + element.plotly_chart.id.rsplit("-", 1)[-1]
        rows.append((len(payload), name))
    rows.sort(reverse=True)
    total = sum(size for size, _ in rows)
    print(f"what one rerun of the {p.name} page sent: {len(rows)} messages, {total / 1000:.1f} KB;"
          f" the largest:")
    for size, name in rows[:top]:
        print(f"  {size / 1000:8.1f} KB  {name}")


def summary(values: list[float]) -> tuple[float, float]:
    return statistics.median(values), max(values)


def report_reruns(pages: list[Page], changes: int) -> dict[str, Any]:
    """Print the rerun figures of both pages against the targets; return them as a dict."""
    import streamlit

    base, full = pages
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"App latency in Chromium, {now}, streamlit {streamlit.__version__}, "
          f"{changes} delta changes per page, pages alternating")
    print(f"{'page':<10}{'median':>10}{'worst':>10}{'run end':>10}{'bytes/rerun':>14}"
          f"{'max bytes':>12}")
    for p in pages:
        med, worst = summary(p.latency_ms)
        end = statistics.median(p.run_end_ms)
        print(f"{p.name:<10}{med:>7.0f} ms{worst:>7.0f} ms{end:>7.0f} ms"
              f"{statistics.median(p.bytes) / 1000:>11.1f} KB{max(p.bytes) / 1000:>9.1f} KB")
    ratio = statistics.median(full.latency_ms) / statistics.median(base.latency_ms)
    worst = max(full.latency_ms)
    most = max(full.bytes)
    print("(median and worst: key press to charts painted; run end: key press to the "
          "script_finished message, median)")
    print(f"full / baseline median: {ratio:.2f}  (target <= {TARGET_RATIO}) "
          f"{'ok' if ratio <= TARGET_RATIO else 'MISSED'}")
    print(f"full page worst of {changes}: {worst:.0f} ms  (target < {TARGET_WORST_MS:.0f} ms) "
          f"{'ok' if worst < TARGET_WORST_MS else 'MISSED'}")
    print(f"full page bytes per rerun, max: {most / 1000:.1f} KB  (target <= "
          f"{TARGET_BYTES / 1000:.0f} KB) {'ok' if most <= TARGET_BYTES else 'MISSED'}")
    return {
        "date": now,
        "streamlit": streamlit.__version__,
        "pages": {p.name: {"latency_ms": p.latency_ms, "run_end_ms": p.run_end_ms,
                           "bytes": p.bytes} for p in pages},
        "ratio": ratio,
    }


def report_in_browser(scrubs: list[dict[str, Any]]) -> None:
    """Print the in-browser interaction figures against the target."""
    if not scrubs:
        print("in-browser: the full page has no in-figure slider or animation frames to measure")
    for s in scrubs:
        if not s["times"]:
            print(f"in-browser, {s['figure']}: {s['what']}")
            continue
        to_event = [t[0] for t in s["times"]]
        to_frame = [t[1] for t in s["times"]]
        med, worst_event = summary(to_event)
        print(f"in-browser, {s['figure']}: {s['what']}, {len(to_event)} times: median "
              f"{med:.0f} ms, worst {worst_event:.0f} ms to the event; next frame median "
              f"{statistics.median(to_frame):.0f} ms, worst {max(to_frame):.0f} ms "
              f"(target: median <= {TARGET_IN_BROWSER_MS:.0f} ms) "
              f"{'ok' if statistics.median(to_frame) <= TARGET_IN_BROWSER_MS else 'MISSED'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changes", type=int, default=20, help="timed changes per page")
    parser.add_argument("--warmup", type=int, default=2, help="untimed changes per page first")
    parser.add_argument("--app", default="app.py", help="the full page (default app.py)")
    parser.add_argument("--baseline", default=str(HERE / "baseline_app.py"))
    parser.add_argument("--settle-ms", type=int, default=250,
                        help="pause after each change, for trailing frames (not timed)")
    parser.add_argument("--json", type=Path, help="also write the raw measurements here")
    parser.add_argument("--query", default="",
                        help="settings for the full page as a link's query string, e.g. "
                             "'reg_view=Gradient descent' (default: the default page)")
    parser.add_argument("--breakdown", action="store_true",
                        help="also list the largest messages of one full-page rerun")
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    with contextlib.ExitStack() as stack:
        base_url = stack.enter_context(streamlit_server(args.baseline))
        full_url = stack.enter_context(streamlit_server(args.app))
        playwright = stack.enter_context(sync_playwright())
        browser = launch_chromium(playwright)
        stack.callback(browser.close)
        pages = []
        if args.query:
            full_url += "/?" + urllib.parse.urlencode(urllib.parse.parse_qsl(args.query))
        for name, url in (("baseline", base_url), ("full", full_url)):
            page = open_app(browser, url, timeout=120)
            thumb = find_slider(page, *DELTA_WORDS)
            thumb.focus()
            pages.append(Page(name, page, thumb))
        timeout = 30.0
        for _ in range(args.warmup):
            for p in pages:
                change_once(p, settle_ms=args.settle_ms, timeout=timeout)
        for p in pages:
            p.latency_ms.clear()
            p.run_end_ms.clear()
            p.bytes.clear()
        for i in range(args.changes):
            for p in pages if i % 2 == 0 else pages[::-1]:
                # No focus() here: re-focusing the focused thumb makes Streamlit drop the
                # next key press's rerun (seen with streamlit 1.67).
                change_once(p, settle_ms=args.settle_ms, timeout=timeout)
        result = report_reruns(pages, args.changes)
        if args.breakdown:
            breakdown(pages[1], settle_ms=args.settle_ms, timeout=timeout)
        sys.stdout.flush()
        result["in_browser"] = in_browser(pages[1].page, args.changes)
        report_in_browser(result["in_browser"])
        errors = [e for p in pages for e in p.page.errors]
        if errors:
            print(f"JavaScript errors on the pages: {errors}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
