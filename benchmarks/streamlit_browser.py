"""Run a Streamlit page in a real browser: the shared helpers of the browser tests and benchmarks.

``streamlit_server(script)`` starts ``streamlit run`` on a free local port in its own process
group and kills the whole group afterwards; ``launch_chromium(playwright)`` starts Debian's
Chromium (never a browser downloaded by ``playwright install``); ``open_app(browser, url)``
loads the page with a small in-page probe that counts finished runs (read off the websocket)
and logs script states, key presses and clicks with their timestamps, so callers can wait for
"the next rerun is finished" without racing the first ``running`` message.

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
# True once every chart element holds a drawn plotly figure. Streamlit loads the plotly
# component lazily and shows a skeleton meanwhile, so "idle" alone can precede the charts.
DRAWN = """
  !document.querySelector("[data-testid='stSkeleton']")
  && Array.from(document.querySelectorAll("[data-testid='stPlotlyChart']")).every(el => {
       const gd = el.querySelector('.js-plotly-plot');
       return gd && gd._fullLayout && gd.querySelector('.main-svg');
     })
"""

# Installed before any page script runs. A run's end is read from the websocket, not from
# the ``data-test-script-state`` attribute alone: when a script finishes within a few
# milliseconds, "running" and "notRunning" reach React in one batch and the attribute never
# changes. So the probe wraps WebSocket, walks the top-level fields of each ForwardMsg
# (protobuf) and counts ``script_finished`` (field 6) with a status other than "finished early
# for a rerun" (2). After each such run, once the attribute says notRunning, it notes the time
# two animation frames later, when the browser has painted the result: ``idle`` holds
# [run, time]. ``log`` holds [time, "running" | "notRunning" | "finished" | "key:<k>" |
# "pointer"], all on the performance.now() clock.
PROBE = """
(() => {
  const FINISHED_FIELD = %(field)d, EARLY_FOR_RERUN = %(early)d;
  const lv = window.__lv = {log: [], runs: 0, idle: [], changed: performance.now()};
  const note = what => { lv.changed = performance.now(); lv.log.push([lv.changed, what]); };
  lv.painted = () => new Promise(ok => requestAnimationFrame(() => requestAnimationFrame(
    () => ok(performance.now()))));
  const idle = () => document.querySelector(
    "[data-testid='stApp'][data-test-script-state='notRunning']");
  const finished = () => {
    lv.runs += 1;
    const run = lv.runs;
    note('finished');
    const settle = () => idle()
      ? lv.painted().then(t => lv.idle.push([run, t]))
      : requestAnimationFrame(settle);
    settle();
  };
  // The status of a ForwardMsg's script_finished field, or -1.
  const scriptFinished = bytes => {
    let i = 0;
    const varint = () => {
      let v = 0, m = 1, b;
      do { b = bytes[i++]; v += (b & 127) * m; m *= 128; } while (b & 128 && i < bytes.length);
      return v;
    };
    while (i < bytes.length) {
      const key = varint(), field = Math.floor(key / 8), wire = key & 7;
      if (wire === 0) { const v = varint(); if (field === FINISHED_FIELD) return v; }
      else if (wire === 2) { const n = varint(); i += n; }  // not i += varint(): i is read first
      else if (wire === 1) i += 8;
      else if (wire === 5) i += 4;
      else return -1;
    }
    return -1;
  };
  const onMessage = data => {
    if (!(data instanceof ArrayBuffer)) return;
    const status = scriptFinished(new Uint8Array(data));
    if (status >= 0 && status !== EARLY_FOR_RERUN) finished();
  };
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', e => onMessage(e.data));
    }
  };
  new MutationObserver(ms => {
    for (const m of ms) {
      const s = m.target.getAttribute('data-test-script-state');
      if (s !== lv.last) { lv.last = s; note(s); }
    }
  }).observe(document, {subtree: true, attributes: true,
                        attributeFilter: ['data-test-script-state']});
  document.addEventListener('keydown', e => lv.log.push([e.timeStamp, 'key:' + e.key]), true);
  document.addEventListener('pointerdown', e => lv.log.push([e.timeStamp, 'pointer']), true);
})();
"""


def _script_finished() -> dict[str, int]:
    # The protobuf numbers the probe needs, from the installed streamlit (6 and 2 in 1.67).
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    field = ForwardMsg.DESCRIPTOR.fields_by_name["script_finished"]
    return {"field": field.number,
            "early": field.enum_type.values_by_name["FINISHED_EARLY_FOR_RERUN"].number}


PROBE = PROBE % _script_finished()


def free_port() -> int:
    """A TCP port that nothing listens on right now (the OS picks it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(script: str | Path = "app.py", *, timeout: float = 60.0,
                     cwd: Path = ROOT) -> Iterator[str]:
    """Run ``streamlit run script`` from the repository root on 127.0.0.1 and a free port;
    yield its URL. ``cwd=ROOT / "deploy"`` runs it with the production config
    (``deploy/.streamlit/config.toml``), as ``deploy/run_cluster.sh`` does.

    The server runs headless, without usage statistics, with the production config's flags:
    no file watcher and no rerun on save (files edited while it runs must not change what is
    measured), and fast reruns (a newer widget change cuts a running script short, as in
    ``deploy/``). It runs in its own process group, which is terminated (then killed) on
    exit, whatever happened inside the ``with`` block.
    """
    port = free_port()
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115 (kept open for the server's lifetime)
        "w+", prefix=f"streamlit-{port}-", suffix=".log", delete=False
    )
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / script),
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
        "--server.runOnSave", "false",
        "--runner.fastReruns", "true",
    ]
    proc = subprocess.Popen(
        cmd, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, timeout=timeout, proc=proc, log=log)
        yield url
    finally:
        _stop(proc)
        log.close()
        os.unlink(log.name)


