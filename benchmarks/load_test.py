"""Load test: many real Streamlit sessions against one running lossviz server (or several).

Each session speaks Streamlit's own websocket protocol (``benchmarks/st_client.py``): it
loads the default page (regression), then every ``--interval`` seconds changes one control
of the page it is on, as a student in a class does, and waits for that rerun to finish.
The mix (``ACTIONS``): mostly sliders (on the regression page the outlier's distance and
Huber's δ above all, moved a few steps at a time, now and then anywhere), some choices
(segmented controls, menus, checkboxes), now and then another page (opened as a click in
the navigation does), and now and then a formula on the custom page (typed, or one of its
examples); a page switch goes to the regression page most often (``PAGE_WEIGHTS``).
Sessions join evenly over ``--ramp`` seconds and each stays ``--duration`` seconds; halfway
each drops its websocket and reconnects (a wifi blip).

Reported: sessions that completed, errors, p50/p95/max seconds from a change to the end
of its rerun (overall, per action and per server process), bytes and chart bytes per rerun,
server CPU per change, baseline/peak memory, and memory after the sessions leave (after
Streamlit's disconnected-session TTL has passed).

The memory baseline is taken after a first class of the same size (``--first-class``, as
long as the measured class by default) and its TTL: a server runs class after class, and the
first class's peak leaves its pages in the allocator for the next ones (measured: +96 to +123
MB after each of four classes of 50 sessions in a row, not adding up). Memory before any class
is printed too; ``--first-class 0`` compares with it instead.

Scenarios (``--scenario``), each beside the ordinary sessions:

- ``hostile``: one more session opens the custom page with the costliest settings a link can
  ask for (a 472-character formula of 30 nested ``logaddexp``, 200 points, 10 outliers,
  2,000 steps, every regression loss beside it) and then changes the seed every
  ``--hostile-period`` seconds without waiting for the runs to finish;
- ``flood``: ``--flood-at`` seconds in, one client opens ``--flood-count`` websockets within
  ``--flood-spread`` seconds, each asking for a page load, keeps them ``--flood-hold``
  seconds, then closes them. ``--flood-cookie``: ``browser`` (one browser's cookies, as a
  student's script or a tab storm), ``none`` (a script without cookies) or ``forged`` (a new
  made-up browser cookie per connection: only the per-address limits of nginx hold it).

Run the same command with ``--scenario none`` to compare (the ordinary sessions' figures).

Without ``--url`` the script starts its own server with the production settings in
``deploy/.streamlit/config.toml`` and stops it at the end. With ``--url`` it drives a
server that is already running (nginx in front of several, say); pass ``--pid`` once per
server process to measure their CPU and memory.

    python benchmarks/load_test.py                                # 50 sessions, 2 minutes
    python benchmarks/load_test.py --sessions 10 --duration 20    # a quick check
    python benchmarks/load_test.py --url http://127.0.0.1:8080 --pid 123 --pid 456
    python benchmarks/load_test.py --sessions 8 --duration 30 --browsers 2  # + real Chromium
    deploy/run_cluster.sh --sessions 20 --scenario hostile     # 2 processes behind nginx
    deploy/run_cluster.sh --sessions 20 --scenario flood --flood-cookie forged
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import websockets
from st_client import (
    RunResult,
    StreamlitSession,
    pick_option,
    random_formula,
    random_state,
    set_number,
    slider_move,
)
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit_browser import PROBE

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
PAGE = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")

# What a student of a class does every few seconds, by weight. An action the page does not
# offer (a formula outside the custom page) is left out of the draw: the others share its
# weight. Only the page's own controls are touched (the sidebar's presentation mode and
# lesson picker are the teacher's).
ACTIONS = {
    "slider": 70,  # a slider or a number box of the page
    "choice": 16,  # a segmented control, a menu, a checkbox of the page
    "page": 10,  # another page, from the navigation
    "formula": 4,  # the custom page: type a formula, or click one of its examples
}
SLIDER_KINDS = ("slider", "number_input")
CHOICE_KINDS = ("selectbox", "radio", "button_group", "checkbox")
# The controls a lesson on the regression page is about: their share of that page's slider
# moves (the rest go to its other sliders and number boxes).
FAVOURITES = {"reg_shift": 0.45, "reg_delta": 0.25}
# Where a student goes when they switch page, by weight (a page not listed: 1). A class
# follows a lesson: the regression page (the default, "") is home, the stopping page the
# furthest step.
PAGE_WEIGHTS = {"": 4, "classification": 2, "custom": 2, "conventions": 1, "stopping": 1}
FORMULAS = ("custom_formula_r", "custom_formula_m")
EXAMPLE_BUTTON = "custom_example_"  # the custom page's example buttons (their key prefix)


# -- server processes ----------------------------------------------------------------------
_GONE: dict[int, tuple[int, float]] = {}  # processes that exited: their last reading


def _read_proc(pid: int) -> tuple[int, float]:
    """(resident bytes, CPU seconds) of a process, from /proc; a process that has exited
    keeps its last reading, and is named once on stderr."""
    try:
        with open(f"/proc/{pid}/statm") as f:
            rss = int(f.read().split()[1]) * PAGE
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        if pid not in _GONE:
            _GONE[pid] = _LAST.get(pid, (0, 0.0))
            print(f"server process {pid} has exited: its figures stop here", file=sys.stderr,
                  flush=True)
        return _GONE[pid]
    cpu = (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime
    _LAST[pid] = (rss, cpu)
    return rss, cpu


_LAST: dict[int, tuple[int, float]] = {}


@dataclass
class Monitor:
    """Samples RSS and CPU time of the server processes twice a second."""

    pids: list[int]
    peak: dict[int, int] = field(default_factory=dict)
    samples: list[tuple[float, int]] = field(default_factory=list)
    running: bool = True

    def rss(self) -> dict[int, int]:
        return {pid: _read_proc(pid)[0] for pid in self.pids}

    def cpu(self) -> dict[int, float]:
        return {pid: _read_proc(pid)[1] for pid in self.pids}

    def reset_peak(self) -> None:
        self.peak = self.rss()

    async def run(self) -> None:
        while self.running:
            now = self.rss()
            for pid, value in now.items():
                self.peak[pid] = max(self.peak.get(pid, 0), value)
            self.samples.append((time.monotonic(), sum(now.values())))
            await asyncio.sleep(0.5)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, log: Path, ttl: float = 0) -> subprocess.Popen[bytes]:
    """``streamlit run app.py`` with the production config of ``deploy/``; a ``ttl`` > 0
    replaces its ``server.disconnectedSessionTTL``, so the test waits out the server's own."""
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
        "--server.port", str(port), "--server.address", "127.0.0.1",
    ]
    if ttl > 0:
        cmd += ["--server.disconnectedSessionTTL", str(max(1, round(ttl)))]
    # Streamlit reads .streamlit/config.toml from the working directory; the allocator and
    # BLAS settings are those deploy/run_cluster.sh and the README's class command use.
    proc = subprocess.Popen(
        cmd, cwd=DEPLOY, stdout=log.open("wb"), stderr=subprocess.STDOUT,
        env={"MALLOC_ARENA_MAX": "2", "OPENBLAS_NUM_THREADS": "1", **os.environ,
             "PYTHONPATH": str(ROOT)},
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited early; see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return proc
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError("streamlit did not answer /_stcore/health within 60 s")


def server_metrics(url: str) -> dict[str, float]:
    """Active sessions and the bytes Streamlit itself accounts for, by kind of store
    (``st_cache_data``, ``st_session_state``, ...), from its ``/_stcore/metrics`` endpoint."""
    query = "families=cache_memory_bytes&families=active_sessions"
    try:
        with urllib.request.urlopen(f"{url}/_stcore/metrics?{query}", timeout=30) as response:
            text = response.read().decode()
    except OSError:
        return {}
    out: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("active_sessions "):
            out["active_sessions"] = float(line.split()[1])
        elif line.startswith("cache_memory_bytes{"):
            kind = line.split('cache_type="', 1)[1].split('"', 1)[0]
            out[kind] = out.get(kind, 0.0) + float(line.rsplit(" ", 1)[1])
    return out


def describe_metrics(m: dict[str, float]) -> str:
    if not m:
        return "n/a"
    stores = ", ".join(f"{k} {mb(v)}" for k, v in sorted(m.items()) if k != "active_sessions")
    return f"{m.get('active_sessions', 0):.0f} active sessions; {stores or 'no stores'}"


def page_cookie(url: str) -> str | None:
    """GET the page as a browser does first; return the cookies it sets (sticky routing)."""
    with urllib.request.urlopen(url, timeout=30) as response:
        cookies = response.headers.get_all("Set-Cookie") or []
    return "; ".join(c.split(";", 1)[0] for c in cookies) or None


# -- sessions ------------------------------------------------------------------------------
@dataclass
class SessionReport:
    index: int
    joined: bool = False
    completed: bool = False
    upstream: str | None = None
    join_seconds: float | None = None
    latencies: list[float] = field(default_factory=list)
    actions: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    messages: int = 0  # st.error boxes: bad input answered in place
    bytes: list[int] = field(default_factory=list)
    chart_bytes: list[int] = field(default_factory=list)
    by_action: dict[str, list[float]] = field(default_factory=dict)
    by_page: dict[str, list[float]] = field(default_factory=dict)  # the page changed on
    resumed: bool | None = None  # reconnected halfway: same session, same process?


def choose(session: StreamlitSession, rng: random.Random) -> tuple[str, str, object]:
    """The next change of a student on ``session``'s page: (action, what, how), where
    ``how`` is a list of widget states, or a page's name for ``page``."""
    widgets = session.page_widgets()
    sliders = [w for w in widgets if w.kind in SLIDER_KINDS]
    choices = [w for w in widgets if w.kind in CHOICE_KINDS]
    formulas = [w for w in widgets if w.param in FORMULAS
                or (w.kind == "button" and EXAMPLE_BUTTON in w.id)]
    others = [p for p in session.pages.values() if p.hash != session.page_hash]
    offered = {"slider": sliders, "choice": choices, "page": others, "formula": formulas}
    names = [n for n in ACTIONS if offered[n]]
    if not names:
        return "other", "rerun", []
    action = rng.choices(names, [ACTIONS[n] for n in names])[0]
    if action == "page":
        page = rng.choices(others, [PAGE_WEIGHTS.get(p.path, 1) for p in others])[0]
        return action, page.title, page.path or "/"
    if action == "slider":
        by_param = {w.param: w for w in sliders}
        roll, widget = rng.random(), None
        for param, share in FAVOURITES.items():
            if param in by_param and roll < share:
                widget = by_param[param]
                break
            roll -= share if param in by_param else 0.0
        if widget is None:
            rest = [w for w in sliders if w.param not in FAVOURITES] or sliders
            widget = rng.choice(rest)
        return action, widget.param or widget.label, [
            slider_move(widget, rng, session.number(widget))]
    if action == "formula":
        widget = rng.choice(formulas)
        state = random_state(widget, rng)
        if widget.kind == "text_input":
            state.string_value = random_formula(rng)[: widget.proto.max_chars or 500]
            if widget.param.endswith("_m"):  # the classification formula is in m
                state.string_value = state.string_value.replace("r", "m")
        return action, widget.param or widget.label, [state]
    widget = rng.choice(choices)
    return action, widget.param or widget.label, [random_state(widget, rng)]


def record(report: SessionReport, result: RunResult, what: str) -> None:
    report.bytes.append(result.bytes)
    report.chart_bytes.append(result.chart_bytes)
    report.messages += len(result.errors)
    if result.status != "ok":
        report.errors.append(f"{what}: run {result.status}")
    report.errors.extend(f"{what}: exception {e}" for e in result.exceptions)
    report.errors.extend(f"{what}: non-finite text {t!r}" for t in result.nonfinite)


async def student(
    report: SessionReport, url: str, start_at: float, duration: float, interval: float,
    seed: int, reconnect: bool = True,
) -> SessionReport:
    rng = random.Random(seed * 100_003 + report.index)
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    loop = asyncio.get_running_loop()
    try:
        cookie = await loop.run_in_executor(None, page_cookie, url)
        session = StreamlitSession(url, cookie=cookie, timeout=60)
        first = await session.connect()
    except Exception as exc:
        report.errors.append(f"join: {exc!r}")
        return report
    report.joined = True
    report.upstream = session.upstream
    report.join_seconds = first.seconds
    record(report, first, "join")
    end = time.monotonic() + duration
    blip = time.monotonic() + duration / 2 if reconnect else float("inf")
    next_at = time.monotonic() + interval
    try:
        # A change every `interval` seconds until the session's time is up; after a rerun
        # slower than that, the next change follows at once (the student clicks on).
        while next_at <= end:
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            next_at = max(next_at + interval, time.monotonic())
            if time.monotonic() >= blip:
                # Halfway, the student's wifi drops for a moment: the page reconnects and
                # must get its own session back (same process behind nginx).
                blip = float("inf")
                before = session.upstream
                result = await session.reconnect()
                report.resumed = bool(result.resumed) and session.upstream == before
                record(report, result, "reconnect")
                if not report.resumed:
                    report.errors.append(f"reconnect: session not resumed ({before} -> "
                                         f"{session.upstream})")
                continue
            action, what, how = choose(session, rng)
            on = session.page.title if session.page else "?"
            if action == "page":
                result = await session.switch_page(how)
            else:
                result = await session.rerun(how)
            report.actions[action] += 1
            report.latencies.append(result.seconds)
            report.by_action.setdefault(action, []).append(result.seconds)
            report.by_page.setdefault(on, []).append(result.seconds)
            record(report, result, f"{action} {what}")
            if result.status == "closed":
                break
        report.completed = session.closed_reason is None and not report.errors
    finally:
        await session.close()
    return report


async def progress(reports: list[SessionReport], start: float, every: float = 10.0) -> None:
    """A line every few seconds: who is in, how many changes, how fast lately."""
    seen = [0] * len(reports)
    while True:
        await asyncio.sleep(every)
        latencies = [x for r in reports for x in r.latencies]
        # Each session's list only grows: its new entries are the ones since the last line.
        recent = [x for i, r in enumerate(reports) for x in r.latencies[seen[i]:]]
        seen = [len(r.latencies) for r in reports]
        joined = sum(r.joined for r in reports)
        errors = sum(len(r.errors) for r in reports)
        print(f"  {time.monotonic() - start:5.0f} s  {joined} joined  {len(latencies)} changes  "
              f"last {every:g} s: {len(recent)} changes, p95 {pct(recent, 0.95):.2f} s  "
              f"errors {errors}", flush=True)


# -- scenarios: one client that is not a student -------------------------------------------
def hostile_query() -> str:
    """The link a hostile student crafts: the custom page's costliest settings (the longest
    nested formula the reader takes, the most points, outliers and steps, and every
    regression loss trained beside it), in the app's own link format."""
    from lossviz.budget import nested_formula
    from lossviz.state import query_string
    from lossviz.ui import params

    values = {
        "custom_formula_r": nested_formula("logaddexp", 30),
        "custom_points": 200,
        "custom_outliers": 10,
        "custom_steps": 2000,
        "custom_compare_r": list(params.REGRESSION_FAMILY),
    }
    return query_string(values, params.BY_KEY)


@dataclass
class HostileReport:
    upstream: str | None = None
    first: RunResult | None = None
    settings: dict[str, object] = field(default_factory=dict)
    sent: int = 0
    started: int = 0
    finished: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)


