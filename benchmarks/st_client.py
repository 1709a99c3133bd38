"""A small client that speaks Streamlit's own websocket protocol, as the browser does.

It opens ``/_stcore/stream`` with the ``streamlit`` subprotocol, asks for script runs with a
``rerun_script`` BackMsg that carries the widget states, and reads the ForwardMsgs back
(``new_session``, ``navigation``, deltas, ``script_finished``). It remembers every widget the
page shows (id, kind, bounds, the query parameter it is bound to, and whether the page or the
app's common code drew it) and can pick a random valid new value for each, so a load test can
play a student moving sliders, picking options and typing a formula without a browser. Like
the browser it keeps the large cacheable messages and names them in
``cached_message_hashes``, so the server sends references to them instead of copies.

Pages (``st.navigation``, Streamlit 1.67) work as the frontend does them
(``App.onPageChange`` / ``sendRerunBackMsg`` in Streamlit's frontend):

- a page is opened by a ``rerun_script`` whose ``page_script_hash`` names it (the hashes come
  in the ``navigation`` message); a first load of ``/custom`` sends ``page_name="custom"``
  and no hash instead; every later run sends the current page's hash;
- on a page change the browser keeps only the widget states of the app's common code (the
  elements whose ``active_script_hash`` is the main script's: the sidebar) and, of the
  address bar, only the parameters bound to widgets (``bind="query-params"``); the server
  drops those of the old page and says so in ``page_info_changed``;
- a widget bound to the address bar writes its value there when the student changes it (and
  removes it when it is back at the widget's default), so the query string the client sends
  follows the controls as a browser's does.

Charts are a components-v2 element (``bidi_component``) whose JSON carries the plotly
figure: each run counts them and their bytes (``RunResult.charts``, ``chart_bytes``, and
``chart_refs`` for the ones the server sent as a reference to a cached copy).

No streamlit server code is imported: only the protobuf classes that ship in the package.

Example::

    session = StreamlitSession("http://127.0.0.1:8501")
    first = await session.connect()          # the first script run (the default page)
    widget = session.pick_widget(rng, ("slider",))
    result = await session.rerun([random_state(widget, rng)])
    result = await session.switch_page("custom")
    print(result.seconds, result.ok, result.chart_bytes)
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

# Element kinds whose state the client knows how to set. Read-only elements are ignored.
WIDGET_KINDS = (
    "slider", "number_input", "selectbox", "radio", "button_group", "checkbox",
    "text_input", "text_area", "button", "dataframe",
)
CHART_KIND = "bidi_component"  # a components-v2 element: lossviz's charts
# A number the page should never show: "nan", "inf", "-inf" as Python and numpy print them.
_NONFINITE = re.compile(r"(?<![\w.])[-+]?(nan|inf)(?![\w])", re.IGNORECASE)


@dataclass
class Widget:
    """One widget on the page: its id, element kind, label and element proto; ``param`` is
    the query parameter it is bound to ("" if none) and ``script`` the hash of the script
    that drew it (the main script's for the app's common code, a page's for that page)."""

    id: str
    kind: str
    label: str
    proto: Any = None
    options: tuple[str, ...] = ()
    param: str = ""
    script: str = ""


@dataclass(frozen=True)
class Page:
    """A page of the app's navigation: its script hash, title and URL path ("" for the
    default page)."""

    hash: str
    title: str
    path: str
    default: bool = False


@dataclass
class RunResult:
    """What one script run sent back.

    ``status`` is ``ok``, ``compile_error``, ``timeout`` or ``closed``; ``seconds`` runs from
    sending the request to receiving ``script_finished``. ``exceptions`` are the messages of
    exception elements (tracebacks shown on the page); ``nonfinite`` the texts that show nan
    or inf; ``errors`` the bodies of ``st.error`` boxes (the app's in-place messages).
    """

    status: str
    seconds: float
    bytes: int = 0
    messages: int = 0
    charts: int = 0  # chart elements (bidi_component) the run drew
    chart_bytes: int = 0  # bytes of the chart messages sent in full
    chart_refs: int = 0  # charts sent as a reference to a message the client holds
    exceptions: list[str] = field(default_factory=list)
    nonfinite: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)  # every text the run showed, in order
    resumed: bool | None = None  # after reconnect(): did the server give the session back?

    @property
    def ok(self) -> bool:
        return self.status == "ok" and not self.exceptions and not self.nonfinite