def _tail(log: Any, n: int = 3000) -> str:
    if log is None:
        return "(no log)"
    log.flush()
    return Path(log.name).read_text(errors="replace")[-n:]


def wait_healthy(url: str, *, timeout: float = 60.0, proc: subprocess.Popen | None = None,
                 log: Any = None) -> None:
    """Wait until ``url``'s ``/_stcore/health`` answers 200 (a Streamlit server, or nginx in
    front of one); ``RuntimeError`` after ``timeout`` seconds, or as soon as ``proc`` (the
    server, if given) exits, with the end of its ``log``."""
    deadline = time.monotonic() + timeout
    while True:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{url} exited with {proc.returncode}:\n{_tail(log)}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer within {timeout:g} s:\n{_tail(log)}")
        time.sleep(0.2)


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

    ``page.errors`` collects the page's uncaught JavaScript errors from the start,
    ``page.ws_received`` counts the bytes its websockets received.
    """
    page = browser.new_page(viewport={"width": width, "height": height})
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.ws_received = 0  # bytes of every websocket frame the page received so far

    def count(payload: str | bytes) -> None:
        page.ws_received += len(payload)

    def opened(ws: Any) -> None:
        page.sockets.append(ws)
        ws.on("framereceived", count)

    page.sockets = []  # the page's websockets (Playwright objects), to listen to more frames
    page.on("websocket", opened)
    page.add_init_script(PROBE)
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_function("window.__lv && window.__lv.runs >= 1", timeout=timeout * 1000)
    wait_settled(page, timeout=timeout)
    return page


# -- lossviz's own chart component (lossviz/ui/chart.py, web/chart.js) -----------------------
# Every chart of the redesigned app is a components-v2 element holding ``.lv-chart`` with the
# plotly graph div ``.lv-plot``; ``DRAWN`` above is for ``st.plotly_chart``, which the
# minimal page of the latency benchmark uses.
COMPONENT = "[data-testid='stBidiComponentRegular']"
# True once every chart element on the page holds a drawn plotly figure (none is fine: a page
# without charts). Streamlit shows a skeleton until a component's code has loaded, and the
# chart's script loads plotly.js on first use: both after the run has ended.
CHARTS_DRAWN = """
  !document.querySelector("[data-testid='stSkeleton']")
  && Array.from(document.querySelectorAll("COMPONENT")).every(host => {
    const gd = host.querySelector('.lv-chart .lv-plot');
    return gd && gd._fullLayout && gd.querySelector('.main-svg');
  })