async def hostile(report: HostileReport, url: str, start_at: float, duration: float,
                  period: float) -> HostileReport:
    """Open the custom page with ``hostile_query()`` and change the seed every ``period``
    seconds for ``duration`` seconds, never waiting for a run to finish."""
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    loop = asyncio.get_running_loop()
    cookie = await loop.run_in_executor(None, page_cookie, url)
    session = StreamlitSession(url, cookie=cookie, page="custom", query_string=hostile_query(),
                               timeout=120)
    try:
        report.first = await session.connect()
        report.upstream = session.upstream
        for param in ("custom_points", "custom_outliers", "custom_steps", "custom_seed"):
            widget = session.widget_for(param)
            report.settings[param] = session.number(widget) if widget else None
        formula = session.widget_for("custom_formula_r")
        report.settings["formula chars"] = len(formula.proto.value) if formula else None
        seed_box = session.widget_for("custom_seed")
        if seed_box is None:
            report.notes.append("no seed box on the page: not on the custom page?")
            return report
        end = time.monotonic() + duration
        seed = 1
        while time.monotonic() < end and not session.closed_reason:
            seed += 1
            if await session.send([set_number(seed_box, seed)]):
                report.sent += 1
            await asyncio.sleep(period)
        # Wait for the last run to end, so the finished counts are complete.
        for _ in range(100):
            if sum(session.finished.values()) >= report.sent + 1:
                break
            await asyncio.sleep(0.1)
    except Exception as exc:
        report.notes.append(repr(exc)[:200])
    finally:
        report.finished = Counter(session.finished)
        report.started = session.started
        if session.closed_reason and session.closed_reason != "connection closed":
            report.notes.append(session.closed_reason)
        await session.close()
    return report