def _ws_url(base_url: str) -> str:
    parts = urlsplit(base_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    path = parts.path.rstrip("/")
    return f"{scheme}://{parts.netloc}{path}/_stcore/stream"


class StreamlitSession:
    """One browser-like session against a running Streamlit server."""

    def __init__(
        self,
        base_url: str,
        *,
        query_string: str = "",
        page: str = "",
        timeout: float = 30.0,
        cookie: str | None = None,
    ) -> None:
        self.base_url = base_url
        self.query_string = query_string
        self.timeout = timeout
        self.cookie = cookie
        self.widgets: dict[str, Widget] = {}
        self.pages: dict[str, Page] = {}  # by hash, in the navigation's order
        self.page_hash = ""  # the page shown (navigation.page_script_hash)
        self.main_hash = ""  # the main script's hash (app.py: the common code)
        self._page_name = page  # the URL path of a first load of another page ("custom")
        self.started = 0  # runs started (new_session messages), all runs
        self.finished: Counter[str] = Counter()  # script_finished statuses, all runs
        self.session_id: str | None = None
        self.upstream: str | None = None  # the backend nginx chose (X-Upstream header)
        self.closed_reason: str | None = None
        self._states: dict[str, WidgetState] = {}  # the widget values the browser would hold
        self._cache: dict[str, ForwardMsg] = {}  # hash -> cacheable message
        self._ws: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._done: asyncio.Future[str] | None = None
        self._run: RunResult | None = None
        self._seen: dict[str, Widget] = {}
        self._tab_container: str | None = None
        self._script = ""  # active_script_hash of the message being read

    # -- connection -------------------------------------------------------------------
    async def connect(self) -> RunResult:
        """Open the websocket and run the script once, as a page load does."""
        await self._open(["streamlit"])
        return await self.rerun()

    async def reconnect(self) -> RunResult:
        """Drop the websocket and open a new one that asks for the same session back, as the
        browser does after a network blip; ``resumed`` tells whether the server had it."""
        old = self.session_id
        await self.close()
        self.closed_reason = None
        # The browser sends [protocol, XSRF token, session id]; the token only matters for
        # signed-in users, so any placeholder will do here.
        await self._open(["streamlit", "xsrf", old] if old else ["streamlit"])
        result = await self.rerun()
        result.resumed = old is not None and self.session_id == old
        return result

    async def _open(self, subprotocols: list[str]) -> None:
        headers = {"Origin": self.base_url.rstrip("/")}
        if self.cookie:
            headers["Cookie"] = self.cookie
        self._ws = await websockets.connect(
            _ws_url(self.base_url),
            subprotocols=subprotocols,
            additional_headers=headers,
            max_size=None,
            open_timeout=self.timeout,
            ping_interval=None,  # the server pings; answering is automatic
            compression=None,
        )
        # The process that answered: after a failover nginx lists every one it tried.
        tried = re.findall(r"[0-9.]+:[0-9]+", self._ws.response.headers.get("X-Upstream", ""))
        self.upstream = tried[-1] if tried else None
        self._reader = asyncio.create_task(self._read())

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)

    # -- runs -------------------------------------------------------------------------
    def _message(self, changes: list[WidgetState] | tuple[WidgetState, ...],
                 page_hash: str | None = None) -> BackMsg:
        """The ``rerun_script`` BackMsg the browser sends for ``changes`` (on top of the
        current widget values), for the current page or, with ``page_hash``, another one."""
        for state in changes:
            self._states[state.id] = state
            self._write_url(state)
        msg = BackMsg()
        client = msg.rerun_script
        if page_hash is not None and page_hash != self.page_hash:
            # A page change (the frontend's onPageChange): only the common code's widgets
            # keep their states, and of the address bar only parameters bound to widgets.
            self._states = {k: v for k, v in self._states.items()
                            if k in self.widgets and self.widgets[k].script == self.main_hash}
            bound = {w.param for w in self.widgets.values() if w.param}
            self.query_string = urlencode(
                [(k, v) for k, v in parse_qsl(self.query_string, keep_blank_values=True)
                 if k in bound])
            client.page_script_hash = page_hash
        elif self.page_hash:
            client.page_script_hash = self.page_hash
        else:  # a first load: the page named by the URL's path (the default page if "")
            client.page_name = self._page_name
        client.query_string = self.query_string
        client.widget_states.widgets.extend(self._states.values())
        client.cached_message_hashes.extend(self._cache)
        client.context_info.timezone = "UTC"
        client.context_info.locale = "en-US"
        # A button is a one-shot trigger: the browser sends it once, then forgets it.
        for state in changes:
            if state.WhichOneof("value") == "trigger_value":
                self._states.pop(state.id, None)
        return msg

    def _write_url(self, state: WidgetState) -> None:
        """Write a bound widget's new value into the query string, as the browser writes the
        address bar (its default value removes the parameter)."""
        widget = self.widgets.get(state.id)
        if widget is None or not widget.param:
            return
        value = _url_value(state)
        pairs = [(k, v) for k, v in parse_qsl(self.query_string, keep_blank_values=True)
                 if k != widget.param]
        if value is not None and value != _url_default(widget):
            pairs += [(widget.param, v) for v in value]
        self.query_string = urlencode(pairs)

    async def send(self, changes: list[WidgetState] | tuple[WidgetState, ...] = ()) -> bool:
        """Send a rerun request and return at once, as a browser does when the student
        changes a control while a run is still going (``finished`` counts how runs end).
        False if the connection is closed."""
        if self._ws is None or self.closed_reason:
            return False
        try:
            await self._ws.send(self._message(changes).SerializeToString())
        except websockets.ConnectionClosed as exc:
            self.closed_reason = f"connection closed: {exc}"
            return False
        return True

    def page_named(self, name: str) -> Page | None:
        """The page whose URL path or title is ``name`` ("custom", "Custom loss"); "" or
        "/" is the default page."""
        for page in self.pages.values():
            if name in (page.path, page.title) or (page.default and name in ("", "/")):
                return page
        return None

    @property
    def page(self) -> Page | None:
        """The page shown."""
        return self.pages.get(self.page_hash)

    async def switch_page(self, name: str) -> RunResult:
        """Open page ``name`` as a click in the navigation does; the run's result (with an
        exception if the server opened another page)."""
        page = self.page_named(name)
        if page is None:
            return RunResult("closed" if self.closed_reason else "no_such_page", 0.0)
        result = await self.rerun(page_hash=page.hash)
        if result.status == "ok" and self.page_hash != page.hash:
            result.exceptions.append(f"asked for page {name!r}, got "
                                     f"{self.page.title if self.page else self.page_hash!r}")
        return result

    async def rerun(self, changes: list[WidgetState] | tuple[WidgetState, ...] = (), *,
                    page_hash: str | None = None) -> RunResult:
        """Set ``changes`` on top of the current widget values, rerun (on page ``page_hash``
        if given, else the current page), wait for the end."""
        if self._ws is None or self.closed_reason:
            return RunResult("closed", 0.0)
        msg = self._message(changes, page_hash)
        loop = asyncio.get_running_loop()
        self._done = loop.create_future()
        self._run = RunResult("timeout", 0.0)
        self._seen = {}
        start = time.perf_counter()
        try:
            await self._ws.send(msg.SerializeToString())
            status = await asyncio.wait_for(asyncio.shield(self._done), self.timeout)
        except TimeoutError:
            status = "timeout"
        except websockets.ConnectionClosed as exc:
            self.closed_reason = f"connection closed: {exc}"
            status = "closed"
        run = self._run
        run.status = status
        run.seconds = time.perf_counter() - start
        return run

    # -- reading ------------------------------------------------------------------------
    async def _read(self) -> None:
        try:
            async for data in self._ws:
                msg = ForwardMsg()
                msg.ParseFromString(data)
                self._handle(msg, len(data))
        except websockets.ConnectionClosed as exc:
            self.closed_reason = f"connection closed: {exc}"
        except Exception as exc:  # a bug here must fail the run, not hang it
            self.closed_reason = f"client error: {exc!r}"
        finally:
            if self.closed_reason is None:
                self.closed_reason = "connection closed"
            if self._done is not None and not self._done.done():
                self._done.set_result("closed")

    def _handle(self, msg: ForwardMsg, size: int) -> None:
        run = self._run
        if run is not None:
            run.bytes += size
            run.messages += 1
        kind = msg.WhichOneof("type")
        # Which script drew the element (the metadata travels with a reference too).
        self._script = msg.metadata.active_script_hash
        if kind == "ref_hash":
            cached = self._cache.get(msg.ref_hash)
            if cached is None:
                if run is not None:
                    run.exceptions.append(f"unknown cached message {msg.ref_hash}")
                return
            msg, kind = cached, "delta"
            if run is not None and _is_chart(msg):
                run.charts += 1
                run.chart_refs += 1
        else:
            if msg.metadata.cacheable and msg.hash:
                self._cache[msg.hash] = msg
            if kind == "delta" and run is not None and _is_chart(msg):
                run.charts += 1
                run.chart_bytes += size
        if kind == "page_info_changed":
            # The app writes its settings into the URL; the browser sends that URL back.
            self.query_string = msg.page_info_changed.query_string
        elif kind == "new_session":
            self.session_id = msg.new_session.initialize.session_id or self.session_id
            self.main_hash = msg.new_session.main_script_hash or self.main_hash
            self._seen = {}  # a run starts: the page is drawn anew
            self.started += 1
        elif kind == "navigation":
            nav = msg.navigation
            # The pages a student can click: a hidden page (the app's /regression alias)
            # is reached by a typed address only.
            self.pages = {p.page_script_hash: Page(p.page_script_hash, p.page_name,
                                                   p.url_pathname, p.is_default)
                          for p in nav.app_pages if not p.is_hidden}
            self.page_hash = nav.page_script_hash
        elif kind == "page_not_found" and run is not None:
            run.exceptions.append(f"page not found: {msg.page_not_found.page_name!r}")
        elif kind == "delta":
            self._delta(msg)
        elif kind == "script_finished":
            status = ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished)
            self.finished[status] += 1
            if status == "FINISHED_EARLY_FOR_RERUN":
                return  # a newer run of this session took over; wait for that one
            self.widgets = self._seen
            # The browser drops the state of widgets that are gone from the page.
            self._states = {k: v for k, v in self._states.items() if k in self.widgets}
            if self._done is not None and not self._done.done():
                ok = status in ("FINISHED_SUCCESSFULLY", "FINISHED_FRAGMENT_RUN_SUCCESSFULLY")
                self._done.set_result("ok" if ok else "compile_error")
        elif kind == "session_event" and msg.session_event.HasField(
            "script_compilation_exception"
        ) and run is not None:
            run.exceptions.append(msg.session_event.script_compilation_exception.message)

    def _delta(self, msg: ForwardMsg) -> None:
        delta = msg.delta
        which = delta.WhichOneof("type")
        run = self._run
        if which == "add_block":
            block = delta.add_block
            if block.WhichOneof("type") == "tab_container":
                self._tab_container = block.tab_container.id or block.id or None
                if self._tab_container:
                    self._seen[self._tab_container] = Widget(self._tab_container, "tabs", "tabs")
            elif block.WhichOneof("type") == "tab" and self._tab_container in self._seen:
                tabs = self._seen[self._tab_container]
                tabs.options = (*tabs.options, block.tab.label)
            return
        if which != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind == "exception" and run is not None:
            exc = element.exception
            run.exceptions.append(f"{exc.type}: {exc.message}")
            return
        if run is not None:
            for text in _visible_texts(element, kind):
                run.texts.append(text)
                if _NONFINITE.search(text):
                    run.nonfinite.append(text[:200])
            if kind == "alert" and element.alert.format == 1:  # ERROR
                run.errors.append(element.alert.body[:200])
        if kind not in WIDGET_KINDS:
            return
        proto = getattr(element, kind)
        if kind == "dataframe" and (not proto.id or proto.editing_mode == 0):
            return  # a read-only table
        if not getattr(proto, "id", ""):
            return
        if getattr(proto, "disabled", False):
            return
        widget = Widget(proto.id, kind, getattr(proto, "label", ""), proto,
                        param=getattr(proto, "query_param_key", ""), script=self._script)
        if kind in ("selectbox", "radio"):
            widget.options = tuple(proto.options)
        elif kind == "button_group":
            widget.options = tuple(option.content for option in proto.options)
        self._seen[widget.id] = widget

    # -- choosing -----------------------------------------------------------------------
    def page_widgets(self) -> list[Widget]:
        """The widgets the current page drew (not the app's common code: the sidebar)."""
        return [w for w in self.widgets.values() if w.script != self.main_hash]

    def pick_widget(self, rng: random.Random, kinds: tuple[str, ...] = (), *,
                    page_only: bool = False) -> Widget | None:
        """A random widget (of ``kinds`` when given; of the page alone with ``page_only``),
        or None if there is none."""
        pool = self.page_widgets() if page_only else list(self.widgets.values())
        pool = [w for w in pool if not kinds or w.kind in kinds]
        return rng.choice(pool) if pool else None

    def number(self, widget: Widget) -> float | None:
        """The value a slider or number input shows: what this client last set, else the
        value the server drew it with: a number box's ``value`` when the server set one,
        else its ``default`` (None if neither is known)."""
        state = self._states.get(widget.id)
        if state is not None:
            which = state.WhichOneof("value")
            if which == "double_array_value" and state.double_array_value.data:
                return state.double_array_value.data[0]
            if which in ("double_value", "int_value"):
                return getattr(state, which)
        value = getattr(widget.proto, "value", None)
        if widget.kind == "slider":
            return value[0] if value is not None and len(value) else None
        if getattr(widget.proto, "set_value", False):
            return value
        return getattr(widget.proto, "default", None)

    def widget_for(self, param: str) -> Widget | None:
        """The widget bound to query parameter ``param`` on this page, if any."""
        return next((w for w in self.widgets.values() if w.param == param), None)


