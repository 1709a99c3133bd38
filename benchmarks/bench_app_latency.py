"""How fast every control of the app answers in a real browser, next to a minimal page.

Starts two streamlit servers from the repository root with the production flags (the
minimal page ``benchmarks/baseline_app.py``: one slider and one 101-point ``st.plotly_chart``;
and ``app.py``), opens both in Debian's Chromium through Playwright, and changes each control
of the app ``--changes`` times from the keyboard, alternating with a change of the minimal
page's slider (and which page goes first), so a noisy machine treats both alike.

One change is timed from the key press (the ``keydown`` event's timestamp in the page) to the
last DOM mutation inside ``[data-testid='stMain']`` (a MutationObserver on its subtree,
attributes, child list and text); the change is over once nothing there has changed for
700 ms and the script is not running. Its bytes are the payloads of the websocket frames the
page received meanwhile. How a control is changed:

* slider: an arrow key on its focused thumb (one step; back the other way at an end);
* number input: ArrowUp in the focused field;
* text input: a new formula is typed, then Enter (timed from Enter);
* select box: ArrowDown opens the menu, arrows highlight the next option, then Enter
  (timed from Enter).

Then what runs in the browser alone: the outlier's and Huber's δ handles are dragged in
small pointer moves, and the gradient-descent charts are played, if they have a play
button (a step every 40 ms). From ``window.__lossvizRenders``, which
``lossviz/ui/web/chart.js`` fills: how long each repaint took, from the call to plotly to
the state drawn (a moved state is drawn on plotly's next animation frame: the wait counts);
while playing, also how often a chart showed a new step; then the time from the pointer's
release to the last mutation of the rerun it commits.

``--floor`` also times the minimal page's slider with unchanged elements below its chart (40
lines of text; 20 sliders; ``baseline_app.py?text=40``): Streamlit's browser side redraws
every element of a rerun, changed or not, so this is what a page pays per element. A third
row keeps the 40 texts but puts the slider and its chart in an ``st.fragment``. ``--probe``
times the regression page's first picture alone (``hero_fragment_app.py``): as the page
draws it, in a fragment, and in a fragment without the Streamlit texts beside its charts;
"lean" rows also leave out the texts of a chart the browser already has (only the state to
show is sent), which tells how much of a change is the bytes sent.

Run: ``python benchmarks/bench_app_latency.py`` (``--help`` for the options). Prints a table
beside the issue's targets and asserts nothing: timings on a shared machine belong in a
report, not in a test.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import itertools
import json
import statistics
import sys
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from streamlit_browser import launch_chromium, streamlit_server

HERE = Path(__file__).resolve().parent
TARGET_RATIO = 1.5  # a control's median latency, over the minimal page's
TARGET_WORST_MS = 1000.0
TARGET_BYTES = 300_000  # received per change
TARGET_FRAME_MS = 50.0  # a repaint while dragging, between two frames while playing
QUIET_MS = 700  # a change is over after this long without a mutation in stMain
# The handles to drag, and how far one pointer move goes: about a state or two per move.
# Huber's δ handle sits on the gradient panel, whose axis spans the MSE gradients (about
# ±40), so its whole range (0.1 to 5) is only ~11 px tall there.
DRAG_STEPS_PX = {"reg_lines": 3.0, "reg_curves": 0.5}
# The page each draggable chart is on (the regression page opens with no closer look).
DRAG_PAGES = {"reg_lines": "/", "reg_curves": "/?reg_view=Loss+%26+gradient"}
FORMULAS = ("log(1 + r**2)", "abs(r)", "r**2/2", "sqrt(1 + r**2) - 1", "1 - exp(-r**2/2)",
            "log(cosh(r))")


@dataclass(frozen=True)
class Control:
    """One control of the app: where it is and how the keyboard changes it."""

    label: str
    key: str  # the widget's key (and parameter name); its container has class st-key-<key>
    path: str  # the page, with settings in the query string where the control needs them
    kind: str = "slider"  # slider | number | text | select
    opener: str = ""  # the label of a popover button to click first
    server: str = "app"  # app | base (the minimal page's server, for --floor) | probe

    def matches(self, words: list[str]) -> bool:
        return any(w.lower() in f"{self.label} {self.key}".lower() for w in words)


# The regression page is the default page, served at "/" (its url_path is not used).
CONTROLS = (
    Control("regression: points", "reg_n", "/", opener="Data settings"),
    Control("regression: slope", "reg_slope", "/?reg_view=Your+line"),
    Control("regression: outlier count", "reg_outliers", "/", opener="Data settings"),
    Control("regression: outlier distance", "reg_shift", "/"),
    Control("regression: Huber's δ", "reg_delta", "/"),
    Control("regression: GD learning rate", "reg_lr", "/?reg_view=Gradient+descent"),
    Control("regression: GD steps", "reg_steps", "/?reg_view=Gradient+descent"),
    Control("classification: points", "clf_n", "/classification"),
    Control("classification: separation", "clf_separation", "/classification"),
    Control("classification: flipped labels", "clf_flip", "/classification"),
    Control("classification: learning rate", "clf_lr", "/classification"),
    Control("custom: formula (typed)", "custom_formula_r", "/custom", kind="text"),
    Control("custom: range", "custom_range", "/custom"),
    Control("when to stop: degree", "stop_degree", "/stopping"),
    Control("when to stop: points", "stop_points", "/stopping"),
    Control("when to stop: patience", "stop_patience", "/stopping", kind="number"),
    Control("conventions: loss", "conv_loss", "/conventions", kind="select"),
    # the data pickers: the next data set in the menu (each a new set of points and fits)
    Control("regression: data set", "reg_data", "/", kind="select"),
    Control("classification: data set", "clf_data", "/classification", kind="select"),
    # real data in the closer looks: the digits' two fits, a real set's line in its units
    Control("classification: digits images", "clf_digit_n",
            "/classification?clf_view=Multiclass+corner&clf_mc_data=digits"),
    Control("regression: δ on house prices", "reg_delta", "/?reg_data=house_prices"),
)
BASELINE = Control("minimal page: slider", "", "/")
# --floor: the minimal page's slider with unchanged elements below the chart. What they add
# is what any page pays per element on every change (Streamlit redraws them all).
FLOOR = (
    Control("min. page + 40 unchanged texts", "", "/?text=40", server="base"),
    Control("min. page + 20 unchanged sliders", "", "/?sliders=20", server="base"),
    Control("the same 40 texts, slider and chart in a fragment", "", "/?text=40&fragment=1",
            server="base"),
)
# --probe: the regression page's first picture alone (hero_fragment_app.py) with 40 unchanged
# texts: as the page draws it, in a fragment, and in a fragment without the Streamlit texts
# beside the charts (what a design drawing them in the chart component could reach).
FIRST_PICTURE = (
    Control("probe: outlier, as the page", "reg_shift", "/?words=1&text=40", server="probe"),
    Control("probe: outlier, in a fragment", "reg_shift", "/?frag=1&words=1&text=40",
            server="probe"),
    Control("probe: outlier, fragment, no texts", "reg_shift", "/?frag=1&text=40",
            server="probe"),
    Control("probe: δ, in a fragment", "reg_delta", "/?frag=1&words=1&text=40", server="probe"),
    Control("probe: δ, fragment, no texts", "reg_delta", "/?frag=1&text=40", server="probe"),
    Control("probe: outlier, fragment, no texts, lean", "reg_shift", "/?frag=1&strip=1&text=40",
            server="probe"),
    Control("probe: δ, fragment, no texts, lean", "reg_delta", "/?frag=1&strip=1&text=40",
            server="probe"),
)

# Installed in every page before its scripts run. ``arm()`` starts one measurement: a
# MutationObserver on stMain notes the time of the last mutation, the next keydown (or
# pointerup, for a drag's release) is the start, and the app's repaint log is emptied.
# With ``states`` on, the script-state attribute's flips are logged too (--server-time).
PROBE = """
(() => {
  const b = window.__bench = {armed: false, start: null, last: null, mutations: 0,
                              states: [], trigger: 'keydown'};
  const begin = e => {
    if (b.armed && b.start === null && e.type === b.trigger) b.start = e.timeStamp;
  };
  document.addEventListener('keydown', begin, true);
  document.addEventListener('pointerup', begin, true);
  b.arm = trigger => {
    if (b.observer) b.observer.disconnect();
    Object.assign(b, {armed: true, start: null, last: null, mutations: 0, states: [],
                      trigger});
    window.__lossvizRenders = [];
    const main = document.querySelector("[data-testid='stMain']");
    b.observer = new MutationObserver(ms => { b.last = performance.now();
                                              b.mutations += ms.length; });
    b.observer.observe(main, {subtree: true, attributes: true, childList: true,
                              characterData: true});
  };
  b.idle = () => !!document.querySelector(
    "[data-testid='stApp'][data-test-script-state='notRunning']");
  // Over: QUIET ms without a mutation since the start (or the last mutation), script idle.
  b.over = quiet => b.start !== null && b.idle()
    && performance.now() - Math.max(b.start, b.last || 0) > quiet;
  b.result = () => ({start: b.start, last: b.last, mutations: b.mutations,
                     states: b.states.slice(), renders: (window.__lossvizRenders || []).slice()});
  if (%(states)s) {
    new MutationObserver(ms => {
      for (const m of ms) {
        const s = m.target.getAttribute('data-test-script-state');
        if (s !== b.state) { b.state = s; b.states.push([performance.now(), s]); }
      }
    }).observe(document, {subtree: true, attributes: true,
                          attributeFilter: ['data-test-script-state']});
  }
})();
"""


@dataclass
class Change:
    """One timed change."""

    latency_ms: float  # trigger -> last mutation in stMain
    bytes: int  # websocket payloads received from the trigger to the end
    mutations: int
    script_ms: float | None  # running -> notRunning after the trigger, if seen (--server-time)
    repaints: list[dict[str, Any]]  # the app's chart repaints meanwhile: {key, ms}
    value: str | None = None  # the control's value in the address bar afterwards


@dataclass
class Result:
    control: Control
    changes: list[Change] = field(default_factory=list)
    baseline: list[Change] = field(default_factory=list)  # interleaved with this control's
    error: str = ""


class Tab:
    """One browser page with the probe installed, counting the websocket bytes it receives."""

    def __init__(self, browser: Any, base_url: str, *, server_time: bool):
        self.base_url = base_url
        self.page = browser.new_page(viewport={"width": 1280, "height": 800})
        self.errors: list[str] = []
        self.received = 0
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("websocket", lambda ws: ws.on("framereceived", self._count))
        self.page.add_init_script(PROBE % {"states": "true" if server_time else "false"})

    def _count(self, payload: str | bytes) -> None:
        self.received += len(payload)

    def open(self, path: str, *, timeout: float = 90.0) -> None:
        """Load ``path`` in a new session and wait until the page has settled."""
        self.page.goto(self.base_url + path, wait_until="domcontentloaded")
        self.page.wait_for_selector("[data-testid='stMain']", timeout=timeout * 1000)
        self.measure(lambda: self.page.evaluate("window.__bench.start = performance.now()"),
                     timeout=timeout)

    def measure(self, act: Any, *, trigger: str = "keydown", timeout: float = 30.0) -> Change:
        """Arm the probe, ``act()``, wait until the page is quiet; the change it made."""
        self.page.evaluate("t => window.__bench.arm(t)", trigger)
        before = self.received
        act()
        self.page.wait_for_function("q => window.__bench.over(q)", arg=QUIET_MS, polling=50,
                                    timeout=timeout * 1000)
        r = self.page.evaluate("window.__bench.result()")
        got = self.received - before
        last = r["last"] if r["last"] is not None else r["start"]
        return Change(latency_ms=last - r["start"], bytes=got, mutations=r["mutations"],
                      script_ms=_script_ms(r["states"], r["start"]), repaints=r["renders"])


def _script_ms(states: list[list[Any]], start: float) -> float | None:
    # From the first "running" after the trigger to the next "notRunning". A run of a few
    # milliseconds may never flip the attribute (React batches both states): then None.
    running = next((t for t, s in states if s == "running" and t >= start), None)
    if running is None:
        return None
    done = next((t for t, s in states if s == "notRunning" and t > running), None)
    return None if done is None else done - running


# -- driving one control -----------------------------------------------------------------------
class Driver:
    """Changes one control of a loaded page, one step per ``change()``."""

    def __init__(self, tab: Tab, control: Control):
        self.tab, self.c, self.page = tab, control, tab.page
        self.box = self.page.locator(f".st-key-{control.key}") if control.key else self.page
        self.direction = 1
        self.formula = 0
        if control.opener:
            self.page.get_by_role("button", name=control.opener).click()
        self.field = self.box.locator({
            "slider": "input[type='range'], [role='slider']",
            "number": "input[type='number'], input",
            "text": "input",
            "select": "input",
        }[control.kind]).first
        self.field.wait_for(state="visible", timeout=30_000)
        self.field.scroll_into_view_if_needed()
        # Focus once: a later focus() on the focused thumb can swallow the next key press.
        self.field.focus()

    def change(self) -> Change:
        change = getattr(self, f"_{self.c.kind}")()
        if self.c.key:  # widgets are bound to the query string: the link shows the value
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.page.url).query)
            change.value = query.get(self.c.key, [None])[0]
        return change

    def _press(self, key: str) -> Change:
        return self.tab.measure(lambda: self.page.keyboard.press(key))

    def _slider(self) -> Change:
        value, low, high = self.field.evaluate(
            "el => [el.value ?? el.getAttribute('aria-valuenow'), el.min ?? "
            "el.getAttribute('aria-valuemin'), el.max ?? el.getAttribute('aria-valuemax')]"
            ".map(Number)")
        if value >= high:
            self.direction = -1
        elif value <= low:
            self.direction = 1
        return self._press("ArrowRight" if self.direction > 0 else "ArrowLeft")

    def _number(self) -> Change:
        return self._press("ArrowUp")

    def _text(self) -> Change:
        current = self.field.input_value()
        self.formula += 1
        text = FORMULAS[self.formula % len(FORMULAS)]
        if text == current:
            self.formula += 1
            text = FORMULAS[self.formula % len(FORMULAS)]
        self.field.fill(text)
        return self._press("Enter")

    def _select(self) -> Change:
        self.page.keyboard.press("ArrowDown")  # opens the menu
        self.page.locator("[role='option']").first.wait_for(timeout=10_000)
        # [chosen option, highlighted option, how many]: the highlight may start on either.
        chosen, active, count = self.field.evaluate(
            """el => { const opts = Array.from(document.querySelectorAll("[role='option']"));
                       const active = el.getAttribute('aria-activedescendant');
                       return [opts.findIndex(o => o.getAttribute('aria-selected') === 'true'),
                               opts.findIndex(o => o.id === active), opts.length]; }""")
        if chosen >= count - 1:
            self.direction = -1
        elif chosen <= 0:
            self.direction = 1
        moves = chosen + self.direction - (active if active >= 0 else chosen)
        for _ in range(abs(moves)):
            self.page.keyboard.press("ArrowDown" if moves > 0 else "ArrowUp")
        return self._press("Enter")


# -- in the browser alone: drag and play -------------------------------------------------------
def drag(tab: Tab, chart: str, *, moves: int, drags: int, step_px: float) -> dict[str, Any]:
    """Drag the handle of chart ``chart`` ``drags`` times (alternating up and down)."""
    page = tab.page
    handle = page.locator(f".st-key-{chart} .lv-handle")
    out: dict[str, Any] = {"chart": chart, "frames": [], "release": []}
    if not handle.count():
        out["skipped"] = f"no .st-key-{chart} .lv-handle on the page"
        return out
    handle.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    for i in range(drags):
        box = handle.bounding_box()
        plot = page.locator(f".st-key-{chart}").bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        # Toward the farther edge of the chart, so that the marker moves all the way.
        sign = -1 if y - plot["y"] > plot["y"] + plot["height"] - y else 1
        if i % 2:
            sign = -sign
        page.evaluate("() => { window.__lossvizRenders = []; }")
        page.mouse.move(x, y)
        page.mouse.down()
        for k in range(1, moves + 1):
            page.mouse.move(x, y + sign * k * step_px)
            page.wait_for_timeout(16)
        page.wait_for_timeout(200)  # the last repaints' promises settle
        out["frames"] += page.evaluate("window.__lossvizRenders.slice()")
        release = tab.measure(page.mouse.up, trigger="pointerup")
        out["release"].append(asdict(release))
    return out


def play(tab: Tab, *, timeout: float = 60.0) -> dict[str, Any]:
    """Press every play button on the page; each repaint's duration while it plays."""
    page = tab.page
    buttons = page.locator(".lv-play")
    if not buttons.count():
        return {"skipped": "no play button (.lv-play): the gradient-descent figures carry no "
                           "states yet"}
    runs = []
    for i in range(buttons.count()):
        button = buttons.nth(i)
        button.scroll_into_view_if_needed()
        page.evaluate("() => { window.__lossvizRenders = []; }")
        t0 = page.evaluate("performance.now()")
        button.click()
        page.wait_for_function(
            "el => !el.textContent.includes('Pause')", arg=button.element_handle(),
            polling=50, timeout=timeout * 1000)
        t1 = page.evaluate("performance.now()")
        frames = page.evaluate("window.__lossvizRenders.slice()")
        runs.append({"button": i, "wall_ms": t1 - t0, "frames": frames})
    return {"runs": runs}