@dataclass
class FloodReport:
    accepted: int = 0
    refused: Counter[int] = field(default_factory=Counter)
    failed: list[str] = field(default_factory=list)
    runs_finished: int = 0
    opened_in: float = 0.0


async def flood(report: FloodReport, url: str, start_at: float, count: int, spread: float,
                hold: float, cookie_mode: str) -> FloodReport:
    """``count`` websockets from this client within ``spread`` seconds, each asking for a
    page load (the browser's first ``rerun_script``) and reading what comes back; all closed
    after ``hold`` seconds."""
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    loop = asyncio.get_running_loop()
    browser = await loop.run_in_executor(None, page_cookie, url) if cookie_mode == "browser" \
        else None
    parts = urllib.parse.urlsplit(url)
    ws_url = f"ws://{parts.netloc}/_stcore/stream"
    first = BackMsg()
    first.rerun_script.context_info.timezone = "UTC"
    payload = first.SerializeToString()
    sockets: list[object] = []
    readers: list[asyncio.Task[None]] = []

    async def drain(ws: object) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        try:
            async for data in ws:  # type: ignore[attr-defined]
                msg = ForwardMsg()
                msg.ParseFromString(data)
                if msg.WhichOneof("type") == "script_finished":
                    report.runs_finished += 1
        except websockets.ConnectionClosed:
            pass

    async def one(delay: float) -> None:
        await asyncio.sleep(delay)
        headers = {"Origin": url.rstrip("/")}
        if cookie_mode == "browser" and browser:
            headers["Cookie"] = browser
        elif cookie_mode == "forged":
            headers["Cookie"] = f"lossviz_client={secrets.token_hex(16)}"
        try:
            ws = await websockets.connect(ws_url, subprotocols=["streamlit"],
                                          additional_headers=headers, open_timeout=30,
                                          ping_interval=None, max_size=None, compression=None)
        except websockets.InvalidStatus as exc:
            report.refused[exc.response.status_code] += 1
            return
        except Exception as exc:
            report.failed.append(repr(exc)[:120])
            return
        report.accepted += 1
        sockets.append(ws)
        try:
            await ws.send(payload)
        except websockets.ConnectionClosed:
            return
        readers.append(asyncio.create_task(drain(ws)))

    t0 = time.monotonic()
    await asyncio.gather(*(one(spread * i / max(1, count - 1)) for i in range(count)))
    report.opened_in = time.monotonic() - t0
    await asyncio.sleep(max(0.0, hold - report.opened_in))
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)  # type: ignore[attr-defined]
    await asyncio.gather(*readers, return_exceptions=True)
    return report