def _is_chart(msg: ForwardMsg) -> bool:
    delta = msg.delta
    return (delta.WhichOneof("type") == "new_element"
            and delta.new_element.WhichOneof("type") == CHART_KIND)


def _js_number(value: float) -> str:
    """A number as JavaScript's ``String()`` writes it (20.0 -> "20", 0.1 -> "0.1")."""
    if math.isfinite(value) and value == int(value) and abs(value) < 1e21:
        return str(int(value))
    return repr(value)


def _url_value(state: WidgetState) -> list[str] | None:
    """The address bar's form of a widget state (the frontend's ``convertToUrlValue``)."""
    which = state.WhichOneof("value")
    if which == "bool_value":
        return ["true" if state.bool_value else "false"]
    if which in ("double_value", "int_value"):
        return [_js_number(getattr(state, which))]
    if which == "string_value":
        return [state.string_value]
    if which == "string_array_value":
        return [v for v in state.string_array_value.data if v != ""]
    if which == "double_array_value":
        return [_js_number(v) for v in state.double_array_value.data]
    return None  # triggers, JSON: not written to the address bar


def _url_default(widget: Widget) -> list[str] | None:
    """A bound widget's default in the address bar's form (then the parameter is removed)."""
    default = getattr(widget.proto, "default", None)
    if widget.kind in ("slider",):
        return [_js_number(v) for v in default]
    if widget.kind == "number_input":
        return [_js_number(default)]
    if widget.kind == "checkbox":
        return ["true" if default else "false"]
    return None  # choices: always written (their default is an index, not a value)