# -- the report --------------------------------------------------------------------------------
def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def report(results: list[Result], base_all: list[Change], drags: list[dict[str, Any]],
           playback: dict[str, Any], args: argparse.Namespace) -> None:
    import streamlit

    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"\nlossviz control latency in Chromium, {now}, streamlit {streamlit.__version__}: "
          f"{args.changes} changes per control (+{args.warmup} untimed), each followed or "
          f"preceded by one on the minimal page")
    print(f"latency: key press -> last DOM mutation in stMain ({QUIET_MS} ms quiet ends it). "
          f"ratio: median / the minimal page's median over the same stretch.")
    print(f"targets: ratio <= {TARGET_RATIO}, worst < {TARGET_WORST_MS:.0f} ms, "
          f"<= {TARGET_BYTES // 1000} KB per change")
    if args.server_time:
        print("script: the script-state attribute's running -> notRunning, median (* of the "
              "runs where it flipped: a run of a few ms may not flip it)")
    script = " script" if args.server_time else ""
    head = (f"{'control':<34}{'median':>8}{'worst':>8}{'min.pg':>8}{'ratio':>7}"
            f"{'KB med':>8}{'KB max':>8}{script:>8}  targets")
    print(head)
    print("-" * len(head))
    base_lat = [c.latency_ms for c in base_all]
    print(f"{'minimal page (all its changes)':<34}{med(base_lat):>6.0f}ms"
          f"{max(base_lat, default=float('nan')):>6.0f}ms{'':>8}{1:>7.2f}"
          f"{med([c.bytes for c in base_all]) / 1000:>8.1f}"
          f"{max((c.bytes for c in base_all), default=0) / 1000:>8.1f}"
          + (f"{_script(base_all):>8}" if args.server_time else ""))
    for r in results:
        if r.error or not r.changes:
            print(f"{r.control.label:<34}  FAILED: {r.error}")
            continue
        lat = [c.latency_ms for c in r.changes]
        base = med([c.latency_ms for c in r.baseline])
        ratio = med(lat) / base if base > 0 else float("nan")
        most = max(c.bytes for c in r.changes)
        missed = [name for name, ok in (("ratio", ratio <= TARGET_RATIO),
                                        ("worst", max(lat) < TARGET_WORST_MS),
                                        ("bytes", most <= TARGET_BYTES)) if not ok]
        values = [c.value for c in r.changes]
        # (a control without a key has no value in the link to compare)
        same = sum(a == b for a, b in itertools.pairwise(values) if a is not None)
        quiet = sum(c.bytes == 0 for c in r.changes)
        note = "".join([f" ({quiet} changes received nothing)" if quiet else "",
                        f" ({same} changes left the value as it was)" if same else ""])
        print(f"{r.control.label:<34}{med(lat):>6.0f}ms{max(lat):>6.0f}ms{base:>6.0f}ms"
              f"{ratio:>7.2f}{med([c.bytes for c in r.changes]) / 1000:>8.1f}"
              f"{most / 1000:>8.1f}" + (f"{_script(r.changes):>8}" if args.server_time else "")
              + "  " + ("ok" if not missed else "MISSED " + ", ".join(missed)) + note)
    print("\nwhere the time goes (medians per change): charts repainted in the browser, their "
          "repaint time (summed)")
    for r in results:
        if not r.changes:
            continue
        seen = Counter(e["key"] for c in r.changes for e in c.repaints)
        charts = ", ".join(f"{k} x{n / len(r.changes):.2g}" for k, n in seen.most_common())
        paint = med([sum(e["ms"] for e in c.repaints) for c in r.changes])
        print(f"  {r.control.label:<34}{paint:>6.0f} ms  {charts or 'no chart repainted'}")
    print(f"\nin the browser alone (target: <= {TARGET_FRAME_MS:.0f} ms per frame)")
    for d in drags:
        if "skipped" in d:
            print(f"  drag {d['chart']}: skipped, {d['skipped']}")
            continue
        by_key: dict[str, list[float]] = {}
        for e in d["frames"]:
            by_key.setdefault(e["key"], []).append(e["ms"])
        for key, ms in by_key.items():
            print(f"  drag {d['chart']} handle, repaints of {key}: {len(ms)}, median "
                  f"{med(ms):.0f} ms, worst {max(ms):.0f} ms  "
                  f"{verdict(med(ms) <= TARGET_FRAME_MS)}")
        rel = [c["latency_ms"] for c in d["release"]]
        kb = [c["bytes"] / 1000 for c in d["release"]]
        print(f"  drag {d['chart']} handle, release -> committed rerun's last mutation: "
              f"median {med(rel):.0f} ms, worst {max(rel, default=float('nan')):.0f} ms "
              f"({len(rel)} releases, {med(kb):.1f} KB each)")
    if "skipped" in playback:
        print(f"  gradient-descent playback: skipped, {playback['skipped']}")
    for run in playback.get("runs", []):
        ms = [e["ms"] for e in run["frames"]]
        if not ms:
            print(f"  play button {run['button'] + 1}: no repaint while playing")
            continue
        gaps = _intervals(run["frames"])
        print(f"  play button {run['button'] + 1}: {len(ms)} repaints in {run['wall_ms']:.0f} ms,"
              f" median {med(ms):.0f} ms (worst {max(ms):.0f}); a new frame every "
              f"{med(gaps):.0f} ms (worst {max(gaps, default=float('nan')):.0f})  "
              f"{verdict(med(gaps) <= TARGET_FRAME_MS)}")