""".replace("COMPONENT", COMPONENT)
# The charts not drawn yet, with their key and text (for a message when waiting times out).
CHARTS_MISSING = """
  Array.from(document.querySelectorAll("COMPONENT")).filter(host => {
    const gd = host.querySelector('.lv-chart .lv-plot');
    return !(gd && gd._fullLayout && gd.querySelector('.main-svg'));
  }).map(host => {
    const box = host.closest('[class*="st-key-"]');
    const key = box ? (box.className.match(/st-key-(\\S+)/) || [])[1] : '?';
    const plots = host.querySelectorAll('.lv-plot').length;
    return key + ' (' + plots + ' plots): ' + (host.innerText || '').slice(0, 200);
  })
""".replace("COMPONENT", COMPONENT)


def wait_charts(page: Any, *, timeout: float = 30.0) -> None:
    """Wait until the script is idle, every lossviz chart is drawn, and a frame was painted.

    On a timeout the message names the charts that were not drawn and what they show.
    """
    page.wait_for_selector(IDLE, timeout=timeout * 1000)
    try:
        page.wait_for_function(CHARTS_DRAWN, timeout=timeout * 1000, polling=100)
    except Exception as err:
        missing = page.evaluate(CHARTS_MISSING)
        raise AssertionError(f"charts not drawn within {timeout:g} s: {missing}") from err
    page.evaluate("window.__lv.painted()")


def new_tab(browser: Any, *, width: int = 1280, height: int = 800,
            user_agent: str | None = None) -> Any:
    """A new page (in its own context) with the probe of ``open_app`` installed, not loaded.

    ``page.errors`` collects its uncaught JavaScript errors; a ``user_agent`` containing
    "Mobi" makes lossviz draw its compact (phone) figures.
    """
    options: dict[str, Any] = {"viewport": {"width": width, "height": height}}
    if user_agent:
        options["user_agent"] = user_agent
    page = browser.new_page(**options)
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(f"{page.url}: {exc}"))
    page.add_init_script(PROBE)
    return page


def load(page: Any, url: str, *, timeout: float = 60.0) -> Any:
    """Load ``url`` in ``page`` (a new session), wait for its first run and its charts.

    Forgets the errors of the page loaded before. Returns ``page``.
    """
    page.errors.clear()
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_function("window.__lv && window.__lv.runs >= 1", timeout=timeout * 1000)
    wait_charts(page, timeout=timeout)
    return page


def open_lossviz(browser: Any, url: str, *, width: int = 1280, height: int = 800,
                 user_agent: str | None = None, timeout: float = 60.0) -> Any:
    """``new_tab`` showing ``url`` after its first run, with every chart drawn."""
    return load(new_tab(browser, width=width, height=height, user_agent=user_agent), url,
                timeout=timeout)


def runs(page: Any) -> int:
    """How many reruns have finished since the page loaded."""
    return page.evaluate("window.__lv.runs")


def wait_rerun(page: Any, after: int, *, timeout: float = 30.0) -> None:
    """Wait until a rerun later than the ``after``-th has finished, then for the charts."""
    page.wait_for_function(f"window.__lv.runs > {after}", timeout=timeout * 1000)
    wait_settled(page, timeout=timeout)


def wait_run(page: Any, after: int, *, timeout: float = 30.0) -> None:
    """Wait until a rerun later than the ``after``-th has finished, then for lossviz's charts
    (``wait_rerun`` for the old app's plotly charts)."""
    page.wait_for_function(f"window.__lv.runs > {after}", timeout=timeout * 1000)
    wait_charts(page, timeout=timeout)


def wait_quiet(page: Any, *, quiet: float = 0.5, timeout: float = 30.0) -> None:
    """Wait until no run has started or ended for ``quiet`` seconds, then for the charts.

    For bursts of input (a held arrow key), where the number of reruns is not known.
    """
    page.wait_for_function(
        """q => document.querySelector("[data-testid='stApp'][data-test-script-state='notRunning']")
               && performance.now() - window.__lv.changed > q""",
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


def step_key(thumb: Any) -> str:
    """The arrow key that moves a slider one step without leaving its range."""
    value, high = float(thumb.get_attribute("value")), float(thumb.get_attribute("max"))
    return "ArrowLeft" if value >= high else "ArrowRight"