# -- real browsers (cross-check) -----------------------------------------------------------
BROWSER_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
# The page counts finished runs off its websocket and notes when it is idle and painted
# after each (``streamlit_browser.PROBE``): the ``data-test-script-state`` attribute alone
# never flips when a run ends within a few milliseconds, and a wait on it then times out.
_IDLE_AFTER = """([run, t0]) => {
  const e = window.__lv.idle.find(([r]) => r > run);
  return e ? e[1] - t0 : null;
}"""


@dataclass
class BrowserTimes:
    """One real page's changes, split where the time goes (seconds each).

    ``rerun``: the page's rerun request leaves its websocket -> ``script_finished`` arrives
    (what the protocol client measures); ``debounce``: key press -> request sent; ``total``:
    key press -> the page is idle again (rerun done and the new charts drawn).
    """

    rerun: list[float] = field(default_factory=list)
    debounce: list[float] = field(default_factory=list)
    total: list[float] = field(default_factory=list)


def _watch_socket(ws: object, log: list[tuple[float, str]]) -> None:
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    def sent(payload: bytes | str) -> None:
        if isinstance(payload, bytes):
            msg = BackMsg()
            msg.ParseFromString(payload)
            if msg.WhichOneof("type") == "rerun_script":
                log.append((time.perf_counter(), "sent"))

    def received(payload: bytes | str) -> None:
        if isinstance(payload, bytes):
            msg = ForwardMsg()
            msg.ParseFromString(payload)
            if msg.WhichOneof("type") == "script_finished" and msg.script_finished in (
                ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
            ):
                log.append((time.perf_counter(), "finished"))

    ws.on("framesent", sent)  # type: ignore[attr-defined]
    ws.on("framereceived", received)  # type: ignore[attr-defined]


async def browser_student(
    browser: object, url: str, start_at: float, duration: float, interval: float,
    limit: int = 10**9,
) -> BrowserTimes:
    """A Chromium page that nudges the first slider with the keyboard every ``interval``."""
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    page = await browser.new_page(viewport={"width": 1280, "height": 800})  # type: ignore[attr-defined]
    times = BrowserTimes()
    log: list[tuple[float, str]] = []
    page.on("websocket", lambda ws: _watch_socket(ws, log))
    await page.add_init_script(PROBE)
    try:
        await page.goto(url)
        await page.wait_for_function("window.__lv && window.__lv.runs >= 1", timeout=60_000)
        thumb = page.get_by_role("slider").first
        await thumb.wait_for(timeout=30_000)
        end = time.monotonic() + duration
        direction = "ArrowRight"
        while time.monotonic() + interval < end and len(times.total) < limit:
            await asyncio.sleep(interval)
            await thumb.focus()
            run, t0 = await page.evaluate("[window.__lv.runs, performance.now()]")
            k0 = time.perf_counter()
            direction = "ArrowLeft" if direction == "ArrowRight" else "ArrowRight"
            await page.keyboard.press(direction)
            handle = await page.wait_for_function(_IDLE_AFTER, arg=[run, t0], timeout=30_000)
            times.total.append(await handle.json_value() / 1000)
            sent = next((t for t, kind in log if kind == "sent" and t >= k0), None)
            done = next((t for t, kind in log if kind == "finished" and sent and t > sent), None)
            if sent is not None and done is not None:
                times.debounce.append(sent - k0)
                times.rerun.append(done - sent)
    finally:
        await page.close()
    return times