def _intervals(frames: list[dict[str, Any]]) -> list[float]:
    """Milliseconds between one finished repaint of a chart and its next, while a run
    plays (a step every 40 ms at best): how often the picture changes."""
    ends: dict[str, list[float]] = {}
    for e in frames:
        if "at" in e:
            ends.setdefault(e["key"], []).append(e["at"])
    return [b - a for times in map(sorted, ends.values()) for a, b in itertools.pairwise(times)]


def _script(changes: list[Change]) -> str:
    # The median of the runs whose attribute flipped; "*" if some did not (runs of a few ms).
    seen = [c.script_ms for c in changes if c.script_ms is not None]
    if not seen:
        return "n/a"
    return f"{med(seen):.0f}ms" + ("*" if len(seen) < len(changes) else " ")


# -- the run -----------------------------------------------------------------------------------
class Server:
    """A streamlit server that can be started again (if something outside killed it)."""

    def __init__(self, script: str | Path):
        self.script, self.url, self.stack = script, "", contextlib.ExitStack()

    def start(self) -> None:
        self.stack = contextlib.ExitStack()
        self.url = self.stack.enter_context(streamlit_server(self.script))

    def stop(self) -> None:
        self.stack.close()

    def alive(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=5) as r:
                return r.status == 200
        except OSError:
            return False