def _visible_texts(element: Any, kind: str) -> list[str]:
    if kind == "markdown":
        return [element.markdown.body]
    if kind == "metric":
        return [element.metric.body, element.metric.delta]
    if kind == "text":
        return [element.text.body]
    if kind == "heading":
        return [element.heading.body]
    return []  # alerts may quote the student's own input ("x is inf"): not counted


# -- random widget values ------------------------------------------------------------------
def _grid_value(rng: random.Random, low: float, high: float, step: float) -> float:
    if step and step > 0 and math.isfinite(high - low):
        n = round((high - low) / step)
        return low + step * rng.randint(0, max(n, 0))
    return rng.uniform(low, high)


def pick_option(widget: Widget, option: str) -> WidgetState:
    """The state that picks ``option`` of a one-choice widget (a segmented control, a menu)."""
    state = WidgetState(id=widget.id)
    if widget.kind == "button_group":
        state.string_array_value.data.append(option)
    else:
        state.string_value = option
    return state


def set_number(widget: Widget, value: float) -> WidgetState:
    """The state that sets a slider or number input to ``value``."""
    state = WidgetState(id=widget.id)
    if widget.kind == "slider":
        state.double_array_value.data.append(float(value))
    elif widget.proto.data_type == 0:  # INT
        state.int_value = int(value)
    else:
        state.double_value = float(value)
    return state