async def cross_check(url: str, pids: list[int], changes: int) -> int:
    """The same change timed by the protocol client and by a real Chromium page, one after
    the other on an otherwise idle server: the first slider of the page, one step left or
    right, ``changes`` times each. The browser's extra time is its own work: the slider's
    debounce before it sends, and drawing the new page."""
    from playwright.async_api import async_playwright
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    session = StreamlitSession(url, cookie=page_cookie(url), timeout=120)
    await session.connect()
    slider = next((w for w in session.widgets.values() if w.kind == "slider"), None)
    if slider is None:
        print("no slider on the first page")
        return 1
    value, step = list(slider.proto.value), slider.proto.step or 1
    monitor = Monitor(pids)
    cpu0 = sum(monitor.cpu().values())
    protocol = []
    for i in range(changes):
        value = [v + (step if i % 2 else -step) for v in value]
        state = WidgetState(id=slider.id)
        state.double_array_value.data.extend(value)
        await asyncio.sleep(1)
        protocol.append((await session.rerun([state])).seconds)
    await session.close()
    cpu1 = sum(monitor.cpu().values())
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium",
                                           args=BROWSER_ARGS)
        real = await browser_student(browser, url, time.monotonic(), 1e9, 1.0, changes)
        await browser.close()
    cpu2 = sum(monitor.cpu().values())
    print(f"first slider '{slider.label}', one step, {changes} changes each; p50 (max) seconds:")
    print(f"  protocol client: change -> rerun done       {pct(protocol, 0.5):.3f} "
          f"({max(protocol):.3f})   server CPU {1000 * (cpu1 - cpu0) / changes:.0f} ms/change")
    print(f"  Chromium page:   request -> rerun done      {pct(real.rerun, 0.5):.3f} "
          f"({max(real.rerun, default=float('nan')):.3f})   server CPU "
          f"{1000 * (cpu2 - cpu1) / max(1, len(real.total)):.0f} ms/change (page load included)")
    print(f"                   key press -> request sent  {pct(real.debounce, 0.5):.3f} "
          f"({max(real.debounce, default=float('nan')):.3f})  the slider's debounce")
    print(f"                   key press -> page idle     {pct(real.total, 0.5):.3f} "
          f"({max(real.total, default=float('nan')):.3f})  rerun + drawing the charts")
    return 0


# -- report --------------------------------------------------------------------------------
def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def mb(n: float) -> str:
    return f"{n / 2**20:.1f} MB"


async def main(args: argparse.Namespace) -> int:
    server = None
    log = Path(args.log)
    if args.url:
        url = args.url.rstrip("/")
        pids = args.pid
    else:
        port = free_port()
        server = start_server(port, log, args.ttl)
        url = f"http://127.0.0.1:{port}"
        pids = [server.pid]
    try:
        return await run(args, url, pids)
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:  # still busy with queued reruns
                server.kill()
                server.wait()


WARM_CHOICES = ("button_group", "radio", "selectbox")  # a page's views and data pickers


async def warm_up(url: str, processes: int) -> None:
    """Visit every page once in every server process, and there every option of its views
    and menus (the gradient-descent view is where the exact fits first import scipy), so
    imports and first-run caches don't count as load, nor as memory a class left behind
    (behind nginx a new session may land on any process: try until each has)."""
    seen: set[str | None] = set()
    for _ in range(6 * max(1, processes)):
        session = StreamlitSession(url, cookie=page_cookie(url), timeout=120)
        await session.connect()
        fresh = session.upstream not in seen
        seen.add(session.upstream)
        for page in list(session.pages.values()) if fresh else ():
            await session.switch_page(page.path or "/")
            for widget in [w for w in session.page_widgets() if w.kind in WARM_CHOICES]:
                for option in widget.options:
                    await session.rerun([pick_option(widget, option)])
        await session.close()
        if len(seen) >= processes:
            return


async def per_tab(url: str, pids: list[int], changes: int, seed: int) -> int:
    """Server CPU and bytes per change, page by page, for one session alone (no concurrency).

    CPU time is far less disturbed by other work on the machine than wall time, so this is
    the figure to compare against the budget: one process (one core, the GIL) serves
    1000 / (ms per change) changes a second.
    """
    monitor = Monitor(pids)
    rng = random.Random(seed)
    session = StreamlitSession(url, cookie=page_cookie(url), timeout=120)
    await session.connect()
    print(f"{'page':<16} {'CPU ms/change':>14} {'p50 s':>7} {'max s':>7} {'kB/change':>10} "
          f"{'chart kB':>9}")
    for page in list(session.pages.values()):
        await session.switch_page(page.path or "/")
        await session.rerun()  # the first visit imports and fills caches
        cpu0 = sum(monitor.cpu().values())
        seconds, sizes, charts, problems = [], [], [], []
        by_control: dict[str, list[float]] = {}
        for _ in range(changes):
            pool = [w for w in session.page_widgets() if w.kind in SLIDER_KINDS + CHOICE_KINDS]
            widget = rng.choice(pool) if pool else None
            before = sum(monitor.cpu().values())
            result = await session.rerun([random_state(widget, rng)] if widget else [])
            if widget is not None:
                by_control.setdefault(widget.param or widget.label, []).append(
                    sum(monitor.cpu().values()) - before)
            seconds.append(result.seconds)
            sizes.append(result.bytes)
            charts.append(result.chart_bytes)
            problems += result.exceptions + result.nonfinite
        cpu = (sum(monitor.cpu().values()) - cpu0) / changes
        print(f"{page.title:<16} {1000 * cpu:>14.0f} {pct(seconds, 0.5):>7.3f} "
              f"{max(seconds):>7.3f} {statistics.fmean(sizes) / 1000:>10.1f} "
              f"{statistics.fmean(charts) / 1000:>9.1f}"
              + (f"  problems: {problems[:2]}" if problems else ""))
        # The costliest controls: where the page's CPU goes (total over the run).
        costly = sorted(by_control.items(), key=lambda kv: -sum(kv[1]))[:3]
        print("    costliest: " + ", ".join(
            f"{name} {1000 * statistics.fmean(v):.0f} ms x{len(v)}" for name, v in costly))
    await session.close()
    return 0


async def leave_after_ttl(url: str, ttl: float) -> None:
    """Wait out the disconnected-session TTL (Streamlit drops such sessions at the next
    session change after it), then connect and leave once more."""
    await asyncio.sleep(3)
    if ttl > 0:
        print(f"waiting {ttl + 5:g} s for the disconnected-session TTL ...", flush=True)
        await asyncio.sleep(ttl + 5)
        probe = StreamlitSession(url, cookie=page_cookie(url))
        await probe.connect()
        await probe.close()
        await asyncio.sleep(5)