class Bench:
    """Both pages and their servers; runs one control (or one browser-only measurement) at a
    time, starting a server again and retrying once if it died meanwhile."""

    def __init__(self, servers: dict[str, Server], base: Tab, app: Tab,
                 args: argparse.Namespace, browser: Any):
        self.servers, self.base, self.app, self.args = servers, base, app, args
        self.browser = browser
        self.base_driver: Driver | None = None
        self.floor: Tab | None = None
        self.probe: Tab | None = None

    def _ensure_servers(self) -> bool:
        """Start again any server that is gone; True if one was."""
        restarted = False
        for name, server in self.servers.items():
            if not server.alive():
                print(f"\n  [the {name} server is gone (killed from outside?): starting it "
                      f"again]", end=" ", flush=True)
                server.stop()
                server.start()
                if name == "probe":
                    self.probe = None  # a new page on the new server
                else:
                    (self.base if name == "base" else self.app).base_url = server.url
                if name == "base":
                    self.base_driver = None
                restarted = True
        return restarted

    def floor_tab(self) -> Tab:
        """A second page on the minimal page's server (its first page is the comparison)."""
        if self.floor is None or self.floor.base_url != self.base.base_url:
            self.floor = Tab(self.browser, self.base.base_url,
                             server_time=self.args.server_time)
        return self.floor

    def probe_tab(self) -> Tab:
        """A page on the probe's server (--probe)."""
        if self.probe is None:
            self.probe = Tab(self.browser, self.servers["probe"].url,
                             server_time=self.args.server_time)
        return self.probe

    def _base(self) -> Driver:
        if self.base_driver is None:
            self.base.open("/")
            self.base_driver = Driver(self.base, BASELINE)
        return self.base_driver

    def run(self, control: Control) -> Result:
        """Time ``control``'s changes, alternating with the minimal page's."""
        for attempt in (1, 2):
            self._ensure_servers()
            result = Result(control)
            try:
                base = self._base()
                if control.server == "app":
                    tab = self.app
                else:
                    tab = self.probe_tab() if control.server == "probe" else self.floor_tab()
                tab.open(control.path)
                driver = Driver(tab, control)
                for _ in range(self.args.warmup):
                    driver.change()
                    base.change()
                for i in range(self.args.changes):
                    pair = (driver, base) if i % 2 == 0 else (base, driver)
                    for d in pair:
                        (result.changes if d is driver else result.baseline).append(d.change())
                if not all(server.alive() for server in self.servers.values()):
                    raise RuntimeError("a server stopped answering during the changes")
                return result
            except Exception as exc:  # report it and go on: one control must not hide the rest
                result.error = str(exc).splitlines()[0]
                if attempt == 1 and self._ensure_servers():
                    continue
                return result
        return result

    def retry(self, measure: Any, path: str, out: dict[str, Any]) -> dict[str, Any]:
        """Open ``path`` on the app and ``measure()``; on failure report it in ``out``."""
        for attempt in (1, 2):
            self._ensure_servers()
            try:
                self.app.open(path)
                return measure()
            except Exception as exc:
                if attempt == 1 and self._ensure_servers():
                    continue
                return {**out, "skipped": f"FAILED: {str(exc).splitlines()[0]}"}
        return out


