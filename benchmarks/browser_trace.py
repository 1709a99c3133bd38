"""Where a change's time goes in the browser: the main thread's busy time per change, by event.

Starts a server for ``--script`` (the app, or ``benchmarks/baseline_app.py`` for the minimal
page), opens ``--path`` in Debian's Chromium, focuses the slider whose widget key is ``--key``
(the page's first slider without one), and records a Chrome trace (``devtools.timeline``)
over ``--changes`` arrow-key presses 1.2 s apart. Printed: the renderer main thread's busy
time per change (its tasks) and that time split by trace event, exclusive of nested events
(``FunctionCall`` is JavaScript; ``UpdateLayoutTree``, ``Layout`` and ``Paint`` are the
browser's own work). Latency in the app is close to this busy time: a change is over when
the main thread has drawn it.

With ``--js``, the same presses are also run under V8's sampling profiler and the JavaScript
time per change is split by the script file it ran in (plotly's bundle, React, Streamlit's
own code, the chart component's ``chart.js``), self time: which library a change's time is
spent in.

    python benchmarks/browser_trace.py --key reg_shift
    python benchmarks/browser_trace.py --script benchmarks/baseline_app.py
    python benchmarks/browser_trace.py --script benchmarks/baseline_app.py --path "/?text=40"
    python benchmarks/browser_trace.py --key reg_shift --js
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from typing import Any

from streamlit_browser import launch_chromium, streamlit_server

DONE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def exclusive_times(events: list[dict[str, Any]]) -> tuple[float, Counter]:
    """The busy time (sum of ``RunTask``) and each event name's exclusive time, in µs, of
    one thread's complete ("X") events."""
    spans = sorted((e for e in events if e.get("ph") == "X" and "dur" in e),
                   key=lambda e: (e["ts"], -e["dur"]))
    inner: dict[int, float] = {}
    stack: list[dict[str, Any]] = []
    for e in spans:
        while stack and stack[-1]["ts"] + stack[-1]["dur"] <= e["ts"]:
            stack.pop()
        if stack:
            inner[id(stack[-1])] = inner.get(id(stack[-1]), 0.0) + e["dur"]
        stack.append(e)
    own: Counter = Counter()
    for e in spans:
        own[e["name"]] += e["dur"] - inner.get(id(e), 0.0)
    return sum(e["dur"] for e in spans if e["name"] == "RunTask"), own


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--script", default="app.py")
    p.add_argument("--path", default="/")
    p.add_argument("--key", default="", help="the slider's widget key (default: the first)")
    p.add_argument("--changes", type=int, default=6)
    p.add_argument("--js", action="store_true",
                   help="also profile JavaScript over as many presses: time by script file")
    args = p.parse_args(argv)

    from playwright.sync_api import sync_playwright

    with streamlit_server(args.script) as url, sync_playwright() as pw:
        browser = launch_chromium(pw)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(url + args.path)
        page.wait_for_selector(DONE, timeout=90_000)
        time.sleep(2)
        box = f".st-key-{args.key} " if args.key else ""
        thumb = page.locator(f"{box}input[type='range'], {box}[role='slider']").first
        thumb.scroll_into_view_if_needed()
        thumb.focus()
        page.keyboard.press("ArrowRight")  # untimed: the first change loads code
        time.sleep(1.5)
        browser.start_tracing(page=page, categories=[
            "toplevel", "devtools.timeline", "disabled-by-default-devtools.timeline"])
        for i in range(args.changes):
            page.keyboard.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
            time.sleep(1.2)
        events = json.loads(browser.stop_tracing())["traceEvents"]
        profile = js_profile(page, args.changes) if args.js else None
        browser.close()
    # The renderer's main thread: the one whose tasks took longest.
    busy_by_thread: Counter = Counter()
    for e in events:
        if e.get("ph") == "X" and e.get("name") == "RunTask":
            busy_by_thread[e["pid"], e["tid"]] += e.get("dur", 0)
    main_thread = busy_by_thread.most_common(1)[0][0]
    busy, own = exclusive_times([e for e in events if (e.get("pid"), e.get("tid")) == main_thread])
    n = args.changes
    print(f"{args.script} {args.path} slider {args.key or '(first)'}: main thread busy "
          f"{busy / n / 1000:.1f} ms per change ({n} changes)")
    for name, us in own.most_common(10):
        print(f"  {us / n / 1000:7.1f} ms  {name}")
    if profile is not None:
        print(f"JavaScript by script file, self time per change ({n} more changes, sampled):")
        for name, us in by_script(profile).most_common(12):
            print(f"  {us / n / 1000:7.1f} ms  {name}")
    return 0


def js_profile(page: Any, changes: int) -> dict[str, Any]:
    """V8's CPU profile over ``changes`` more arrow presses on the focused slider."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Profiler.enable")
    cdp.send("Profiler.setSamplingInterval", {"interval": 100})  # µs
    cdp.send("Profiler.start")
    for i in range(changes):
        page.keyboard.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
        time.sleep(1.2)
    return cdp.send("Profiler.stop")["profile"]


def by_script(profile: dict[str, Any]) -> Counter:
    """Each script file's self time in µs (``(program)``: the engine's own, unattributed;
    idle time left out). A file name keeps its build hash off: ``react-dom.js``."""
    nodes = {n["id"]: n["callFrame"] for n in profile["nodes"]}
    times: Counter = Counter()
    deltas = [*profile["timeDeltas"][1:], 0]  # a sample lasts until the next one
    for node, us in zip(profile["samples"], deltas, strict=True):
        frame = nodes[node]
        name = frame["url"].rsplit("/", 1)[-1].split("?")[0]
        if not name:
            name = frame["functionName"] or "(anonymous)"
        parts = name.split(".")
        if len(parts) >= 3 and parts[-1] == "js" and len(parts[-2]) == 8:  # name.HASH.js
            name = ".".join([*parts[:-2], "js"])
        if name != "(idle)":
            times[name] += us
    return times


if __name__ == "__main__":
    raise SystemExit(main())
