"""Run a Streamlit page in a real browser: the shared helpers of the browser tests and benchmarks.

``streamlit_server(script)`` starts ``streamlit run`` on a free local port in its own process
group and kills the whole group afterwards; ``launch_chromium(playwright)`` starts Debian's
Chromium (never a browser downloaded by ``playwright install``); ``open_app(browser, url)``
loads the page with a small in-page probe that records every change of Streamlit's script state
and key press with their timestamps, so callers can wait for "the next rerun is finished"
without racing the first ``running`` message.

Example: ``with streamlit_server("app.py") as url: ...``
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
EXCEPTION = "[data-testid='stException']"
PLOT = ".js-plotly-plot"
# True once every chart element holds a drawn plotly figure. Streamlit loads the plotly
# component lazily and shows a skeleton meanwhile, so "idle" alone can precede the charts.
DRAWN = """
  !document.querySelector("[data-testid='stSkeleton']")
  && Array.from(document.querySelectorAll("[data-testid='stPlotlyChart']")).every(el => {
       const gd = el.querySelector('.js-plotly-plot');
       return gd && gd._fullLayout && gd.querySelector('.main-svg');
     })
"""

# Installed before any page script runs. It logs [time, "running" | "notRunning" | "key:<k>"]
# (performance.now() scale) and counts finished reruns, so a caller reads "a rerun started
# after my key press and has finished" from the log instead of polling the attribute.
PROBE = """
(() => {
  const lv = window.__lv = {log: [], runs: 0};
  new MutationObserver(ms => {
    for (const m of ms) {
      const s = m.target.getAttribute('data-test-script-state');
      if (s === lv.last) continue;
      lv.last = s;
      lv.changed = performance.now();
      lv.log.push([lv.changed, s]);
      if (s === 'notRunning') lv.runs += 1;
    }
  }).observe(document, {subtree: true, attributes: true,
                        attributeFilter: ['data-test-script-state']});
  document.addEventListener('keydown', e => lv.log.push([e.timeStamp, 'key:' + e.key]), true);
  document.addEventListener('pointerdown', e => lv.log.push([e.timeStamp, 'pointer']), true);
  // Resolves two animation frames after the call: by then the browser has painted what the
  // last DOM change asked for.
  lv.painted = () => new Promise(ok => requestAnimationFrame(() => requestAnimationFrame(
    () => ok(performance.now()))));
})();
"""


def free_port() -> int:
    """A TCP port that nothing listens on right now (the OS picks it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(script: str | Path = "app.py", *, timeout: float = 60.0) -> Iterator[str]:
    """Run ``streamlit run script`` on 127.0.0.1 and a free port; yield its URL.

    The server runs headless, without usage statistics or a file watcher (files edited while
    it runs must not change what is measured), in its own process group, which is terminated
    (then killed) on exit, whatever happened inside the ``with`` block.
    """
    port = free_port()
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115 (kept open for the server's lifetime)
        "w+", prefix=f"streamlit-{port}-", suffix=".log", delete=False
    )
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(script),
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
        "--server.runOnSave", "false",
    ]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{_tail(log)}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not answer within {timeout:g} s:\n{_tail(log)}")
            time.sleep(0.2)
        yield url
    finally:
        _stop(proc)
        log.close()
        os.unlink(log.name)


def _tail(log: Any, n: int = 3000) -> str:
    log.flush()
    return Path(log.name).read_text(errors="replace")[-n:]


def _stop(proc: subprocess.Popen) -> None:
    # The process group holds streamlit and anything it spawned; signal the group, not a name.
    for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def launch_chromium(playwright: Any) -> Any:
    """Debian's Chromium, headless, with the flags that keep it quiet and offline."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def open_app(browser: Any, url: str, *, width: int = 1280, height: int = 800,
             timeout: float = 60.0) -> Any:
    """A new page showing ``url`` after its first run finished and its charts are drawn.

    ``page.errors`` collects the page's uncaught JavaScript errors from the start.
    """
    page = browser.new_page(viewport={"width": width, "height": height})
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.add_init_script(PROBE)
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_function("window.__lv && window.__lv.runs >= 1", timeout=timeout * 1000)
    wait_settled(page, timeout=timeout)
    return page


def runs(page: Any) -> int:
    """How many reruns have finished since the page loaded."""
    return page.evaluate("window.__lv.runs")


def wait_rerun(page: Any, after: int, *, timeout: float = 30.0) -> None:
    """Wait until a rerun later than the ``after``-th has finished, then for the charts."""
    page.wait_for_function(f"window.__lv.runs > {after}", timeout=timeout * 1000)
    wait_settled(page, timeout=timeout)


def wait_quiet(page: Any, *, quiet: float = 0.5, timeout: float = 30.0) -> None:
    """Wait until the script has been idle for ``quiet`` seconds, then for the charts.

    For bursts of input (a held arrow key), where the number of reruns is not known.
    """
    page.wait_for_function(
        "q => window.__lv.last === 'notRunning' && performance.now() - window.__lv.changed > q",
        arg=quiet * 1000,
        timeout=timeout * 1000,
        polling=100,
    )
    wait_settled(page, timeout=timeout)


def wait_settled(page: Any, *, timeout: float = 30.0) -> None:
    """Wait until the script is idle, every plotly chart has drawn, and a frame was painted."""
    page.wait_for_selector(IDLE, timeout=timeout * 1000)
    page.wait_for_function(DRAWN, timeout=timeout * 1000)
    page.evaluate("window.__lv.painted()")


def slider_thumb(page: Any, *words: str) -> Any:
    """The keyboard-focusable thumb of the first slider whose label contains one of ``words``.

    Streamlit's slider thumb is an ``<input type=range>`` carrying the widget label as its
    ``aria-label``, so the match survives layout changes around it.
    """
    css = ", ".join(f"input[type='range'][aria-label*='{w}' i]" for w in words)
    return page.locator(css).first


def chart_data(page: Any) -> list[str]:
    """The data of every plotly chart on the page, one JSON string per chart."""
    return page.evaluate(
        f"""Array.from(document.querySelectorAll('{PLOT}')).map(gd => JSON.stringify(
              gd.data, (k, v) => ArrayBuffer.isView(v) ? Array.from(v) : v))"""
    )


def tabs(page: Any) -> Any:
    """The section tabs of the app (``st.tabs``)."""
    return page.locator("[data-testid='stTabs'] [role='tab']")