# -- main --------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changes", type=int, default=15, help="timed changes per control")
    parser.add_argument("--warmup", type=int, default=1,
                        help="untimed changes per control first (default 1)")
    parser.add_argument("--controls", default="",
                        help="only the controls whose label or key contains one of these "
                             "comma-separated words, e.g. 'reg_delta,classification'")
    parser.add_argument("--no-browser-only", dest="browser_only", action="store_false",
                        help="skip the drags and the playback")
    parser.add_argument("--moves", type=int, default=20, help="pointer moves per drag")
    parser.add_argument("--drags", type=int, default=3, help="drags per handle")
    parser.add_argument("--server-time", action="store_true",
                        help="also time each script run (the data-test-script-state flips)")
    parser.add_argument("--floor", action="store_true",
                        help="also time the minimal page with unchanged elements below its "
                             "chart (40 texts; 20 sliders): what a page pays per element")
    parser.add_argument("--probe", action="store_true",
                        help="also time the first picture alone (hero_fragment_app.py): as "
                             "the page, in a fragment, and without the texts beside it")
    parser.add_argument("--json", type=Path, help="also write every measurement here")
    args = parser.parse_args(argv)

    words = [w.strip() for w in args.controls.split(",") if w.strip()]
    controls = [c for c in CONTROLS if not words or c.matches(words)]
    if args.floor:
        controls += FLOOR
    if args.probe:
        controls += FIRST_PICTURE
    if not controls:
        parser.error(f"no control matches {args.controls!r}; the controls: "
                     + ", ".join(c.key for c in CONTROLS))

    from playwright.sync_api import sync_playwright

    results: list[Result] = []
    drags: list[dict[str, Any]] = []
    playback: dict[str, Any] = {"skipped": "not asked for"}
    with contextlib.ExitStack() as stack:
        servers = {"base": Server(HERE / "baseline_app.py"), "app": Server("app.py")}
        if args.probe:
            servers["probe"] = Server(HERE / "hero_fragment_app.py")
        for server in servers.values():
            stack.callback(server.stop)
            server.start()
        playwright = stack.enter_context(sync_playwright())
        browser = launch_chromium(playwright)
        stack.callback(browser.close)
        base = Tab(browser, servers["base"].url, server_time=args.server_time)
        app = Tab(browser, servers["app"].url, server_time=args.server_time)
        bench = Bench(servers, base, app, args, browser)
        for control in controls:
            print(f"{control.label} ({control.key}) ...", end=" ", flush=True)
            result = bench.run(control)
            results.append(result)
            print(f"median {med([c.latency_ms for c in result.changes]):.0f} ms"
                  + (f" (FAILED: {result.error})" if result.error else ""), flush=True)
        if args.browser_only:
            for chart, step_px in DRAG_STEPS_PX.items():
                drags.append(bench.retry(
                    lambda c=chart, px=step_px: drag(app, c, moves=args.moves,
                                                     drags=args.drags, step_px=px),
                    DRAG_PAGES[chart], {"chart": chart}))
            playback = bench.retry(lambda: play(app), "/?reg_view=Gradient+descent", {})
        base_all = [c for r in results for c in r.baseline]
        report(results, base_all, drags, playback, args)
        errors = base.errors + app.errors
        if errors:
            print(f"\nJavaScript errors on the pages: {errors}")
    if args.json:
        args.json.write_text(json.dumps({
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "changes": args.changes,
            "controls": [{"control": asdict(r.control), "error": r.error,
                          "changes": [asdict(c) for c in r.changes],
                          "baseline": [asdict(c) for c in r.baseline]} for r in results],
            "drags": drags,
            "playback": playback,
        }, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