async def run(args: argparse.Namespace, url: str, pids: list[int]) -> int:
    if args.per_tab:
        return await per_tab(url, pids, args.per_tab, args.seed)
    if args.cross_check:
        return await cross_check(url, pids, args.cross_check)
    print(f"load test: {args.sessions} sessions join over {args.ramp:g} s, each changes a "
          f"control every {args.interval:g} s for {args.duration:g} s; server {url}; "
          f"scenario {args.scenario}; {time.strftime('%Y-%m-%d %H:%M:%S %Z')}; load average "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()), flush=True)
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    load_start = os.getloadavg()
    await warm_up(url, len(pids))
    monitor = Monitor(pids)
    await asyncio.sleep(2)
    baseline = sum(monitor.rss().values())
    before_any = None
    if args.first_class is None:
        args.first_class = args.duration
    if args.first_class > 0:
        # A server runs class after class: the memory a class must give back is measured
        # from where the one before it left the server (its allocator's pages included).
        before_any = baseline
        for k in range(1, args.first_classes + 1):
            print(f"first class {k} of {args.first_classes}: {args.sessions} sessions for "
                  f"{args.first_class:g} s, then its TTL ...", flush=True)
            first = [SessionReport(i) for i in range(args.sessions)]
            begin = time.monotonic() + 0.5
            gap = args.ramp / max(1, args.sessions - 1) if args.sessions > 1 else 0.0
            await asyncio.gather(*(student(r, url, begin + r.index * gap, args.first_class,
                                           args.interval, args.seed + k,
                                           not args.no_reconnect) for r in first))
            await leave_after_ttl(url, args.ttl)
            baseline = sum(monitor.rss().values())
            print(f"  after first class {k} and its TTL: {baseline / 2**20:.1f} MB "
                  f"({(baseline - before_any) / 2**20:+.1f} MB since before any class)",
                  flush=True)
    # Behind nginx each request may reach another process: only a single server has one view.
    metrics = (lambda: server_metrics(url)) if len(pids) == 1 else (lambda: {})
    metrics_base = metrics()
    monitor.reset_peak()
    cpu0, t0 = monitor.cpu(), time.monotonic()
    client_cpu0 = time.process_time()
    sampler = asyncio.create_task(monitor.run())

    start = time.monotonic() + 0.5
    spacing = args.ramp / max(1, args.sessions - 1) if args.sessions > 1 else 0.0
    reports = [SessionReport(i) for i in range(args.sessions)]
    tasks = [
        student(r, url, start + r.index * spacing, args.duration, args.interval, args.seed,
                not args.no_reconnect)
        for r in reports
    ]
    ticker = asyncio.create_task(progress(reports, start))
    # The client that is not a student: it starts once the class is in (after the ramp).
    hostile_report, flood_report = HostileReport(), FloodReport()
    extra: list[asyncio.Task[object]] = []
    if args.scenario == "hostile":
        # From when the last student has joined until the last one leaves.
        extra.append(asyncio.create_task(hostile(
            hostile_report, url, start + args.ramp, args.duration, args.hostile_period)))
    elif args.scenario == "flood":
        extra.append(asyncio.create_task(flood(
            flood_report, url, start + args.flood_at, args.flood_count, args.flood_spread,
            args.flood_hold, args.flood_cookie)))
    browsers_task = None
    playwright_cm = None
    if args.browsers:
        from playwright.async_api import async_playwright

        playwright_cm = async_playwright()
        pw = await playwright_cm.__aenter__()
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=BROWSER_ARGS)
        bspacing = args.ramp / max(1, args.browsers)
        browsers_task = asyncio.gather(*[
            browser_student(browser, url, start + (i + 0.5) * bspacing, args.duration,
                            args.interval)
            for i in range(args.browsers)
        ], return_exceptions=True)
    # Read Streamlit's own stores while every session is in: after the last one joined and
    # before the first one leaves.
    async def metrics_when_all_in() -> dict[str, float]:
        all_in = start + args.ramp + max(0.0, args.duration - args.ramp) / 2
        await asyncio.sleep(max(0.0, all_in - time.monotonic()))
        return await asyncio.get_running_loop().run_in_executor(None, metrics)

    loaded = asyncio.create_task(metrics_when_all_in())
    await asyncio.gather(*tasks)
    await asyncio.gather(*extra)
    ticker.cancel()
    metrics_loaded = await loaded
    browser_latencies: list[float] = []  # request -> rerun done, as the protocol client
    browser_totals: list[float] = []  # key press -> page idle, charts drawn
    browser_failures: list[str] = []
    if browsers_task is not None:
        for item in await browsers_task:
            if isinstance(item, BaseException):
                browser_failures.append(repr(item)[:200])
            else:
                browser_latencies.extend(item.rerun)
                browser_totals.extend(item.total)
        await browser.close()
        await playwright_cm.__aexit__(None, None, None)
    cpu1, t1 = monitor.cpu(), time.monotonic()
    client_cpu = time.process_time() - client_cpu0
    monitor.running = False
    await sampler
    peak = sum(monitor.peak.values())

    # Streamlit keeps a disconnected session for server.disconnectedSessionTTL seconds (so a
    # student whose wifi drops gets their page back); it is dropped at the next session
    # change after that, so wait out the TTL and then connect and leave once more.
    await asyncio.sleep(3)
    after_leave = sum(monitor.rss().values())
    await leave_after_ttl(url, args.ttl)
    after_ttl = sum(monitor.rss().values())
    metrics_after = metrics()

    latencies = [x for r in reports for x in r.latencies]
    errors = [e for r in reports for e in r.errors]
    completed = sum(r.completed for r in reports)
    actions = sum((r.actions for r in reports), Counter())
    per_upstream = Counter(r.upstream or "direct" for r in reports)
    changes_per_upstream = Counter()
    for r in reports:
        changes_per_upstream[r.upstream or "direct"] += len(r.latencies)
    run_bytes = [b for r in reports for b in r.bytes]
    chart_bytes = [b for r in reports for b in r.chart_bytes]
    by_action: dict[str, list[float]] = {}
    for r in reports:
        for action, values in r.by_action.items():
            by_action.setdefault(action, []).extend(values)
    by_page: dict[str, list[float]] = {}
    for r in reports:
        for page, values in r.by_page.items():
            by_page.setdefault(page, []).extend(values)
    latencies_per_upstream: dict[str, list[float]] = {}
    for r in reports:
        latencies_per_upstream.setdefault(r.upstream or "direct", []).extend(r.latencies)
    wall = t1 - t0
    cpu_used = {pid: cpu1[pid] - cpu0[pid] for pid in pids}
    growth = (peak - baseline) / max(1, args.sessions)
    joins = [r.join_seconds for r in reports if r.join_seconds is not None]

    figures = {
        "sessions": args.sessions,
        "completed": completed,
        "reconnects_resumed": sum(bool(r.resumed) for r in reports),
        "reconnects": sum(r.resumed is not None for r in reports),
        "errors": len(errors),
        "changes": len(latencies),
        "p50_s": pct(latencies, 0.50),
        "p95_s": pct(latencies, 0.95),
        "max_s": max(latencies, default=float("nan")),
        "join_p95_s": pct(joins, 0.95),
        "mean_bytes_per_run": statistics.fmean(run_bytes) if run_bytes else 0.0,
        "max_bytes_per_run": max(run_bytes, default=0),
        "mean_chart_bytes_per_run": statistics.fmean(chart_bytes) if chart_bytes else 0.0,
        "by_action": {a: {"changes": len(v), "p50_s": pct(v, 0.5), "p95_s": pct(v, 0.95),
                          "max_s": max(v)} for a, v in sorted(by_action.items())},
        "by_page": {a: {"changes": len(v), "p50_s": pct(v, 0.5), "p95_s": pct(v, 0.95),
                        "max_s": max(v)} for a, v in sorted(by_page.items())},
        "by_upstream": {u: {"changes": len(v), "p50_s": pct(v, 0.5), "p95_s": pct(v, 0.95),
                            "max_s": max(v, default=float("nan"))}
                        for u, v in sorted(latencies_per_upstream.items())},
        "scenario": args.scenario,
        "load_average_start": load_start,
        "started": started,
        "in_place_messages": sum(r.messages for r in reports),
        "cpu_percent_of_one_core": {str(p): 100 * c / wall for p, c in cpu_used.items()},
        "client_cpu_percent_of_one_core": 100 * client_cpu / wall,
        "server_cpu_ms_per_change": 1000 * sum(cpu_used.values()) / max(1, len(latencies)),
        "baseline_mb": baseline / 2**20,
        "peak_mb": peak / 2**20,
        "growth_mb_per_session": growth / 2**20,
        "after_leave_mb": after_leave / 2**20,
        "baseline_before_any_class_mb": None if before_any is None else before_any / 2**20,
        "after_ttl_mb": after_ttl / 2**20,
        "streamlit_stores": {"baseline": metrics_base, "all_in": metrics_loaded,
                             "after": metrics_after},
        "sessions_per_upstream": dict(per_upstream),
        "changes_per_upstream": dict(changes_per_upstream),
        "actions": dict(actions),
        "browser_changes": len(browser_latencies),
        "browser_p50_s": pct(browser_latencies, 0.50),
        "browser_p95_s": pct(browser_latencies, 0.95),
        "browser_total_p50_s": pct(browser_totals, 0.50),
        "browser_total_p95_s": pct(browser_totals, 0.95),
        "browser_failures": browser_failures,
    }
    print()
    print(f"sessions completed   {completed}/{args.sessions}")
    if not args.no_reconnect:
        resumed = sum(bool(r.resumed) for r in reports)
        tried = sum(r.resumed is not None for r in reports)
        print(f"reconnects resumed   {resumed}/{tried} (websocket dropped halfway; same session "
              "and process after)")
    print(f"errors               {len(errors)}")
    for e in Counter(errors).most_common(8):
        print(f"    {e[1]} x {e[0][:160]}")
    mix = ", ".join(f"{k} {v}" for k, v in actions.most_common())
    print(f"changes              {len(latencies)}  ({mix})")
    print(f"change -> rerun done p50 {figures['p50_s']:.3f} s  p95 {figures['p95_s']:.3f} s  "
          f"max {figures['max_s']:.3f} s   (page load p95 {figures['join_p95_s']:.3f} s)")
    for name, f in (*figures["by_action"].items(), *figures["by_page"].items()):
        print(f"    {name:<15} {f['changes']:>5} changes  p50 {f['p50_s']:.3f} s  "
              f"p95 {f['p95_s']:.3f} s  max {f['max_s']:.3f} s")
    print(f"bytes per rerun      mean {figures['mean_bytes_per_run'] / 1000:.1f} kB  "
          f"max {figures['max_bytes_per_run'] / 1000:.1f} kB  (charts: mean "
          f"{figures['mean_chart_bytes_per_run'] / 1000:.1f} kB)")
    print(f"in-place messages    {figures['in_place_messages']} (st.error answers to bad input)")
    for pid in pids:
        print(f"server pid {pid:<8} CPU {100 * cpu_used[pid] / wall:5.1f}% of one core over "
              f"{wall:.0f} s, peak {mb(monitor.peak[pid])}")
    print(f"load-test client     CPU {100 * client_cpu / wall:5.1f}% of one core (this script, "
          "browsers not counted)")
    print(f"server CPU per change {figures['server_cpu_ms_per_change']:.0f} ms (all processes; "
          f"one process serves at most ~{1000 / max(1e-9, figures['server_cpu_ms_per_change']):.0f}"
          " changes/s, one core)")
    if before_any is not None:
        print(f"memory before any class {mb(before_any)}; the baseline is after "
              f"{args.first_classes} first class(es) of {args.first_class:g} s and the TTL "
              f"({mb(baseline - before_any)} more)")
    print(f"memory               baseline {mb(baseline)}, peak {mb(peak)}, "
          f"growth {mb(growth)} per session")
    print(f"after sessions left  {mb(after_leave)} at once, {mb(after_ttl)} after the TTL "
          f"({(after_ttl - baseline) / 2**20:+.1f} MB against the baseline)")
    if metrics_base:
        print(f"streamlit stores     baseline: {describe_metrics(metrics_base)}")
        print(f"                     all in: {describe_metrics(metrics_loaded)}")
        print(f"                     after the TTL: {describe_metrics(metrics_after)}")
    if len(per_upstream) > 1 or args.url:
        print("by upstream          " + "; ".join(
            f"{k}: {v} sessions, {changes_per_upstream[k]} changes, p50 "
            f"{figures['by_upstream'][k]['p50_s']:.3f} s, p95 "
            f"{figures['by_upstream'][k]['p95_s']:.3f} s"
            for k, v in sorted(per_upstream.items())))
    if args.scenario == "hostile":
        h = hostile_report
        first = h.first
        figures["hostile"] = {
            "upstream": h.upstream, "settings": h.settings, "sent": h.sent,
            "runs_started": h.started, "finished": dict(h.finished), "notes": h.notes,
            "first_run_s": first.seconds if first else None,
            "first_run_status": first.status if first else None,
        }
        print(f"hostile session      on {h.upstream or 'direct'}: first run "
              f"{first.status if first else '-'} in {first.seconds if first else 0:.2f} s "
              f"with {h.settings}; {h.sent} seed changes sent; {h.started} runs started; ended: "
              f"{dict(h.finished)}" + (f"; notes: {h.notes}" if h.notes else ""))
    if args.scenario == "flood":
        f = flood_report
        figures["flood"] = {"count": args.flood_count, "cookie": args.flood_cookie,
                            "accepted": f.accepted, "refused": dict(f.refused),
                            "failed": len(f.failed), "runs_finished": f.runs_finished,
                            "opened_in_s": f.opened_in}
        refused = ", ".join(f"{n} x HTTP {c}" for c, n in sorted(f.refused.items()))
        print(f"flood                {args.flood_count} websockets ({args.flood_cookie} cookie) "
              f"in {f.opened_in:.2f} s: {f.accepted} accepted, {refused or 'none refused'}"
              + (f", {len(f.failed)} failed ({f.failed[0]})" if f.failed else "")
              + f"; {f.runs_finished} page loads finished")
    if args.browsers:
        print(f"real Chromium pages  {args.browsers}: {len(browser_totals)} slider changes; "
              f"request -> rerun done p50 {figures['browser_p50_s']:.3f} s, "
              f"p95 {figures['browser_p95_s']:.3f} s; key press -> page idle p50 "
              f"{figures['browser_total_p50_s']:.3f} s, p95 {figures['browser_total_p95_s']:.3f} s"
              + (f", failures {browser_failures}" if browser_failures else ""))
    checks = {
        "every server process ran to the end": not _GONE,
        "100% of sessions complete": completed == args.sessions,
        "zero errors": not errors,
        "p95 <= 1 s": figures["p95_s"] <= 1.0,
        "server CPU <= 40 ms per change": figures["server_cpu_ms_per_change"] <= 40,
        "growth <= 5 MB per session": growth <= 5 * 2**20,
        "memory back near baseline (<= baseline + 25%)": after_ttl <= baseline * 1.25,
    }
    if args.compare:
        before = json.loads(Path(args.compare).read_text())
        print(f"against {args.compare} (scenario {before.get('scenario')}): p50 "
              f"{before['p50_s']:.3f} -> {figures['p50_s']:.3f} s, p95 {before['p95_s']:.3f} "
              f"-> {figures['p95_s']:.3f} s ({figures['p95_s'] / before['p95_s']:.2f}x)")
        figures["compared_with"] = {"file": args.compare, "p50_s": before["p50_s"],
                                    "p95_s": before["p95_s"]}
        checks["p95 within 2x of the compared run"] = figures["p95_s"] <= 2 * before["p95_s"]
    print()
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2, default=str))
    return 0 if all(checks.values()) else 1


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--url", help="a running server (default: start one with deploy/ config)")
    p.add_argument("--pid", type=int, action="append", default=[],
                   help="a server process to measure (repeat for several)")
    p.add_argument("--sessions", type=int, default=50)
    p.add_argument("--ramp", type=float, default=20.0, help="seconds over which sessions join")
    p.add_argument("--duration", type=float, default=120.0, help="seconds each session stays")
    p.add_argument("--interval", type=float, default=2.0, help="seconds between changes")
    p.add_argument("--ttl", type=float, default=120.0,
                   help="server.disconnectedSessionTTL to wait out before the last memory "
                        "reading (0: don't wait); a server this script starts gets the same "
                        "TTL (deploy/'s config says 120)")
    p.add_argument("--browsers", type=int, default=0,
                   help="also run this many real Chromium pages (Playwright) as a cross-check")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--first-class", type=float, default=None, metavar="SECONDS",
                   help="the class before the measured one (as many sessions, for SECONDS, "
                        "then its TTL): memory is compared with the server as a class left "
                        "it, as it runs all term (default: as long as --duration; 0: none, "
                        "compare with a process that never served a class)")
    p.add_argument("--first-classes", type=int, default=1, metavar="K",
                   help="with --first-class: run K such classes (memory after each)")
    p.add_argument("--no-reconnect", action="store_true",
                   help="don't drop and reopen each session's websocket halfway through")
    p.add_argument("--cross-check", type=int, default=0, metavar="N",
                   help="instead of the load test: time N one-step moves of the first slider "
                        "with the protocol client, then with a real Chromium page")
    p.add_argument("--per-tab", type=int, default=0, metavar="N",
                   help="instead of the load test: one session makes N random changes in "
                        "each section; print server CPU ms and bytes per change, section by "
                        "section")
    p.add_argument("--scenario", choices=("none", "hostile", "flood"), default="none",
                   help="one more client beside the students (see the module's doc)")
    p.add_argument("--hostile-period", type=float, default=0.5,
                   help="seconds between the hostile session's seed changes")
    p.add_argument("--flood-at", type=float, default=40.0,
                   help="seconds after the first student joins that the flood starts")
    p.add_argument("--flood-count", type=int, default=200)
    p.add_argument("--flood-spread", type=float, default=0.4,
                   help="seconds over which the flood's websockets are opened")
    p.add_argument("--flood-hold", type=float, default=30.0,
                   help="seconds the flood keeps its websockets open")
    p.add_argument("--flood-cookie", choices=("browser", "none", "forged"), default="browser",
                   help="the flood's cookies: one browser's, none, or a made-up one each")
    p.add_argument("--compare", metavar="JSON",
                   help="a --json file of a run to compare with (p95 within 2x)")
    p.add_argument("--json", help="write the figures to this file")
    p.add_argument("--log", default="/tmp/lossviz_load_server.log",
                   help="server log when the script starts its own server")
    return p.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse())))