def slider_move(widget: Widget, rng: random.Random, current: float | None,
                near: float = 0.7) -> WidgetState:
    """A student's slider move: with probability ``near`` a few steps (1-8) from
    ``current`` (``StreamlitSession.number``), else anywhere on the slider."""
    proto = widget.proto
    if (widget.kind != "slider" or len(proto.default) != 1 or current is None
            or rng.random() >= near):
        return random_state(widget, rng)
    step = proto.step or (proto.max - proto.min) / 100 or 1.0
    moved = current + step * rng.choice([-1, 1]) * rng.randint(1, 8)
    moved = min(proto.max, max(proto.min, moved))
    return set_number(widget, float(round(moved)) if proto.data_type == 0 else round(moved, 10))


def random_state(widget: Widget, rng: random.Random) -> WidgetState:
    """A random, valid new value for ``widget``, as the browser would send it."""
    state = WidgetState(id=widget.id)
    proto = widget.proto
    kind = widget.kind
    if kind == "slider":
        low, high, step = proto.min, proto.max, proto.step
        values = [_grid_value(rng, low, high, step) for _ in range(max(1, len(proto.default)))]
        values.sort()
        # Snap to the step's decimals, as the browser's slider does (0.1 * 14 -> 1.4).
        values = [float(round(v)) if proto.data_type == 0 else round(v, 10) for v in values]
        state.double_array_value.data.extend(values)
    elif kind == "number_input":
        low = proto.min if proto.has_min else -1e6
        high = proto.max if proto.has_max else 1e6
        if proto.data_type == 0:  # INT
            state.int_value = int(_grid_value(rng, low, high, proto.step or 1))
        else:
            # Students type numbers off the step grid, including the extreme ends.
            state.double_value = rng.choice([low, high, rng.uniform(low, high)])
    elif kind in ("selectbox", "radio", "tabs"):
        state.string_value = rng.choice(widget.options) if widget.options else ""
    elif kind == "button_group":
        if proto.click_mode == 1:  # MULTI_SELECT
            chosen = [o for o in widget.options if rng.random() < 0.5] or list(widget.options[:1])
        else:
            chosen = [rng.choice(widget.options)] if widget.options else []
        state.string_array_value.data.extend(chosen)
    elif kind == "checkbox":
        state.bool_value = rng.random() < 0.5
    elif kind in ("text_input", "text_area"):
        limit = proto.max_chars or 500
        state.string_value = random_formula(rng)[:limit]
    elif kind == "button":
        state.trigger_value = True
    elif kind == "dataframe":
        state.string_value = json.dumps(random_table_edit(proto, rng))
    return state


_FORMULA_PARTS = (
    "r", "r**2", "abs(r)", "log(1 + r**2)", "sqrt(1 + r**2) - 1", "exp(-r)", "1/r",
    "log(r)", "r**1000", "exp(r)", "max(r, 0)", "tanh(r)", "sin(r)",
)


def random_formula(rng: random.Random) -> str:
    """A random loss formula in r: valid, invalid, singular or very large."""
    roll = rng.random()
    if roll < 0.1:
        return rng.choice(["", "r +", "import os", "__import__('os')", "r" * 400, "(" * 50])
    parts = [rng.choice(_FORMULA_PARTS) for _ in range(rng.randint(1, 3))]
    return " + ".join(parts)


def _table_columns(proto: Any) -> tuple[dict[str, str], int]:
    """Column names with their Arrow type names, and the row count, of a data editor."""
    import pyarrow as pa

    table = pa.ipc.open_stream(proto.arrow_data.data).read_all()
    columns = {
        field.name: str(field.type)
        for field in table.schema
        if not field.name.startswith("__index_level_")
    }
    return columns, table.num_rows


def _cell_value(kind: str, rng: random.Random) -> Any:
    # What a student can type into a cell of that type: a checkbox gives true or false, a
    # number cell ordinary, extreme or cleared (None) values.
    if kind == "bool":
        return rng.random() < 0.5
    if kind.startswith(("string", "large_string")):
        return rng.choice(["", "a", "1.5", "nan"])
    return rng.choice([rng.uniform(-5, 5), rng.uniform(-5, 5), 0.0, 1e300, -1e300, None])


def random_table_edit(proto: Any, rng: random.Random) -> dict[str, Any]:
    """A data editor edit: change cells (to ordinary or extreme numbers), add or delete rows."""
    columns, rows = _table_columns(proto)
    names = list(columns)
    state: dict[str, Any] = {"edited_rows": {}, "added_rows": [], "deleted_rows": []}
    roll = rng.random()
    dynamic = proto.editing_mode == 2
    if dynamic and roll < 0.2:
        state["added_rows"] = [
            {n: _cell_value(columns[n], rng) for n in names} for _ in range(rng.randint(1, 3))
        ]
    elif dynamic and roll < 0.3 and rows:
        state["deleted_rows"] = sorted(rng.sample(range(rows), k=min(rows, rng.randint(1, 3))))
    elif rows and names:
        for _ in range(rng.randint(1, 3)):
            row = str(rng.randrange(rows))
            name = rng.choice(names)
            state["edited_rows"].setdefault(row, {})[name] = _cell_value(columns[name], rng)
    return state
